/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Capture writer -> reader round trips, the reader's error messages, and
 * the reader on every prefix of a capture (each prefix in its own exact-size
 * heap block, so ASan flags any read past the end).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "capture.h"
#include "harness.h"

static char tmpdir[] = "/tmp/elog-test-capture-XXXXXX";

static const struct elog_writer_provider two_providers[] = { { 1, "tcp" }, { 7, "test" } };

/* Deterministic payload bytes for record i. */
static void fill_payload(uint8_t *p, size_t len, unsigned i)
{
	for (size_t k = 0; k < len; k++)
		p[k] = (uint8_t)(i * 31 + k * 7);
}

static struct elog_event_hdr make_hdr(unsigned i)
{
	struct elog_event_hdr h;

	memset(&h, 0, sizeof(h));
	h.cpu = (uint16_t)(i % 3);
	h.provider_id = (i & 1) ? 7 : 1;
	h.timestamp = 1000000 + i * 10;
	h.session_id = 100 + i;
	h.event_id = i * 3;
	h.thread_id = (int32_t)(0x1000 + i);
	return h;
}

static size_t payload_len_for(unsigned i)
{
	static const size_t lens[] = { 0, 1, 4, 16, 100, 7, ELOG_PAYLOAD_MAX };

	return lens[i % (sizeof(lens) / sizeof(lens[0]))];
}

static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (f == NULL)
		return NULL;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	*len = n;
	return buf;
}

/* Writes `count` records and returns 0 on success. */
static int write_capture(const char *path, unsigned count, uint64_t dropped)
{
	struct elog_writer *w;
	struct elog_error err;
	static uint8_t payload[ELOG_PAYLOAD_MAX];

	if (elog_writer_open(&w, path, two_providers, 2, 1700000000000000 - 1000000, &err) < 0)
		return -1;
	for (unsigned i = 0; i < count; i++) {
		struct elog_event_hdr h = make_hdr(i);
		size_t len = payload_len_for(i);

		fill_payload(payload, len, i);
		h.event_length = 9; /* garbage on purpose: the writer recomputes it */
		if (elog_writer_append2(w, &h, payload, len, &err) < 0)
			return -1;
	}
	elog_writer_set_dropped(w, dropped);
	return elog_writer_close(w, &err);
}

static void check_records(struct elog_reader *r, unsigned count)
{
	struct elog_record rec;
	struct elog_error err;
	static uint8_t expect[ELOG_PAYLOAD_MAX];
	unsigned i = 0;
	int rc;

	while ((rc = elog_reader_next(r, &rec, &err)) == 1) {
		struct elog_event_hdr h = make_hdr(i);
		size_t len = payload_len_for(i);

		fill_payload(expect, len, i);
		CHECK_EQ_U(rec.hdr.event_length, 32 + len);
		CHECK_EQ_U(rec.payload_len, len);
		CHECK_EQ_U(rec.hdr.cpu, h.cpu);
		CHECK_EQ_U(rec.hdr.provider_id, h.provider_id);
		CHECK_EQ_U(rec.hdr.timestamp, h.timestamp);
		CHECK_EQ_U(rec.hdr.session_id, h.session_id);
		CHECK_EQ_U(rec.hdr.event_id, h.event_id);
		CHECK_EQ_U(rec.hdr.thread_id, h.thread_id);
		CHECK(memcmp(rec.payload, expect, len) == 0);
		i++;
	}
	CHECK_EQ_U(rc, 0);
	CHECK_EQ_U(i, count);
	CHECK_EQ_U(elog_reader_event_count(r), count);
	CHECK(!elog_reader_truncated(r, NULL));
}

static void test_round_trip(void)
{
	const char *path = th_tmp_path("rt.elog");
	struct elog_reader *r;
	struct elog_error err;
	const struct elog_file_hdr *h;

	CHECK(write_capture(path, 50, 3) == 0);
	CHECK(elog_reader_open(&r, path, &err) == 0);
	if (r == NULL)
		return;
	h = elog_reader_header(r);
	CHECK(memcmp(h->magic, "ELOG", 4) == 0);
	CHECK_EQ_U(h->version, 1);
	CHECK_EQ_U(h->capture_start, 1000000);
	/* start_utc_us is the first event's own instant in UTC. */
	CHECK_EQ_U(h->start_utc_us, 1700000000000000);
	CHECK_EQ_U(h->event_count, 50);
	CHECK_EQ_U(h->dropped_events, 3);
	CHECK_EQ_U(elog_reader_provider_count(r), 2);
	CHECK_STR(elog_reader_provider_name(r, 1), "tcp");
	CHECK_STR(elog_reader_provider_name(r, 7), "test");
	CHECK(elog_reader_provider_name(r, 2) == NULL);
	CHECK_EQ_U(elog_reader_provider(r, 1)->id, 7);
	CHECK(elog_reader_provider(r, 2) == NULL);
	check_records(r, 50);
	elog_reader_close(r);
}

/* Crosses the reader's 1 MiB window many times with records of every size. */
static void test_large_capture(void)
{
	const char *path = th_tmp_path("large.elog");
	struct elog_reader *r;
	struct elog_error err;

	CHECK(write_capture(path, 700, 0) == 0);
	CHECK(elog_reader_open(&r, path, &err) == 0);
	if (r != NULL) {
		check_records(r, 700);
		elog_reader_close(r);
	}
}

/* The bytes of a capture of n records just written to path. */
static void *written(const char *path, unsigned n, size_t *len)
{
	CHECK(write_capture(path, n, 0) == 0);
	return read_file(path, len);
}

static void test_empty_capture(void)
{
	const char *path = th_tmp_path("empty.elog");
	struct elog_reader *r;
	struct elog_record rec;
	struct elog_error err;
	size_t len;
	void *buf;

	buf = written(path, 0, &len);
	/* Header, count and table: a valid file even without events. */
	CHECK_EQ_U(len, 40 + 4 + 2 * 34);
	free(buf);
	CHECK(elog_reader_open(&r, path, &err) == 0);
	if (r == NULL)
		return;
	CHECK_EQ_U(elog_reader_next(r, &rec, &err), 0);
	CHECK(!elog_reader_truncated(r, NULL));
	CHECK_EQ_U(elog_reader_header(r)->event_count, 0);
	CHECK_EQ_U(elog_reader_header(r)->capture_start, 0);
	elog_reader_close(r);
}

static void test_append_raw(void)
{
	const char *path = th_tmp_path("raw.elog");
	struct elog_writer *w;
	struct elog_reader *r;
	struct elog_record rec;
	struct elog_error err;
	uint8_t raw[32 + 5];
	struct elog_event_hdr h = make_hdr(4);

	h.event_length = 1000; /* wrong on purpose */
	memcpy(raw, &h, 32);
	memcpy(raw + 32, "hello", 5);
	CHECK(elog_writer_open(&w, path, two_providers, 2, 0, &err) == 0);
	if (w == NULL)
		return;
	CHECK(elog_writer_append(w, raw, sizeof(raw), &err) == 0);
	CHECK(elog_writer_append(w, raw, 31, &err) == -1);
	CHECK_EQ_U(elog_writer_event_count(w), 1);
	CHECK(elog_writer_close(w, &err) == 0);
	CHECK(elog_reader_open(&r, path, &err) == 0);
	if (r == NULL)
		return;
	CHECK_EQ_U(elog_reader_next(r, &rec, &err), 1);
	CHECK_EQ_U(rec.hdr.event_length, 37);
	CHECK(rec.payload_len == 5 && memcmp(rec.payload, "hello", 5) == 0);
	CHECK_EQ_U(elog_reader_header(r)->start_utc_us, h.timestamp);
	elog_reader_close(r);
}

/* A capture killed after its first event: the time base is on disk. */
static void test_killed_capture(void)
{
	const char *path = th_tmp_path("killed.elog");
	struct elog_writer *w;
	struct elog_error err;
	struct elog_event_hdr h = make_hdr(3);
	struct elog_file_hdr fh;
	FILE *f;

	CHECK(elog_writer_open(&w, path, two_providers, 2, 1000, &err) == 0);
	if (w == NULL)
		return;
	CHECK(elog_writer_append2(w, &h, "abc", 3, &err) == 0);
	CHECK(elog_writer_append2(w, &h, "abc", 3, &err) == 0);
	CHECK(elog_writer_flush(w, &err) == 0);
	f = fopen(path, "rb");
	CHECK(f != NULL && fread(&fh, 1, sizeof(fh), f) == sizeof(fh));
	if (f != NULL)
		fclose(f);
	CHECK_EQ_U(fh.capture_start, h.timestamp);
	CHECK_EQ_U(fh.start_utc_us, h.timestamp + 1000);
	CHECK_EQ_U(fh.event_count, 0);
	CHECK(elog_writer_close(w, &err) == 0);
	f = fopen(path, "rb");
	CHECK(f != NULL && fread(&fh, 1, sizeof(fh), f) == sizeof(fh));
	if (f != NULL) {
		fseek(f, 0, SEEK_END);
		CHECK_EQ_U(ftell(f), 40 + 4 + 68 + 2 * 35);
		fclose(f);
	}
	CHECK_EQ_U(fh.event_count, 2);
}

static void test_writer_errors(void)
{
	struct elog_writer *w = (struct elog_writer *)1;
	struct elog_error err;
	struct elog_writer_provider many[ELOG_MAX_PROVIDERS + 1];
	struct elog_writer_provider longname = { 1, "abcdefghijabcdefghijabcdefghijab" };
	static uint8_t big[ELOG_PAYLOAD_MAX + 1];
	struct elog_event_hdr h = make_hdr(0);

	for (int i = 0; i <= ELOG_MAX_PROVIDERS; i++)
		many[i] = (struct elog_writer_provider){ (uint16_t)i, "p" };
	CHECK(elog_writer_open(&w, th_tmp_path("e1"), many, ELOG_MAX_PROVIDERS + 1, 0, &err) == -1);
	CHECK(w == NULL);
	CHECK(elog_writer_open(&w, th_tmp_path("e2"), &longname, 1, 0, &err) == -1);
	CHECK_STR(err.msg, "provider name too long");
	CHECK(elog_writer_open(&w, "/nonexistent-dir/x.elog", two_providers, 2, 0, &err) == -1);
	CHECK(strstr(err.msg, "/nonexistent-dir/x.elog") != NULL);
	CHECK(elog_writer_open(&w, th_tmp_path("e3"), two_providers, 2, 0, &err) == 0);
	CHECK(elog_writer_append2(w, &h, big, sizeof(big), &err) == -1);
	CHECK_STR(err.msg, "Event too large for binary format: 65536 bytes");
	CHECK_EQ_U(elog_writer_event_count(w), 0);
	CHECK(elog_writer_close(w, &err) == 0);
	CHECK(elog_writer_close(NULL, &err) == 0);
}

static void test_writer_stream(void)
{
	FILE *f = tmpfile();
	struct elog_writer *w;
	struct elog_error err;
	struct elog_event_hdr h = make_hdr(0);
	struct elog_file_hdr fh;

	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK(elog_writer_open_stream(&w, f, two_providers, 2, 5, &err) == 0);
	CHECK(elog_writer_append2(w, &h, "xy", 2, &err) == 0);
	CHECK(elog_writer_close(w, &err) == 0);
	/* The stream is still ours and positioned after the last record. */
	CHECK_EQ_U(ftell(f), 40 + 4 + 68 + 34);
	rewind(f);
	CHECK_EQ_U(fread(&fh, 1, sizeof(fh), f), 40);
	CHECK_EQ_U(fh.event_count, 1);
	CHECK_EQ_U(fh.start_utc_us, h.timestamp + 5);
	fclose(f);
}

/*
 * A stream that cannot seek back (a pipe: `elog -o -`): the header goes out
 * once, with boot time 0 as the time base and a count that says "not
 * known", and close succeeds without trying to rewrite it.
 */
static void test_writer_stream_pipe(void)
{
	struct elog_writer *w;
	struct elog_reader *r;
	struct elog_record rec;
	struct elog_error err;
	struct elog_event_hdr h = make_hdr(0);
	static uint8_t buf[4096];
	size_t n = 0;
	ssize_t k;
	int p[2];
	FILE *f;

	CHECK(pipe(p) == 0);
	f = fdopen(p[1], "w");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	h.timestamp = 123;
	CHECK(elog_writer_open_stream(&w, f, two_providers, 2, 5000, &err) == 0);
	CHECK(elog_writer_append2(w, &h, "xy", 2, &err) == 0);
	CHECK(elog_writer_close(w, &err) == 0);
	fclose(f);
	while ((k = read(p[0], buf + n, sizeof(buf) - n)) > 0)
		n += (size_t)k;
	close(p[0]);
	CHECK_EQ_U(n, 40 + 4 + 68 + 34);
	CHECK(elog_reader_open_mem(&r, buf, n, &err) == 0);
	if (r == NULL)
		return;
	CHECK_EQ_U(elog_reader_header(r)->event_count, ELOG_EVENT_COUNT_STREAMED);
	CHECK_EQ_U(elog_reader_header(r)->capture_start, 0);
	CHECK(elog_reader_next(r, &rec, &err) == 1);
	/* Dated right without a header rewrite: boot time 0 + 5000 + 123. */
	CHECK_EQ_U(elog_record_utc_us(elog_reader_header(r), rec.hdr.timestamp), 5123);
	elog_reader_close(r);
}

static void expect_open_error(const void *buf, size_t len, const char *msg)
{
	struct elog_reader *r;
	struct elog_error err = { 0, "" };
	void *copy = malloc(len ? len : 1);

	memcpy(copy, buf, len);
	CHECK(elog_reader_open_mem(&r, copy, len, &err) == -1);
	CHECK(r == NULL);
	CHECK_STR(err.msg, msg);
	free(copy);
}

static void test_reader_errors(void)
{
	uint8_t zeros[64] = { 0 };
	uint8_t hdr[44] = { 'E', 'L', 'O', 'G', 2, 0, 0, 0 };
	struct elog_reader *r;
	struct elog_error err;

	expect_open_error("", 0, "File is empty");
	expect_open_error(zeros, sizeof(zeros), "Invalid binary file: bad magic number");
	expect_open_error("X", 1, "Invalid binary file: bad magic number");
	expect_open_error("ELOX", 4, "Invalid binary file: bad magic number");
	expect_open_error(hdr, 8, "Unsupported file version: 2 (expected 1)");
	hdr[4] = 1;
	hdr[40] = 33;
	expect_open_error(hdr, 44, "Invalid provider count 33 in file");
	CHECK(elog_reader_open(&r, th_tmp_path("does-not-exist"), &err) == -1);
	CHECK_EQ_U(err.code, ENOENT);
}

static void test_corrupt_length(void)
{
	const char *path = th_tmp_path("corrupt.elog");
	struct elog_reader *r;
	struct elog_record rec;
	struct elog_error err;
	size_t len;
	uint8_t *buf;

	buf = written(path, 3, &len);
	/* Second record (after 112 + 32 preamble/first) gets event_length 31. */
	buf[40 + 4 + 68 + 32] = 31;
	buf[40 + 4 + 68 + 33] = 0;
	CHECK(elog_reader_open_mem(&r, buf, len, &err) == 0);
	if (r != NULL) {
		CHECK_EQ_U(elog_reader_next(r, &rec, &err), 1);
		CHECK_EQ_U(elog_reader_next(r, &rec, &err), -1);
		CHECK_STR(err.msg, "Invalid event_length 31 at offset 144");
		elog_reader_close(r);
	}
	free(buf);
}

/* A provider name with no NUL in its 32 bytes comes back terminated. */
static void test_unterminated_name(void)
{
	uint8_t buf[40 + 4 + 34];
	struct elog_reader *r;
	struct elog_error err;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, "ELOG\1\0\0\0", 8);
	buf[40] = 1;
	buf[44] = 3;
	memset(buf + 46, 'A', 32);
	CHECK(elog_reader_open_mem(&r, buf, sizeof(buf), &err) == 0);
	if (r != NULL) {
		CHECK_EQ_U(strlen(elog_reader_provider_name(r, 3)), 31);
		elog_reader_close(r);
	}
}

/*
 * Every prefix of a capture: never an out-of-bounds read, exactly the
 * complete records, truncation reported unless the cut is on a boundary.
 */
static void test_every_prefix(void)
{
	const char *path = th_tmp_path("prefix.elog");
	size_t len, bounds[16], nb = 0;
	uint8_t *full;

	CHECK(write_capture(path, 6, 0) == 0); /* payload sizes 0..100 */
	full = read_file(path, &len);
	if (full == NULL)
		return;
	bounds[nb++] = 40 + 4 + 68;
	for (unsigned i = 0; i < 6; i++, nb++)
		bounds[nb] = bounds[nb - 1] + 32 + payload_len_for(i);
	CHECK_EQ_U(bounds[nb - 1], len);
	for (size_t cut = 0; cut <= len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		struct elog_reader *r;
		struct elog_record rec;
		struct elog_error err;
		unsigned expect = 0, got = 0;
		bool on_boundary = false;

		memcpy(copy, full, cut);
		for (size_t b = 0; b < nb; b++) {
			if (bounds[b] == cut)
				on_boundary = true;
			if (b > 0 && bounds[b] <= cut)
				expect++;
		}
		if (cut == 0) {
			CHECK(elog_reader_open_mem(&r, copy, cut, &err) == -1);
			free(copy);
			continue;
		}
		if (elog_reader_open_mem(&r, copy, cut, &err) < 0) {
			TH_FAIL("cut %zu: open failed: %s", cut, err.msg);
			free(copy);
			continue;
		}
		while (elog_reader_next(r, &rec, &err) == 1)
			got++;
		if (got != expect)
			TH_FAIL("cut %zu: %u records, expected %u", cut, got, expect);
		else
			th_passed++;
		if (elog_reader_truncated(r, NULL) == on_boundary)
			TH_FAIL("cut %zu: truncated=%d on_boundary=%d", cut,
				elog_reader_truncated(r, NULL), on_boundary);
		else
			th_passed++;
		elog_reader_close(r);
		free(copy);
	}
	free(full);
}

static void test_gzip_and_stdin(void)
{
	const char *path = th_tmp_path("gz.elog");
	char gzpath[300];
	size_t len;
	uint8_t *plain;
	gzFile gz;
	struct elog_reader *r;
	struct elog_error err;
	int saved;
	FILE *in;

	CHECK(write_capture(path, 20, 0) == 0);
	plain = read_file(path, &len);
	snprintf(gzpath, sizeof(gzpath), "%s.gz", path);
	gz = gzopen(gzpath, "wb");
	CHECK(gz != NULL && gzwrite(gz, plain, (unsigned)len) == (int)len);
	gzclose(gz);
	CHECK(elog_reader_open(&r, gzpath, &err) == 0);
	if (r != NULL) {
		check_records(r, 20);
		elog_reader_close(r);
	}

	/* "-" reads stdin, plain or compressed. */
	saved = dup(STDIN_FILENO);
	for (int pass = 0; pass < 2; pass++) {
		in = fopen(pass ? gzpath : path, "rb");
		dup2(fileno(in), STDIN_FILENO);
		fclose(in);
		CHECK(elog_reader_open(&r, "-", &err) == 0);
		if (r != NULL) {
			check_records(r, 20);
			elog_reader_close(r);
		}
	}
	dup2(saved, STDIN_FILENO);
	close(saved);

	/* A compressed file cut short is a cut capture, not an error. */
	{
		size_t glen;
		uint8_t *g = read_file(gzpath, &glen);
		FILE *f;
		struct elog_record rec;
		unsigned n = 0;

		snprintf(gzpath, sizeof(gzpath), "%s/cut.elog.gz", tmpdir);
		f = fopen(gzpath, "wb");
		fwrite(g, 1, glen * 2 / 3, f);
		fclose(f);
		free(g);
		CHECK(elog_reader_open(&r, gzpath, &err) == 0);
		if (r != NULL) {
			int rc;

			while ((rc = elog_reader_next(r, &rec, &err)) == 1)
				n++;
			CHECK_EQ_U(rc, 0);
			CHECK(n < 20);
			CHECK(elog_reader_truncated(r, NULL));
			elog_reader_close(r);
		}
	}
	free(plain);
}

int main(void)
{
	static const struct th_test tests[] = {
		TH_TEST(test_round_trip),     TH_TEST(test_large_capture),
		TH_TEST(test_empty_capture),  TH_TEST(test_append_raw),
		TH_TEST(test_writer_errors),  TH_TEST(test_writer_stream),
		TH_TEST(test_writer_stream_pipe),
		TH_TEST(test_killed_capture),
		TH_TEST(test_reader_errors),  TH_TEST(test_corrupt_length),
		TH_TEST(test_unterminated_name), TH_TEST(test_every_prefix),
		TH_TEST(test_gzip_and_stdin),
	};

	return th_run_in_tmpdir(tests, sizeof(tests) / sizeof(tests[0]), tmpdir);
}
