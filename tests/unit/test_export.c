/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of the JSON Lines and pcapng exporters (lib/decode/export_json.c,
 * lib/export/export_pcapng.c, lib/pcapng_packet.c). Payloads are built with the
 * generated structs and producer macros; expected bytes are written out by
 * hand from the pcapng and IP/TCP specifications.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include <eventlog/schema.h>

#include "export_json.h"
#include "export_pcapng.h"
#include "format.h"
#include "harness.h"
#include "tcp_packet.h"

/* The emit interface: events land in `last` for the test to format. */
static struct {
	uint32_t id;
	uint8_t payload[512];
	size_t len;
} last;

static void capture_emit(uint32_t id, const void *p, size_t len)
{
	last.id = id;
	last.len = len < sizeof(last.payload) ? len : sizeof(last.payload);
	if (last.len != 0)
		memcpy(last.payload, p, last.len);
}

#define PRODUCER_EMIT(s, id, p, len) capture_emit((id), (p), (len))
#include "producer.h"

#include "tcp_eventlog.h"
#include "test_eventlog.h"

static char line[ELOG_JSON_LINE_MAX];

static struct elog_event_hdr hdr_of(uint64_t session, uint32_t id)
{
	struct elog_event_hdr h;

	memset(&h, 0, sizeof(h));
	h.cpu = 3;
	h.provider_id = 1;
	h.timestamp = 5000254;
	h.session_id = session;
	h.event_id = id;
	h.thread_id = 0x1a2b;
	return h;
}

static const char *json_last(const char *prov, int64_t utc)
{
	struct elog_event_hdr h = hdr_of(77, last.id);
	size_t n = elog_json_format(line, sizeof(line), &h, prov, elog_schema_provider(prov), utc,
				    last.payload, last.len);

	return n ? line : "(clipped)";
}

/* 2026-11-22 01:02:03.456789 UTC */
#define UTC 1795309323456789LL

static void test_json_in_event(void)
{
	TCP_EVENTLOG_IN_LOG_ALWAYS(NULL, 2000, 1001, TCP_EVENTLOG_FLAG_SYN | TCP_EVENTLOG_FLAG_ACK,
				   65535, 65535, 0, TCP_EVENTLOG_TCP_STATE_ESTABLISHED, 5, 0xbeef,
				   0, 5000254);
	CHECK_STR(json_last("tcp", UTC),
		  "{\"provider\":\"tcp\",\"session\":77,\"event\":\"IN\",\"event_id\":100,"
		  "\"time\":\"2026-11-22T01:02:03.456789Z\",\"boot_us\":5000254,\"cpu\":3,"
		  "\"thread\":6699,\"fields\":{\"seq\":2000,\"ack\":1001,\"flags\":[\"SYN\",\"ACK\"],"
		  "\"win_raw\":65535,\"win\":65535,\"len\":0,\"state\":\"ESTABLISHED\",\"th_off\":5,"
		  "\"th_sum\":\"0xbeef\",\"th_urp\":0,\"rcv_time_us\":5000254}}\n");
}

static void test_json_addresses_ports(void)
{
	uint8_t a[16], b[16];

	inet_pton(AF_INET6, "2001:db8::1", a);
	inet_pton(AF_INET6, "fe80::1:2", b);
	TCP_EVENTLOG_CONN_SET_IP_V6_LOG_ALWAYS(NULL, a, htons(443), b, htons(50000));
	CHECK(strstr(json_last("tcp", UTC),
		     "\"fields\":{\"src_addr\":\"2001:db8::1\",\"src_port\":443,"
		     "\"dst_addr\":\"fe80::1:2\",\"dst_port\":50000}}\n") != NULL);
}

static void test_json_escaping(void)
{
	/* Quote, backslash, control bytes, DEL and a non-ASCII byte. */
	TCP_EVENTLOG_LOG_ID_LOG_ALWAYS(NULL, "a\"b\\c\n\x01\x7f\xff/");
	CHECK(strstr(json_last("tcp", UTC),
		     "{\"log_id\":\"a\\\"b\\\\c\\u000a\\u0001\\u007f\\u00ff/\"}") != NULL);
}

static void test_json_unterminated_string(void)
{
	struct tcp_eventlog_log_id id;

	/* 64 bytes without a NUL: the string stops at the field's end. */
	memset(id.log_id, 'x', sizeof(id.log_id));
	capture_emit(TCP_EVENTLOG_LOG_ID_ID, &id, sizeof(id));
	char want[80] = "{\"log_id\":\"";

	memset(want + strlen(want), 'x', 64);
	strcpy(want + 11 + 64, "\"}}\n");
	CHECK(strstr(json_last("tcp", UTC), want) != NULL);
}

static void test_json_short_and_long_payloads(void)
{
	struct tcp_eventlog_mss m = { 0xabcd0000u | 1460 };
	uint8_t big[sizeof(m) + 7];

	/* 2 of 4 bytes: the missing high half is zero. */
	capture_emit(TCP_EVENTLOG_MSS_ID, &m, 2);
	CHECK(strstr(json_last("tcp", UTC), "\"fields\":{\"mss\":1460}}") != NULL);
	/* A longer payload: the tail is ignored. */
	m.mss = 9000;
	memcpy(big, &m, sizeof(m));
	memset(big + sizeof(m), 0x41, 7);
	capture_emit(TCP_EVENTLOG_MSS_ID, big, sizeof(big));
	CHECK(strstr(json_last("tcp", UTC), "\"fields\":{\"mss\":9000}}") != NULL);
	/* No payload at all: every field zero, flags []. */
	capture_emit(TCP_EVENTLOG_IN_ID, "", 0);
	CHECK(strstr(json_last("tcp", UTC), "\"flags\":[],") != NULL);
	CHECK(strstr(json_last("tcp", UTC), "\"state\":\"CLOSED\",") != NULL);
}

static void test_json_enum_and_flags_unknown(void)
{
	/* State 99 has no name: the number. Bit 0x200 has none: "0x200". */
	TCP_EVENTLOG_IN_LOG_ALWAYS(NULL, 1, 2, 0x200 | TCP_EVENTLOG_FLAG_FIN, 0, 0, 0, 99, 0, 0, 0, 0);
	CHECK(strstr(json_last("tcp", UTC), "\"flags\":[\"FIN\",\"0x200\"],") != NULL);
	CHECK(strstr(json_last("tcp", UTC), "\"state\":99,") != NULL);
}

static void test_json_unknown_event_and_provider(void)
{
	struct elog_event_hdr h = hdr_of(ELOG_SESSION_ID_NONE, 4242);
	size_t n = elog_json_format(line, sizeof(line), &h, "tcp", elog_schema_provider("tcp"), UTC,
				    "\x01\x02\xfe", 3);

	CHECK(n > 0);
	CHECK(strstr(line, "\"session\":18446744073709551615,\"event\":null,\"event_id\":4242,") !=
	      NULL);
	CHECK(strstr(line, "\"payload_hex\":\"0102fe\"}\n") != NULL);
	n = elog_json_format(line, sizeof(line), &h, NULL, NULL, UTC, NULL, 0);
	CHECK(n > 0 && strncmp(line, "{\"provider\":null,", 17) == 0);
	CHECK(strstr(line, "\"payload_hex\":\"\"}\n") != NULL);
}

static void test_json_times(void)
{
	struct elog_event_hdr h = hdr_of(1, TCP_EVENTLOG_MSS_ID);

	elog_json_format(line, sizeof(line), &h, "tcp", elog_schema_provider("tcp"), -1, "", 0);
	CHECK(strstr(line, "\"time\":\"1969-12-31T23:59:59.999999Z\"") != NULL);
	elog_json_format(line, sizeof(line), &h, "tcp", elog_schema_provider("tcp"), 951782400000000LL,
			 "", 0);
	CHECK(strstr(line, "\"time\":\"2000-02-29T00:00:00.000000Z\"") != NULL);
	h.thread_id = -1;
	elog_json_format(line, sizeof(line), &h, "tcp", elog_schema_provider("tcp"), 0, "", 0);
	CHECK(strstr(line, "\"thread\":-1,") != NULL);
}

static void test_json_test_schema_types(void)
{
	uint64_t values[3] = { 1, 0xff, 0xdeadbeefcafef00dull };
	struct elog_event_hdr h;

	TEST_EVENTLOG_SCALARS_LOG_ALWAYS(NULL, 255, 65535, 4294967295u, 18446744073709551615ull, -128,
					 -32768, -2147483647 - 1, -9223372036854775807ll - 1);
	h = hdr_of(5, last.id);
	elog_json_format(line, sizeof(line), &h, "test", elog_schema_provider("test"), UTC,
			 last.payload, last.len);
	CHECK(strstr(line, "\"u64\":18446744073709551615,") != NULL);
	CHECK(strstr(line, "\"i64\":-9223372036854775808}") != NULL);
	/* A variable-length tail is an array, clipped to count. */
	TEST_EVENTLOG_VARLEN_LOG_ALWAYS(NULL, 7, 3, values);
	h = hdr_of(5, last.id);
	elog_json_format(line, sizeof(line), &h, "test", elog_schema_provider("test"), UTC,
			 last.payload, last.len);
	CHECK(strstr(line, "\"values\":[\"0x1\",\"0xff\",\"0xdeadbeefcafef00d\"]}") != NULL);
	/* Tail cut by the payload: only whole elements. */
	elog_json_format(line, sizeof(line), &h, "test", elog_schema_provider("test"), UTC,
			 last.payload, last.len - 12);
	CHECK(strstr(line, "\"values\":[\"0x1\"]}") != NULL);
}

static void test_json_never_clipped(void)
{
	struct elog_event_hdr h = hdr_of(1, TCP_EVENTLOG_MSS_ID);
	char small[40];

	CHECK_EQ_U(elog_json_format(small, sizeof(small), &h, "tcp", elog_schema_provider("tcp"), 0,
				  "", 0), 0);
	CHECK_EQ_U(elog_json_format(small, 0, &h, "tcp", NULL, 0, "", 0), 0);
}

/* Every capacity up to the line and its NUL (a buffer filled to the end
 * counts as clipped), the end falling inside a run of plain bytes or inside
 * an escape alike, gives no line and writes nothing past the capacity; one
 * byte more gives all of it. */
static void test_json_clipped_anywhere(void)
{
	struct elog_event_hdr h;
	static char want[512], buf[512 + 1];
	size_t n, bad = 0;

	TCP_EVENTLOG_LOG_ID_LOG_ALWAYS(NULL, "plain \"q\" b\\s \x01\xff end");
	h = hdr_of(77, last.id);
	n = elog_json_format(want, sizeof(want), &h, "tcp", elog_schema_provider("tcp"), UTC,
			     last.payload, last.len);
	CHECK(n > 0 && strstr(want, "\\u0001\\u00ff end") != NULL);
	for (size_t cap = 1; cap <= n + 1; cap++) {
		memset(buf, '#', sizeof(buf));
		bad += elog_json_format(buf, cap, &h, "tcp", elog_schema_provider("tcp"), UTC,
					last.payload, last.len) != 0;
		bad += buf[cap] != '#';
	}
	CHECK_EQ_U(bad, 0);
	CHECK_EQ_U(elog_json_format(buf, n + 2, &h, "tcp", elog_schema_provider("tcp"), UTC,
				    last.payload, last.len), n);
	CHECK(memcmp(buf, want, n + 1) == 0);
}

/* ------------------------------------------------------------ packets */

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)be16(p) << 16 | be16(p + 2);
}

static struct elog_tcp_endpoints ep4(void)
{
	struct elog_tcp_endpoints ep;

	memset(&ep, 0, sizeof(ep));
	ep.have_addr = true;
	inet_pton(AF_INET, "10.1.1.1", ep.local);
	inet_pton(AF_INET, "10.2.2.2", ep.remote);
	ep.lport = 40000;
	ep.rport = 443;
	ep.have_params = true;
	ep.snd_wscale = 9;
	ep.rcv_wscale = 7;
	ep.wscale_ok = true;
	ep.sack_ok = true;
	return ep;
}

static void test_packet_ipv4_syn(void)
{
	struct elog_tcp_endpoints ep = ep4();
	struct elog_tcp_segment seg = { .outbound = true, .seq = 0x01020304, .ack = 0,
					.flags = 0x02 | 0x100, .win_raw = 64240, .th_sum = 0xabcd,
					.th_urp = 7, .th_off = 10, .len = 0 };
	uint8_t b[ELOG_PKT_MAX];
	uint32_t orig;
	size_t n = elog_pkt_build(b, &ep, &seg, &orig);
	uint32_t sum = 0;

	CHECK_EQ_U(n, 20 + 40);
	CHECK_EQ_U(orig, 60);
	CHECK_EQ_U(b[0], 0x45);
	CHECK_EQ_U(be16(b + 2), 60);
	CHECK_EQ_U(b[9], 6);
	for (int i = 0; i < 20; i += 2)
		sum += be16(b + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	CHECK_EQ_U(sum, 0xffff); /* a valid header checksum */
	CHECK(memcmp(b + 12, ep.local, 4) == 0 && memcmp(b + 16, ep.remote, 4) == 0);
	CHECK_EQ_U(be16(b + 20), 40000);
	CHECK_EQ_U(be16(b + 22), 443);
	CHECK_EQ_U(be32(b + 24), 0x01020304);
	CHECK_EQ_U(b[32], 0xa1); /* data offset 10, AE */
	CHECK_EQ_U(b[33], 0x02);
	CHECK_EQ_U(be16(b + 34), 64240);
	CHECK_EQ_U(be16(b + 36), 0xabcd);
	CHECK_EQ_U(be16(b + 38), 7);
	/* NOP, WS our shift (outbound), NOP NOP SACK-permitted, NOPs. */
	static const uint8_t opts[20] = { 1, 3, 3, 7, 1, 1, 4, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	CHECK(memcmp(b + 40, opts, 20) == 0);
	/* Inbound: addresses and ports swap, the peer's shift. */
	seg.outbound = false;
	elog_pkt_build(b, &ep, &seg, &orig);
	CHECK(memcmp(b + 12, ep.remote, 4) == 0 && memcmp(b + 16, ep.local, 4) == 0);
	CHECK_EQ_U(be16(b + 20), 443);
	CHECK_EQ_U(b[43], 9);
}

static void test_packet_ipv4_data_and_gro(void)
{
	struct elog_tcp_endpoints ep = ep4();
	struct elog_tcp_segment seg = { .outbound = false, .seq = 5, .ack = 6, .flags = 0x18,
					.win_raw = 1, .th_off = 8, .len = 1448 };
	uint8_t b[ELOG_PKT_MAX];
	uint32_t orig;

	CHECK_EQ_U(elog_pkt_build(b, &ep, &seg, &orig), 52);
	CHECK_EQ_U(orig, 52 + 1448);
	CHECK_EQ_U(be16(b + 2), 1500);
	/* Not a SYN: the whole option space is NOPs. */
	CHECK(b[40] == 1 && b[51] == 1 && b[43] == 1);
	seg.len = 70000;
	elog_pkt_build(b, &ep, &seg, &orig);
	CHECK_EQ_U(be16(b + 2), 0); /* too long for IPv4: 0, as for TSO */
	CHECK_EQ_U(orig, 52 + 70000);
	/* Nonsense data offsets are clamped into 5..15. */
	seg.th_off = 2;
	CHECK_EQ_U(elog_pkt_build(b, &ep, &seg, &orig), 40);
	seg.th_off = 200;
	CHECK_EQ_U(elog_pkt_build(b, &ep, &seg, &orig), 80);
}

static void test_packet_ipv6(void)
{
	struct elog_tcp_endpoints ep;
	struct elog_tcp_segment seg = { .outbound = true, .seq = 1, .ack = 2, .flags = 0x10,
					.th_off = 5, .len = 10 };
	uint8_t b[ELOG_PKT_MAX];
	uint32_t orig;

	memset(&ep, 0, sizeof(ep));
	ep.have_addr = ep.v6 = true;
	inet_pton(AF_INET6, "2001:db8::10", ep.local);
	inet_pton(AF_INET6, "2001:db8::20", ep.remote);
	ep.lport = 8080;
	ep.rport = 50123;
	CHECK_EQ_U(elog_pkt_build(b, &ep, &seg, &orig), 60);
	CHECK_EQ_U(orig, 70);
	CHECK_EQ_U(b[0], 0x60);
	CHECK_EQ_U(be16(b + 4), 30);
	CHECK_EQ_U(b[6], 6);
	CHECK(memcmp(b + 8, ep.local, 16) == 0 && memcmp(b + 24, ep.remote, 16) == 0);
	CHECK_EQ_U(be16(b + 40), 8080);
}

/* ------------------------------------------------------------- pcapng */

struct blocks {
	unsigned shb, idb, epb, other;
	unsigned shb_comments;
	unsigned epb_comments[16];
	uint64_t epb_ts[16];
	uint32_t epb_caplen[16], epb_origlen[16], epb_flags[16];
	char first_comment[16][256];
	int bad;
};

/* Walk pcapng blocks (host order), checking every length. */
static void walk_options(const uint8_t *p, size_t n, unsigned *comments, uint32_t *flags,
			 char *first, int *bad)
{
	size_t at = 0;

	while (at + 4 <= n) {
		uint16_t code, len;

		memcpy(&code, p + at, 2);
		memcpy(&len, p + at + 2, 2);
		if (code == 0)
			return;
		if (at + 4 + len > n) {
			*bad = 1;
			return;
		}
		if (code == 1) {
			if (*comments == 0 && first)
				snprintf(first, 256, "%.*s", (int)len, (const char *)p + at + 4);
			(*comments)++;
		}
		if (code == 2 && len == 4 && flags)
			memcpy(flags, p + at + 4, 4);
		at += 4 + ((len + 3u) & ~3u);
	}
	*bad = 1; /* no opt_endofopt */
}

static void parse(const uint8_t *p, size_t n, struct blocks *bl)
{
	size_t at = 0;

	memset(bl, 0, sizeof(*bl));
	while (at + 12 <= n) {
		uint32_t type, len, len2;

		memcpy(&type, p + at, 4);
		memcpy(&len, p + at + 4, 4);
		if (len < 12 || len % 4 || at + len > n) {
			bl->bad = 1;
			return;
		}
		memcpy(&len2, p + at + len - 4, 4);
		if (len2 != len)
			bl->bad = 1;
		if (type == 0x0A0D0D0A) {
			uint32_t bom;

			memcpy(&bom, p + at + 8, 4);
			if (bom != 0x1A2B3C4D)
				bl->bad = 1;
			bl->shb++;
			walk_options(p + at + 24, len - 28, &bl->shb_comments, NULL, NULL, &bl->bad);
		} else if (type == 1) {
			uint16_t link;

			memcpy(&link, p + at + 8, 2);
			if (link != 101)
				bl->bad = 1;
			bl->idb++;
		} else if (type == 6 && bl->epb < 16) {
			unsigned i = bl->epb++;
			uint32_t hi, lo, cap;

			memcpy(&hi, p + at + 12, 4);
			memcpy(&lo, p + at + 16, 4);
			memcpy(&cap, p + at + 20, 4);
			memcpy(&bl->epb_origlen[i], p + at + 24, 4);
			bl->epb_ts[i] = (uint64_t)hi << 32 | lo;
			bl->epb_caplen[i] = cap;
			size_t opt = 28 + ((cap + 3u) & ~3u);

			if (opt + 4 > len) {
				bl->bad = 1;
				return;
			}
			walk_options(p + at + opt, len - opt - 4, &bl->epb_comments[i],
				     &bl->epb_flags[i], bl->first_comment[i], &bl->bad);
		} else {
			bl->other++;
		}
		at += len;
	}
	if (at != n)
		bl->bad = 1;
}

struct export {
	char *buf;
	size_t len;
	FILE *f;
	struct elog_pcapng *p;
};

static void export_start(struct export *x)
{
	struct elog_error err;

	x->buf = NULL;
	x->f = open_memstream(&x->buf, &x->len);
	CHECK(x->f != NULL);
	CHECK_EQ_U(elog_pcapng_open(&x->p, x->f, &err), 0);
}

static void export_add(struct export *x, uint64_t session, int64_t utc)
{
	struct elog_event_hdr h = hdr_of(session, last.id);
	struct elog_error err;

	CHECK_EQ_U(elog_pcapng_add(x->p, &h, "tcp", elog_schema_provider("tcp"), utc, last.payload,
				 last.len, &err), 0);
}

static void export_end(struct export *x, struct blocks *bl)
{
	struct elog_error err;

	CHECK_EQ_U(elog_pcapng_close(x->p, &err), 0);
	fclose(x->f);
	parse((const uint8_t *)x->buf, x->len, bl);
	free(x->buf);
}

/* A well-formed export: one section, one interface, epb packets. */
static void check_one_interface(const struct blocks *bl, unsigned long epb)
{
	CHECK_EQ_U(bl->bad, 0);
	CHECK_EQ_U(bl->shb, 1);
	CHECK_EQ_U(bl->idb, 1);
	CHECK_EQ_U(bl->epb, epb);
}

static void test_pcapng_packets_and_comments(void)
{
	struct export x;
	struct blocks bl;

	export_start(&x);
	TCP_EVENTLOG_CONN_SET_IP_V4_LOG_ALWAYS(NULL, htonl(0x0a010101), htons(40000),
					       htonl(0x0a020202), htons(443));
	export_add(&x, 9, UTC);
	TCP_EVENTLOG_OUT_LOG_ALWAYS(NULL, 1, 0, TCP_EVENTLOG_FLAG_SYN, 100, 100, 0, 10,
				    TCP_EVENTLOG_TCP_STATE_SYN_SENT, 10, 0, 0);
	export_add(&x, 9, UTC + 1);
	TCP_EVENTLOG_RTT_SAMPLE_LOG_ALWAYS(NULL, 5);
	export_add(&x, 9, UTC + 2);
	TCP_EVENTLOG_MSS_LOG_ALWAYS(NULL, 1448);
	export_add(&x, 9, UTC + 3);
	TCP_EVENTLOG_IN_LOG_ALWAYS(NULL, 7, 2, TCP_EVENTLOG_FLAG_SYN | TCP_EVENTLOG_FLAG_ACK, 100,
				   100, 0, TCP_EVENTLOG_TCP_STATE_SYN_SENT, 10, 0, 0, 0);
	export_add(&x, 9, UTC + 4);
	/* Other providers' events and sessionless ones are comments too. */
	TCP_EVENTLOG_DUMP_COMPLETE_LOG_ALWAYS(NULL);
	export_add(&x, ELOG_SESSION_ID_NONE, UTC + 5);
	CHECK_EQ_U(elog_pcapng_packets(x.p), 2);
	export_end(&x, &bl);
	check_one_interface(&bl, 2);
	CHECK_EQ_U(bl.other, 0);
	CHECK_EQ_U(bl.shb_comments, 0);
	/* 1st: CONN_SET_IP before it + its own; 2nd: RTT, MSS, own, DUMP_COMPLETE. */
	CHECK_EQ_U(bl.epb_comments[0], 2);
	CHECK_EQ_U(bl.epb_comments[1], 4);
	CHECK(strstr(bl.first_comment[0], "[CONN_SET_IP_V4]") != NULL);
	CHECK(strstr(bl.first_comment[0], "2026-11-22 01:02:03.456789") != NULL);
	CHECK(strstr(bl.first_comment[1], "[RTT_SAMPLE]") != NULL);
	CHECK_EQ_U(bl.epb_ts[0], UTC + 1);
	CHECK_EQ_U(bl.epb_ts[1], UTC + 4);
	CHECK_EQ_U(bl.epb_flags[0], 2); /* outbound */
	CHECK_EQ_U(bl.epb_flags[1], 1); /* inbound */
	CHECK_EQ_U(bl.epb_caplen[0], 60);
	CHECK_EQ_U(bl.epb_origlen[0], 60);
}

static void test_pcapng_no_packets(void)
{
	struct export x;
	struct blocks bl;

	export_start(&x);
	TCP_EVENTLOG_MSS_LOG_ALWAYS(NULL, 1448);
	export_add(&x, 9, UTC);
	export_add(&x, 9, UTC + 1);
	export_end(&x, &bl);
	check_one_interface(&bl, 0);
	CHECK_EQ_U(bl.shb_comments, 2);
	/* And an empty export is still a valid file. */
	export_start(&x);
	export_end(&x, &bl);
	CHECK(bl.bad == 0 && bl.shb == 1 && bl.idb == 1 && bl.shb_comments == 0);
}

static void test_pcapng_unknown_endpoints_and_short_payload(void)
{
	struct export x;
	struct blocks bl;

	export_start(&x);
	/* No CONN_SET_IP, and a 3-byte IN payload: still one sane packet. */
	capture_emit(TCP_EVENTLOG_IN_ID, "\x01\x02\x03", 3);
	export_add(&x, 12345, -5);
	export_end(&x, &bl);
	CHECK_EQ_U(bl.bad, 0);
	CHECK_EQ_U(bl.epb, 1);
	CHECK_EQ_U(bl.epb_ts[0], 0); /* before 1970: clamped */
	CHECK_EQ_U(bl.epb_caplen[0], 40);
}

/* Every event of every compiled-in provider, every payload length up to
 * past its struct, random bytes: always a whole line, never a bad read
 * (the SAN=1 build checks the latter). */
static void test_random_payloads(void)
{
	struct export x;
	struct blocks bl;
	unsigned seed = 12345;
	uint8_t buf[600];
	unsigned lines = 0, bad = 0;

	export_start(&x);
	const struct elog_provider_desc *d;

	for (size_t p = 0; (d = elog_schema_provider_at(p)); p++) {
		for (uint32_t e = 0; e < d->event_count; e++) {
			size_t max = d->events[e].size + 16;

			for (size_t len = 0; len <= max && len <= sizeof(buf); len++) {
				struct elog_event_hdr h = hdr_of(seed % 5, d->events[e].id);
				struct elog_error err;
				size_t n;

				for (size_t i = 0; i < len; i++) {
					seed = seed * 1103515245u + 12345u;
					buf[i] = (uint8_t)(seed >> 16);
				}
				/* Exact-size heap copy: ASan sees any overread. */
				uint8_t *pl = malloc(len ? len : 1);

				memcpy(pl, buf, len);
				n = elog_json_format(line, sizeof(line), &h, d->name, d, UTC, pl, len);
				lines++;
				if (n < 2 || line[n - 1] != '\n' || line[n - 2] != '}' || line[0] != '{')
					bad++;
				if (elog_pcapng_add(x.p, &h, d->name, d, UTC, pl, len, &err) != 0)
					bad++;
				free(pl);
			}
		}
	}
	export_end(&x, &bl);
	CHECK(lines > 1000);
	CHECK_EQ_U(bad, 0);
	CHECK_EQ_U(bl.bad, 0);
	CHECK(bl.epb > 0);
}

int main(void)
{
	static const struct th_test tests[] = {
		TH_TEST(test_json_in_event),
		TH_TEST(test_json_addresses_ports),
		TH_TEST(test_json_escaping),
		TH_TEST(test_json_unterminated_string),
		TH_TEST(test_json_short_and_long_payloads),
		TH_TEST(test_json_enum_and_flags_unknown),
		TH_TEST(test_json_unknown_event_and_provider),
		TH_TEST(test_json_times),
		TH_TEST(test_json_test_schema_types),
		TH_TEST(test_json_never_clipped), TH_TEST(test_json_clipped_anywhere),
		TH_TEST(test_packet_ipv4_syn),
		TH_TEST(test_packet_ipv4_data_and_gro),
		TH_TEST(test_packet_ipv6),
		TH_TEST(test_pcapng_packets_and_comments),
		TH_TEST(test_pcapng_no_packets),
		TH_TEST(test_pcapng_unknown_endpoints_and_short_payload),
		TH_TEST(test_random_payloads),
	};

	return th_run(tests, sizeof(tests) / sizeof(tests[0]));
}
