/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The formatter and the text line, on the generated test provider (every
 * type and annotation of the schema language) and the TCP provider.
 * Payloads are produced by the generated _LOG_ALWAYS macros, so the layout
 * under test is the schema compiler's, not one copied here.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <eventlog/schema.h>

#include "conn_facts.h"
#include "format.h"
#include "harness.h"
#include "payload.h"
#include "registry.h"
#include "rt/provider.h"
#include "textline.h"

/* Emit interface: the last event lands in `last`. */
struct emitted {
	uint32_t id;
	uint8_t payload[1024];
	size_t len;
};
static struct emitted last;

static void emit(uint32_t id, const void *p, size_t len)
{
	last.id = id;
	last.len = len < sizeof(last.payload) ? len : sizeof(last.payload);
	if (len != 0)
		memcpy(last.payload, p, last.len);
}

#define PRODUCER_EMIT(s, id, p, len) emit((id), (p), (len))
#include "producer.h"

#include "tcp_eventlog.h"
#include "test_eventlog.h"

extern const struct elog_provider_desc elog_provider_test;
extern const struct elog_provider_desc elog_provider_tcp;

static char out[2048];

/* Format `last` as provider p's event, returning the text. */
static const char *fmt(const struct elog_provider_desc *p)
{
	size_t n = elog_format_payload(out, sizeof(out), p, p ? p->name : "x", last.id,
				       last.payload, last.len);

	CHECK_EQ_U(n, strlen(out));
	return out;
}

static const char *fmt_len(const struct elog_provider_desc *p, size_t len)
{
	/* An exact-size heap copy: ASan catches any read past `len`. */
	uint8_t *copy = malloc(len ? len : 1);

	memcpy(copy, last.payload, len);
	elog_format_payload(out, sizeof(out), p, p->name, last.id, copy, len);
	free(copy);
	return out;
}

static void test_integers(void)
{
	TEST_EVENTLOG_SCALARS_LOG_ALWAYS(0, 255, 65535, 4294967295u, 18446744073709551615ull, -128,
					 -32768, -2147483647 - 1, -9223372036854775807ll - 1);
	CHECK_STR(fmt(&elog_provider_test),
		  "u8 255 u16 65535 u32 4294967295 u64 18446744073709551615 i8 -128 i16 -32768 "
		  "i32 -2147483648 i64 -9223372036854775808");
	TEST_EVENTLOG_SCALARS_LOG_ALWAYS(0, 0, 0, 0, 0, 127, 32767, 2147483647, 9223372036854775807ll);
	CHECK_STR(fmt(&elog_provider_test),
		  "u8 0 u16 0 u32 0 u64 0 i8 127 i16 32767 i32 2147483647 i64 9223372036854775807");
}

static void test_enum(void)
{
	TEST_EVENTLOG_ANNOTATED_LOG_ALWAYS(0, TEST_EVENTLOG_TEST_STATUS_FAILED, 0, 0, 0, 0,
					   TEST_EVENTLOG_TEST_WIDE_ALL_ONES, 0, 0);
	CHECK(strstr(fmt(&elog_provider_test), "status FAILED ") != NULL);
	CHECK(strstr(out, "wide ALL_ONES ") != NULL);
	/* A value the enum does not name prints as its number. */
	TEST_EVENTLOG_ANNOTATED_LOG_ALWAYS(0, 200, 0, 0, 0, 0, 4294967297ull, 0, 0);
	CHECK(strstr(fmt(&elog_provider_test), "status 200 ") != NULL);
	CHECK(strstr(out, "wide 4294967297 ") != NULL);
	TEST_EVENTLOG_ANNOTATED_LOG_ALWAYS(0, 0, 0, 0, 0, 0, TEST_EVENTLOG_TEST_WIDE_FOUR_G, 0, 0);
	CHECK(strstr(fmt(&elog_provider_test), "status IDLE ") != NULL);
	CHECK(strstr(out, "wide FOUR_G ") != NULL);
}

/* Hand-made tables for what the test schema cannot express: a negative enum. */
static void test_negative_enum(void)
{
	static const struct elog_name_value vals[] = {
		{ 0, "ZERO" }, { 0xffffffffffffffffull, "MINUS_ONE" },
	};
	static const struct elog_valueset_desc vs = { "signed_enum", vals, 2 };
	static const struct elog_field_desc fields[] = {
		{ "v", ELOG_T_I8, ELOG_A_ENUM, 0, 1, -1, 0, &vs },
		{ "w", ELOG_T_I32, ELOG_A_ENUM, 4, 4, -1, 0, &vs },
	};
	static const struct elog_fmt_piece pieces[] = { { "v ", 2, 0 }, { " w ", 3, 1 } };
	static const struct elog_event_desc ev = { 1, "NEG", 3, 1, "NEG", 8, fields, 2, "v %1 w %2",
						   pieces, 2 };
	uint8_t p[8] = { 0xff, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff };

	elog_format_event(out, sizeof(out), &ev, 1, p, sizeof(p));
	CHECK_STR(out, "v MINUS_ONE w -2");
	p[0] = 0;
	elog_format_event(out, sizeof(out), &ev, 1, p, 5);
	CHECK_STR(out, "v ZERO w 254");
}

static void test_flags(void)
{
	static const struct {
		uint32_t flags;
		uint64_t bits;
		const char *text;
	} cases[] = {
		{ 0, 0, "flags 0 mask 0x0 big 0x0 port 0 wide ZERO bits 0 " },
		{ 0x1, 0x1, "flags FLAG_A mask 0x0 big 0x0 port 0 wide ZERO bits BIT_LOW " },
		/* bit order, whatever order the producer ORs them in */
		{ 0x8 | 0x2, 0x8000000000000000ull | 0x1,
		  "flags FLAG_B|FLAG_D mask 0x0 big 0x0 port 0 wide ZERO bits BIT_LOW|BIT_TOP " },
		/* unknown bits as one hex value after the names */
		{ 0x4 | 0x100 | 0x80000000u, 0x6,
		  "flags FLAG_C|0x80000100 mask 0x0 big 0x0 port 0 wide ZERO bits 0x6 " },
		{ 0, 0x7, "flags 0 mask 0x0 big 0x0 port 0 wide ZERO bits BIT_LOW|0x6 " },
		{ 0xf0, 0x7000000000000000ull,
		  "flags 0xf0 mask 0x0 big 0x0 port 0 wide ZERO bits 0x7000000000000000 " },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char expect[256];

		TEST_EVENTLOG_ANNOTATED_LOG_ALWAYS(0, 0, cases[i].flags, 0, 0, 0, 0, cases[i].bits, 0);
		snprintf(expect, sizeof(expect), "status IDLE %slevel 0x0", cases[i].text);
		/* "bits X " already includes the space before "level". */
		CHECK_STR(fmt(&elog_provider_test), expect);
	}
}

static void test_hex_and_ntohs(void)
{
	TEST_EVENTLOG_ANNOTATED_LOG_ALWAYS(0, 1, 0, 0xdeadbeef, 0xfedcba9876543210ull, htons(8080),
					   0, 0, -2);
	CHECK_STR(fmt(&elog_provider_test),
		  "status RUNNING flags 0 mask 0xdeadbeef big 0xfedcba9876543210 port 8080 "
		  "wide ZERO bits 0 level 0xfe");
	TEST_EVENTLOG_ANNOTATED_LOG_ALWAYS(0, 1, 0, 0xa, 0, htons(1), 0, 0, 127);
	CHECK(strstr(fmt(&elog_provider_test), "mask 0xa ") != NULL);
	CHECK(strstr(out, "port 1 ") != NULL);
	CHECK(strstr(out, "level 0x7f") != NULL);
}

static void test_addresses(void)
{
	struct in_addr a4;
	uint8_t a6[16];

	inet_pton(AF_INET, "10.1.2.3", &a4);
	inet_pton(AF_INET6, "2001:db8::ff00:42:8329", a6);
	TEST_EVENTLOG_ADDRESSES_LOG_ALWAYS(0, a4.s_addr, htons(443), a6,
					   (const void *)0xffff888012345678ull, "eth0");
	CHECK_STR(fmt(&elog_provider_test),
		  "10.1.2.3:443 [2001:db8::ff00:42:8329] ptr 0xffff888012345678 name 'eth0'");
	memset(a6, 0, sizeof(a6));
	a6[15] = 1;
	TEST_EVENTLOG_ADDRESSES_LOG_ALWAYS(0, 0, 0, a6, (const void *)0, "");
	CHECK_STR(fmt(&elog_provider_test), "0.0.0.0:0 [::1] ptr 0x0 name ''");
}

/* The hand-written dotted quad is what inet_ntop writes, for every width
 * of every byte (0, 9, 10, 99, 100, 255 in each position). */
static void test_ipv4_text(void)
{
	static const uint8_t d[] = { 0, 9, 10, 99, 100, 199, 200, 255 };
	char want[INET_ADDRSTRLEN], got[INET_ADDRSTRLEN];
	uint8_t a[4];
	int bad = 0;

	for (size_t i = 0; i < 8 * 8 * 8 * 8; i++) {
		for (int k = 0; k < 4; k++)
			a[k] = d[(i >> (3 * k)) & 7];
		inet_ntop(AF_INET, a, want, sizeof(want));
		elog_ipv4_text(a, got);
		bad += strcmp(want, got) != 0;
	}
	CHECK(bad == 0);
}

static void test_chars(void)
{
	struct test_eventlog_addresses a;
	const struct elog_event_desc *ev = elog_schema_event(&elog_provider_test,
							     TEST_EVENTLOG_ADDRESSES_ID);

	CHECK(ev != NULL);
	memset(&a, 0, sizeof(a));
	/* char[12] with no NUL: exactly 12 characters, nothing after. */
	memset(a.name, 'z', sizeof(a.name));
	elog_format_event(out, sizeof(out), ev, ev->id, &a, sizeof(a));
	CHECK(strstr(out, "name 'zzzzzzzzzzzz'") != NULL);
	/* Control bytes and backslashes are escaped, not passed to a terminal. */
	memcpy(a.name, "a\033]0;x\\\n\xff", 10);
	a.name[10] = 0;
	elog_format_event(out, sizeof(out), ev, ev->id, &a, sizeof(a));
	CHECK(strstr(out, "name 'a\\x1b]0;x\\\\\\x0a\\xff'") != NULL);
	/* Bytes after the NUL are not shown. */
	memcpy(a.name, "ab\0cd", 5);
	elog_format_event(out, sizeof(out), ev, ev->id, &a, sizeof(a));
	CHECK(strstr(out, "name 'ab'") != NULL);
}

static void test_none_and_escapes(void)
{
	TEST_EVENTLOG_PING_LOG_ALWAYS(0);
	CHECK_EQ_U(last.len, 0);
	CHECK_STR(fmt(&elog_provider_test), "ping: 100% \"alive\"");
	/* Extra payload on a NONE event is ignored. */
	last.len = 8;
	CHECK_STR(fmt(&elog_provider_test), "ping: 100% \"alive\"");
}

static void test_unknown(void)
{
	last.id = 4242;
	last.len = 4;
	CHECK_STR(fmt(&elog_provider_test), "[UNKNOWN_EVENT_ID:4242]");
	last.id = 0xFFFFFFF0u;
	CHECK_STR(fmt(&elog_provider_tcp), "[UNKNOWN_EVENT_ID:4294967280]");
	elog_format_payload(out, sizeof(out), NULL, "quic", 1, "", 0);
	CHECK_STR(out, "[UNKNOWN_PROVIDER:quic]");
	elog_format_payload(out, sizeof(out), NULL, NULL, 1, "", 0);
	CHECK_STR(out, "[UNKNOWN_PROVIDER:?]");
	elog_format_event(out, sizeof(out), NULL, 7, NULL, 0);
	CHECK_STR(out, "[UNKNOWN_EVENT_ID:7]");
}

/* Implicit framework events are in every provider's table. */
static void test_implicit_events(void)
{
	TCP_EVENTLOG_SESSION_END_LOG_ALWAYS(0);
	CHECK_EQ_U(last.id, ELOG_SESSION_END_ID);
	CHECK(strcmp(fmt(&elog_provider_tcp), "[UNKNOWN_EVENT_ID:4294967295]") != 0);
	TCP_EVENTLOG_DUMP_COMPLETE_LOG_ALWAYS(0);
	CHECK_EQ_U(last.id, ELOG_DUMP_COMPLETE_ID);
	CHECK_STR(fmt(&elog_provider_tcp), "Dump complete");
	CHECK(elog_schema_event(&elog_provider_tcp, ELOG_SESSION_CREATE_ID) != NULL);
}

/* Every prefix of a payload: missing tail fields decode as zero. */
static void test_short_payloads(void)
{
	char full[512];

	TEST_EVENTLOG_SCALARS_LOG_ALWAYS(0, 0x11, 0x2222, 0x33333333, 0x4444444444444444ull, -1, -1,
					 -1, -1);
	strcpy(full, fmt(&elog_provider_test));
	CHECK_STR(fmt_len(&elog_provider_test, 0),
		  "u8 0 u16 0 u32 0 u64 0 i8 0 i16 0 i32 0 i64 0");
	CHECK_STR(fmt_len(&elog_provider_test, 1),
		  "u8 17 u16 0 u32 0 u64 0 i8 0 i16 0 i32 0 i64 0");
	/* Half a u16 (little-endian host): the present low byte, zero-extended. */
	CHECK_STR(fmt_len(&elog_provider_test, 3),
		  "u8 17 u16 34 u32 0 u64 0 i8 0 i16 0 i32 0 i64 0");
	for (size_t len = 0; len <= last.len + 16; len++) {
		fmt_len(&elog_provider_test, len < last.len ? len : last.len);
		CHECK(strncmp(out, "u8 ", 3) == 0);
	}
	/* A longer payload (newer producer) renders exactly like the struct. */
	memset(last.payload + last.len, 0x5a, 16);
	CHECK_STR(fmt_len(&elog_provider_test, last.len + 16), full);

	/* The acceptance case: MSS from a 2-byte payload is zero-extended. */
	TCP_EVENTLOG_MSS_LOG_ALWAYS(0, 0xabcd0000u | 1460);
	CHECK_STR(fmt_len(&elog_provider_tcp, 4), "MSS set to 2882340276 bytes");
	CHECK_STR(fmt_len(&elog_provider_tcp, 2), "MSS set to 1460 bytes");
	CHECK_STR(fmt_len(&elog_provider_tcp, 0), "MSS set to 0 bytes");
}

/* The variable-length tail, rendered through a format that shows it. */
static void test_varlen_tail(void)
{
	const struct elog_event_desc *ev = elog_schema_event(&elog_provider_test,
							     TEST_EVENTLOG_VARLEN_ID);
	static const struct elog_fmt_piece pieces[] = {
		{ "n=", 2, 1 }, { " [", 2, 2 }, { "]", 1, -1 },
	};
	struct elog_event_desc shown;
	uint64_t values[10] = { 1, 2, 0xff, 4, 5, 6, 7, 8, 9, 10 };

	CHECK(ev != NULL && ev->field_count == 3 && ev->fields[2].count_field == 1);
	if (ev == NULL)
		return;
	shown = *ev;
	shown.pieces = pieces;
	shown.piece_count = 3;

	TEST_EVENTLOG_VARLEN_LOG_ALWAYS(0, 7, 3, values);
	CHECK_EQ_U(last.len, 8 + 3 * 8);
	elog_format_event(out, sizeof(out), &shown, shown.id, last.payload, last.len);
	CHECK_STR(out, "n=3 [0x1 0x2 0xff]");
	/* The payload holds fewer elements than count says: clipped. */
	elog_format_event(out, sizeof(out), &shown, shown.id, last.payload, 8 + 2 * 8 + 5);
	CHECK_STR(out, "n=3 [0x1 0x2]");
	/* count beyond the schema maximum: at most max elements. */
	TEST_EVENTLOG_VARLEN_LOG_ALWAYS(0, 7, 8, values);
	last.payload[4] = 200;
	memset(last.payload + last.len, 0, 64);
	elog_format_event(out, sizeof(out), &shown, shown.id, last.payload, last.len + 64);
	CHECK_STR(out, "n=200 [0x1 0x2 0xff 0x4 0x5 0x6 0x7 0x8]");
	/* No tail bytes at all. */
	elog_format_event(out, sizeof(out), &shown, shown.id, last.payload, 5);
	CHECK_STR(out, "n=200 []");
	/* The schema's own format for the event. */
	TEST_EVENTLOG_VARLEN_LOG_ALWAYS(0, 7, 3, values);
	CHECK_STR(fmt(&elog_provider_test), "id 7 with 3 values");
}

/* Output buffers of every size: always terminated, never overrun, a prefix. */
static void test_clipping(void)
{
	char full[512];
	size_t full_len;

	TEST_EVENTLOG_SCALARS_LOG_ALWAYS(0, 255, 65535, 4294967295u, 18446744073709551615ull, -128,
					 -32768, -2147483647 - 1, -9223372036854775807ll - 1);
	full_len = elog_format_payload(full, sizeof(full), &elog_provider_test, "test", last.id,
				       last.payload, last.len);
	for (size_t cap = 0; cap <= full_len + 2; cap++) {
		char *b = malloc(cap + 1);
		size_t n;

		b[cap] = '#';
		n = elog_format_payload(b, cap, &elog_provider_test, "test", last.id, last.payload,
					last.len);
		if (cap == 0) {
			CHECK_EQ_U(n, 0);
		} else {
			CHECK_EQ_U(n, cap - 1 < full_len ? cap - 1 : full_len);
			CHECK(b[n] == '\0' && strncmp(b, full, n) == 0);
		}
		CHECK(b[cap] == '#');
		free(b);
	}
}

/* One registration per provider, found by its schema's name by every
 * consumer; the names its other parts carry agree with it. */
static void test_registry(void)
{
	const struct elog_provider_desc *d;
	size_t i, nrt = 0;

	CHECK(elog_registry[elog_registry_count] == NULL);
	for (i = 0; i < elog_registry_count; i++) {
		const struct elog_provider_reg *r = elog_registry[i];

		CHECK(r->schema != NULL);
		CHECK(elog_registry_find(r->schema->name) == r);
		CHECK(elog_schema_provider_at(i) == r->schema);
		CHECK(elog_conn_facts_find(r->schema->name) == r->conn_facts);
		CHECK(elog_rt_find_provider(r->schema->name) == r->rt);
		if (r->rt) {
			CHECK_STR(r->rt->name, r->schema->name);
			CHECK(elog_rt_provider_at(nrt++) == r->rt);
		}
		if (r->conn_facts)
			CHECK_STR(r->conn_facts->provider, r->schema->name);
	}
	CHECK_EQ_U(elog_rt_provider_count(), nrt);
	CHECK(elog_rt_provider_at(nrt) == NULL);
	CHECK(elog_schema_provider_at(elog_registry_count) == NULL);
	CHECK(elog_registry_find("tcp") && elog_registry_find("tcp")->conn_facts);
	CHECK(elog_registry_find("test") && !elog_registry_find("test")->conn_facts);
	CHECK(elog_registry_find(NULL) == NULL && elog_registry_find("nope") == NULL);
	for (i = 0; (d = elog_schema_provider_at(i)); i++)
		CHECK(elog_schema_provider(d->name) == d);
	CHECK_EQ_U(i, elog_registry_count);
}

static void test_schema_lookups(void)
{
	uint32_t mask = 0;
	const char *bad = NULL;

	CHECK(elog_schema_provider("tcp") == &elog_provider_tcp);
	CHECK(elog_schema_provider("test") == &elog_provider_test);
	CHECK(elog_schema_provider("TCP") == NULL);
	CHECK(elog_schema_provider("tc") == NULL);
	CHECK(elog_schema_provider(NULL) == NULL);
	for (uint32_t i = 0; i < elog_provider_tcp.event_count; i++)
		CHECK(elog_schema_event(&elog_provider_tcp, elog_provider_tcp.events[i].id) ==
		      &elog_provider_tcp.events[i]);
	CHECK_EQ_U(elog_schema_level("verbose"), 4);
	CHECK_EQ_U(elog_schema_level("Error"), 1);
	CHECK_EQ_U(elog_schema_level("0"), 0);
	CHECK_EQ_U(elog_schema_level("5"), 5);
	CHECK(elog_schema_level("6") == -1);
	CHECK(elog_schema_level("05") == -1);
	CHECK(elog_schema_level("") == -1);
	CHECK(elog_schema_keywords(&elog_provider_tcp, "RX|TX|rtt", &mask, &bad) == 0);
	CHECK_EQ_U(mask, TCP_EVENTLOG_KEYWORD_RX | TCP_EVENTLOG_KEYWORD_TX | TCP_EVENTLOG_KEYWORD_RTT);
	CHECK(elog_schema_keywords(&elog_provider_tcp, "0x101", &mask, &bad) == 0);
	CHECK_EQ_U(mask, 0x101);
	CHECK(elog_schema_keywords(&elog_provider_tcp, "RX|RT", &mask, &bad) == -1);
	CHECK_STR(bad, "RT");
	CHECK(elog_schema_keywords(&elog_provider_tcp, "CONNX", &mask, &bad) == -1);
	CHECK(elog_schema_keywords(&elog_provider_tcp, "|RX", &mask, &bad) == -1);
	CHECK(elog_schema_keywords(&elog_provider_tcp, "0x", &mask, &bad) == -1);
	CHECK(elog_schema_keywords(&elog_provider_tcp, "0x1g", &mask, &bad) == -1);
	CHECK(elog_schema_keywords(&elog_provider_test, "high|basic", &mask, &bad) == 0);
	CHECK_EQ_U(mask, TEST_EVENTLOG_KEYWORD_HIGH | TEST_EVENTLOG_KEYWORD_BASIC);
}

static const char *line(const struct elog_text_opts *o, struct elog_text_state *st,
			const struct elog_event_hdr *h, const char *prov, int64_t utc)
{
	static char buf[ELOG_TEXTLINE_MAX];
	size_t n = elog_textline_format(buf, sizeof(buf), o, st, h, prov, elog_schema_provider(prov),
					utc, last.payload, last.len);

	CHECK_EQ_U(n, strlen(buf));
	return buf;
}

static void test_textline(void)
{
	struct elog_text_opts o = { 0 };
	struct elog_text_state st = { 0 };
	struct elog_event_hdr h;
	/* 2024-02-29 23:59:59.999999 UTC */
	int64_t utc = 1709251199999999;

	memset(&h, 0, sizeof(h));
	h.cpu = 0;
	h.thread_id = 0x1a2b;
	h.session_id = 77;
	h.event_id = TCP_EVENTLOG_MSS_ID;
	h.timestamp = 1000;
	TCP_EVENTLOG_MSS_LOG_ALWAYS(0, 1460);
	CHECK_STR(line(&o, &st, &h, "tcp", utc),
		  "[ 0]1a2b::23:59:59.999999 [tcp][77] MSS set to 1460 bytes\n");
	o.event_name = true;
	o.date = true;
	h.cpu = 12;
	h.thread_id = 0x7;
	CHECK_STR(line(&o, &st, &h, "tcp", utc + 1),
		  "[12]0007::2024-03-01 00:00:00.000000 [tcp][77][MSS] MSS set to 1460 bytes\n");
	h.thread_id = -1;
	h.cpu = 65535;
	h.event_id = 4242;
	CHECK_STR(line(&o, &st, &h, "tcp", 0),
		  "[65535]ffffffff::1970-01-01 00:00:00.000000 [tcp][77][?4242] [UNKNOWN_EVENT_ID:4242]\n");
	/* Before the epoch, and a provider the file does not name. */
	o.date = false;
	CHECK_STR(line(&o, &st, &h, NULL, -1),
		  "[65535]ffffffff::23:59:59.999999 [?][77][?4242] [UNKNOWN_PROVIDER:?]\n");
	o.date = true;
	CHECK_STR(line(&o, &st, &h, "tcp", -1),
		  "[65535]ffffffff::1969-12-31 23:59:59.999999 [tcp][77][?4242] [UNKNOWN_EVENT_ID:4242]\n");
	CHECK_STR(line(&o, &st, &h, "tcp", 253402300799999999ll),
		  "[65535]ffffffff::9999-12-31 23:59:59.999999 [tcp][77][?4242] [UNKNOWN_EVENT_ID:4242]\n");
	CHECK_STR(line(&o, &st, &h, "tcp", -62135596800000000ll),
		  "[65535]ffffffff::0001-01-01 00:00:00.000000 [tcp][77][?4242] [UNKNOWN_EVENT_ID:4242]\n");
	/* GOODPUT says what Linux measured: one delivery-rate sample, not an
	 * average next to it. */
	h.event_id = TCP_EVENTLOG_GOODPUT_ID;
	TCP_EVENTLOG_GOODPUT_LOG_ALWAYS(0, 8000000, 8000000, 2500, 120, 100);
	CHECK_STR(line(&o, &st, &h, "tcp", 0),
		  "[65535]ffffffff::1970-01-01 00:00:00.000000 [tcp][77][GOODPUT] Goodput sample "
		  "8000000 bps over 2500 us, gp_srtt 120 us, lowest_rtt 100 us\n");
	h.event_id = 4242;
	TCP_EVENTLOG_MSS_LOG_ALWAYS(0, 1460);
	/* Extremes must not overflow (UBSan) whatever they print. */
	line(&o, &st, &h, "tcp", INT64_MIN);
	line(&o, &st, &h, "tcp", INT64_MAX);

	/* -n -t --delta-time: serial, time since the first and the previous. */
	memset(&st, 0, sizeof(st));
	o = (struct elog_text_opts){ .serial = true, .rel_time = true, .delta_time = true };
	h.cpu = 1;
	h.thread_id = 0x12345;
	h.event_id = TCP_EVENTLOG_MSS_ID;
	h.timestamp = 5000000;
	CHECK_STR(line(&o, &st, &h, "tcp", 0),
		  "1        +0.000000 d0.000000 [ 1]12345::00:00:00.000000 [tcp][77] MSS set to 1460 bytes\n");
	h.timestamp = 6500001;
	CHECK_STR(line(&o, &st, &h, "tcp", 1500001),
		  "2        +1.500001 d1.500001 [ 1]12345::00:00:01.500001 [tcp][77] MSS set to 1460 bytes\n");
	h.timestamp = 4999999;
	CHECK_STR(line(&o, &st, &h, "tcp", 0),
		  "3        -0.000001 d-1.500002 [ 1]12345::00:00:00.000000 [tcp][77] MSS set to 1460 bytes\n");
	st.serial = 123456788;
	CHECK(strncmp(line(&o, &st, &h, "tcp", 0), "123456789 -0.000001 ", 20) == 0);

	/* Small buffers: terminated, never overrun, still ending in '\n'. */
	for (size_t cap = 1; cap < 80; cap++) {
		char *b = malloc(cap + 1);
		size_t n;

		b[cap] = '#';
		n = elog_textline_format(b, cap, &o, &st, &h, "tcp", &elog_provider_tcp, 0,
					 last.payload, last.len);
		CHECK(n < cap && b[n] == '\0' && b[cap] == '#');
		CHECK(cap == 1 || (n > 0 && b[n - 1] == '\n'));
		free(b);
	}
}

int main(void)
{
	static const struct th_test tests[] = {
		TH_TEST(test_integers),      TH_TEST(test_enum),
		TH_TEST(test_negative_enum),
		TH_TEST(test_flags),         TH_TEST(test_hex_and_ntohs),
		TH_TEST(test_addresses),     TH_TEST(test_ipv4_text),
		TH_TEST(test_chars),
		TH_TEST(test_none_and_escapes), TH_TEST(test_unknown),
		TH_TEST(test_implicit_events), TH_TEST(test_short_payloads),
		TH_TEST(test_varlen_tail),   TH_TEST(test_clipping),
		TH_TEST(test_registry), TH_TEST(test_schema_lookups), TH_TEST(test_textline),
	};

	return th_run(tests, sizeof(tests) / sizeof(tests[0]));
}
