/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The black box recorder (lib/export/recorder.h) and the per-session sink's dump
 * mode under it, fed synthetic live streams as the reorder window hands
 * them over: dumps (a BLACKBOX_DUMP record, then records of its session
 * with older timestamps) among live records of other sessions. Checked:
 *  - one file per dump, one index line per file, the file's records the
 *    dump's byte for byte, its name from the connection and the dump
 *    number, the index's facts (reason, counts, endpoints, log id, times,
 *    ended); live records not written, but naming a later dump;
 *  - retention by file count and by bytes, oldest first, the newest kept,
 *    files not listed never touched;
 *  - restarts: numbering continued, nothing rewritten, and every state a
 *    kill can leave between the steps of a commit (temporary file cut or
 *    whole, renamed but not listed, listed but not renamed, index line cut,
 *    removal listed but not done) recovered with no file lost, half listed
 *    or listed twice;
 *  - the index rewritten once removals pile up; one recorder per directory.
 * Records come from the generated tcp producer macros (tcp_eventlog.h).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <eventlog/schema.h>

#include "capture.h"
#include "eventlog_abi.h"
#include "harness.h"
#include "recorder.h"
#include "session_files.h"

static char tmp[] = "/tmp/elog-recorder-test.XXXXXX";
static const struct elog_writer_provider provs[] = { { 1, "tcp" }, { 2, "test" } };
#define BOOT_TO_UTC 1795312800000000LL /* 2026-11-22 02:00:00 UTC at boot time 0 */

/* ---- records ---- */

static struct elog_recorder *R;
static uint64_t cur_sid = 1, cur_ts = 1000;

/* What each dump should hold: its records back to back. */
#define DUMPS_MAX 64
static struct {
	uint8_t buf[65536];
	size_t len, nrec;
} want[DUMPS_MAX];
static int cur_dump = -1; /* records go to want[cur_dump] too; -1: live */

static void feed(const void *rec, size_t len)
{
	struct elog_error err = { 0 };
	int rc = elog_recorder_append(R, rec, len, &err);

	CHECK_EQ_U(rc, 0);
	if (rc)
		fprintf(stderr, "    %s\n", err.msg);
}

static void emit(uint32_t id, const void *p, size_t len)
{
	uint8_t rec[512];
	struct elog_event_hdr h;

	memset(&h, 0, sizeof(h));
	h.event_length = (uint16_t)(sizeof(h) + len);
	h.provider_id = 1;
	h.timestamp = cur_ts;
	h.session_id = cur_sid;
	h.event_id = id;
	h.thread_id = 77;
	cur_ts += 10;
	memcpy(rec, &h, sizeof(h));
	if (len)
		memcpy(rec + sizeof(h), p, len);
	if (cur_dump >= 0) {
		memcpy(want[cur_dump].buf + want[cur_dump].len, rec, sizeof(h) + len);
		want[cur_dump].len += sizeof(h) + len;
		want[cur_dump].nrec++;
	}
	feed(rec, sizeof(h) + len);
}

#define PRODUCER_EMIT(s, id, p, len) emit((id), (p), (len))
#include "producer.h"

#include "tcp_eventlog.h"

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* Starts dump number k of session sid at time ts (announcing events);
 * records emitted until dump_end() belong to it. */
static void dump_begin(int k, uint64_t sid, uint64_t ts, uint32_t reason, uint32_t events,
		       uint64_t overwritten)
{
	struct elog_bb_dump d = { .reason = reason, .events = events, .overwritten = overwritten,
				  .mode = ELOG_BB_TAIL };

	memset(&want[k], 0, sizeof(want[k]));
	cur_dump = k;
	cur_sid = sid;
	cur_ts = ts;
	emit(ELOG_BB_DUMP_ID, &d, sizeof(d));
}

static void dump_end(void)
{
	cur_dump = -1;
}

static void live(uint64_t sid, uint64_t ts)
{
	int k = cur_dump;

	cur_dump = -1;
	cur_sid = sid;
	cur_ts = ts;
	TCP_EVENTLOG_RTT_SAMPLE_LOG_ALWAYS(NULL, 300);
	cur_dump = k;
}

static void conn(const char *lip, uint16_t lport, const char *rip, uint16_t rport,
		 const char *log_id)
{
	TCP_EVENTLOG_CONN_SET_IP_V4_LOG_ALWAYS(NULL, ip4(lip), htons(lport), ip4(rip), htons(rport));
	if (log_id)
		TCP_EVENTLOG_LOG_ID_LOG_ALWAYS(NULL, log_id);
}

static void data(int n)
{
	for (int i = 0; i < n; i++)
		TCP_EVENTLOG_OUT_LOG_ALWAYS(NULL, 1000 + (uint32_t)i * 100, 1, TCP_EVENTLOG_FLAG_ACK,
					    500, 64000, 100, 14480,
					    TCP_EVENTLOG_TCP_STATE_ESTABLISHED, 8, 0x1234, 0);
}

/* ---- the recorder ---- */

static int rec_open(const struct elog_recorder_opts *o)
{
	struct elog_error err = { 0 };
	static const struct elog_recorder_opts none;
	int rc = elog_recorder_open(&R, tmp, o ? o : &none, provs, 2, BOOT_TO_UTC, &err);

	if (rc)
		fprintf(stderr, "    open: %s\n", err.msg);
	return rc;
}

static void settle(void)
{
	struct elog_error err = { 0 };

	CHECK_EQ_U(elog_recorder_settle(R, &err), 0);
}

static void rec_close(struct elog_recorder_stats *st)
{
	struct elog_error err = { 0 };

	CHECK_EQ_U(elog_recorder_close(R, st, &err), 0);
	R = NULL;
}

/* Empties the directory. */
static void clean(void)
{
	DIR *d = opendir(tmp);
	struct dirent *e;
	char p[512];

	while (d && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(p, sizeof(p), "%s/%s", tmp, e->d_name);
			unlink(p);
		}
	}
	if (d)
		closedir(d);
}

/* ---- reading back ---- */

#define LINES_MAX 2048
static char idx[LINES_MAX][1024];
static size_t nidx;

/* The index's lines; how many. */
static size_t read_index(void)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", tmp, ELOG_RECORDER_INDEX);
	nidx = 0;
	f = fopen(p, "r");
	if (f == NULL)
		return 0;
	while (nidx < LINES_MAX && fgets(idx[nidx], sizeof(idx[nidx]), f) != NULL)
		nidx++;
	fclose(f);
	return nidx;
}

/* A field's raw JSON text ("..." with the quotes, or a number/literal). */
static const char *jget(const char *line, const char *key)
{
	static char v[512];
	char pat[64];
	const char *p, *q;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(line, pat);
	if (p == NULL)
		return "(absent)";
	p += strlen(pat);
	if (*p == '"') {
		q = strchr(p + 1, '"');
		q = q ? q + 1 : p + strlen(p);
	} else {
		q = p + strcspn(p, ",}");
	}
	snprintf(v, sizeof(v), "%.*s", (int)(q - p), p);
	return v;
}

/* The file of an index line, unquoted. */
static const char *jfile(const char *line)
{
	static char f[256];
	const char *v = jget(line, "file");

	snprintf(f, sizeof(f), "%.*s", (int)strlen(v) - 2, v + 1);
	return f;
}

/* The records of a capture file, back to back, as they were fed. */
static int file_records(const char *name, uint8_t *buf, size_t cap, size_t *len, size_t *nrec)
{
	char p[512];
	struct elog_reader *rd;
	struct elog_record rec;
	struct elog_error err = { 0 };
	int n;

	snprintf(p, sizeof(p), "%s/%s", tmp, name);
	*len = *nrec = 0;
	if (elog_reader_open(&rd, p, &err) < 0)
		return -1;
	while ((n = elog_reader_next(rd, &rec, &err)) == 1) {
		if (*len + sizeof(rec.hdr) + rec.payload_len > cap)
			break;
		memcpy(buf + *len, &rec.hdr, sizeof(rec.hdr));
		memcpy(buf + *len + sizeof(rec.hdr), rec.payload, rec.payload_len);
		*len += sizeof(rec.hdr) + rec.payload_len;
		(*nrec)++;
	}
	CHECK_EQ_U(elog_reader_header(rd)->event_count, *nrec);
	CHECK(!elog_reader_truncated(rd, NULL));
	elog_reader_close(rd);
	return n;
}

/* The file of index line i holds dump k exactly. */
static void check_file(size_t i, int k)
{
	static uint8_t got[65536];
	size_t len, nrec;

	CHECK_EQ_U(file_records(jfile(idx[i]), got, sizeof(got), &len, &nrec), 0);
	CHECK_EQ_U(nrec, want[k].nrec);
	CHECK(len == want[k].len && memcmp(got, want[k].buf, len) == 0);
}

/* Names in the directory, sorted, joined by ' ' (the lock and index too). */
static const char *ls(void)
{
	static char out[8192];
	static char names[256][256];
	size_t n = 0;
	DIR *d = opendir(tmp);
	struct dirent *e;

	out[0] = '\0';
	while (d && (e = readdir(d)) != NULL && n < 256)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			snprintf(names[n++], sizeof(names[0]), "%s", e->d_name);
	if (d)
		closedir(d);
	qsort(names, n, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
	for (size_t i = 0; i < n; i++) {
		strcat(out, i ? " " : "");
		strcat(out, names[i]);
	}
	return out;
}

static uint64_t size_of(const char *name)
{
	char p[512];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", tmp, name);
	return stat(p, &st) == 0 ? (uint64_t)st.st_size : 0;
}

#define CHECK_PREFIX(s, p)                                                         \
	do {                                                                       \
		if (strncmp((s), (p), strlen(p)) == 0)                             \
			th_passed++;                                               \
		else                                                               \
			TH_FAIL("prefix:\n    got      \"%s\"\n    expected \"%s...\"", \
				(s), (p));                                         \
	} while (0)

/* ---- tests ---- */

/*
 * Four dumps among live records: A's two (the second with its end), B's
 * (named by what B said live before it), C's (empty, nothing names it).
 * Live records of D, never dumped, are written nowhere.
 */
static void test_files_and_index(void)
{
	struct elog_recorder_stats st;

	clean();
	CHECK_EQ_U(rec_open(NULL), 0);
	/* B is live first: its address. */
	cur_sid = 20;
	cur_ts = 500;
	conn("10.0.0.20", 5020, "10.9.9.9", 80, "bee");
	live(40, 1500);
	dump_begin(0, 10, 20000000, ELOG_BB_REASON_DEMAND, 6, 100);
	cur_ts = 7000000;
	conn("10.0.0.10", 40000, "10.2.2.2", 443, "a/1");
	data(2);
	live(40, 20000001); /* D, live, in the middle of A's dump */
	cur_sid = 10;
	cur_ts = 15000000;
	data(2);
	dump_end();
	dump_begin(1, 20, 20000100, 16, 3, 0);
	cur_ts = 19000000;
	data(3);
	dump_end();
	live(40, 20000200);
	dump_begin(2, 30, 20000300, 99, 0, 0); /* a reason the schema does not name */
	dump_end();
	dump_begin(3, 10, 40000000, ELOG_BB_REASON_END, 3, 0);
	cur_ts = 30000000;
	conn("10.0.0.10", 40000, "10.2.2.2", 443, NULL); /* no log id: kept from before */
	data(1);
	TCP_EVENTLOG_SESSION_END_LOG_ALWAYS(NULL);
	dump_end();
	settle();
	rec_close(&st);

	CHECK_EQ_U(st.written, 4);
	CHECK_EQ_U(st.files, 4);
	CHECK_EQ_U(read_index(), 4);
	CHECK_STR(jfile(idx[0]), "a_1_40000_10.2.2.2_443.000000.elog");
	CHECK_STR(jfile(idx[1]), "bee_5020_10.9.9.9_80.000001.elog");
	CHECK_STR(jfile(idx[2]), "tcp_30.000002.elog");
	CHECK_STR(jfile(idx[3]), "a_1_40000_10.2.2.2_443.000003.elog");
	for (int k = 0; k < 4; k++)
		check_file((size_t)k, k);
	CHECK_STR(ls(), ".elog-recorder.lock a_1_40000_10.2.2.2_443.000000.elog "
			"a_1_40000_10.2.2.2_443.000003.elog bee_5020_10.9.9.9_80.000001.elog "
			"index.jsonl tcp_30.000002.elog");
	CHECK_PREFIX(idx[0], "{\"time\":\"2026-11-22T02:00:20.000000Z\","
			  "\"file\":\"a_1_40000_10.2.2.2_443.000000.elog\",\"seq\":0,"
			  "\"provider\":\"tcp\",\"session\":10,\"log_id\":\"a/1\","
			  "\"reason\":\"DEMAND\",\"reason_code\":5,\"mode\":\"TAIL\","
			  "\"local\":\"10.0.0.10:40000\",\"remote\":\"10.2.2.2:443\","
			  "\"records\":6,\"announced\":6,\"overwritten\":100,"
			  "\"first\":\"2026-11-22T02:00:07.000000Z\","
			  "\"last\":\"2026-11-22T02:00:15.000010Z\",\"duration_s\":8.000010,"
			  "\"ended\":false,\"bytes\":");
	CHECK_STR(jget(idx[1], "reason_code"), "16");
	CHECK_STR(jget(idx[1], "reason"), "\"RTO\"");
	CHECK_STR(jget(idx[1], "log_id"), "\"bee\"");
	CHECK_STR(jget(idx[1], "local"), "\"10.0.0.20:5020\"");
	CHECK_STR(jget(idx[2], "local"), "null");
	CHECK_STR(jget(idx[2], "reason"), "99");
	CHECK_STR(jget(idx[2], "records"), "0");
	CHECK_STR(jget(idx[2], "first"), "null");
	CHECK_STR(jget(idx[3], "ended"), "true");
	CHECK_STR(jget(idx[3], "records"), "3");
	for (size_t i = 0; i < 4; i++) {
		char b[32];

		snprintf(b, sizeof(b), "%llu", (unsigned long long)size_of(jfile(idx[i])));
		CHECK_STR(jget(idx[i], "bytes"), b);
	}
}

/* A dump the window hands over whole but with records missing (filtered,
 * dropped): written as it is when settled, the index saying so. */
static void test_incomplete(void)
{
	clean();
	CHECK_EQ_U(rec_open(NULL), 0);
	dump_begin(0, 10, 20000000, ELOG_BB_REASON_DEMAND, 5, 0);
	cur_ts = 100;
	data(2);
	dump_end();
	CHECK_EQ_U(read_index(), 0);
	settle();
	CHECK_EQ_U(read_index(), 1);
	CHECK_STR(jget(idx[0], "records"), "2");
	CHECK_STR(jget(idx[0], "announced"), "5");
	check_file(0, 0);
	/* A record of the session later than the dump also ends it. */
	dump_begin(1, 10, 30000000, ELOG_BB_REASON_DEMAND, 5, 0);
	cur_ts = 25000000;
	data(1);
	dump_end();
	live(10, 30000001);
	CHECK_EQ_U(read_index(), 2);
	check_file(1, 1);
	rec_close(NULL);
}

static int write_dumps(int first, int n, int records)
{
	for (int k = first; k < first + n; k++) {
		dump_begin(k, 100 + (uint64_t)k, 1000000 * (uint64_t)(k + 1), ELOG_BB_REASON_DEMAND,
			   (uint32_t)records, 0);
		cur_ts = 1000000 * (uint64_t)k + 1;
		data(records);
		dump_end();
	}
	return 0;
}

/* Retention by count: the oldest go first, each listed as removed before
 * it goes; files not listed stay whatever their names. */
static void test_retention_files(void)
{
	struct elog_recorder_opts o = { .max_files = 3 };
	struct elog_recorder_stats st;
	int fd;
	char p[512];

	clean();
	snprintf(p, sizeof(p), "%s/tcp_7.000000.elog", tmp); /* not ours */
	fd = open(p, O_WRONLY | O_CREAT, 0600);
	CHECK(fd >= 0);
	close(fd);
	CHECK_EQ_U(rec_open(&o), 0);
	write_dumps(0, 5, 2);
	rec_close(&st);
	CHECK_EQ_U(st.removed, 2);
	CHECK_EQ_U(st.files, 3);
	/* Numbering starts above the file already there. */
	CHECK_STR(ls(), ".elog-recorder.lock index.jsonl tcp_102.000003.elog tcp_103.000004.elog "
			"tcp_104.000005.elog tcp_7.000000.elog");
	CHECK_EQ_U(read_index(), 7);
	CHECK_STR(jget(idx[4], "removed"), "\"tcp_100.000001.elog\"");
	CHECK_STR(jget(idx[6], "removed"), "\"tcp_101.000002.elog\"");
	check_file(5, 4);
}

/* Retention by bytes: oldest first, down to what fits; the newest stays
 * even alone over the limit. */
static void test_retention_bytes(void)
{
	struct elog_recorder_opts o = { 0 };
	struct elog_recorder_stats st;
	uint64_t one;

	clean();
	CHECK_EQ_U(rec_open(&o), 0);
	write_dumps(0, 1, 10);
	rec_close(&st);
	one = st.bytes;
	o.max_bytes = 3 * one + one / 2;
	CHECK_EQ_U(rec_open(&o), 0);
	write_dumps(1, 5, 10);
	rec_close(&st);
	CHECK_EQ_U(st.files, 3);
	CHECK_EQ_U(st.bytes, 3 * one);
	CHECK_STR(ls(), ".elog-recorder.lock index.jsonl tcp_103.000003.elog tcp_104.000004.elog "
			"tcp_105.000005.elog");
	/* Lowered on restart: applied at once, the newest kept. */
	o.max_bytes = 10;
	CHECK_EQ_U(rec_open(&o), 0);
	rec_close(&st);
	CHECK_EQ_U(st.files, 1);
	CHECK_STR(ls(), ".elog-recorder.lock index.jsonl tcp_105.000005.elog");
}

/* A restart continues the numbering and rewrites nothing. */
static void test_restart(void)
{
	struct stat a, b;
	char p[512];

	clean();
	CHECK_EQ_U(rec_open(NULL), 0);
	write_dumps(0, 2, 3);
	rec_close(NULL);
	snprintf(p, sizeof(p), "%s/tcp_100.000000.elog", tmp);
	CHECK_EQ_U(stat(p, &a), 0);
	CHECK_EQ_U(rec_open(NULL), 0);
	write_dumps(2, 1, 3);
	rec_close(NULL);
	CHECK_EQ_U(stat(p, &b), 0);
	CHECK(a.st_ino == b.st_ino && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
	      a.st_mtim.tv_nsec == b.st_mtim.tv_nsec);
	CHECK_EQ_U(read_index(), 3);
	CHECK_STR(jfile(idx[2]), "tcp_102.000002.elog");
	for (int k = 0; k < 3; k++)
		check_file((size_t)k, k);
}

static void mv(const char *from, const char *to)
{
	char a[512], b[512];

	snprintf(a, sizeof(a), "%s/%s", tmp, from);
	snprintf(b, sizeof(b), "%s/%s", tmp, to);
	CHECK_EQ_U(rename(a, b), 0);
}

static void cp(const char *from, const char *to, size_t cut)
{
	static uint8_t buf[1 << 16];
	char a[512], b[512];
	FILE *f;
	size_t n;

	snprintf(a, sizeof(a), "%s/%s", tmp, from);
	snprintf(b, sizeof(b), "%s/%s", tmp, to);
	f = fopen(a, "rb");
	n = f ? fread(buf, 1, sizeof(buf), f) : 0;
	if (f)
		fclose(f);
	f = fopen(b, "wb");
	CHECK(f != NULL && n > cut);
	if (f) {
		fwrite(buf, 1, n - cut, f);
		fclose(f);
	}
}

/* The index without its last `cut` bytes. */
static void cut_index(size_t cut)
{
	char p[512];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", tmp, ELOG_RECORDER_INDEX);
	CHECK_EQ_U(stat(p, &st), 0);
	CHECK_EQ_U(truncate(p, st.st_size - (off_t)cut), 0);
}

/* Files listed, in index order, joined by ' '. */
static const char *listed(void)
{
	static char out[4096];
	char gone[64][256];
	size_t ngone = 0;

	out[0] = '\0';
	read_index();
	for (size_t i = 0; i < nidx; i++)
		if (strcmp(jget(idx[i], "removed"), "(absent)") != 0 && ngone < 64)
			snprintf(gone[ngone++], sizeof(gone[0]), "%s", jget(idx[i], "removed"));
	for (size_t i = 0; i < nidx; i++) {
		bool removed = false;
		const char *f = jget(idx[i], "file");
		size_t l = strlen(idx[i]);

		/* a line cut short is no line */
		if (strcmp(f, "(absent)") == 0 || l < 2 || strcmp(idx[i] + l - 2, "}\n") != 0)
			continue;
		for (size_t k = 0; k < ngone; k++)
			removed |= strcmp(gone[k], f) == 0;
		if (!removed) {
			strcat(out, out[0] ? " " : "");
			strcat(out, jfile(idx[i]));
		}
	}
	return out;
}

/*
 * Each state a kill can leave, made by hand from a finished run, then a
 * restart: a temporary file cut short (deleted), one whole but not listed
 * (listed), one renamed to its final temporary name and listed but not
 * renamed into place (renamed), an index line cut (its file listed again,
 * once), a removal listed but not done (done), a listed file somebody
 * deleted (listed as missing).
 */
static void test_killed_between_steps(void)
{
	struct elog_recorder_stats st;
	const char *f0 = "tcp_100.000000.elog", *f1 = "tcp_101.000001.elog";
	const char *f2 = "tcp_102.000002.elog";
	static uint8_t a[65536], b[65536];
	size_t la, lb, na, nb;

	clean();
	CHECK_EQ_U(rec_open(NULL), 0);
	write_dumps(0, 4, 3);
	rec_close(NULL);
	/* Killed while writing a dump: cut inside a record. */
	cp(f0, ELOG_SF_TMP_PREFIX "tcp_9.0.elog", 5);
	/* Killed after the sync, before the first rename: whole. */
	cp(f1, ELOG_SF_TMP_PREFIX "tcp_101.7.elog", 0);
	/* Killed before the last rename: f2 listed, at its temporary name. */
	mv(f2, ELOG_SF_TMP_PREFIX "tcp_102.000002.elog");
	CHECK_EQ_U(rec_open(NULL), 0);
	rec_close(&st);
	CHECK_EQ_U(st.discarded, 1);
	CHECK_EQ_U(st.salvaged, 1);
	CHECK_EQ_U(st.missing, 0);
	CHECK_STR(listed(), "tcp_100.000000.elog tcp_101.000001.elog tcp_102.000002.elog "
			    "tcp_103.000003.elog tcp_101.000004.elog");
	CHECK_STR(ls(), ".elog-recorder.lock index.jsonl tcp_100.000000.elog tcp_101.000001.elog "
			"tcp_101.000004.elog tcp_102.000002.elog tcp_103.000003.elog");
	CHECK_EQ_U(file_records("tcp_101.000004.elog", a, sizeof(a), &la, &na), 0);
	CHECK_EQ_U(file_records(f1, b, sizeof(b), &lb, &nb), 0);
	CHECK(la == lb && na == nb && memcmp(a, b, la) == 0);
	CHECK_STR(jget(idx[nidx - 1], "records"), "3");
	{
		char t1[64];

		snprintf(t1, sizeof(t1), "%s", jget(idx[1], "time"));
		CHECK_STR(jget(idx[nidx - 1], "time"), t1);
		CHECK_STR(t1, "\"2026-11-22T02:00:02.000000Z\"");
	}

	/* Killed while appending a line: its file at its temporary name, the
	 * line cut. Listed again, once (its number is free again). */
	clean();
	CHECK_EQ_U(rec_open(NULL), 0);
	write_dumps(0, 2, 3);
	rec_close(NULL);
	read_index();
	mv(f1, ELOG_SF_TMP_PREFIX "tcp_101.000001.elog");
	cut_index(strlen(idx[1]) / 2);
	CHECK_EQ_U(rec_open(NULL), 0);
	rec_close(&st);
	CHECK_EQ_U(st.salvaged, 1);
	CHECK_STR(listed(), "tcp_100.000000.elog tcp_101.000001.elog");
	CHECK_STR(ls(), ".elog-recorder.lock index.jsonl tcp_100.000000.elog tcp_101.000001.elog");
	CHECK_EQ_U(file_records(f1, a, sizeof(a), &la, &na), 0);
	CHECK(la == want[1].len && memcmp(a, want[1].buf, la) == 0);
	/* The cut line ended, not rewritten: it stays, unread. */
	CHECK_EQ_U(nidx, 3);

	/* A removal listed, the unlink not done; a listed file deleted by
	 * somebody else. */
	{
		char line[256];
		char p[512];
		int fd;

		snprintf(p, sizeof(p), "%s/%s", tmp, ELOG_RECORDER_INDEX);
		fd = open(p, O_WRONLY | O_APPEND);
		snprintf(line, sizeof(line), "{\"time\":\"x\",\"removed\":\"%s\",\"seq\":0}\n", f0);
		CHECK(fd >= 0 && write(fd, line, strlen(line)) == (ssize_t)strlen(line));
		close(fd);
		snprintf(p, sizeof(p), "%s/%s", tmp, f1);
		CHECK_EQ_U(unlink(p), 0);
	}
	CHECK_EQ_U(rec_open(NULL), 0);
	write_dumps(10, 1, 1);
	rec_close(&st);
	CHECK_EQ_U(st.missing, 1);
	CHECK_STR(listed(), "tcp_110.000002.elog");
	CHECK_STR(ls(), ".elog-recorder.lock index.jsonl tcp_110.000002.elog");
	CHECK_STR(jget(idx[nidx - 2], "missing"), "true");
	check_file(nidx - 1, 10);
}

/* Removals pile up: the index is rewritten with the files' lines only,
 * and still read right afterwards. */
static void test_compaction(void)
{
	struct elog_recorder_opts o = { .max_files = 2, .compact_after = 8 };
	struct elog_recorder_stats st;

	clean();
	CHECK_EQ_U(rec_open(&o), 0);
	write_dumps(0, 12, 1);
	rec_close(&st);
	CHECK_EQ_U(st.removed, 10);
	/* Rewritten after the 9th removal: 2 lines, then 2 more files, 1 removal... */
	CHECK(read_index() < 12);
	CHECK_STR(listed(), "tcp_110.000010.elog tcp_111.000011.elog");
	CHECK_STR(ls(), ".elog-recorder.lock index.jsonl tcp_110.000010.elog tcp_111.000011.elog");
	CHECK_EQ_U(rec_open(&o), 0);
	write_dumps(12, 1, 1);
	rec_close(&st);
	CHECK_EQ_U(st.files, 2);
	CHECK_STR(listed(), "tcp_111.000011.elog tcp_112.000012.elog");
}

/* One recorder per directory. */
static void test_lock(void)
{
	struct elog_recorder *other = NULL;
	struct elog_error err = { 0 };
	static const struct elog_recorder_opts none;

	clean();
	CHECK_EQ_U(rec_open(NULL), 0);
	CHECK(elog_recorder_open(&other, tmp, &none, provs, 2, BOOT_TO_UTC, &err) < 0);
	CHECK(other == NULL);
	CHECK(strstr(err.msg, "another recorder") != NULL);
	rec_close(NULL);
	CHECK_EQ_U(rec_open(NULL), 0);
	rec_close(NULL);
}

int main(void)
{
	static const struct th_test tests[] = {
		TH_TEST(test_files_and_index),
		TH_TEST(test_incomplete),
		TH_TEST(test_retention_files),
		TH_TEST(test_retention_bytes),
		TH_TEST(test_restart),
		TH_TEST(test_killed_between_steps),
		TH_TEST(test_compaction),
		TH_TEST(test_lock),
	};

	return th_run_in_tmpdir(tests, sizeof(tests) / sizeof(tests[0]), tmp);
}
