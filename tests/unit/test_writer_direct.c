/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The capture writer past the page cache (ELOG_WRITER_DIRECT, lib/capture/outfile.c)
 * against the ordinary one: the same appends, runs and flushes given to both
 * in lockstep must leave the same bytes on disk after every sync (the
 * direct writer keeps a partial last block in its buffer and must not leave
 * padding or miss its tail; its writer thread must keep their order) and at
 * close (the header rewritten in place, inside and outside the buffer's
 * block). And where O_DIRECT cannot be used
 * (not a regular file) the writer writes ordinarily.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "harness.h"

static char tmpdir[] = "/tmp/elog-test-writer-direct-XXXXXX";

static const struct elog_writer_provider provs[] = { { 1, "tcp" }, { 7, "test" } };
/* The file header, the provider count and two provider entries. */
#define PREAMBLE (ELOG_FILE_HDR_SIZE + 4 + 2 * ELOG_PROVIDER_ENTRY_SIZE)

/* A deterministic sequence: xorshift. */
static uint32_t rnd_state = 2463534242u;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* Lays a record of `len` bytes (>= 32) at p: a valid header, patterned payload. */
static void make_record(unsigned char *p, size_t len, unsigned i)
{
	struct elog_event_hdr h;

	memset(&h, 0, sizeof(h));
	h.event_length = (uint16_t)len;
	h.provider_id = 1;
	h.timestamp = 5000000 + i;
	h.session_id = i % 7;
	h.event_id = i % 11;
	memcpy(p, &h, sizeof(h));
	for (size_t k = sizeof(h); k < len; k++)
		p[k] = (unsigned char)(i * 13 + k);
}

static unsigned char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	*len = 0;
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	buf = malloc((size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Both files hold the same bytes; `when` names the step in a failure. */
static void check_same(const char *a, const char *b, const char *when, unsigned step)
{
	size_t la, lb;
	unsigned char *pa = read_all(a, &la), *pb = read_all(b, &lb);

	if (pa == NULL || pb == NULL || la != lb || memcmp(pa, pb, la) != 0)
		TH_FAIL("%s (step %u): files differ: %zu bytes ordinary, %zu direct", when, step, la,
			lb);
	else
		th_passed++;
	free(pa);
	free(pb);
}

/* Bytes appended so far, the preamble included. */
static uint64_t written;

/* Appends one step's worth of records to both writers: one record, or a
 * run of `bytes` or so (a run of 16 KiB and more took a path of its own in
 * the ordinary writer; runs past 1 MiB cross the direct writer's buffer). */
static void append_both(struct elog_writer *w[2], unsigned *seq, size_t bytes, int as_run)
{
	static unsigned char run[3u << 20];
	size_t used = 0, count = 0;
	struct elog_error err;

	CHECK(bytes <= sizeof(run));
	while (used + 32 <= bytes && bytes <= sizeof(run)) {
		size_t len = 32 + rnd() % 300;

		/* The last record takes what is left: a run is `bytes` exactly. */
		if (len > bytes - used || bytes - used - len < 32)
			len = bytes - used;
		make_record(run + used, len, (*seq)++);
		used += len;
		count++;
		if (!as_run)
			break;
	}
	for (int k = 0; k < 2; k++) {
		if (as_run)
			CHECK(elog_writer_append_run(w[k], run, used, count, &err) == 0);
		else
			CHECK(elog_writer_append(w[k], run, used, &err) == 0);
	}
	written += used;
}

static void test_same_bytes_as_ordinary(void)
{
	const char *path[2] = { th_tmp_path("ordinary.elog"), th_tmp_path("direct.elog") };
	struct elog_writer *w[2] = { NULL, NULL };
	struct elog_error err;
	unsigned seq = 0, step;

	CHECK(elog_writer_open_flags(&w[0], path[0], provs, 2, 1000, 0, &err) == 0);
	CHECK(elog_writer_open_flags(&w[1], path[1], provs, 2, 1000, ELOG_WRITER_DIRECT, &err) == 0);
	if (w[0] == NULL || w[1] == NULL)
		return;
	CHECK(!elog_writer_direct(w[0]));
	/* /tmp is a local file system (ext4, or tmpfs since Linux 6.6), which
	 * takes O_DIRECT: without it this test would prove nothing. */
	if (!elog_writer_direct(w[1]))
		TH_FAIL("%s: O_DIRECT was not taken: this test needs a file system that takes it",
			path[1]);
	written = PREAMBLE;
	for (int k = 0; k < 2; k++)
		CHECK(elog_writer_sync(w[k], &err) == 0);
	check_same(path[0], path[1], "after the preamble", 0);

	for (step = 1; step <= 200; step++) {
		uint32_t r = rnd() % 100;

		if (r < 40)
			append_both(w, &seq, 32 + rnd() % 400, 0);
		else if (r < 70)
			append_both(w, &seq, rnd() % 16384, 1);
		else if (r < 80)
			append_both(w, &seq, 16384 + rnd() % 65536, 1);
		else if (r < 83)
			append_both(w, &seq, (1u << 20) + rnd() % (1u << 20), 1);
		else if (r < 88) {
			/* Up to the next 4 KiB boundary exactly: a flush with
			 * no partial block. */
			size_t to = 4096 - written % 4096;

			if (to < 32)
				to += 4096;
			append_both(w, &seq, to, 1);
			CHECK_EQ_U(written % 4096, 0);
		}
		if (r % 3 == 0) {
			for (int k = 0; k < 2; k++)
				CHECK(elog_writer_sync(w[k], &err) == 0);
			check_same(path[0], path[1], "after a sync", step);
		} else if (r % 4 == 0) {
			/* Handed to the writer thread, not waited for: the
			 * next buffer starts with the block it keeps. */
			for (int k = 0; k < 2; k++)
				CHECK(elog_writer_flush(w[k], &err) == 0);
		}
	}
	CHECK(elog_writer_direct(w[1]));
	CHECK(written > (3u << 20));
	CHECK_EQ_U(elog_writer_event_count(w[0]), seq);
	CHECK_EQ_U(elog_writer_event_count(w[1]), seq);
	elog_writer_set_dropped(w[0], 5);
	elog_writer_set_dropped(w[1], 5);
	CHECK(elog_writer_close(w[0], &err) == 0);
	CHECK(elog_writer_close(w[1], &err) == 0);
	check_same(path[0], path[1], "after close", step);
}

/* The header's block still in the buffer at close (a small capture), and
 * the time base on disk after the first event and a flush. */
static void test_small_capture(void)
{
	const char *path = th_tmp_path("small.elog");
	struct elog_writer *w = NULL;
	struct elog_error err;
	struct elog_file_hdr fh;
	unsigned char rec[100];
	size_t len;
	unsigned char *all;

	CHECK(elog_writer_open_flags(&w, path, provs, 2, 1000, ELOG_WRITER_DIRECT, &err) == 0);
	if (w == NULL)
		return;
	make_record(rec, sizeof(rec), 1);
	CHECK(elog_writer_append(w, rec, sizeof(rec), &err) == 0);
	CHECK(elog_writer_sync(w, &err) == 0);
	all = read_all(path, &len);
	CHECK_EQ_U(len, PREAMBLE + sizeof(rec));
	if (all != NULL && len >= sizeof(fh)) {
		memcpy(&fh, all, sizeof(fh));
		CHECK_EQ_U(fh.capture_start, 5000001);
		CHECK_EQ_U(fh.event_count, 0);
	}
	free(all);
	CHECK(elog_writer_append(w, rec, sizeof(rec), &err) == 0);
	CHECK(elog_writer_close(w, &err) == 0);
	all = read_all(path, &len);
	CHECK_EQ_U(len, PREAMBLE + 2 * sizeof(rec));
	if (all != NULL && len >= sizeof(fh)) {
		memcpy(&fh, all, sizeof(fh));
		CHECK_EQ_U(fh.event_count, 2);
		CHECK_EQ_U(fh.start_utc_us, 5000001 + 1000);
	}
	free(all);
}

/* Closing in two steps (a capture moving on to its next file): the same
 * file as a plain close, nothing appended after the first step, and the
 * writer idle once its thread has written everything. */
static void test_close_in_two_steps(void)
{
	const char *path[2] = { th_tmp_path("closed.elog"), th_tmp_path("closed-later.elog") };
	struct elog_writer *w[2] = { NULL, NULL };
	struct elog_error err;
	unsigned seq = 0;
	int i;

	CHECK(elog_writer_open_flags(&w[0], path[0], provs, 2, 7, 0, &err) == 0);
	CHECK(elog_writer_open_flags(&w[1], path[1], provs, 2, 7, ELOG_WRITER_DIRECT, &err) == 0);
	if (w[0] == NULL || w[1] == NULL)
		return;
	written = PREAMBLE;
	append_both(w, &seq, (3u << 20) / 2, 1);
	append_both(w, &seq, 1000, 1);
	elog_writer_set_dropped(w[0], 9);
	elog_writer_set_dropped(w[1], 9);
	CHECK(elog_writer_close_begin(w[1], &err) == 0);
	CHECK(elog_writer_append(w[1], "0123456789abcdef0123456789abcdef", 32, &err) == -1);
	CHECK(strstr(err.msg, "appended after the close began") != NULL);
	for (i = 0; i < 500 && !elog_writer_idle(w[1]); i++)
		usleep(10000);
	CHECK(elog_writer_idle(w[1]));
	CHECK(elog_writer_close(w[0], &err) == 0);
	CHECK(elog_writer_close(w[1], &err) == 0);
	check_same(path[0], path[1], "closed in two steps", 0);
}

/* Not a regular file: ordinary writes, no error. */
static void test_not_a_regular_file(void)
{
	struct elog_writer *w = NULL;
	struct elog_error err;
	unsigned char rec[64];

	CHECK(elog_writer_open_flags(&w, "/dev/null", provs, 2, 0, ELOG_WRITER_DIRECT, &err) == 0);
	if (w == NULL)
		return;
	CHECK(!elog_writer_direct(w));
	make_record(rec, sizeof(rec), 1);
	CHECK(elog_writer_append(w, rec, sizeof(rec), &err) == 0);
	CHECK(elog_writer_close(w, &err) == 0);
}

int main(void)
{
	static const struct th_test tests[] = {
		TH_TEST(test_same_bytes_as_ordinary),
		TH_TEST(test_small_capture),
		TH_TEST(test_close_in_two_steps),
		TH_TEST(test_not_a_regular_file),
	};

	return th_run_in_tmpdir(tests, sizeof(tests) / sizeof(tests[0]), tmpdir);
}
