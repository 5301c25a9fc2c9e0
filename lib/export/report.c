// SPDX-License-Identifier: BSD-2-Clause
/*
 * `elog --report` (report.h). The page is the vendored plotting library
 * (uPlot) and inflater (fflate), built into report_assets.c from npm at
 * build time, the page's own script and style (lib/export/report/), and one JSON
 * document (compressed) with the
 * connections: their summary rows, the points their provider's analysis
 * plotted and their events for the timeline. Nothing here knows what a
 * graph means; the provider names and fills them.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <eventlog/schema.h>

#include "conn_analysis.h"
#include "conn_facts.h"
#include "format.h"
#include "outfile.h"
#include "report.h"
#include "session_map.h"

extern const unsigned char elog_report_uplot_js[], elog_report_uplot_css[], elog_report_fflate_js[];
extern const unsigned char elog_report_page_js[], elog_report_page_css[];
extern const size_t elog_report_uplot_js_len, elog_report_uplot_css_len, elog_report_fflate_js_len;
extern const size_t elog_report_page_js_len, elog_report_page_css_len;

struct pt {
	uint64_t ts;
	double y, y2;
};

struct pts {
	struct pt *v;
	size_t n, cap;
};

struct span {
	uint64_t t0, t1;
	const char *label;
};

struct tl_event {
	uint64_t ts;
	uint32_t name;  /* index into names */
	uint32_t text;  /* offset into text, UINT32_MAX: none kept */
	uint64_t seq;   /* capture order, for a stable sort */
};

#define TL_NAMES_MAX 256

struct elog_plot {
	const struct elog_conn_analysis_ops *ops;
	struct pts *series; /* graph-major: graph g, series s at off[g] + s */
	unsigned *off;
	struct span *spans;
	size_t nspans, capspans;
	struct tl_event *tl;
	size_t ntl, captl;
	const char *names[TL_NAMES_MAX];
	uint32_t nnames;
	char *text;
	size_t ntext, captext, ntexts;
	bool oom;
};

struct conn {
	const struct elog_conn_facts_ops *facts;
	void *a;
	struct elog_plot plot;
	struct elog_dump_tally dumps;
	bool have_t0;
	uint64_t t0;  /* the earliest time of the session's records */
	int64_t utc0;
};

struct elog_report {
	char *path;
	struct elog_export x; /* the file (lib/capture/outfile.h) */
	int fd;               /* x.fd until written */
	bool written;
	struct elog_session_map *map;
};

/* ------------------------------------------------------- what is plotted */

static bool grow(void **v, size_t *cap, size_t need, size_t size)
{
	size_t nc;
	void *nv;

	if (need <= *cap)
		return true;
	nc = *cap ? *cap * 2 : 256;
	while (nc < need)
		nc *= 2;
	nv = realloc(*v, nc * size);
	if (nv == NULL)
		return false;
	*v = nv;
	*cap = nc;
	return true;
}

void elog_plot_point(struct elog_plot *p, unsigned graph, unsigned series, uint64_t ts_us,
		     double y, double y2)
{
	struct pts *s;

	if (p == NULL || graph >= p->ops->ngraphs || series >= p->ops->graphs[graph].nseries)
		return;
	s = &p->series[p->off[graph] + series];
	if (!grow((void **)&s->v, &s->cap, s->n + 1, sizeof(*s->v))) {
		p->oom = true;
		return;
	}
	s->v[s->n++] = (struct pt){ ts_us, y, y2 };
}

void elog_plot_span(struct elog_plot *p, uint64_t t0_us, uint64_t t1_us, const char *label)
{
	if (p == NULL)
		return;
	if (!grow((void **)&p->spans, &p->capspans, p->nspans + 1, sizeof(*p->spans))) {
		p->oom = true;
		return;
	}
	p->spans[p->nspans++] = (struct span){ t0_us, t1_us, label };
}

static int plot_init(struct elog_plot *p, const struct elog_conn_analysis_ops *ops)
{
	unsigned total = 0;

	memset(p, 0, sizeof(*p));
	p->ops = ops;
	p->off = calloc(ops->ngraphs + 1, sizeof(*p->off));
	if (p->off == NULL)
		return -1;
	for (unsigned g = 0; g < ops->ngraphs; g++) {
		p->off[g] = total;
		total += ops->graphs[g].nseries;
	}
	p->series = calloc(total ? total : 1, sizeof(*p->series));
	return p->series == NULL ? -1 : 0;
}

static void plot_free(struct elog_plot *p)
{
	unsigned total = 0;

	if (p->ops == NULL)
		return;
	for (unsigned g = 0; g < p->ops->ngraphs; g++)
		total += p->ops->graphs[g].nseries;
	for (unsigned i = 0; p->series != NULL && i < total; i++)
		free(p->series[i].v);
	free(p->series);
	free(p->off);
	free(p->spans);
	free(p->tl);
	free(p->text);
}

/* Every event on the timeline; the first ELOG_REPORT_TEXT_MAX decoded. */
static void timeline_add(struct elog_plot *p, const struct elog_series_record *r)
{
	const struct elog_event_desc *ev = r->desc ? elog_schema_event(r->desc, r->rec.hdr.event_id)
						   : NULL;
	const char *name = ev ? ev->name : "UNKNOWN";
	struct tl_event *e;
	uint32_t k;

	for (k = 0; k < p->nnames && strcmp(p->names[k], name) != 0; k++)
		;
	if (k == p->nnames) {
		if (k == TL_NAMES_MAX)
			k = TL_NAMES_MAX - 1; /* more kinds than any schema has: lumped */
		else
			p->names[p->nnames++] = name;
	}
	if (!grow((void **)&p->tl, &p->captl, p->ntl + 1, sizeof(*p->tl))) {
		p->oom = true;
		return;
	}
	e = &p->tl[p->ntl];
	e->seq = p->ntl++;
	e->ts = r->rec.hdr.timestamp;
	e->name = k;
	e->text = UINT32_MAX;
	if (p->ntexts < ELOG_REPORT_TEXT_MAX) {
		char buf[1024];
		size_t n = elog_format_event(buf, sizeof(buf), ev, r->rec.hdr.event_id,
					     r->rec.payload, r->rec.payload_len);

		if (p->ntext + n + 1 > UINT32_MAX ||
		    !grow((void **)&p->text, &p->captext, p->ntext + n + 1, 1)) {
			p->oom = true;
			return;
		}
		memcpy(p->text + p->ntext, buf, n + 1);
		e->text = (uint32_t)p->ntext;
		p->ntext += n + 1;
		p->ntexts++;
	}
}

/* ---------------------------------------------------------------- report */

int elog_report_open(struct elog_report **out, const char *path, bool replace,
		     struct elog_error *err)
{
	struct elog_report *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (r == NULL || (r->path = strdup(path)) == NULL) {
		free(r);
		return elog_errorf(err, ENOMEM, "out of memory");
	}
	if (elog_session_map_open(&r->map, sizeof(struct conn), err) < 0) {
		free(r->path);
		free(r);
		return -1;
	}
	/* An existing file is never replaced unless asked, and then only
	 * once the page is written whole. */
	if (elog_export_open(&r->x, path, 0644, replace, err) < 0) {
		elog_session_map_close(r->map);
		free(r->path);
		free(r);
		return -1;
	}
	r->fd = r->x.fd;
	*out = r;
	return 0;
}

int elog_report_add(struct elog_report *r, const struct elog_series_record *rec,
		    struct elog_error *err)
{
	const struct elog_conn_facts_ops *facts;
	const struct elog_conn_analysis_ops *ops;
	struct conn *c;

	if (rec->rec.hdr.session_id == ELOG_SESSION_ID_NONE)
		return 0;
	facts = elog_conn_facts_find(rec->provider_name);
	if (facts == NULL || facts->analysis == NULL)
		return 0;
	ops = facts->analysis;
	c = elog_session_map_get(r->map, facts, rec->rec.hdr.session_id, 1, err);
	if (c == NULL)
		return -1;
	if (c->a == NULL) {
		c->facts = facts;
		c->a = ops->open();
		if (c->a == NULL || plot_init(&c->plot, ops) < 0)
			return elog_errorf(err, ENOMEM, "out of memory");
		if (ops->plot_to != NULL)
			ops->plot_to(c->a, &c->plot);
	}
	/* The earliest, not the first: a black box dump brings older records. */
	if (!c->have_t0 || rec->rec.hdr.timestamp < c->t0) {
		c->have_t0 = true;
		c->t0 = rec->rec.hdr.timestamp;
		c->utc0 = rec->utc_us;
	}
	if (!elog_dump_tally_add(&c->dumps, rec->rec.hdr.event_id, rec->rec.payload,
				 rec->rec.payload_len))
		ops->event(c->a, &rec->rec.hdr, rec->utc_us, rec->rec.payload,
			   rec->rec.payload_len);
	timeline_add(&c->plot, rec);
	if (c->plot.oom)
		return elog_errorf(err, ENOMEM, "out of memory");
	return 0;
}

/* ---------------------------------------------------------------- output */

/* A JSON string; '<' escaped too, so that no text can end the script
 * element the data sits in. Bytes >= 0x80 are kept as their Latin-1 code
 * point (not known to be UTF-8). */
static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p >= 0x20 && *p < 0x7f && *p != '<' && *p != '>' && *p != '&')
			fputc(*p, f);
		else
			fprintf(f, "\\u%04x", *p);
	}
	fputc('"', f);
}

static void jnum(FILE *f, double v)
{
	if (!isfinite(v))
		fputs("null", f);
	else if (v == floor(v) && fabs(v) < 1e15)
		fprintf(f, "%.0f", v);
	else
		fprintf(f, "%.6g", v);
}

/*
 * The numbers of a connection's graphs and timeline: not JSON lists but
 * byte streams (zigzag LEB128 varints), one stream per array, named in the
 * connection's JSON by its offset and count in its part: one part per
 * graph and one for the timeline, each compressed on its own, so that the
 * page inflates a graph's numbers only when it draws that graph. Times are
 * microsecond steps, whole-number values steps too: mostly one or two
 * bytes each, so that a million events are a little to inflate and no JSON
 * to parse; the page reads them straight into typed arrays.
 */
struct bin {
	uint8_t *p;
	size_t n, cap;
	bool oom;
};

static void bin_put(struct bin *b, int64_t v)
{
	uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);

	if (!grow((void **)&b->p, &b->cap, b->n + 10, 1)) {
		b->oom = true;
		return;
	}
	while (z >= 0x80) {
		b->p[b->n++] = (uint8_t)(z | 0x80);
		z >>= 7;
	}
	b->p[b->n++] = (uint8_t)z;
}

/* The JSON's name for the stream that follows: [offset, count]. */
static void bin_ref(FILE *f, const char *key, const struct bin *b, size_t count)
{
	fprintf(f, ",\"%s\":[%zu,%zu]", key, b->n, count);
}

/* Seconds since the connection's first event, to the microsecond. */
static void jtime(FILE *f, uint64_t ts, uint64_t t0)
{
	int64_t d = (int64_t)(ts - t0);

	fprintf(f, "%s%lld.%06lld", d < 0 ? "-" : "", (long long)(d < 0 ? -d : d) / 1000000,
		(long long)(d < 0 ? -d : d) % 1000000);
}

static void put_sum_value(FILE *f, const struct elog_sum_field *fl)
{
	char t[64];

	if (!fl->known) {
		fputs("null", f);
		return;
	}
	switch (fl->kind) {
	case ELOG_SUM_UINT:
		fprintf(f, "%llu", (unsigned long long)fl->u);
		return;
	case ELOG_SUM_REAL:
		snprintf(t, sizeof(t), "%.6f", isfinite(fl->d) ? fl->d : 0.0);
		jstr(f, t);
		return;
	case ELOG_SUM_TIME: {
		time_t sec = (time_t)(fl->i >= 0 ? fl->i / 1000000 : (fl->i - 999999) / 1000000);
		struct tm tm;

		gmtime_r(&sec, &tm);
		snprintf(t, sizeof(t), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (int)(fl->i - (int64_t)sec * 1000000));
		jstr(f, t);
		return;
	}
	case ELOG_SUM_TEXT: {
		char s[sizeof(fl->text) + 1];

		memcpy(s, fl->text, sizeof(fl->text));
		s[sizeof(fl->text)] = '\0';
		jstr(f, s);
		return;
	}
	}
}

static const char *const style_names[] = {
	[ELOG_PLOT_LINE] = "line", [ELOG_PLOT_STEP] = "step", [ELOG_PLOT_POINTS] = "points",
	[ELOG_PLOT_RANGE] = "range", [ELOG_PLOT_MARK] = "mark",
};

/* Events of one session come nearly in time order, not exactly (records
 * of several CPUs meet in the reorder window): the page wants every array
 * sorted by time, which is cheaper here than in the browser. The timeline
 * is sorted by name first: one row per name. */
static int tl_cmp(const void *x, const void *y)
{
	const struct tl_event *a = x, *b = y;

	if (a->name != b->name)
		return a->name < b->name ? -1 : 1;
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

struct pt_seq {
	struct pt p;
	size_t seq;
};

static int pt_cmp(const void *x, const void *y)
{
	const struct pt_seq *a = x, *b = y;

	if (a->p.ts != b->p.ts)
		return a->p.ts < b->p.ts ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void sort_pts(struct pts *s)
{
	struct pt_seq *tmp;
	size_t i;

	for (i = 1; i < s->n && s->v[i - 1].ts <= s->v[i].ts; i++)
		;
	if (i >= s->n)
		return;
	tmp = malloc(s->n * sizeof(*tmp));
	if (tmp == NULL)
		return; /* the page sorts what is left unsorted */
	for (i = 0; i < s->n; i++)
		tmp[i] = (struct pt_seq){ s->v[i], i };
	qsort(tmp, s->n, sizeof(*tmp), pt_cmp);
	for (i = 0; i < s->n; i++)
		s->v[i] = tmp[i].p;
	free(tmp);
}

static bool whole(double v)
{
	return v == floor(v) && fabs(v) < 1e15;
}

/* A series' y: as steps ("dy", each from the one before, the first from
 * 0) when every y is a whole number, as most are (sequence numbers, bytes,
 * microseconds). Else as JSON numbers ("y"). */
static void put_ys(FILE *f, const struct pts *ps, struct bin *b)
{
	bool all = true;
	int64_t prev = 0;

	for (size_t i = 0; i < ps->n && all; i++)
		all = whole(ps->v[i].y);
	if (all) {
		bin_ref(f, "dy", b, ps->n);
		for (size_t i = 0; i < ps->n; i++) {
			bin_put(b, (int64_t)ps->v[i].y - prev);
			prev = (int64_t)ps->v[i].y;
		}
		return;
	}
	fputs(",\"y\":[", f);
	for (size_t i = 0; i < ps->n; i++) {
		if (i)
			fputc(',', f);
		jnum(f, ps->v[i].y);
	}
	fputc(']', f);
}

/* What the list of connections shows: index, who, summary row. */
static void put_conn_head(FILE *f, struct conn *c, uint64_t session, size_t index)
{
	const struct elog_conn_analysis_ops *ops = c->facts->analysis;
	struct elog_sum_field fl[ELOG_SUM_FIELDS_MAX];
	size_t nf = elog_dump_tally_fields(&c->dumps, fl, ops->summary(c->a, fl, ELOG_SUM_FIELDS_MAX),
					   ELOG_SUM_FIELDS_MAX);

	fprintf(f, "{\"index\":%zu,\"provider\":", index);
	jstr(f, c->facts->provider);
	fprintf(f, ",\"session\":%llu,\"trouble\":", (unsigned long long)session);
	jnum(f, ops->trouble ? ops->trouble(c->a) : 0);
	fputs(",\"start_utc_us\":", f);
	fprintf(f, "%lld", (long long)c->utc0);
	fputs(",\"summary\":[", f);
	for (size_t k = 0; k < nf; k++) {
		fputs(k ? ",[" : "[", f);
		jstr(f, fl[k].name);
		fputc(',', f);
		put_sum_value(f, &fl[k]);
		fputc(']', f);
	}
	fputs("]}", f);
}

/* What its graphs draw: a document of its own, read when they are drawn;
 * graph g's numbers go to part[g], the timeline's to part[ngraphs], the
 * timeline's decoded texts (one list per row, read when the pointer is
 * first over the timeline) to texts. The time the last event ends
 * ("t_end", seconds) lets the page set the shared time axis before it
 * reads any series. */
static void put_conn_body(FILE *f, struct conn *c, struct bin *part, FILE *texts)
{
	const struct elog_conn_analysis_ops *ops = c->facts->analysis;
	struct elog_plot *p = &c->plot;
	uint64_t prev, end = c->t0;

	for (unsigned g = 0; g < ops->ngraphs; g++)
		for (unsigned s = 0; s < ops->graphs[g].nseries; s++) {
			struct pts *ps = &p->series[p->off[g] + s];

			sort_pts(ps);
			if (ps->n && ps->v[ps->n - 1].ts > end)
				end = ps->v[ps->n - 1].ts;
		}
	/* The timeline as one row per event name (the page draws it so). */
	qsort(p->tl, p->ntl, sizeof(*p->tl), tl_cmp);
	for (size_t i = 0; i < p->ntl; i++)
		if (p->tl[i].ts > end)
			end = p->tl[i].ts;
	fputs("{\"t_end\":", f);
	jtime(f, end, c->t0);
	fputs(",\"graphs\":[", f);
	for (unsigned g = 0; g < ops->ngraphs; g++) {
		const struct elog_plot_graph *gd = &ops->graphs[g];

		fputs(g ? ",{\"title\":" : "{\"title\":", f);
		jstr(f, gd->title);
		fputs(",\"unit\":", f);
		jstr(f, gd->unit);
		fputs(",\"series\":[", f);
		for (unsigned s = 0; s < gd->nseries; s++) {
			const struct elog_plot_series *sd = &gd->series[s];
			struct pts *ps = &p->series[p->off[g] + s];
			struct bin *b = &part[g];
			bool lens = true;

			fputs(s ? ",{\"name\":" : "{\"name\":", f);
			jstr(f, sd->name);
			fputs(",\"style\":", f);
			jstr(f, style_names[sd->style]);
			fputs(",\"color\":", f);
			jstr(f, sd->color);
			bin_ref(f, "dt", b, ps->n);
			prev = c->t0;
			for (size_t i = 0; i < ps->n; i++) {
				bin_put(b, (int64_t)(ps->v[i].ts - prev));
				prev = ps->v[i].ts;
			}
			put_ys(f, ps, b);
			/* A range as its length: shorter than its end. */
			if (sd->style == ELOG_PLOT_RANGE) {
				for (size_t i = 0; i < ps->n && lens; i++)
					lens = whole(ps->v[i].y2 - ps->v[i].y);
				if (lens) {
					bin_ref(f, "len", b, ps->n);
					for (size_t i = 0; i < ps->n; i++)
						bin_put(b, (int64_t)(ps->v[i].y2 - ps->v[i].y));
				} else {
					fputs(",\"lenf\":[", f);
					for (size_t i = 0; i < ps->n; i++) {
						if (i)
							fputc(',', f);
						jnum(f, ps->v[i].y2 - ps->v[i].y);
					}
					fputc(']', f);
				}
			}
			fputc('}', f);
		}
		fputs("]}", f);
	}
	fputs("],\"spans\":[", f);
	for (size_t i = 0; i < p->nspans; i++) {
		fputs(i ? ",[" : "[", f);
		jtime(f, p->spans[i].t0, c->t0);
		fputc(',', f);
		jtime(f, p->spans[i].t1, c->t0);
		fputc(',', f);
		jstr(f, p->spans[i].label);
		fputc(']', f);
	}
	/* Each row's times as steps, and its decoded texts (tx: steps between
	 * the row's events that have one). */
	fputs("],\"timeline\":{\"rows\":[", f);
	fputc('[', texts);
	for (size_t i = 0, row = 0; row < p->nnames; row++) {
		struct bin *b = &part[ops->ngraphs];

		size_t end_row = i, n = 0, last = 0;

		while (end_row < p->ntl && p->tl[end_row].name == row)
			end_row++;
		fputs(row ? ",{\"name\":" : "{\"name\":", f);
		jstr(f, p->names[row]);
		bin_ref(f, "dt", b, end_row - i);
		prev = c->t0;
		for (size_t j = i; j < end_row; j++) {
			bin_put(b, (int64_t)(p->tl[j].ts - prev));
			prev = p->tl[j].ts;
		}
		for (size_t j = i; j < end_row; j++)
			n += p->tl[j].text != UINT32_MAX;
		bin_ref(f, "tx", b, n);
		for (size_t j = i; j < end_row; j++) {
			if (p->tl[j].text == UINT32_MAX)
				continue;
			bin_put(b, (int64_t)(j - i - last));
			last = j - i;
		}
		fputc('}', f);
		fputs(row ? ",[" : "[", texts);
		n = 0;
		for (size_t j = i; j < end_row; j++) {
			if (p->tl[j].text == UINT32_MAX)
				continue;
			if (n++)
				fputc(',', texts);
			jstr(texts, p->text + p->tl[j].text);
		}
		fputc(']', texts);
		i = end_row;
	}
	fputc(']', texts);
	fputs("]}}", f);
}

struct order {
	struct conn *c;
	uint64_t session;
	double trouble;
	size_t seen;
};

/* Most trouble first; first seen first among equals. */
static int order_cmp(const void *x, const void *y)
{
	const struct order *a = x, *b = y;

	if (a->trouble != b->trouble)
		return a->trouble > b->trouble ? -1 : 1;
	return a->seen < b->seen ? -1 : a->seen > b->seen;
}

static void put_asset(FILE *f, const unsigned char *p, size_t n)
{
	fwrite(p, 1, n, f);
}

/* The data document as the page reads it: gzip, then base64 (the page
 * inflates it with fflate, several times faster than the browsers'
 * DecompressionStream). A megabyte of page costs the browser about 0.1 s to
 * read before any script runs; compressed, a million events are a few
 * megabytes instead of tens. */
static int put_compressed(FILE *f, const char *json, size_t len, struct elog_error *err)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	z_stream z;
	uint8_t *out;
	size_t cap, n;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return elog_errorf(err, ENOMEM, "zlib: cannot compress");
	cap = deflateBound(&z, (uLong)len) + 64;
	out = malloc(cap);
	if (out == NULL) {
		deflateEnd(&z);
		return elog_errorf(err, ENOMEM, "out of memory");
	}
	z.next_in = (Bytef *)(uintptr_t)json;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	/* Fed in pieces: avail_in is a 32-bit count. */
	for (size_t off = 0;;) {
		size_t piece = len - off > (1u << 30) ? (1u << 30) : len - off;
		int rc;

		z.next_in = (Bytef *)(uintptr_t)(json + off);
		z.avail_in = (uInt)piece;
		off += piece;
		rc = deflate(&z, off == len ? Z_FINISH : Z_NO_FLUSH);
		if (rc == Z_STREAM_END)
			break;
		if (rc != Z_OK) {
			deflateEnd(&z);
			free(out);
			return elog_errorf(err, EIO, "zlib: compression failed");
		}
	}
	n = z.total_out;
	deflateEnd(&z);
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)out[i] << 16 | (i + 1 < n ? (uint32_t)out[i + 1] << 8 : 0) |
			     (i + 2 < n ? out[i + 2] : 0);
		char q[4] = { b64[v >> 18], b64[(v >> 12) & 63], i + 1 < n ? b64[(v >> 6) & 63] : '=',
			      i + 2 < n ? b64[v & 63] : '=' };

		fwrite(q, 1, 4, f);
	}
	free(out);
	return 0;
}

/* One compressed element of the page: class cls, for connection index,
 * part "part" of it (NULL: its document). */
static int put_element(FILE *f, const char *cls, size_t index, const char *part,
		       const void *data, size_t len, struct elog_error *err)
{
	fprintf(f, "<script type=\"application/octet-stream\" class=\"%s\" data-index=\"%zu\"", cls,
		index);
	if (part != NULL)
		fprintf(f, " data-part=\"%s\"", part);
	fputc('>', f);
	if (put_compressed(f, data, len, err) < 0)
		return -1;
	fputs("</script>\n", f);
	return 0;
}

/* A connection's document, its parts (a graph's numbers each, the
 * timeline's, the timeline's texts), each an element of its own. */
static int put_conn(FILE *f, struct conn *c, size_t index, struct elog_error *err)
{
	unsigned ng = c->facts->analysis->ngraphs;
	struct bin *part = calloc(ng + 1, sizeof(*part));
	char *json = NULL, *texts = NULL, name[16];
	size_t json_len = 0, texts_len = 0;
	FILE *js = open_memstream(&json, &json_len);
	FILE *ts = open_memstream(&texts, &texts_len);
	bool bad = part == NULL || js == NULL || ts == NULL;
	int rc = 0;

	if (!bad)
		put_conn_body(js, c, part, ts);
	if (js != NULL)
		bad |= ferror(js) | (fclose(js) != 0);
	if (ts != NULL)
		bad |= ferror(ts) | (fclose(ts) != 0);
	for (unsigned g = 0; !bad && g <= ng; g++)
		bad = part[g].oom;
	if (bad)
		rc = elog_errorf(err, ENOMEM, "out of memory");
	if (rc == 0)
		rc = put_element(f, "elog-conn", index, NULL, json, json_len, err);
	for (unsigned g = 0; rc == 0 && g <= ng; g++) {
		snprintf(name, sizeof(name), "%u", g);
		rc = put_element(f, "elog-part", index, name, part[g].p ? (const void *)part[g].p : "",
				 part[g].n, err);
	}
	if (rc == 0)
		rc = put_element(f, "elog-part", index, "text", texts, texts_len, err);
	for (unsigned g = 0; part != NULL && g <= ng; g++)
		free(part[g].p);
	free(part);
	free(json);
	free(texts);
	return rc;
}

long elog_report_write(struct elog_report *r, const char *title, struct elog_error *err)
{
	size_t n = elog_session_map_count(r->map), nconn = 0;
	struct order *o = calloc(n ? n : 1, sizeof(*o));
	FILE *f, *js;
	char *json = NULL;
	size_t json_len = 0;
	int fd;

	if (o == NULL)
		return elog_errorf(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		uint64_t sid;
		struct conn *c = elog_session_map_at(r->map, i, NULL, &sid);

		if (c->a == NULL || !c->facts->analysis->is_connection(c->a))
			continue;
		o[nconn].c = c;
		o[nconn].session = sid;
		o[nconn].seen = i;
		o[nconn].trouble = c->facts->analysis->trouble ? c->facts->analysis->trouble(c->a) : 0;
		nconn++;
	}
	qsort(o, nconn, sizeof(*o), order_cmp);
	js = open_memstream(&json, &json_len);
	if (js == NULL) {
		free(o);
		return elog_errorf(err, ENOMEM, "out of memory");
	}
	fputs("{\"title\":", js);
	jstr(js, title);
	fprintf(js, ",\"text_max\":%d,\"connections\":[", ELOG_REPORT_TEXT_MAX);
	for (size_t i = 0; i < nconn; i++) {
		if (i)
			fputs(",\n", js);
		put_conn_head(js, o[i].c, o[i].session, i);
	}
	fputs("]}", js);
	if (ferror(js) | (fclose(js) != 0)) {
		free(json);
		free(o);
		return elog_errorf(err, ENOMEM, "out of memory");
	}
	fd = dup(r->fd);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (f == NULL) {
		if (fd >= 0)
			close(fd);
		free(json);
		free(o);
		return elog_errorf(err, errno, "%s: %s", r->path, strerror(errno));
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width\">\n<title>", f);
	/* The title is text inside an element: the few HTML specials escaped. */
	for (const char *p = title; *p; p++) {
		if (*p == '<')
			fputs("&lt;", f);
		else if (*p == '>')
			fputs("&gt;", f);
		else if (*p == '&')
			fputs("&amp;", f);
		else
			fputc(*p, f);
	}
	fputs(" - elog report</title>\n<style>\n", f);
	put_asset(f, elog_report_uplot_css, elog_report_uplot_css_len);
	fputs("\n", f);
	put_asset(f, elog_report_page_css, elog_report_page_css_len);
	fputs("</style>\n</head><body>\n<div id=\"app\"></div>\n"
	      "<script type=\"application/octet-stream\" id=\"elog-data\" "
	      "data-encoding=\"gzip+base64\">", f);
	if (put_compressed(f, json, json_len, err) < 0) {
		free(json);
		free(o);
		fclose(f);
		return -1;
	}
	free(json);
	fputs("</script>\n", f);
	/* Each connection's graphs: the page inflates and parses one when it
	 * draws it, so opening costs what the first screen shows. */
	for (size_t i = 0; i < nconn; i++)
		if (put_conn(f, o[i].c, i, err) < 0) {
			free(o);
			fclose(f);
			return -1;
		}
	free(o);
	fputs("<script>\n", f);
	put_asset(f, elog_report_uplot_js, elog_report_uplot_js_len);
	fputs("\n</script>\n<script>\n", f);
	put_asset(f, elog_report_fflate_js, elog_report_fflate_js_len);
	fputs("\n</script>\n<script>\n", f);
	put_asset(f, elog_report_page_js, elog_report_page_js_len);
	fputs("\n</script>\n</body></html>\n", f);
	if (ferror(f) | (fclose(f) != 0))
		return elog_errorf(err, errno ? errno : EIO, "%s: %s", r->path,
				   strerror(errno ? errno : EIO));
	if (fsync(r->fd) < 0 && errno != EINVAL && errno != EROFS)
		return elog_errorf(err, errno, "%s: %s", r->path, strerror(errno));
	r->fd = -1;
	if (elog_export_commit(&r->x, r->path, err) < 0)
		return -1;
	r->written = true;
	return (long)nconn;
}

void elog_report_close(struct elog_report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < elog_session_map_count(r->map); i++) {
		struct conn *c = elog_session_map_at(r->map, i, NULL, NULL);

		if (c->a != NULL)
			c->facts->analysis->close(c->a);
		plot_free(&c->plot);
	}
	elog_session_map_close(r->map);
	/* A half-written page goes, if this report created its file; a file
	 * it was to replace is as it was. */
	if (!r->written)
		elog_export_abort(&r->x, r->path);
	free(r->path);
	free(r);
}
