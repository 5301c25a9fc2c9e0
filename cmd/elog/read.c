/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * elog -r: decode a capture to text lines on stdout.
 *
 * Lines are formatted straight into one large output buffer that is written
 * with write(2) when nearly full, so decoding costs one system call per
 * ~1 MiB of text. Problems with the file's integrity (cut short, header
 * counts that disagree with the records, dropped events) are warnings: the
 * records that are there are still worth reading.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "elog.h"
#include "format.h"
#include "textline.h"

#define OUT_BUF (1u << 20)

struct out {
	char *buf;
	size_t len;
};

static int out_flush(struct out *o, struct elog_error *err)
{
	size_t done = 0;

	while (done < o->len) {
		ssize_t n = write(STDOUT_FILENO, o->buf + done, o->len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return elog_errorf(err, errno, "write(stdout): %s", strerror(errno));
		}
		done += (size_t)n;
	}
	o->len = 0;
	return 0;
}

/* Provider id -> (file name, compiled-in tables), looked up once per id. */
struct provider_cache {
	int32_t id; /* -1: empty */
	const char *name;
	const struct elog_provider_desc *desc;
};

static void report_integrity(const struct elog_reader *r)
{
	const struct elog_file_hdr *h = elog_reader_header(r);
	uint64_t n = elog_reader_event_count(r);
	const char *where;

	/* One warning at most for the records themselves: a cut file's header
	 * count disagrees too, and saying so twice adds nothing. */
	if (elog_reader_truncated(r, &where))
		fprintf(stderr,
			"elog: warning: capture is truncated (%s); decoded %" PRIu64
			" complete events, header says %" PRIu64 "\n",
			where, n, (uint64_t)h->event_count);
	else if (h->event_count != n)
		fprintf(stderr,
			"elog: warning: header says %" PRIu64 " events but the file holds %" PRIu64
			" (capture not closed cleanly?)\n",
			(uint64_t)h->event_count, n);
	if (h->dropped_events != 0)
		fprintf(stderr, "elog: warning: %" PRIu64 " events were dropped during the capture\n",
			(uint64_t)h->dropped_events);
}

static void print_providers(const struct elog_reader *r)
{
	const char *names[ELOG_MAX_PROVIDERS];
	uint32_t n = elog_reader_provider_count(r);

	for (uint32_t i = 0; i < n; i++)
		names[i] = elog_reader_provider(r, i)->name;
	elog_print_providers(stderr, n, names);
}

static int decode(struct elog_reader *r, const struct elog_options *o, struct out *out,
		  struct elog_error *err)
{
	const struct elog_file_hdr *h = elog_reader_header(r);
	struct elog_text_state st = { 0 };
	struct provider_cache pc = { -1, NULL, NULL };
	struct elog_record rec;
	int rc;

	while ((rc = elog_reader_next(r, &rec, err)) == 1) {
		int64_t utc = elog_record_utc_us(h, rec.hdr.timestamp);

		if (pc.id != rec.hdr.provider_id) {
			pc.id = rec.hdr.provider_id;
			pc.name = elog_reader_provider_name(r, rec.hdr.provider_id);
			pc.desc = elog_schema_provider(pc.name);
		}
		if (OUT_BUF - out->len < ELOG_TEXTLINE_MAX && out_flush(out, err) < 0)
			return -1;
		out->len += elog_textline_format(out->buf + out->len, ELOG_TEXTLINE_MAX, &o->text,
						 &st, &rec.hdr, pc.name, pc.desc, utc, rec.payload,
						 rec.payload_len);
	}
	return rc;
}

int elog_read_run(const struct elog_options *o, struct elog_error *err)
{
	struct elog_reader *r;
	struct out out = { NULL, 0 };
	int rc;

	if (elog_reader_open(&r, o->read_path, err) < 0)
		return 1;
	out.buf = malloc(OUT_BUF);
	if (out.buf == NULL) {
		elog_reader_close(r);
		elog_errorf(err, ENOMEM, "out of memory");
		return 1;
	}
	if (o->providers)
		print_providers(r);
	rc = decode(r, o, &out, err);
	/* Print what was decoded before any error or warning about the rest. */
	if (out_flush(&out, rc < 0 ? NULL : err) < 0)
		rc = -1;
	if (rc == 0) {
		report_integrity(r);
		if (o->stats)
			elog_print_stats(stderr, elog_reader_provider_count(r),
					 elog_reader_event_count(r),
					 elog_reader_header(r)->dropped_events);
	}
	free(out.buf);
	elog_reader_close(r);
	return rc < 0 ? 1 : 0;
}
