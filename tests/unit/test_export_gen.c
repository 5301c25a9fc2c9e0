/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Writes tests/e2e/test_output_pcapng.py's input: a capture of two TCP
 * connections (IPv4 and IPv6, interleaved) with a complete handshake, data
 * both ways, ACKs, a GRO-sized segment, FIN exchange, and non-packet events
 * before, between and after the packets. Payloads come from the GENERATED
 * producer macros (build/gen/tcp_eventlog.h), never from a copied layout.
 *
 *   test_export_gen OUT.elog
 *
 * With --blackbox, tests/e2e/test_output_blackbox.py's input instead: a
 * capture as elog -c writes one when black box dumps come (lib/rt/bb_block.h):
 * each dump a block after its BLACKBOX_DUMP record, its records older than
 * that record and than the live events of another connection around it,
 * the records that name the connection again in every dump.
 *
 *   test_export_gen --blackbox OUT.elog
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <eventlog/schema.h>

#include "capture.h"
#include "eventlog_abi.h"

struct gen {
	struct elog_writer *w;
	uint64_t session_id;
	uint64_t ts;
	int failed;
};

static void emit(struct gen *g, uint32_t id, const void *payload, size_t len)
{
	struct elog_event_hdr h;
	struct elog_error err;

	memset(&h, 0, sizeof(h));
	h.cpu = (uint16_t)(g->session_id & 1);
	h.provider_id = 1;
	h.timestamp = g->ts;
	h.session_id = g->session_id;
	h.event_id = id;
	h.thread_id = 4242;
	g->ts += 150; /* 150 us between events: distinct, ordered times */
	if (elog_writer_append2(g->w, &h, payload, len, &err) < 0) {
		fprintf(stderr, "test_export_gen: %s\n", err.msg);
		g->failed = 1;
	}
}

#define PRODUCER_EMIT(s, id, p, len) emit((s), (id), (p), (len))
#include "producer.h"

#include "tcp_eventlog.h"

#define F(x) TCP_EVENTLOG_FLAG_##x
#define EST TCP_EVENTLOG_TCP_STATE_ESTABLISHED

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* win = win_raw << 7 after the handshake (both sides scale by 7). */
#define IN(g, seq, ack, fl, raw, len) \
	TCP_EVENTLOG_IN_LOG_ALWAYS(g, seq, ack, fl, raw, (fl) & F(SYN) ? (raw) : (raw) << 7, len, \
				   EST, 8, 0xabcd, 0, (g)->ts)
#define OUT(g, seq, ack, fl, raw, len) \
	TCP_EVENTLOG_OUT_LOG_ALWAYS(g, seq, ack, fl, raw, (fl) & F(SYN) ? (raw) : (raw) << 7, len, \
				    14480, EST, 8, 0x1234, 0)
#define SYNOUT(g, seq, ack, fl, raw) \
	TCP_EVENTLOG_OUT_LOG_ALWAYS(g, seq, ack, fl, raw, raw, 0, 14480, \
				    TCP_EVENTLOG_TCP_STATE_SYN_SENT, 10, 0x1234, 0)
#define SYNIN(g, seq, ack, fl, raw) \
	TCP_EVENTLOG_IN_LOG_ALWAYS(g, seq, ack, fl, raw, raw, 0, \
				   TCP_EVENTLOG_TCP_STATE_SYN_SENT, 10, 0xabcd, 0, (g)->ts)

/* A BLACKBOX_DUMP record of g's session at time ts. */
static void bb_dump(struct gen *g, uint64_t ts, uint32_t reason, uint32_t events,
		    uint64_t overwritten)
{
	struct elog_bb_dump d = { .reason = reason, .events = events, .overwritten = overwritten,
				  .mode = ELOG_BB_TAIL };

	g->ts = ts;
	emit(g, ELOG_BB_DUMP_ID, &d, sizeof(d));
}

/* A dump of session 2001 (a) opens with its state as it was at 7 s. */
static void bb_dump_a(struct gen *a, uint64_t ts, uint32_t reason, uint32_t events,
		      uint64_t overwritten)
{
	bb_dump(a, ts, reason, events, overwritten);
	a->ts = 7000000;
	TCP_EVENTLOG_CONN_SET_IP_V4_LOG_ALWAYS(a, ip4("10.1.1.1"), htons(40000), ip4("10.2.2.2"),
					       htons(443));
	TCP_EVENTLOG_LOG_ID_LOG_ALWAYS(a, "bb/1");
}

/*
 * Session 2001 is in TAIL: all it has in the capture are two dumps (on
 * demand at 20 s, at its end at 40 s), each opening with its address and
 * log id as they were at 7 s. Session 2002 streams live around them.
 */
static int blackbox(const char *path)
{
	static const struct elog_writer_provider prov[] = { { 1, "tcp" } };
	struct elog_error err;
	struct gen a = { .session_id = 2001 }, b = { .session_id = 2002 };

	if (elog_writer_open(&a.w, path, prov, 1, 1795312800000000LL, &err) < 0) {
		fprintf(stderr, "test_export_gen: %s\n", err.msg);
		return 1;
	}
	b.w = a.w;
	b.ts = 19000000;
	TCP_EVENTLOG_SESSION_CREATE_LOG_ALWAYS(&b, (const void *)0xffff888000002002ull);
	TCP_EVENTLOG_CONN_SET_IP_V4_LOG_ALWAYS(&b, ip4("10.3.3.3"), htons(5001), ip4("10.4.4.4"),
					       htons(40001));
	OUT(&b, 100, 200, F(PUSH) | F(ACK), 500, 1000);
	b.ts = 19999000;
	IN(&b, 200, 1100, F(ACK), 500, 0);

	bb_dump_a(&a, 20000000, ELOG_BB_REASON_DEMAND, 7, 120);
	TCP_EVENTLOG_CONN_PARAMS_LOG_ALWAYS(&a, 1000, 5000, 1448, 7, 7, F(CP_SACK_PERMIT),
					    "cubic", "linux");
	a.ts = 15000000;
	OUT(&a, 1001, 5001, F(PUSH) | F(ACK), 502, 1448);
	IN(&a, 5001, 2449, F(ACK), 509, 0);
	OUT(&a, 2449, 5001, F(PUSH) | F(ACK), 502, 1448);
	IN(&a, 5001, 3897, F(ACK), 509, 0);

	b.ts = 20000500;
	OUT(&b, 1100, 200, F(PUSH) | F(ACK), 500, 1000);
	b.ts = 39999000;
	IN(&b, 200, 2100, F(ACK), 500, 0);

	bb_dump_a(&a, 40000000, ELOG_BB_REASON_END, 6, 0);
	a.ts = 30000000;
	OUT(&a, 3897, 5001, F(FIN) | F(ACK), 502, 0);
	IN(&a, 5001, 3898, F(FIN) | F(ACK), 509, 0);
	OUT(&a, 3898, 5002, F(ACK), 502, 0);
	TCP_EVENTLOG_SESSION_END_LOG_ALWAYS(&a);

	b.ts = 40000100;
	OUT(&b, 2100, 200, F(FIN) | F(ACK), 500, 0);
	TCP_EVENTLOG_SESSION_END_LOG_ALWAYS(&b);
	if (elog_writer_close(a.w, &err) < 0) {
		fprintf(stderr, "test_export_gen: %s\n", err.msg);
		return 1;
	}
	return a.failed || b.failed;
}

int main(int argc, char **argv)
{
	static const struct elog_writer_provider prov[] = { { 1, "tcp" } };
	struct elog_error err;
	struct gen a = { .session_id = 1001, .ts = 7000000 }, b = { .session_id = 1002 };
	uint8_t v6l[16], v6r[16];

	if (argc == 3 && strcmp(argv[1], "--blackbox") == 0)
		return blackbox(argv[2]);
	if (argc != 2) {
		fprintf(stderr, "usage: test_export_gen [--blackbox] OUT.elog\n");
		return 2;
	}
	/* 2026-11-22 02:00:00 UTC is boot time 0. */
	if (elog_writer_open(&a.w, argv[1], prov, 1, 1795312800000000LL, &err) < 0) {
		fprintf(stderr, "test_export_gen: %s\n", err.msg);
		return 1;
	}
	b.w = a.w;
	inet_pton(AF_INET6, "2001:db8::10", v6l);
	inet_pton(AF_INET6, "2001:db8::20", v6r);

	TCP_EVENTLOG_SESSION_CREATE_LOG_ALWAYS(&a, (const void *)0xffff888000001001ull);
	TCP_EVENTLOG_CONN_SET_IP_V4_LOG_ALWAYS(&a, ip4("10.1.1.1"), htons(40000), ip4("10.2.2.2"),
					       htons(443));
	TCP_EVENTLOG_LOG_ID_LOG_ALWAYS(&a, "frontend/42");
	SYNOUT(&a, 1000, 0, F(SYN), 64240);
	SYNIN(&a, 5000, 1001, F(SYN) | F(ACK), 65160);
	TCP_EVENTLOG_CONN_PARAMS_LOG_ALWAYS(&a, 1000, 5000, 1448, 7, 7,
					    F(CP_SACK_PERMIT) | F(CP_TIMESTAMPS) | F(CP_WINDOW_SCALE),
					    "cubic", "linux");
	OUT(&a, 1001, 5001, F(ACK), 502, 0);
	/* The IPv6 connection starts in between. */
	b.ts = a.ts;
	TCP_EVENTLOG_SESSION_CREATE_LOG_ALWAYS(&b, (const void *)0xffff888000001002ull);
	TCP_EVENTLOG_CONN_SET_IP_V6_LOG_ALWAYS(&b, v6l, htons(8080), v6r, htons(50123));
	SYNIN(&b, 9000, 0, F(SYN), 65535);
	SYNOUT(&b, 3000, 9001, F(SYN) | F(ACK), 65535);
	a.ts = b.ts;
	OUT(&a, 1001, 5001, F(PUSH) | F(ACK), 502, 100);
	IN(&a, 5001, 1101, F(ACK), 509, 0);
	TCP_EVENTLOG_RTT_SAMPLE_LOG_ALWAYS(&a, 300);
	TCP_EVENTLOG_CWND_LOG_ALWAYS(&a, 14480, 0x7fffffff);
	b.ts = a.ts;
	TCP_EVENTLOG_CONN_PARAMS_LOG_ALWAYS(&b, 3000, 9000, 1428, 7, 7,
					    F(CP_SACK_PERMIT) | F(CP_WINDOW_SCALE), "bbr", "linux");
	IN(&b, 9001, 3001, F(ACK), 512, 0);
	IN(&b, 9001, 3001, F(PUSH) | F(ACK), 512, 300);
	OUT(&b, 3001, 9301, F(ACK), 510, 0);
	a.ts = b.ts;
	/* A GRO super-segment larger than one IPv4 packet can say. */
	IN(&a, 5001, 1101, F(PUSH) | F(ACK), 509, 70000);
	OUT(&a, 1101, 75001, F(ACK), 400, 0);
	OUT(&a, 1101, 75001, F(FIN) | F(ACK), 400, 0);
	IN(&a, 75001, 1102, F(FIN) | F(ACK), 509, 0);
	OUT(&a, 1102, 75002, F(ACK), 400, 0);
	TCP_EVENTLOG_SESSION_END_LOG_ALWAYS(&a);
	b.ts = a.ts;
	OUT(&b, 3001, 9301, F(RST) | F(ACK), 0, 0);
	TCP_EVENTLOG_SESSION_END_LOG_ALWAYS(&b);
	/* After the last packet: must still be in the export, as a comment. */
	b.session_id = ELOG_SESSION_ID_NONE;
	TCP_EVENTLOG_DUMP_COMPLETE_LOG_ALWAYS(&b);
	if (elog_writer_close(a.w, &err) < 0) {
		fprintf(stderr, "test_export_gen: %s\n", err.msg);
		return 1;
	}
	return a.failed || b.failed;
}
