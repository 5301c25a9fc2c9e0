/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of the file layers: compressed captures (lib/capture/zfile.c), series
 * reading incl. .gz/.zst (lib/capture/series.c, lib/capture/zstd_pipe.c) and per-session
 * files (lib/export/session_files.c). Everything happens in a fresh directory
 * under $TMPDIR (or /tmp), removed at the end.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include <eventlog/schema.h>

#include "capture.h"
#include "harness.h"
#include "series.h"
#include "session_files.h"
#include "zfile.h"

static uint8_t rec[512];
static size_t rec_len;
static uint64_t cur_session = 1;
static uint32_t cur_provider = 1;
static uint64_t cur_ts = 1000;

/* The emit interface: each event becomes one raw record in `rec`. */
static void emit(uint32_t id, const void *p, size_t len)
{
	struct elog_event_hdr h;

	memset(&h, 0, sizeof(h));
	h.event_length = (uint16_t)(sizeof(h) + len);
	h.provider_id = (uint16_t)cur_provider;
	h.timestamp = cur_ts++;
	h.session_id = cur_session;
	h.event_id = id;
	memcpy(rec, &h, sizeof(h));
	if (len != 0)
		memcpy(rec + sizeof(h), p, len);
	rec_len = sizeof(h) + len;
}

/* emit(), the record then appended to sf (the producer macros' session
 * argument, NULL for records the test appends by itself). */
static void emit_to(struct elog_session_files *sf, uint32_t id, const void *p, size_t len)
{
	struct elog_error err;

	emit(id, p, len);
	if (sf != NULL)
		CHECK_EQ_U(elog_sf_append(sf, rec, rec_len, &err), 0);
}

#define PRODUCER_EMIT(s, id, p, len) emit_to((s), (id), (p), (len))
#include "producer.h"

#include "tcp_eventlog.h"

static const struct elog_writer_provider provs[] = { { 1, "tcp" }, { 2, "test" } };
static char tmp[256];

static void path_of(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", tmp, name);
}

static int read_all(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		if (f)
			fclose(f);
		return -1;
	}
	*out = malloc((size_t)n + 1);
	*len = fread(*out, 1, (size_t)n, f);
	fclose(f);
	return 0;
}

/* Write N MSS events through the plain writer or, by name, a zfile. */
static int write_capture(const char *path, unsigned n, bool close_it)
{
	struct elog_error err;
	struct elog_writer *w;
	struct elog_zfile *z = NULL;
	FILE *f = NULL;
	enum elog_zkind k = elog_zkind_of(path);

	cur_ts = 1000;
	if (k == ELOG_Z_NONE) {
		if (elog_writer_open(&w, path, provs, 2, 77, &err) < 0)
			return -1;
	} else {
		if (elog_zfile_open(&z, &f, path, k, 40 + 4 + 2 * 34, true, &err) < 0)
			return -1;
		if (elog_writer_open_stream(&w, f, provs, 2, 77, &err) < 0)
			return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		TCP_EVENTLOG_MSS_LOG_ALWAYS(NULL, 1000 + i);
		if (elog_writer_append(w, rec, rec_len, &err) < 0) {
			fprintf(stderr, "%s: %s\n", path, err.msg);
			return -1;
		}
	}
	elog_writer_set_dropped(w, 3);
	if (!close_it) {
		/* As a killed capture leaves it: what the compressor flushed. */
		fflush(f);
		return 0;
	}
	if (elog_writer_close(w, &err) < 0) {
		fprintf(stderr, "%s: %s\n", path, err.msg);
		return -1;
	}
	if (f != NULL && fclose(f) != 0)
		fprintf(stderr, "%s: fclose: %s\n", path, strerror(errno));
	if (elog_zfile_finish(z, &err) < 0) {
		fprintf(stderr, "%s: %s\n", path, err.msg);
		return -1;
	}
	return 0;
}

static int gunzip(const char *path, uint8_t *out, size_t cap)
{
	gzFile g = gzopen(path, "rb");
	int n;

	if (g == NULL)
		return -1;
	n = gzread(g, out, (unsigned)cap);
	gzclose(g);
	return n;
}

static long unzstd(const char *path, uint8_t *out, size_t cap)
{
	uint8_t *in;
	size_t len;
	ZSTD_DCtx *d = ZSTD_createDCtx();
	ZSTD_inBuffer ib;
	ZSTD_outBuffer ob = { out, cap, 0 };

	if (read_all(path, &in, &len) < 0)
		return -1;
	ib = (ZSTD_inBuffer){ in, len, 0 };
	while (ib.pos < ib.size) {
		if (ZSTD_isError(ZSTD_decompressStream(d, &ob, &ib)))
			break;
	}
	ZSTD_freeDCtx(d);
	free(in);
	return ib.pos == ib.size ? (long)ob.pos : -1;
}

static void test_compressed_equals_plain(void)
{
	char plain[300], gz[300], zst[300];
	uint8_t *want, got[1 << 16];
	size_t wlen;

	path_of(plain, sizeof(plain), "c.elog");
	path_of(gz, sizeof(gz), "c.elog.gz");
	path_of(zst, sizeof(zst), "c.elog.zst");
	CHECK_EQ_U(write_capture(plain, 500, true), 0);
	CHECK_EQ_U(write_capture(gz, 500, true), 0);
	CHECK_EQ_U(write_capture(zst, 500, true), 0);
	if (read_all(plain, &want, &wlen) < 0) {
		TH_FAIL("read %s", plain);
		return;
	}
	/* Byte for byte the same capture, exact header counts included. */
	CHECK_EQ_U(gunzip(gz, got, sizeof(got)), wlen);
	CHECK(memcmp(got, want, wlen) == 0);
	CHECK_EQ_U(unzstd(zst, got, sizeof(got)), wlen);
	CHECK(memcmp(got, want, wlen) == 0);
	uint64_t count;

	memcpy(&count, want + 24, 8);
	CHECK_EQ_U(count, 500);
	free(want);
}

struct done_log {
	unsigned files, cut;
	uint64_t events;
};

static void on_done(void *arg, const char *path, struct elog_reader *r, bool cut)
{
	struct done_log *d = arg;

	(void)path;
	d->files++;
	d->cut += cut || elog_reader_truncated(r, NULL);
	d->events += elog_reader_header(r)->event_count;
}

static void test_series_reads_all_kinds_in_order(void)
{
	char a[300], b[300], c[300];
	const char *paths[3] = { a, b, c };
	struct elog_series *s;
	struct elog_series_record r;
	struct elog_error err;
	struct done_log d = { 0 };
	uint64_t n = 0, last_file = 0;
	int rc;

	path_of(a, sizeof(a), "c.elog");
	path_of(b, sizeof(b), "c.elog.gz");
	path_of(c, sizeof(c), "c.elog.zst");
	CHECK_EQ_U(elog_series_open(&s, paths, 3, on_done, &d, &err), 0);
	while ((rc = elog_series_next(s, &r, &err)) == 1) {
		uint32_t mss;

		memcpy(&mss, r.rec.payload, 4);
		if (mss != 1000 + n % 500 || r.file_index < last_file)
			break;
		last_file = r.file_index;
		CHECK_STR(r.provider_name, "tcp");
		n++;
	}
	CHECK_EQ_U(rc, 0);
	CHECK_EQ_U(n, 1500);
	CHECK_EQ_U(last_file, 2);
	CHECK_EQ_U(d.files, 3);
	CHECK_EQ_U(d.cut, 0);
	CHECK_EQ_U(d.events, 1500);
	CHECK_EQ_U(elog_series_events(s), 1500);
	CHECK_EQ_U(elog_series_dropped(s), 9);
	elog_series_close(s);
	CHECK(th_passed > 0);
}

static void test_series_stops_early_and_errors(void)
{
	char zst[300], bad[300];
	const char *one[1] = { zst }, *two[2] = { zst, bad };
	struct elog_series *s;
	struct elog_series_record r;
	struct elog_error err;
	int fd;

	path_of(zst, sizeof(zst), "c.elog.zst");
	path_of(bad, sizeof(bad), "bad.elog.zst");
	/* Closing after one record must not hang on the decompressor. */
	CHECK_EQ_U(elog_series_open(&s, one, 1, NULL, NULL, &err), 0);
	CHECK_EQ_U(elog_series_next(s, &r, &err), 1);
	elog_series_close(s);
	/* zstd's magic, then not zstd data: the decompressor's error, naming
	 * the file (compression is told by content, not by name). */
	fd = open(bad, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, "\x28\xb5\x2f\xfdnot zstd at all", 19) == 19);
	close(fd);
	CHECK_EQ_U(elog_series_open(&s, two, 2, NULL, NULL, &err), 0);
	int rc;

	while ((rc = elog_series_next(s, &r, &err)) == 1)
		;
	CHECK_EQ_U(rc, -1);
	CHECK(strstr(err.msg, "bad.elog.zst") != NULL);
	CHECK(strstr(err.msg, "zstd") != NULL);
	elog_series_close(s);
	/* A missing file. */
	strcat(bad, ".none");
	CHECK_EQ_U(elog_series_open(&s, one + 0, 0, NULL, NULL, &err), -1);
	one[0] = bad;
	CHECK_EQ_U(elog_series_open(&s, one, 1, NULL, NULL, &err), -1);
}

static void test_killed_compressed_capture(void)
{
	char zst[300], gz[300];
	const char *one[1];
	struct elog_series *s;
	struct elog_series_record r;
	struct elog_error err;
	struct done_log d = { 0 };
	int rc;
	uint64_t n = 0;

	path_of(zst, sizeof(zst), "k.elog.zst");
	path_of(gz, sizeof(gz), "k.elog.gz");
	/* Cut a finished file in the middle of its compressed records. */
	CHECK_EQ_U(write_capture(zst, 3000, true), 0);
	struct stat st;

	CHECK_EQ_U(stat(zst, &st), 0);
	CHECK_EQ_U(truncate(zst, st.st_size - 200), 0);
	one[0] = zst;
	CHECK_EQ_U(elog_series_open(&s, one, 1, on_done, &d, &err), 0);
	while ((rc = elog_series_next(s, &r, &err)) == 1)
		n++;
	CHECK_EQ_U(rc, 0);
	CHECK_EQ_U(d.files, 1);
	CHECK_EQ_U(d.cut, 1);
	CHECK(n < 3000);
	elog_series_close(s);
	(void)gz;
}

/* ------------------------------------------------------- session files */

static unsigned count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static uint64_t events_in(const char *dir, const char *name, uint64_t *dropped)
{
	char p[600];
	struct elog_reader *r;
	struct elog_record rec2;
	struct elog_error err;
	uint64_t n = 0;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (elog_reader_open(&r, p, &err) < 0)
		return UINT64_MAX;
	while (elog_reader_next(r, &rec2, &err) == 1)
		n++;
	/* Exact: the header agrees with the records. */
	if (elog_reader_header(r)->event_count != n)
		n = UINT64_MAX - 1;
	if (dropped)
		*dropped = elog_reader_header(r)->dropped_events;
	elog_reader_close(r);
	return n;
}

static void test_session_files_plain(void)
{
	char dir[300], pre[300];
	struct elog_session_files *sf;
	struct elog_error err;
	uint64_t dropped;

	path_of(dir, sizeof(dir), "sf/a/b");
	path_of(pre, sizeof(pre), "sf/a/b/tcp_5.elog");
	CHECK_EQ_U(elog_sf_open(&sf, dir, false, provs, 2, 5000, &err), 0);
	/* An earlier capture's file is never truncated: session 5 gets .1. */
	int fd = open(pre, O_WRONLY | O_CREAT, 0644);

	CHECK(fd >= 0 && write(fd, "keep", 4) == 4);
	close(fd);
	cur_provider = 1;
	cur_session = 5;
	cur_ts = 1000;
	TCP_EVENTLOG_SESSION_CREATE_LOG_ALWAYS(sf, (const void *)0x1234);
	TCP_EVENTLOG_MSS_LOG_ALWAYS(sf, 1448);
	cur_session = 6;
	TCP_EVENTLOG_MSS_LOG_ALWAYS(sf, 1448);
	/* Another provider, same session id: its own file. */
	cur_provider = 2;
	emit_to(sf, 1, "", 0);
	cur_provider = 1;
	cur_session = 5;
	TCP_EVENTLOG_SESSION_END_LOG_ALWAYS(sf);
	CHECK_EQ_U(elog_sf_open_sessions(sf), 2);
	/* Session 5 again after its end: a new file, the old one intact. */
	TCP_EVENTLOG_MSS_LOG_ALWAYS(sf, 1000);
	/* DUMP_COMPLETE has no session: no file. */
	cur_session = ELOG_SESSION_ID_NONE;
	TCP_EVENTLOG_DUMP_COMPLETE_LOG_ALWAYS(sf);
	CHECK_EQ_U(elog_sf_files_created(sf), 4);
	/* Before close (as after a kill): the time base is already on disk. */
	char p6[300];
	uint64_t base[2] = { 0, 0 };

	path_of(p6, sizeof(p6), "sf/a/b/tcp_6.elog");
	fd = open(p6, O_RDONLY);
	CHECK(fd >= 0 && pread(fd, base, 16, 8) == 16);
	close(fd);
	CHECK_EQ_U(base[0], 1002);        /* the session's first event */
	CHECK_EQ_U(base[1], 1002 + 5000); /* + boot_to_utc */
	CHECK_EQ_U(elog_sf_close(sf, 11, &err), 0);
	CHECK_EQ_U(count_files(dir), 5);
	CHECK_EQ_U(events_in(dir, "tcp_5.1.elog", &dropped), 3);
	CHECK_EQ_U(dropped, 0); /* closed at SESSION_END, before any drop was known */
	CHECK_EQ_U(events_in(dir, "tcp_5.2.elog", &dropped), 1);
	CHECK_EQ_U(dropped, 11);
	CHECK_EQ_U(events_in(dir, "tcp_6.elog", NULL), 1);
	CHECK_EQ_U(events_in(dir, "test_6.elog", NULL), 1);
	struct stat st;

	CHECK(stat(pre, &st) == 0 && st.st_size == 4);
}

static void test_session_files_tcp_names(void)
{
	char dir[300];
	struct elog_session_files *sf;
	struct elog_error err;

	path_of(dir, sizeof(dir), "sft");
	CHECK_EQ_U(elog_sf_open(&sf, dir, true, provs, 2, 0, &err), 0);
	cur_provider = 1;
	/* Two sessions with the same metadata: the second never replaces. */
	for (uint64_t s = 20; s < 22; s++) {
		cur_session = s;
		TCP_EVENTLOG_CONN_SET_IP_V4_LOG_ALWAYS(sf, htonl(0x0a010101), htons(40000),
						       htonl(0x0a020202), htons(443));
		TCP_EVENTLOG_LOG_ID_LOG_ALWAYS(sf, "");
		TCP_EVENTLOG_LOG_ID_LOG_ALWAYS(sf, "front/end 42");
		TCP_EVENTLOG_LOG_ID_LOG_ALWAYS(sf, "later");
		TCP_EVENTLOG_SESSION_END_LOG_ALWAYS(sf);
	}
	/* Address only, still open at exit: renamed at close. */
	cur_session = 22;
	TCP_EVENTLOG_CONN_SET_IP_V4_LOG_ALWAYS(sf, htonl(0x7f000001), htons(5000),
					       htonl(0x7f000001), htons(6000));
	/* No metadata at all: keeps its name. */
	cur_session = 23;
	TCP_EVENTLOG_MSS_LOG_ALWAYS(sf, 1);
	/* The test provider is never renamed. */
	cur_provider = 2;
	emit_to(sf, 1, "", 0);
	CHECK_EQ_U(elog_sf_close(sf, 0, &err), 0);
	CHECK_EQ_U(count_files(dir), 5);
	CHECK_EQ_U(events_in(dir, "front_end_42_40000_10.2.2.2_443.elog", NULL), 5);
	CHECK_EQ_U(events_in(dir, "front_end_42_40000_10.2.2.2_443.1.elog", NULL), 5);
	CHECK_EQ_U(events_in(dir, "unknown_5000_127.0.0.1_6000.elog", NULL), 1);
	CHECK_EQ_U(events_in(dir, "tcp_23.elog", NULL), 1);
	CHECK_EQ_U(events_in(dir, "test_23.elog", NULL), 1);
}

static void test_tcp_name(void)
{
	char b[200];

	CHECK_EQ_U(elog_sf_conn_name(b, sizeof(b), "id", true, 1, "::1", 2), 0);
	CHECK_STR(b, "id_1_::1_2.elog");
	CHECK_EQ_U(elog_sf_conn_name(b, sizeof(b), NULL, true, 1, "10.0.0.1", 2), 0);
	CHECK_STR(b, "unknown_1_10.0.0.1_2.elog");
	CHECK_EQ_U(elog_sf_conn_name(b, sizeof(b), "../x", false, 0, NULL, 0), 0);
	CHECK_STR(b, "_._x_unknown_unknown_unknown.elog");
	CHECK_EQ_U(elog_sf_conn_name(b, 8, "long-name", false, 0, NULL, 0), -1);
}

static void test_mkdir_p_errors(void)
{
	char p[300];
	struct elog_error err;
	int fd;

	path_of(p, sizeof(p), "plainfile");
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	close(fd);
	CHECK_EQ_U(elog_mkdir_p(p, &err), -1);
	strcat(p, "/sub");
	CHECK_EQ_U(elog_mkdir_p(p, &err), -1);
	path_of(p, sizeof(p), "x/y/");
	CHECK_EQ_U(elog_mkdir_p(p, &err), 0);
}

int main(void)
{
	static const struct th_test tests[] = {
		TH_TEST(test_compressed_equals_plain),
		TH_TEST(test_series_reads_all_kinds_in_order),
		TH_TEST(test_series_stops_early_and_errors),
		TH_TEST(test_killed_compressed_capture),
		TH_TEST(test_session_files_plain),
		TH_TEST(test_session_files_tcp_names),
		TH_TEST(test_tcp_name),
		TH_TEST(test_mkdir_p_errors),
	};
	const char *t = getenv("TMPDIR");

	snprintf(tmp, sizeof(tmp), "%s/elog-export-test.XXXXXX", t && *t ? t : "/tmp");
	return th_run_in_tmpdir(tests, sizeof(tests) / sizeof(tests[0]), tmp);
}
