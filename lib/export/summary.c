// SPDX-License-Identifier: BSD-2-Clause
/* `elog --summary` (summary.h): the rows come from the providers' analyses;
 * this file only keeps a session's analysis and lays the rows out. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <eventlog/schema.h>

#include "conn_analysis.h"
#include "eventlog_abi.h"
#include "conn_facts.h"
#include "session_map.h"
#include "strbuf.h"
#include "summary.h"
#include "utc.h"

struct sess {
	const struct elog_conn_facts_ops *facts;
	void *a;
	struct elog_dump_tally dumps;
};

bool elog_dump_tally_add(struct elog_dump_tally *t, uint32_t event_id, const void *payload,
			 size_t len)
{
	uint64_t overwritten = 0;

	if (event_id != ELOG_BLACKBOX_DUMP_ID)
		return false;
	t->dumps++;
	/* struct elog_bb_dump: reason, events (u32 each), then overwritten. */
	if (payload != NULL && len >= 16)
		memcpy(&overwritten, (const uint8_t *)payload + 8, sizeof(overwritten));
	t->not_kept += overwritten;
	return true;
}

size_t elog_dump_tally_fields(const struct elog_dump_tally *t, struct elog_sum_field *f, size_t n,
			      size_t max)
{
	static const char *const names[2] = { "bb_dumps", "bb_not_kept" };

	for (size_t k = 0; k < 2 && n < max; k++, n++) {
		memset(&f[n], 0, sizeof(f[n]));
		f[n].name = names[k];
		f[n].kind = ELOG_SUM_UINT;
		f[n].known = true;
		f[n].u = k == 0 ? t->dumps : t->not_kept;
	}
	return n;
}

struct elog_summary {
	struct elog_session_map *map;
};

int elog_summary_open(struct elog_summary **out, struct elog_error *err)
{
	struct elog_summary *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (s == NULL)
		return elog_errorf(err, ENOMEM, "out of memory");
	if (elog_session_map_open(&s->map, sizeof(struct sess), err) < 0) {
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

void elog_summary_close(struct elog_summary *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < elog_session_map_count(s->map); i++) {
		struct sess *e = elog_session_map_at(s->map, i, NULL, NULL);

		if (e->a != NULL)
			e->facts->analysis->close(e->a);
	}
	elog_session_map_close(s->map);
	free(s);
}

int elog_summary_add(struct elog_summary *s, const struct elog_series_record *r,
		     struct elog_error *err)
{
	const struct elog_conn_facts_ops *facts;
	struct sess *e;

	/* A black box dump's opening record is counted (the dump tally
	 * below), not given to the analysis: it says when the buffer was
	 * written out, nothing about the connection. */
	if (r->rec.hdr.session_id == ELOG_SESSION_ID_NONE)
		return 0;
	facts = elog_conn_facts_find(r->provider_name);
	if (facts == NULL || facts->analysis == NULL)
		return 0;
	e = elog_session_map_get(s->map, facts, r->rec.hdr.session_id, 1, err);
	if (e == NULL)
		return -1;
	if (e->a == NULL) {
		e->facts = facts;
		e->a = facts->analysis->open();
		if (e->a == NULL)
			return elog_errorf(err, ENOMEM, "out of memory");
	}
	if (!elog_dump_tally_add(&e->dumps, r->rec.hdr.event_id, r->rec.payload,
				 r->rec.payload_len))
		facts->analysis->event(e->a, &r->rec.hdr, r->utc_us, r->rec.payload,
				       r->rec.payload_len);
	return 0;
}

/* A value as text; for JSON quoted and escaped where it is a string. */
static void put_value(struct strbuf *b, const struct elog_sum_field *f, bool json)
{
	char tmp[64];

	if (!f->known) {
		sb_str(b, json ? "null" : "-");
		return;
	}
	switch (f->kind) {
	case ELOG_SUM_UINT:
		sb_udec_w(b, f->u, 1);
		return;
	case ELOG_SUM_REAL:
		snprintf(tmp, sizeof(tmp), "%.6f", isfinite(f->d) ? f->d : 0.0);
		sb_str(b, tmp);
		return;
	case ELOG_SUM_TIME:
		if (json)
			sb_ch(b, '"');
		elog_put_utc(b, f->i, 'T');
		if (json)
			sb_str(b, "Z\"");
		return;
	case ELOG_SUM_TEXT:
		if (json)
			sb_ch(b, '"');
		for (size_t i = 0; i < sizeof(f->text) && f->text[i] != '\0'; i++) {
			uint8_t c = (uint8_t)f->text[i];

			if (json && (c == '"' || c == '\\')) {
				sb_ch(b, '\\');
				sb_ch(b, (char)c);
			} else if (c > 0x20 && c < 0x7f) {
				sb_ch(b, (char)c);
			} else if (json) {
				/* Not known to be UTF-8: kept as its Latin-1 code point. */
				snprintf(tmp, sizeof(tmp), "\\u%04x", c);
				sb_str(b, tmp);
			} else {
				sb_ch(b, '?'); /* one column per value in the table */
			}
		}
		if (json)
			sb_ch(b, '"');
		return;
	}
}

struct row {
	struct sess *e;
	uint64_t session;
};

static int write_line(FILE *f, const char *s, struct elog_error *err)
{
	if (fputs(s, f) == EOF || fputc('\n', f) == EOF)
		return elog_errorf(err, errno ? errno : EIO, "write: %s",
				   strerror(errno ? errno : EIO));
	return 0;
}

long elog_summary_write(struct elog_summary *s, FILE *f, bool json, struct elog_error *err)
{
	struct elog_sum_field fld[ELOG_SUM_FIELDS_MAX];
	size_t n = elog_session_map_count(s->map), nrows = 0;
	struct row *rows = calloc(n ? n : 1, sizeof(*rows));
	size_t width[ELOG_SUM_FIELDS_MAX];
	char line[16384];
	struct strbuf b;
	long rc = 0;

	if (rows == NULL)
		return elog_errorf(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct sess *e = elog_session_map_at(s->map, i, NULL, &rows[nrows].session);

		if (e->a == NULL || !e->facts->analysis->is_connection(e->a))
			continue;
		rows[nrows++].e = e;
	}
	/* One table per provider, in the order its first row comes. */
	for (size_t first = 0; first < nrows && rc == 0; first++) {
		const struct elog_conn_facts_ops *facts;
		size_t nf = 0;

		if (rows[first].e == NULL)
			continue;
		facts = rows[first].e->facts;
		memset(width, 0, sizeof(width));
		for (size_t pass = json ? 1 : 0; pass < 2 && rc == 0; pass++) {
			for (size_t r = first; r < nrows && rc == 0; r++) {
				if (rows[r].e == NULL || rows[r].e->facts != facts)
					continue;
				nf = facts->analysis->summary(rows[r].e->a, fld, ELOG_SUM_FIELDS_MAX);
				nf = elog_dump_tally_fields(&rows[r].e->dumps, fld, nf,
							    ELOG_SUM_FIELDS_MAX);
				sb_init(&b, line, sizeof(line));
				if (json) {
					sb_str(&b, "{\"provider\":\"");
					sb_str(&b, facts->provider);
					sb_str(&b, "\",\"session\":");
					sb_udec_w(&b, rows[r].session, 1);
				}
				for (size_t k = 0; k < nf; k++) {
					char *start;

					if (json) {
						sb_str(&b, ",\"");
						sb_str(&b, fld[k].name);
						sb_str(&b, "\":");
						put_value(&b, &fld[k], true);
						continue;
					}
					if (k)
						sb_str(&b, "  ");
					start = b.p;
					put_value(&b, &fld[k], false);
					if (pass == 0) {
						size_t w = (size_t)(b.p - start);

						if (w > width[k])
							width[k] = w;
						if (strlen(fld[k].name) > width[k])
							width[k] = strlen(fld[k].name);
					} else {
						for (size_t w = (size_t)(b.p - start); w < width[k]; w++)
							sb_ch(&b, ' ');
					}
				}
				if (json)
					sb_ch(&b, '}');
				if (pass == 0)
					continue;
				/* Trailing blanks of the last column are noise. */
				while (b.p > line && b.p[-1] == ' ')
					*--b.p = '\0';
				if (!json && r == first) {
					char head[16384];
					struct strbuf h;

					sb_init(&h, head, sizeof(head));
					for (size_t k = 0; k < nf; k++) {
						size_t w = strlen(fld[k].name);

						if (k)
							sb_str(&h, "  ");
						sb_str(&h, fld[k].name);
						for (; k + 1 < nf && w < width[k]; w++)
							sb_ch(&h, ' ');
					}
					if (write_line(f, head, err) < 0) {
						rc = -1;
						break;
					}
				}
				if (write_line(f, line, err) < 0)
					rc = -1;
			}
		}
		/* Done with this provider's rows. */
		for (size_t r = first + 1; r < nrows; r++)
			if (rows[r].e != NULL && rows[r].e->facts == facts)
				rows[r].e = NULL;
		rows[first].e = NULL;
	}
	free(rows);
	return rc < 0 ? -1 : (long)nrows;
}
