/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of live selection (lib/consume/select_live.c): records of tcp sessions
 * made up here go in in delivery order; what comes out, in which order, and
 * what is held, let go and counted is checked against the rule: a session's
 * records are held until its facts decide it.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include <eventlog/schema.h>

#include "format.h"
#include "harness.h"
#include "select.h"

#define ELOG_SESSION_ENABLED(s, level, keywords) 1
#define ELOG_EMIT_REC(s, level, keywords, rec, len, room) ((void)0)
#define ELOG_STRCPY(dst, src, size) ((void)0)
#define ELOG_MEMCPY(dst, src, len) ((void)0)

#include "tcp_eventlog.h"

/* What came out: (session, serial) of each record, in order. */
static struct {
	uint64_t sid[8192];
	uint64_t serial[8192];
	size_t n;
} out;

static int sink(void *arg, unsigned tag, const void *rec, size_t len)
{
	struct elog_event_hdr h;

	(void)arg;
	CHECK_EQ_U(tag, 7);
	memcpy(&h, rec, sizeof(h));
	if (out.n < 8192) {
		out.sid[out.n] = h.session_id;
		out.serial[out.n] = h.timestamp; /* the serial rides in the timestamp */
		out.n++;
	}
	CHECK(len >= sizeof(h));
	return 0;
}

static uint64_t serial;

static void feed(struct elog_select *s, const char *prov, uint64_t sid, uint32_t id,
		 const void *payload, size_t plen)
{
	unsigned char rec[sizeof(struct elog_event_hdr) + 128];
	struct elog_event_hdr h;
	struct elog_error err = { 0 };

	memset(&h, 0, sizeof(h));
	h.event_length = (uint16_t)(sizeof(h) + plen);
	h.timestamp = ++serial;
	h.session_id = sid;
	h.event_id = id;
	memcpy(rec, &h, sizeof(h));
	if (plen)
		memcpy(rec + sizeof(h), payload, plen);
	CHECK_EQ_U(elog_select_live_add(s, 7, prov, elog_schema_provider(prov), rec,
				      sizeof(h) + plen, sink, NULL, &err), 0);
}

static void ev(struct elog_select *s, uint64_t sid, uint32_t id)
{
	feed(s, "tcp", sid, id, NULL, 0);
}

static void ip(struct elog_select *s, uint64_t sid, uint16_t lport, uint16_t rport)
{
	struct tcp_eventlog_conn_set_ip_v4 p = { htonl(0x7f000001), htons(lport),
						 htonl(0x7f000001), htons(rport) };

	feed(s, "tcp", sid, TCP_EVENTLOG_CONN_SET_IP_V4_ID, &p, sizeof(p));
}

static struct elog_select *sel(const char *kind, const char *arg, const char *kind2,
			       const char *arg2)
{
	struct elog_select *s;
	struct elog_error err = { 0 };
	static const struct {
		const char *name;
		enum elog_select_kind k;
	} kinds[] = { { "session", ELOG_SEL_SESSION }, { "log-id", ELOG_SEL_LOG_ID },
		      { "port", ELOG_SEL_PORT },       { "conn", ELOG_SEL_CONN },
		      { "event", ELOG_SEL_EVENT },     { "keyword", ELOG_SEL_KEYWORD } };

	CHECK_EQ_U(elog_select_open(&s, &err), 0);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(kinds[i].name, kind) == 0)
			CHECK_EQ_U(elog_select_add(s, kinds[i].k, arg, &err), 0);
		if (kind2 != NULL && strcmp(kinds[i].name, kind2) == 0)
			CHECK_EQ_U(elog_select_add(s, kinds[i].k, arg2, &err), 0);
	}
	memset(&out, 0, sizeof(out));
	serial = 0;
	return s;
}

static void test_held_until_the_addresses_come(void)
{
	struct elog_select *s = sel("port", "80", NULL, NULL);
	struct elog_select_live_stats st;

	ev(s, 1, ELOG_SESSION_CREATE_ID);          /* 1 held */
	ev(s, 2, ELOG_SESSION_CREATE_ID);          /* 2 held */
	ev(s, 1, TCP_EVENTLOG_TIMER_START_ID);     /* 3 held */
	CHECK_EQ_U(out.n, 0);
	ip(s, 2, 81, 5000);                        /* 4: session 2 not selected */
	ip(s, 1, 5001, 80);                        /* 5: session 1 selected: 1 3 5 */
	CHECK_EQ_U(out.n, 3);
	CHECK_EQ_U(out.serial[0], 1);
	CHECK_EQ_U(out.serial[1], 3);
	CHECK_EQ_U(out.serial[2], 5);
	ev(s, 2, TCP_EVENTLOG_IN_ID);              /* 6 */
	ev(s, 1, TCP_EVENTLOG_IN_ID);              /* 7 */
	ev(s, 3, ELOG_SESSION_CREATE_ID);          /* 8: never told */
	ev(s, 1, ELOG_SESSION_END_ID);             /* 9 */
	CHECK_EQ_U(out.n, 5);
	CHECK_EQ_U(out.serial[3], 7);
	CHECK_EQ_U(out.serial[4], 9);
	elog_select_live_stats(s, &st);
	CHECK_EQ_U(st.selected, 1);
	CHECK_EQ_U(st.emitted, 5);
	CHECK_EQ_U(st.undecided, 1);
	/* Ending undecided: not selected, nothing held any more. */
	ev(s, 3, ELOG_SESSION_END_ID);
	elog_select_live_stats(s, &st);
	CHECK_EQ_U(st.undecided, 0);
	CHECK_EQ_U(out.n, 5);
	/* A session forgotten at its end comes back (a dump of a closed
	 * connection) and its identity decides it again. */
	ev(s, 1, TCP_EVENTLOG_BLACKBOX_DUMP_ID);
	ip(s, 1, 5001, 80);
	CHECK_EQ_U(out.n, 7);
	/* No session, no facts: never selected by facts. */
	ev(s, ELOG_SESSION_ID_NONE, TCP_EVENTLOG_IN_ID);
	feed(s, "test", 9, 1, NULL, 0);
	CHECK_EQ_U(out.n, 7);
	elog_select_close(s);
}

static void test_log_id_and_events(void)
{
	struct elog_select *s = sel("log-id", "web", "event", "IN,LOG_ID");
	struct tcp_eventlog_log_id name = { "web" }, other = { "db" };

	ip(s, 1, 5001, 80);                        /* 1 held: no name yet */
	ev(s, 1, TCP_EVENTLOG_IN_ID);              /* 2 held */
	ev(s, 1, TCP_EVENTLOG_OUT_ID);             /* 3 held */
	ip(s, 2, 5002, 80);
	feed(s, "tcp", 2, TCP_EVENTLOG_LOG_ID_ID, &other, sizeof(other));
	CHECK_EQ_U(out.n, 0);
	feed(s, "tcp", 1, TCP_EVENTLOG_LOG_ID_ID, &name, sizeof(name)); /* 6 */
	ev(s, 1, TCP_EVENTLOG_IN_ID);              /* 7 */
	ev(s, 2, TCP_EVENTLOG_IN_ID);
	/* Of session 1, only IN and LOG_ID, in order. */
	CHECK_EQ_U(out.n, 3);
	CHECK_EQ_U(out.serial[0], 2);
	CHECK_EQ_U(out.serial[1], 6);
	CHECK_EQ_U(out.serial[2], 7);
	elog_select_close(s);
}

static void test_sessions_without_facts(void)
{
	struct elog_select *s = sel("session", "9", NULL, NULL);

	feed(s, "test", 9, 1, NULL, 0);
	feed(s, "test", 8, 1, NULL, 0);
	ev(s, 9, TCP_EVENTLOG_IN_ID);
	CHECK_EQ_U(out.n, 2);
	elog_select_close(s);
}

/* Thousands of sessions at once, started and ended in a shuffled order:
 * the table grows and forgets (backward shifts) without losing one. */
static void test_many_sessions(void)
{
	struct elog_select *s = sel("port", "80", NULL, NULL);
	enum { N = 3000 };
	static int step[N];
	size_t expect = 0, k;
	uint64_t x = 88172645463325252ull;

	for (int round = 0; round < 4 * N; round++) {
		int i;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		i = (int)(x % N);
		if (step[i] == 4)
			continue;
		/* Ids far apart and close together: both kinds of collisions. */
		uint64_t sid = (i % 2 ? (uint64_t)i << 40 : (uint64_t)i) + 1;

		switch (step[i]++) {
		case 0:
			ev(s, sid, ELOG_SESSION_CREATE_ID);
			break;
		case 1:
			ev(s, sid, TCP_EVENTLOG_TIMER_START_ID);
			break;
		case 2:
			ip(s, sid, (uint16_t)(1024 + i), i % 3 ? 80 : 81);
			break;
		case 3:
			ev(s, sid, ELOG_SESSION_END_ID);
			break;
		}
	}
	for (int i = 0; i < N; i++)
		if (step[i] == 4 && i % 3)
			expect += 4;
		else if (step[i] >= 3 && i % 3)
			expect += (size_t)step[i];
	CHECK_EQ_U(out.n, expect);
	/* Per session, in the order they went in. */
	for (k = 1; k < out.n; k++) {
		for (size_t j = k; j-- > 0;) {
			if (out.sid[j] == out.sid[k]) {
				CHECK(out.serial[j] < out.serial[k]);
				break;
			}
		}
	}
	elog_select_close(s);
}

/* More than the hold limit: the largest holder's records are let go and
 * counted; a session decided later lacks them. */
static void test_hold_limit(void)
{
	struct elog_select *s = sel("port", "80", NULL, NULL);
	struct elog_select_live_stats st;
	unsigned char big[100];
	size_t n = 0;

	memset(big, 0, sizeof(big));
	ev(s, 2, ELOG_SESSION_CREATE_ID);
	while (1) {
		feed(s, "tcp", 1, TCP_EVENTLOG_IN_ID, big, sizeof(big));
		n++;
		elog_select_live_stats(s, &st);
		if (st.discarded)
			break;
		if (n > 2000000) {
			CHECK(!"the hold limit never took effect");
			break;
		}
	}
	CHECK_EQ_U(st.discarded, n);
	CHECK_EQ_U(st.discarded_sessions, 1);
	/* The small holder kept its record. */
	ip(s, 2, 5000, 80);
	CHECK_EQ_U(out.n, 2);
	ip(s, 1, 5001, 80);
	CHECK_EQ_U(out.n, 3);
	elog_select_close(s);
}

int main(void)
{
	static const struct th_test tests[] = {
		TH_TEST(test_held_until_the_addresses_come),
		TH_TEST(test_log_id_and_events),
		TH_TEST(test_sessions_without_facts),
		TH_TEST(test_many_sessions),
		TH_TEST(test_hold_limit),
	};

	return th_run(tests, sizeof(tests) / sizeof(tests[0]));
}
