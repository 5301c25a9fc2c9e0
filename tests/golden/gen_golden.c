/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Writes the golden captures of tests/golden/ with the capture writer and
 * the GENERATED producer macros (build/gen/<p>_eventlog.h): payloads are laid
 * out by the schema compiler's structs, never by a layout copied here, so a
 * schema or compiler change shows up as a diff against the committed files.
 *
 *   gen_golden OUTDIR [bench N]
 *
 * With `bench N` it writes only OUTDIR/bench.elog: N events cycling through
 * the common TCP events (for bench/decode.sh).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <eventlog/schema.h>

#include "capture.h"

/* The emit interface the generated macros are written over (see
 * docs/ARCHITECTURE.md): here every event goes to a capture writer. */
struct gen_session {
	struct elog_writer *w;
	uint16_t provider_id;
	uint16_t cpu;
	int32_t tid;
	uint64_t session_id;
	uint64_t ts; /* microseconds since boot of the next event */
	int failed;
};

static void gen_emit(struct gen_session *s, uint32_t id, const void *payload, size_t len)
{
	struct elog_event_hdr h;
	struct elog_error err;

	memset(&h, 0, sizeof(h));
	h.cpu = s->cpu;
	h.provider_id = s->provider_id;
	h.timestamp = s->ts;
	h.session_id = s->session_id;
	h.event_id = id;
	h.thread_id = s->tid;
	if (elog_writer_append2(s->w, &h, payload, len, &err) < 0) {
		fprintf(stderr, "gen_golden: %s\n", err.msg);
		s->failed = 1;
	}
}

#define PRODUCER_EMIT(s, id, p, len) gen_emit((s), (id), (p), (len))
#include "../unit/producer.h"

#include "tcp_eventlog.h"
#include "test_eventlog.h"

#define TCP_ID 1
#define TEST_ID 2
/* 2026-11-22 01:02:03.456789 UTC is boot time 5 s. */
#define BOOT_TO_UTC (1795309323456789LL - 5000000LL)

static const struct elog_writer_provider providers[] = {
	{ TCP_ID, "tcp" }, { TEST_ID, "test" }, { 9, "nosuch" },
};

static char outdir[512];

static int open_capture(struct gen_session *s, const char *name, uint32_t nprov)
{
	char path[600];
	struct elog_error err;

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	memset(s, 0, sizeof(*s));
	if (elog_writer_open(&s->w, path, providers, nprov, BOOT_TO_UTC, &err) < 0) {
		fprintf(stderr, "gen_golden: %s\n", err.msg);
		return -1;
	}
	s->provider_id = TCP_ID;
	s->tid = 0x1a2b;
	s->session_id = 77;
	s->ts = 5000000;
	return 0;
}

static int close_capture(struct gen_session *s)
{
	struct elog_error err;

	if (elog_writer_close(s->w, &err) < 0) {
		fprintf(stderr, "gen_golden: %s\n", err.msg);
		return -1;
	}
	return s->failed ? -1 : 0;
}

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr; /* network order, as in_addr_t is stored */
}

/* The sample capture: one loopback connection. */
static int gen_sample(void)
{
	struct gen_session s;
	uint8_t v6a[16], v6b[16];

	if (open_capture(&s, "sample.elog", 2) < 0)
		return -1;
	TCP_EVENTLOG_SESSION_CREATE_LOG_ALWAYS(&s, (const void *)0xffff888012345678ull);
	s.ts += 3;
	TCP_EVENTLOG_CONN_SET_IP_V4_LOG_ALWAYS(&s, ip4("127.0.0.1"), htons(5000), ip4("127.0.0.1"),
					       htons(6000));
	s.ts += 1;
	TCP_EVENTLOG_CONN_PARAMS_LOG_ALWAYS(&s, 1000, 2000, 1460, 7, 7,
					    TCP_EVENTLOG_FLAG_CP_SACK_PERMIT |
						    TCP_EVENTLOG_FLAG_CP_TIMESTAMPS,
					    "cubic", "linux");
	s.ts += 1;
	TCP_EVENTLOG_CONN_OWNER_LOG_ALWAYS(&s, 4242);
	s.ts += 250;
	TCP_EVENTLOG_IN_LOG_ALWAYS(&s, 2000, 1001, TCP_EVENTLOG_FLAG_SYN | TCP_EVENTLOG_FLAG_ACK,
				   65535, 65535, 0, TCP_EVENTLOG_TCP_STATE_ESTABLISHED, 5, 0xbeef, 0,
				   5000254);
	s.ts += 2;
	TCP_EVENTLOG_MSS_LOG_ALWAYS(&s, 1460);
	s.ts += 1;
	TCP_EVENTLOG_OUT_LOG_ALWAYS(&s, 1001, 2001, TCP_EVENTLOG_FLAG_ACK | TCP_EVENTLOG_FLAG_PUSH,
				    512, 65536, 100, 14600, TCP_EVENTLOG_TCP_STATE_ESTABLISHED, 8,
				    0x1234, 0);
	s.cpu = 1;
	s.tid = 0x2f;
	s.ts += 40;
	TCP_EVENTLOG_ACK_LOG_ALWAYS(&s, 100, 1101, 0, 0, 1, 5000302);
	s.ts += 1;
	TCP_EVENTLOG_RTT_SAMPLE_LOG_ALWAYS(&s, 37);
	s.ts += 1000000;
	TCP_EVENTLOG_LOG_ID_LOG_ALWAYS(&s, "frontend-42");
	/* A second connection, IPv6, on another CPU. */
	s.session_id = 78;
	s.cpu = 11;
	s.tid = 0x12345;
	s.ts += 17;
	inet_pton(AF_INET6, "2001:db8::1", v6a);
	inet_pton(AF_INET6, "fe80::1:2", v6b);
	TCP_EVENTLOG_CONN_SET_IP_V6_LOG_ALWAYS(&s, v6a, htons(443), v6b, htons(50000));
	s.ts += 5;
	TCP_EVENTLOG_TIMER_START_LOG_ALWAYS(&s, 200000, TCP_EVENTLOG_TIMER_REASON_RXT);
	s.session_id = 77;
	s.cpu = 0;
	s.tid = 0x1a2b;
	s.ts += 3;
	TCP_EVENTLOG_SESSION_END_LOG_ALWAYS(&s);
	return close_capture(&s);
}

/* Records the decoder must survive: short, long, unknown, hostile. */
static int gen_edge(void)
{
	struct gen_session s;
	struct tcp_eventlog_mss mss;
	struct tcp_eventlog_conn_params cp;
	uint8_t big[sizeof(cp) + 9];

	if (open_capture(&s, "edge.elog", 3) < 0)
		return -1;
	/* MSS with a 2-byte payload: the missing high half decodes as zero. */
	memset(&mss, 0xab, sizeof(mss));
	mss.mss = 0xabcd0000u | 1460;
	gen_emit(&s, TCP_EVENTLOG_MSS_ID, &mss, 2);
	s.ts += 1;
	/* Empty payload for an event with fields: everything is zero. */
	gen_emit(&s, TCP_EVENTLOG_IN_ID, NULL, 0);
	s.ts += 1;
	/* A longer payload (a newer producer): the extra tail is ignored. */
	memset(&cp, 0, sizeof(cp));
	cp.mss = 9000;
	cp.flags = TCP_EVENTLOG_FLAG_CP_ECN | 0x80; /* one unknown bit */
	strcpy(cp.cc_algo, "bbr");
	strcpy(cp.tcp_stack, "linux");
	memcpy(big, &cp, sizeof(cp));
	memset(big + sizeof(cp), 0x41, 9);
	gen_emit(&s, TCP_EVENTLOG_CONN_PARAMS_ID, big, sizeof(big));
	s.ts += 1;
	/* Unknown event id, and an enum value the schema does not name. */
	gen_emit(&s, 4242, "\1\2\3\4", 4);
	s.ts += 1;
	TCP_EVENTLOG_IN_LOG_ALWAYS(&s, 1, 2, 0, 0, 0, 0, 99, 0, 0, 0, 0);
	s.ts += 1;
	/* A log id full of terminal control bytes, and one with no NUL. */
	TCP_EVENTLOG_LOG_ID_LOG_ALWAYS(&s, "a\033[2Jb\\c\x7f");
	{
		struct tcp_eventlog_log_id id;

		memset(id.log_id, 'x', sizeof(id.log_id));
		gen_emit(&s, TCP_EVENTLOG_LOG_ID_ID, &id, sizeof(id));
	}
	/* Provider in the table but not compiled in; id not in the table. */
	s.provider_id = 9;
	gen_emit(&s, 1, "", 0);
	s.provider_id = 12;
	gen_emit(&s, 1, "", 0);
	s.provider_id = TCP_ID;
	/* Out of order across CPUs: earlier than the capture's first event. */
	s.cpu = 3;
	s.tid = -1;
	s.ts = 4999990;
	TCP_EVENTLOG_RTT_SAMPLE_LOG_ALWAYS(&s, 1);
	/* DUMP_COMPLETE has no session. */
	s.session_id = ELOG_SESSION_ID_NONE;
	s.ts = 5000010;
	TCP_EVENTLOG_DUMP_COMPLETE_LOG_ALWAYS(&s);
	return close_capture(&s);
}

/* Every type and annotation of the test schema. */
static int gen_types(void)
{
	struct gen_session s;
	uint8_t v6[16];
	uint64_t values[3] = { 1, 0xff, 0xdeadbeefcafef00dull };

	if (open_capture(&s, "types.elog", 2) < 0)
		return -1;
	s.provider_id = TEST_ID;
	TEST_EVENTLOG_PING_LOG_ALWAYS(&s);
	TEST_EVENTLOG_SCALARS_LOG_ALWAYS(&s, 255, 65535, 4294967295u, 18446744073709551615ull, -128,
					 -32768, -2147483647 - 1, -9223372036854775807ll - 1);
	TEST_EVENTLOG_SCALARS_LOG_ALWAYS(&s, 1, 2, 3, 4, -1, -2, -3, -4);
	TEST_EVENTLOG_ANNOTATED_LOG_ALWAYS(&s, TEST_EVENTLOG_TEST_STATUS_RUNNING,
					   TEST_EVENTLOG_FLAG_FLAG_A | TEST_EVENTLOG_FLAG_FLAG_C,
					   0xdeadbeef, 0x123456789abcdefull, htons(8080),
					   TEST_EVENTLOG_TEST_WIDE_FOUR_G,
					   TEST_EVENTLOG_FLAG_BIT_LOW | TEST_EVENTLOG_FLAG_BIT_TOP, -1);
	TEST_EVENTLOG_ANNOTATED_LOG_ALWAYS(&s, 9, 0, 0, 0, 0, TEST_EVENTLOG_TEST_WIDE_ALL_ONES, 0x30,
					   5);
	TEST_EVENTLOG_ANNOTATED_LOG_ALWAYS(&s, 0, 0x31, 1, 0, 1, 7, 0x8000000000000002ull, 127);
	inet_pton(AF_INET6, "2001:db8::ff00:42:8329", v6);
	TEST_EVENTLOG_ADDRESSES_LOG_ALWAYS(&s, ip4("192.0.2.1"), htons(65535), v6,
					   (const void *)0xffff888012345678ull, "eth0");
	TEST_EVENTLOG_ADDRESSES_LOG_ALWAYS(&s, 0, 0, v6, (const void *)0, "twelve-chars");
	TEST_EVENTLOG_VARLEN_LOG_ALWAYS(&s, 7, 3, values);
	TEST_EVENTLOG_SESSION_CREATE_LOG_ALWAYS(&s, 0xc00c1e);
	return close_capture(&s);
}

static int gen_empty(void)
{
	struct gen_session s;

	if (open_capture(&s, "empty.elog", 2) < 0)
		return -1;
	return close_capture(&s);
}

/* Counts in the header that disagree with the records. */
static int gen_counts(void)
{
	struct gen_session s;
	char path[600];
	FILE *f;
	uint64_t zero = 0;

	if (open_capture(&s, "dropped.elog", 1) < 0)
		return -1;
	TCP_EVENTLOG_MSS_LOG_ALWAYS(&s, 1200);
	elog_writer_set_dropped(s.w, 5);
	if (close_capture(&s) < 0 || open_capture(&s, "killed.elog", 1) < 0)
		return -1;
	TCP_EVENTLOG_MSS_LOG_ALWAYS(&s, 1300);
	s.ts++;
	TCP_EVENTLOG_MSS_LOG_ALWAYS(&s, 1400);
	if (close_capture(&s) < 0)
		return -1;
	/* As left by a capture killed before its final header rewrite. */
	snprintf(path, sizeof(path), "%s/killed.elog", outdir);
	f = fopen(path, "r+b");
	if (f == NULL || fseek(f, 24, SEEK_SET) != 0 || fwrite(&zero, 8, 1, f) != 1) {
		fprintf(stderr, "gen_golden: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}

/* N events cycling through the common TCP events, on 2 CPUs. */
static int gen_bench(unsigned long long n)
{
	struct gen_session s;

	if (open_capture(&s, "bench.elog", 2) < 0)
		return -1;
	for (unsigned long long i = 0; i < n && !s.failed; i++) {
		s.ts += 3;
		s.cpu = (uint16_t)(i & 1);
		s.session_id = 1000 + i % 64;
		switch (i % 8) {
		case 0: case 3:
			TCP_EVENTLOG_IN_LOG_ALWAYS(&s, (uint32_t)i, (uint32_t)i * 3,
						   TCP_EVENTLOG_FLAG_ACK, 512, 65536, 1448,
						   TCP_EVENTLOG_TCP_STATE_ESTABLISHED, 8, 0xabcd, 0,
						   s.ts);
			break;
		case 1: case 4:
			TCP_EVENTLOG_OUT_LOG_ALWAYS(&s, (uint32_t)i, (uint32_t)i * 3,
						    TCP_EVENTLOG_FLAG_ACK | TCP_EVENTLOG_FLAG_PUSH, 512,
						    65536, 1448, 14480,
						    TCP_EVENTLOG_TCP_STATE_ESTABLISHED, 8, 0x1234, 0);
			break;
		case 2: case 5:
			TCP_EVENTLOG_ACK_LOG_ALWAYS(&s, 1448, (uint32_t)i, 2896, 0, 1, s.ts);
			break;
		case 6:
			TCP_EVENTLOG_RTT_SAMPLE_LOG_ALWAYS(&s, (uint32_t)(i % 1000));
			break;
		default:
			TCP_EVENTLOG_CONN_SET_IP_V4_LOG_ALWAYS(&s, ip4("10.0.0.1"), htons(443),
							       ip4("10.0.0.2"), htons(50000));
			break;
		}
	}
	return close_capture(&s);
}

int main(int argc, char **argv)
{
	if (argc < 2 || strlen(argv[1]) >= sizeof(outdir)) {
		fprintf(stderr, "usage: gen_golden OUTDIR [bench N]\n");
		return 2;
	}
	strcpy(outdir, argv[1]);
	if (argc == 4 && strcmp(argv[2], "bench") == 0)
		return gen_bench(strtoull(argv[3], NULL, 10)) < 0;
	if (argc != 2) {
		fprintf(stderr, "usage: gen_golden OUTDIR [bench N]\n");
		return 2;
	}
	return (gen_sample() < 0 || gen_edge() < 0 || gen_types() < 0 || gen_empty() < 0 ||
		gen_counts() < 0);
}
