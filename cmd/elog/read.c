/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * elog -r: decode a capture (or a series of them) to text or JSON lines on
 * stdout (the sinks of lib/consume/sink.h, as the live capture's), or export it as
 * pcapng (--pcapng). Problems with the file's integrity (cut short, header
 * counts that disagree with the records, dropped events) are warnings: the
 * records that are there are still worth reading.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "elog.h"
#include "export_pcapng.h"
#include "format.h"
#include "outfile.h"
#include "report.h"
#include "select.h"
#include "series.h"
#include "sink.h"
#include "summary.h"

/* One file of the series read to its end: what is wrong with it, if anything. */
static void report_integrity(void *arg, const char *path, struct elog_reader *r, bool cut)
{
	const struct elog_options *o = arg;
	const struct elog_file_hdr *h = elog_reader_header(r);
	uint64_t n = elog_reader_event_count(r);
	const char *where;
	char name[300] = "", says[64] = "";
	bool known;

	/* Name the file only when there are several. */
	if (o->read_path_count > 1)
		snprintf(name, sizeof(name), "%s: ", path);
	/* One warning at most for the records themselves: a cut file's header
	 * count disagrees too, and saying so twice adds nothing. */
	if (cut && !elog_reader_truncated(r, &where))
		where = "in the compressed stream";
	/* What the header says, when it was read and says anything: a file
	 * cut inside it has none, and a capture streamed through a pipe
	 * (`elog -o -`) could not write its count (lib/capture/capture.h). */
	known = memcmp(h->magic, ELOG_FILE_MAGIC, 4) == 0 &&
		h->event_count != ELOG_EVENT_COUNT_STREAMED;
	if (known)
		snprintf(says, sizeof(says), ", header says %" PRIu64, (uint64_t)h->event_count);
	if (cut || elog_reader_truncated(r, &where))
		fprintf(stderr,
			"elog: warning: %scapture is truncated (%s); decoded %" PRIu64
			" complete events%s\n",
			name, where, n, says);
	else if (known && h->event_count != n)
		fprintf(stderr,
			"elog: warning: %sheader says %" PRIu64 " events but the file holds %" PRIu64
			" (capture not closed cleanly?)\n",
			name, (uint64_t)h->event_count, n);
	if (h->dropped_events != 0)
		fprintf(stderr, "elog: warning: %s%" PRIu64 " events were dropped during the capture\n",
			name, (uint64_t)h->dropped_events);
}

static void print_providers(const struct elog_reader *r)
{
	const char *names[ELOG_MAX_PROVIDERS];
	uint32_t n = elog_reader_provider_count(r);

	for (uint32_t i = 0; i < n; i++)
		names[i] = elog_reader_provider(r, i)->name;
	elog_print_providers(stderr, n, names);
}

/* The writing pass's series: integrity reported, -p's provider list printed. */
static int open_reading(const struct elog_options *o, struct elog_series **s, struct elog_error *err)
{
	int rc = elog_series_open(s, o->read_paths, o->read_path_count, report_integrity, (void *)o,
				  err);

	if (rc == 0 && o->providers)
		print_providers(elog_series_reader(*s));
	return rc;
}

/*
 * Selectors by log id, port or address: a first pass over the capture
 * learns every session's connection, so that the second selects all of a
 * session's events, those before its addresses or log id too.
 */
static int select_prepare(const struct elog_options *o, struct elog_error *err)
{
	struct elog_series *s = NULL;
	struct elog_series_record sr;
	char what[512];
	long n;
	int rc;

	if (!elog_select_needs_learning(o->sel))
		return 0;
	rc = elog_series_open(&s, o->read_paths, o->read_path_count, NULL, NULL, err);
	while (rc == 0 && (rc = elog_series_next(s, &sr, err)) == 1)
		rc = elog_select_learn(o->sel, &sr, err);
	elog_series_close(s);
	if (rc < 0 || (n = elog_select_finish(o->sel, err)) < 0)
		return -1;
	if (n == 0) {
		elog_select_describe(o->sel, what, sizeof(what));
		return elog_errorf(err, ENOENT, "no connection in the capture matches %s", what);
	}
	return 0;
}

/* The selection gave nothing at all to show. */
static int nothing_selected(const struct elog_options *o, struct elog_error *err)
{
	char what[512];

	elog_select_describe(o->sel, what, sizeof(what));
	return elog_errorf(err, ENOENT, "no event in the capture matches %s", what);
}

/* Text or JSON lines on stdout. */
static int decode(struct elog_series *s, const struct elog_options *o, struct elog_sink *out,
		  struct elog_error *err)
{
	struct elog_series_record sr;
	uint64_t shown = 0;
	int rc;

	while ((rc = elog_series_next(s, &sr, err)) == 1) {
		if (o->sel != NULL && !elog_select_event(o->sel, &sr))
			continue;
		shown++;
		if (elog_sink_write_series(out, &sr, err) < 0)
			return -1;
	}
	if (rc == 0 && shown == 0 && elog_select_any(o->sel))
		return nothing_selected(o, err);
	return rc;
}

/* --summary: every event of the selected sessions into their analyses,
 * then one row per connection on stdout. */
static int summarize(const struct elog_options *o, struct elog_error *err)
{
	struct elog_series *s = NULL;
	struct elog_summary *sum = NULL;
	struct elog_series_record sr;
	long rows = 0;
	int rc = elog_summary_open(&sum, err);

	if (rc == 0)
		rc = open_reading(o, &s, err);
	while (rc == 0 && (rc = elog_series_next(s, &sr, err)) == 1)
		rc = o->sel == NULL || elog_select_session(o->sel, &sr)
			     ? elog_summary_add(sum, &sr, err) : 0;
	if (rc == 0 && (rows = elog_summary_write(sum, stdout, o->json, err)) < 0)
		rc = -1;
	if (rc == 0 && fflush(stdout) != 0)
		rc = elog_errorf(err, errno, "write(stdout): %s", strerror(errno));
	if (rc == 0 && rows == 0) {
		if (elog_select_any(o->sel))
			rc = nothing_selected(o, err);
		else
			fprintf(stderr, "elog: no connection in the capture\n");
	}
	if (rc == 0 && o->stats)
		elog_print_stats(stderr, elog_series_providers(s), elog_series_events(s),
				 elog_series_dropped(s));
	elog_series_close(s);
	elog_summary_close(sum);
	return rc < 0 ? 1 : 0;
}

/*
 * An output that is one of the inputs (the same file, through a link or
 * another name) would be destroyed while it is read: refused before
 * anything is opened for writing. out_st: the output as it is now.
 */
static int check_not_input(const struct elog_options *o, const char *out_name,
			   const struct stat *out_st, struct elog_error *err)
{
	struct stat in;

	for (size_t i = 0; i < o->read_path_count; i++) {
		const char *p = o->read_paths[i];

		if (strcmp(p, "-") == 0 ? fstat(STDIN_FILENO, &in) < 0 : stat(p, &in) < 0)
			continue; /* reading it says why */
		if (in.st_dev == out_st->st_dev && in.st_ino == out_st->st_ino)
			return elog_errorf(err, EINVAL, "%s is the input %s: not overwritten",
					   out_name, p);
	}
	return 0;
}

/*
 * The file of --pcapng or --report: never one of the inputs (refused
 * whatever the options), never an existing file without --force (and with
 * it, replaced only once the export succeeded: lib/capture/outfile.h).
 */
static int export_open(const struct elog_options *o, const char *path, struct elog_export *x,
		       struct elog_error *err)
{
	struct stat st;

	if (stat(path, &st) == 0 && check_not_input(o, path, &st, err) < 0)
		return -1;
	if (elog_export_open(x, path, 0666, o->force, err) < 0) {
		if (err->code == EEXIST)
			elog_errorf(err, EEXIST, "%s exists: not overwritten (--force replaces it)",
				    path);
		return -1;
	}
	return 0;
}

/* --pcapng: a learning pass for the endpoints, then the writing pass. */
static int export_pcapng(const struct elog_options *o, struct elog_error *err)
{
	struct elog_series *s = NULL;
	struct elog_series_record sr;
	struct elog_pcapng *p = NULL;
	struct elog_export x;
	FILE *f;
	int rc, fd;

	if (export_open(o, o->pcapng_path, &x, err) < 0)
		return 1; /* an exit status, like every other return here */
	fd = dup(x.fd);
	f = fd < 0 ? NULL : fdopen(fd, "wb");
	if (f == NULL) {
		elog_errorf(err, errno, "%s: %s", o->pcapng_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		elog_export_abort(&x, o->pcapng_path);
		return 1;
	}
	rc = elog_pcapng_open(&p, f, err);
	if (rc == 0)
		rc = elog_series_open(&s, o->read_paths, o->read_path_count, NULL, NULL, err);
	while (rc == 0 && (rc = elog_series_next(s, &sr, err)) == 1) {
		rc = elog_pcapng_learn(p, &sr.rec.hdr, sr.provider_name, sr.rec.payload,
				       sr.rec.payload_len, err);
		if (rc == 0 && o->sel != NULL)
			rc = elog_select_learn(o->sel, &sr, err);
	}
	elog_series_close(s);
	if (rc == 0 && o->sel != NULL && elog_select_needs_learning(o->sel)) {
		char what[512];
		long n = elog_select_finish(o->sel, err);

		if (n < 0) {
			rc = -1;
		} else if (n == 0) {
			elog_select_describe(o->sel, what, sizeof(what));
			rc = elog_errorf(err, ENOENT, "no connection in the capture matches %s", what);
		}
	}
	s = NULL;
	if (rc == 0)
		rc = open_reading(o, &s, err);
	while (rc == 0 && (rc = elog_series_next(s, &sr, err)) == 1)
		rc = o->sel == NULL || elog_select_event(o->sel, &sr)
			     ? elog_pcapng_add(p, &sr.rec.hdr, sr.provider_name, sr.desc, sr.utc_us,
					       sr.rec.payload, sr.rec.payload_len, err) : 0;
	if (elog_pcapng_close(p, rc < 0 ? NULL : err) < 0)
		rc = -1;
	if (fclose(f) != 0 && rc == 0)
		rc = elog_errorf(err, errno, "%s: %s", o->pcapng_path, strerror(errno));
	if (rc == 0 && o->stats)
		elog_print_stats(stderr, elog_series_providers(s), elog_series_events(s),
				 elog_series_dropped(s));
	elog_series_close(s);
	/* No half-written export left behind to be mistaken for a result;
	 * but only a file this run made is removed (a replaced one is put in
	 * place only now). */
	if (rc == 0)
		rc = elog_export_commit(&x, o->pcapng_path, err);
	else
		elog_export_abort(&x, o->pcapng_path);
	return rc < 0 ? 1 : 0;
}

/* --report FILE.html: the selected connections' events into the report,
 * then the page. The file is created first, so that an existing or
 * unwritable path fails before the capture is read. */
static int make_report(const struct elog_options *o, struct elog_error *err)
{
	struct elog_series *s = NULL;
	struct elog_report *r = NULL;
	struct elog_series_record sr;
	char title[1024];
	size_t len = 0;
	long conns = 0;
	bool any = false;
	struct stat st;
	int rc = 0;

	/* Never an input, never an existing file without --force. */
	if (stat(o->report_path, &st) == 0 && check_not_input(o, o->report_path, &st, err) < 0)
		return 1;
	rc = elog_report_open(&r, o->report_path, o->force, err);
	if (rc < 0 && err->code == EEXIST)
		elog_errorf(err, EEXIST, "%s exists: not overwritten (--force replaces it)",
			    o->report_path);
	if (rc < 0)
		return 1;
	title[0] = '\0';
	for (size_t i = 0; i < o->read_path_count && len < sizeof(title); i++) {
		int n = snprintf(title + len, sizeof(title) - len, "%s%s", i ? " " : "",
				 o->read_paths[i]);

		if (n < 0)
			break;
		len += (size_t)n;
	}
	if (rc == 0)
		rc = open_reading(o, &s, err);
	while (rc == 0 && (rc = elog_series_next(s, &sr, err)) == 1) {
		rc = 0;
		if (o->sel != NULL && !elog_select_session(o->sel, &sr))
			continue;
		any = true;
		rc = elog_report_add(r, &sr, err);
	}
	if (rc == 0 && !any && elog_select_any(o->sel))
		rc = nothing_selected(o, err);
	if (rc == 0 && (conns = elog_report_write(r, title, err)) < 0)
		rc = -1;
	if (rc == 0 && conns == 0)
		fprintf(stderr, "elog: no connection in the capture; %s says so\n", o->report_path);
	if (rc == 0 && o->stats)
		elog_print_stats(stderr, elog_series_providers(s), elog_series_events(s),
				 elog_series_dropped(s));
	elog_series_close(s);
	elog_report_close(r);
	return rc < 0 ? 1 : 0;
}

int elog_read_run(const struct elog_options *o, struct elog_error *err)
{
	struct elog_series *s;
	struct elog_sink *out;
	struct elog_sink_stats st;
	struct stat sb;
	int rc;

	if (o->pcapng_path != NULL)
		return export_pcapng(o, err);
	/* `elog -r cap.elog >>cap.elog` would read its own output forever. */
	if (fstat(STDOUT_FILENO, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    check_not_input(o, "standard output", &sb, err) < 0)
		return 1;
	if (select_prepare(o, err) < 0)
		return 1;
	if (o->summary)
		return summarize(o, err);
	if (o->report_path != NULL)
		return make_report(o, err);
	if (o->clickhouse_url != NULL)
		return elog_clickhouse_read(o, err);
	if (elog_series_open(&s, o->read_paths, o->read_path_count, report_integrity, (void *)o,
			     err) < 0)
		return 1;
	rc = o->json ? elog_sink_json_open(&out, STDOUT_FILENO, 0, err)
		     : elog_sink_text_open(&out, STDOUT_FILENO, &o->text, err);
	if (rc < 0) {
		elog_series_close(s);
		return 1;
	}
	if (o->providers)
		print_providers(elog_series_reader(s));
	rc = decode(s, o, out, err);
	/* Print what was decoded before any error or warning about the rest. */
	elog_sink_stats(out, &st);
	if (elog_sink_close(out, 0, rc < 0 ? NULL : err) < 0)
		rc = -1;
	if (rc == 0 && o->stats)
		elog_print_stats(stderr, elog_series_providers(s), elog_series_events(s),
				 elog_series_dropped(s));
	elog_warn_oversize(&st);
	elog_series_close(s);
	return rc < 0 ? 1 : 0;
}
