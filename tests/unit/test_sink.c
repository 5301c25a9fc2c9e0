/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The sink layer (lib/consume/sink.h): one rule for records an output cannot hold
 * (not written, counted) in the JSON and capture sinks; a rotated series'
 * names, its check for files it would write over, and the drops shared
 * out between its files so that their headers add up to the total.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "format.h"
#include "harness.h"
#include "series.h"
#include "sink.h"

static char tmpdir[] = "/tmp/elog-test-sink-XXXXXX";

static const struct elog_writer_provider provs[] = { { 7, "test" } };

/* A record of the test provider with payload_len bytes of payload. */
static struct elog_sink_rec record(struct elog_event_hdr *h, unsigned char *raw, size_t payload_len,
				   unsigned i)
{
	struct elog_sink_rec r;

	memset(h, 0, sizeof(*h));
	h->event_length = (uint16_t)(ELOG_EVENT_HDR_SIZE + payload_len);
	h->provider_id = 7;
	h->timestamp = 1000 + i;
	h->session_id = 1;
	h->event_id = 999; /* unknown: JSON shows the payload in hex */
	memcpy(raw, h, sizeof(*h));
	memset(raw + sizeof(*h), (int)i, payload_len);
	r.raw = raw;
	r.hdr = h;
	r.payload = raw + sizeof(*h);
	r.payload_len = payload_len;
	r.provider_name = "test";
	r.desc = elog_schema_provider("test");
	r.utc_us = 0;
	return r;
}

static size_t file_size(const char *path)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (f == NULL)
		return 0;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fclose(f);
	return n < 0 ? 0 : (size_t)n;
}

/* Three records into s, the middle one (big bytes of payload; with no raw
 * bytes when bare) more than s can hold: two are written, that one only
 * counted, and s is closed. */
static void write_around_oversize(struct elog_sink *s, unsigned char *raw, size_t big, bool bare)
{
	struct elog_error err = { 0 };
	struct elog_sink_stats st;
	struct elog_event_hdr h;
	struct elog_sink_rec r;

	r = record(&h, raw, 16, 1);
	CHECK_EQ_U(elog_sink_write(s, &r, &err), 0);
	r = record(&h, raw, big, 2);
	if (bare)
		r.raw = NULL; /* its header cannot even say its length */
	CHECK_EQ_U(elog_sink_write(s, &r, &err), 0);
	r = record(&h, raw, 8, 3);
	CHECK_EQ_U(elog_sink_write(s, &r, &err), 0);
	elog_sink_stats(s, &st);
	CHECK_EQ_U(st.written, 2);
	CHECK_EQ_U(st.oversize, 1);
	CHECK_EQ_U(elog_sink_close(s, 0, &err), 0);
}

/* A JSON line longer than the sink's line is not written, only counted;
 * the lines around it are whole. */
static void test_json_oversize_counted(void)
{
	static unsigned char raw[ELOG_EVENT_HDR_SIZE + 1024];
	struct elog_error err = { 0 };
	struct elog_sink *s;
	int fd = open(th_tmp_path("out.jsonl"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	FILE *f;
	char line[4096];
	int lines = 0;

	CHECK(fd >= 0);
	CHECK_EQ_U(elog_sink_json_open(&s, fd, 1024, &err), 0);
	/* 1000 bytes of payload are 2000 hex digits: longer than 1024. */
	write_around_oversize(s, raw, 1000, false);
	close(fd);
	f = fopen(th_tmp_path("out.jsonl"), "r");
	CHECK(f != NULL);
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		CHECK(line[0] == '{' && strstr(line, "}\n") != NULL);
		lines++;
	}
	if (f != NULL)
		fclose(f);
	CHECK_EQ_U(lines, 2);
}

/* A capture record longer than the format holds: counted, not written, the
 * capture goes on. */
static void test_file_oversize_counted(void)
{
	static unsigned char raw[ELOG_EVENT_HDR_SIZE + ELOG_PAYLOAD_MAX + 8];
	struct elog_sink_file_opts o = { .path = th_tmp_path("big.elog"), .providers = provs,
					 .provider_count = 1 };
	struct elog_error err = { 0 };
	struct elog_reader *rd;
	struct elog_sink *s;

	CHECK_EQ_U(elog_sink_file_open(&s, &o, &err), 0);
	write_around_oversize(s, raw, ELOG_PAYLOAD_MAX + 1, true);
	CHECK_EQ_U(elog_reader_open(&rd, th_tmp_path("big.elog"), &err), 0);
	CHECK_EQ_U(elog_reader_header(rd)->event_count, 2);
	elog_reader_close(rd);
}

static void test_series_names(void)
{
	char b[64];

	CHECK_EQ_U(elog_series_name(b, sizeof(b), "d/cap.elog.zst", 3), 0);
	CHECK_STR(b, "d/cap.000003.elog.zst");
	CHECK_EQ_U(elog_series_name(b, sizeof(b), "cap.gz", 12), 0);
	CHECK_STR(b, "cap.000012.gz");
	CHECK_EQ_U(elog_series_name(b, sizeof(b), "cap", 0), 0);
	CHECK_STR(b, "cap.000000");
	CHECK(elog_series_name(b, 8, "cap.elog", 0) < 0);
}

static uint64_t live_drops;

static int drops_so_far(void *arg, uint64_t *total, struct elog_error *err)
{
	(void)arg;
	(void)err;
	*total = live_drops;
	return 0;
}

/* Two events per file: three files, each with the drops counted while it
 * was open, the last one the rest; a second series over the first is
 * refused without force, naming a file it would write over. */
static void test_series_rotation_shares_drops(void)
{
	static unsigned char raw[ELOG_EVENT_HDR_SIZE + 8];
	struct elog_sink_file_opts o = { .path = th_tmp_path("s.elog"), .providers = provs,
					 .provider_count = 1, .rotate_events = 2,
					 .dropped_now = drops_so_far };
	static const uint64_t want[3] = { 5, 0, 7 };
	struct elog_error err = { 0 };
	struct elog_event_hdr h;
	struct elog_sink_rec r;
	struct elog_sink *s;
	char name[256];

	CHECK_EQ_U(elog_sink_file_open(&s, &o, &err), 0);
	CHECK(!elog_sink_takes_runs(s));
	for (unsigned i = 0; i < 6; i++) {
		/* Drops go up by 5 during the first file only. */
		if (i == 1)
			live_drops = 5;
		r = record(&h, raw, 8, i);
		CHECK_EQ_U(elog_sink_write(s, &r, &err), 0);
		CHECK_EQ_U(elog_sink_poll(s, &err), 0);
	}
	CHECK_EQ_U(elog_sink_close(s, 12, &err), 0);
	for (unsigned k = 0; k < 3; k++) {
		struct elog_reader *rd;

		CHECK_EQ_U(elog_series_name(name, sizeof(name), o.path, k), 0);
		CHECK_EQ_U(elog_reader_open(&rd, name, &err), 0);
		CHECK_EQ_U(elog_reader_header(rd)->event_count, 2);
		CHECK_EQ_U(elog_reader_header(rd)->dropped_events, want[k]);
		elog_reader_close(rd);
	}
	CHECK_EQ_U(elog_series_name(name, sizeof(name), o.path, 3), 0);
	CHECK_EQ_U(file_size(name), 0);

	CHECK(elog_sink_file_open(&s, &o, &err) < 0);
	CHECK_EQ_U(err.code, EEXIST);
	CHECK(strstr(err.msg, "s.00000") != NULL && strstr(err.msg, "exists: not overwritten"));
	o.force = true;
	CHECK_EQ_U(elog_sink_file_open(&s, &o, &err), 0);
	CHECK_EQ_U(elog_sink_close(s, 0, &err), 0);
}

int main(void)
{
	static const struct th_test tests[] = {
		TH_TEST(test_json_oversize_counted),
		TH_TEST(test_file_oversize_counted),
		TH_TEST(test_series_names),
		TH_TEST(test_series_rotation_shares_drops),
	};

	return th_run_in_tmpdir(tests, sizeof(tests) / sizeof(tests[0]), tmpdir);
}
