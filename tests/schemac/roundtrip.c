// SPDX-License-Identifier: BSD-2-Clause
/*
 * Round trip through the generated code: the producer macros of
 * test_eventlog.h write payloads through a capturing emit interface, and the
 * bytes are read back at the offsets the consumer tables give. Producer and
 * consumer are generated separately, so this is what proves they agree.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "eventlog/record.h"
#include "t.h"

struct session {
	unsigned level;
	uint32_t keywords;
};

static struct {
	int calls;
	uint32_t id, keywords;
	unsigned level;
	size_t len, room;
	uint64_t timestamp;
	int hdr_zero; /* the header is zero but for event_id and timestamp */
	unsigned char buf[1024];
} cap;

static void capture(const struct session *s, const struct elog_event_hdr *rec, unsigned level, uint32_t kw,
		    size_t len, size_t room)
{
	struct elog_event_hdr h = *rec;

	(void)s;
	cap.calls++;
	cap.id = rec->event_id;
	cap.timestamp = rec->timestamp;
	h.event_id = 0;
	h.timestamp = 0;
	cap.hdr_zero = !memcmp(&h, &(struct elog_event_hdr){ 0 }, sizeof(h));
	cap.level = level;
	cap.keywords = kw;
	cap.len = len;
	cap.room = room;
	memset(cap.buf, 0xEE, sizeof(cap.buf));
	if (len <= sizeof(cap.buf) && len <= room)
		memcpy(cap.buf, rec + 1, len);
}

#define ELOG_SESSION_ENABLED(s, lvl, kw) ((s)->level >= (lvl) && ((s)->keywords & (kw)))
#define ELOG_EMIT_REC(s, lvl, kw, rec, n, room) capture((s), (rec), (lvl), (kw), (n), (room))
#define ELOG_STRCPY(d, s, n) do { strncpy((d), (s), (n) - 1); (d)[(n) - 1] = '\0'; } while (0)
#define ELOG_MEMCPY(d, s, n) memcpy((d), (s), (n))

#include "tcp_eventlog.h"
#include "test_eventlog.h"
#include "eventlog/schema.h"

extern const struct elog_provider_desc elog_provider_test, elog_provider_tcp;

static const struct elog_event_desc *event(const struct elog_provider_desc *p, uint32_t id)
{
	for (uint32_t i = 0; i < p->event_count; i++)
		if (p->events[i].id == id)
			return &p->events[i];
	return NULL;
}

static const struct elog_field_desc *field(const struct elog_event_desc *e, const char *name)
{
	for (uint16_t i = 0; e && i < e->field_count; i++)
		if (!strcmp(e->fields[i].name, name))
			return &e->fields[i];
	return NULL;
}

/* Reads a field's bytes at the offset the table gives. */
static uint64_t at(const struct elog_event_desc *e, const char *name)
{
	const struct elog_field_desc *f = field(e, name);
	uint64_t v = 0;
	if (!f || f->offset + f->size > cap.len)
		return 0xBADBADBADull;
	switch (f->size) {
	case 1: { uint8_t x; memcpy(&x, cap.buf + f->offset, 1); v = x; break; }
	case 2: { uint16_t x; memcpy(&x, cap.buf + f->offset, 2); v = x; break; }
	case 4: { uint32_t x; memcpy(&x, cap.buf + f->offset, 4); v = x; break; }
	case 8: memcpy(&v, cap.buf + f->offset, 8); break;
	default: return 0xBADBADBADull;
	}
	return v;
}

#define OFF(st, fname, ev) do { \
	const struct elog_field_desc *_f = field((ev), #fname); \
	CHECK_MSG(_f && _f->offset == offsetof(struct st, fname), "offset of %s.%s: table %d, C %zu", \
	      #st, #fname, _f ? (int)_f->offset : -1, offsetof(struct st, fname)); \
} while (0)

static void layouts(void)
{
	const struct elog_event_desc *e = event(&elog_provider_test, TEST_EVENTLOG_SCALARS_ID);
	CHECK_MSG(e && e->size == sizeof(struct test_eventlog_scalars) && e->field_count == 8, "SCALARS size");
	OFF(test_eventlog_scalars, u8, e); OFF(test_eventlog_scalars, u16, e);
	OFF(test_eventlog_scalars, u32, e); OFF(test_eventlog_scalars, u64, e);
	OFF(test_eventlog_scalars, i8, e); OFF(test_eventlog_scalars, i16, e);
	OFF(test_eventlog_scalars, i32, e); OFF(test_eventlog_scalars, i64, e);
	e = event(&elog_provider_test, TEST_EVENTLOG_ANNOTATED_ID);
	CHECK_MSG(e && e->size == sizeof(struct test_eventlog_annotated), "ANNOTATED size");
	OFF(test_eventlog_annotated, status, e); OFF(test_eventlog_annotated, flags, e);
	OFF(test_eventlog_annotated, mask, e); OFF(test_eventlog_annotated, big, e);
	OFF(test_eventlog_annotated, port, e); OFF(test_eventlog_annotated, wide, e);
	OFF(test_eventlog_annotated, bits, e); OFF(test_eventlog_annotated, level, e);
	e = event(&elog_provider_test, TEST_EVENTLOG_ADDRESSES_ID);
	CHECK_MSG(e && e->size == sizeof(struct test_eventlog_addresses), "ADDRESSES size");
	OFF(test_eventlog_addresses, v4, e); OFF(test_eventlog_addresses, port, e);
	OFF(test_eventlog_addresses, v6, e); OFF(test_eventlog_addresses, ptr, e);
	OFF(test_eventlog_addresses, name, e);
	e = event(&elog_provider_test, TEST_EVENTLOG_VARLEN_ID);
	CHECK_MSG(e && e->size == sizeof(struct test_eventlog_varlen), "VARLEN size");
	OFF(test_eventlog_varlen, id, e); OFF(test_eventlog_varlen, count, e);
	OFF(test_eventlog_varlen, values, e);
	const struct elog_field_desc *t = field(e, "values");
	CHECK_MSG(t && t->count_field == 1 && t->max_count == TEST_EVENTLOG_VARLEN_VALUES_MAX && t->size == 8,
	      "VARLEN tail description");
	e = event(&elog_provider_tcp, TCP_EVENTLOG_CONN_PARAMS_ID);
	CHECK_MSG(e && e->size == sizeof(struct tcp_eventlog_conn_params) && e->size == 64, "CONN_PARAMS size");
	OFF(tcp_eventlog_conn_params, flags, e); OFF(tcp_eventlog_conn_params, cc_algo, e);
	OFF(tcp_eventlog_conn_params, tcp_stack, e);
	e = event(&elog_provider_tcp, TCP_EVENTLOG_SACK_ID);
	CHECK_MSG(e && e->size == sizeof(struct tcp_eventlog_sack) && e->size == 72, "SACK size");
	OFF(tcp_eventlog_sack, num_blocks, e); OFF(tcp_eventlog_sack, blk1_start, e);
	OFF(tcp_eventlog_sack, blk4_end, e);
	/* Every struct of both providers: table size == C sizeof, done for
	 * all by the _Static_asserts; here the tables' own invariants. */
	const struct elog_provider_desc *ps[] = { &elog_provider_tcp, &elog_provider_test };
	for (int k = 0; k < 2; k++) {
		const struct elog_provider_desc *p = ps[k];
		for (uint32_t i = 0; i < p->event_count; i++) {
			const struct elog_event_desc *ev = &p->events[i];
			CHECK_MSG(i == 0 || p->events[i - 1].id < ev->id, "%s events not sorted at %u", p->name, i);
			for (uint16_t f = 0; f < ev->field_count; f++) {
				const struct elog_field_desc *fd = &ev->fields[f];
				CHECK_MSG(fd->count_field >= 0 || fd->offset + fd->size <= ev->size,
				      "%s.%s.%s beyond the struct", p->name, ev->name, fd->name);
				CHECK_MSG((fd->annot == ELOG_A_ENUM || fd->annot == ELOG_A_FLAG) == (fd->values != NULL),
				      "%s.%s.%s value table", p->name, ev->name, fd->name);
			}
			/* The pieces put back together give the format. */
			char buf[512];
			size_t n = 0;
			for (uint16_t pi = 0; pi < ev->piece_count && n + 8 < sizeof(buf); pi++) {
				for (size_t c = 0; c < ev->pieces[pi].text_len; c++) {
					if (ev->pieces[pi].text[c] == '%')
						buf[n++] = '%';
					buf[n++] = ev->pieces[pi].text[c];
				}
				if (ev->pieces[pi].field >= 0)
					n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%%%d", ev->pieces[pi].field + 1);
			}
			buf[n] = '\0';
			CHECK_MSG(ev->piece_count && ev->pieces[ev->piece_count - 1].field == -1 && !strcmp(buf, ev->format),
			      "%s.%s pieces give '%s', format '%s'", p->name, ev->name, buf, ev->format);
		}
		CHECK_MSG(p->keyword_count && !strcmp(p->keywords[p->keyword_count - 1].name, "SESSION") &&
		      p->keywords[p->keyword_count - 1].mask == ELOG_KEYWORD_SESSION, "%s: SESSION keyword last", p->name);
		const uint32_t fw[] = { ELOG_DUMP_COMPLETE_ID, ELOG_SESSION_CREATE_ID, ELOG_SESSION_END_ID };
		for (int i = 0; i < 3; i++) {
			const struct elog_event_desc *ev = event(p, fw[i]);
			CHECK_MSG(ev && ev->level == ELOG_LEVEL_INFO && ev->keywords == ELOG_KEYWORD_SESSION,
			      "%s: framework event %#x", p->name, fw[i]);
		}
	}
}

static void payloads(void)
{
	struct session all = { ELOG_LEVEL_TRACE, 0xFFFFFFFFu };
	const struct elog_event_desc *e;

	cap.calls = 0;
	TEST_EVENTLOG_SCALARS_LOG(&all, 0x81, 0x8283, 0x84858687u, 0x88898A8B8C8D8E8Full, -2, -300, -70000,
				  -5000000000ll);
	e = event(&elog_provider_test, TEST_EVENTLOG_SCALARS_ID);
	CHECK_MSG(cap.calls == 1 && cap.id == 1 && cap.level == ELOG_LEVEL_INFO &&
	      cap.keywords == TEST_EVENTLOG_KEYWORD_BASIC && cap.len == e->size, "SCALARS emit");
	CHECK_MSG(at(e, "u8") == 0x81 && at(e, "u16") == 0x8283 && at(e, "u32") == 0x84858687u &&
	      at(e, "u64") == 0x88898A8B8C8D8E8Full, "SCALARS unsigned values");
	CHECK_MSG((int8_t)at(e, "i8") == -2 && (int16_t)at(e, "i16") == -300 && (int32_t)at(e, "i32") == -70000 &&
	      (int64_t)at(e, "i64") == -5000000000ll, "SCALARS signed values");
	/* Padding is zero: payloads never leak stack bytes. */
	CHECK_MSG(cap.buf[1] == 0 && cap.buf[17] == 0, "SCALARS padding zeroed");

	TEST_EVENTLOG_ANNOTATED_LOG(&all, TEST_EVENTLOG_TEST_STATUS_FAILED,
				    TEST_EVENTLOG_FLAG_FLAG_A | TEST_EVENTLOG_FLAG_FLAG_D, 0xdead, 0xbeefull, 0x5000,
				    TEST_EVENTLOG_TEST_WIDE_FOUR_G, TEST_EVENTLOG_FLAG_BIT_TOP, -1);
	e = event(&elog_provider_test, TEST_EVENTLOG_ANNOTATED_ID);
	CHECK_MSG(cap.len == e->size && at(e, "status") == 3 && at(e, "flags") == 9 && at(e, "mask") == 0xdead &&
	      at(e, "big") == 0xbeef && at(e, "port") == 0x5000 && at(e, "wide") == 4294967296ull &&
	      at(e, "bits") == 0x8000000000000000ull && at(e, "level") == 0xff, "ANNOTATED values");
	CHECK_MSG(field(e, "status")->values && !strcmp(field(e, "status")->values->name, "test_status") &&
	      field(e, "bits")->annot == ELOG_A_FLAG && field(e, "port")->annot == ELOG_A_NTOHS,
	      "ANNOTATED annotations");

	uint32_t v6[4] = { 0x20010db8u, 1, 2, 3 };
	int object;
	TEST_EVENTLOG_ADDRESSES_LOG(&all, 0x0100007fu, 0x901f, v6, &object, "a name that is too long");
	e = event(&elog_provider_test, TEST_EVENTLOG_ADDRESSES_ID);
	CHECK_MSG(cap.len == e->size && at(e, "v4") == 0x0100007fu && at(e, "port") == 0x901f &&
	      at(e, "ptr") == (uint64_t)(uintptr_t)&object, "ADDRESSES values");
	CHECK_MSG(!memcmp(cap.buf + field(e, "v6")->offset, v6, 16), "ADDRESSES in6 bytes");
	CHECK_MSG(!memcmp(cap.buf + field(e, "name")->offset, "a name that\0", 12), "char[12] truncated and terminated");

	uint64_t vals[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	TEST_EVENTLOG_VARLEN_LOG(&all, 42, 3, vals);
	e = event(&elog_provider_test, TEST_EVENTLOG_VARLEN_ID);
	const struct elog_field_desc *t = field(e, "values");
	CHECK_MSG(cap.len == t->offset + 3u * 8 && at(e, "id") == 42 && at(e, "count") == 3 &&
	      !memcmp(cap.buf + t->offset, vals, 24), "VARLEN with 3 values");
	TEST_EVENTLOG_VARLEN_LOG(&all, 43, 200, vals);
	CHECK_MSG(cap.len == t->offset + 8u * 8 && at(e, "count") == 8 && !memcmp(cap.buf + t->offset, vals, 64),
	      "VARLEN count clamped to the maximum and written back");
	TEST_EVENTLOG_VARLEN_LOG(&all, 44, 0, vals);
	CHECK_MSG(cap.len == t->offset && at(e, "count") == 0, "VARLEN with no values");

	TEST_EVENTLOG_PING_LOG(&all);
	CHECK_MSG(cap.id == 0 && cap.len == 0 && cap.level == ELOG_LEVEL_ERROR, "NONE event emits no payload");
	TEST_EVENTLOG_SESSION_CREATE_LOG(&all, 77);
	CHECK_MSG(cap.id == ELOG_SESSION_CREATE_ID && cap.len == 8 && cap.keywords == ELOG_KEYWORD_SESSION,
	      "SESSION_CREATE carries the schema's struct");
	TCP_EVENTLOG_SESSION_CREATE_LOG(&all, &object);
	CHECK_MSG(cap.id == ELOG_SESSION_CREATE_ID && cap.len == 8, "tcp SESSION_CREATE (tp)");
	TCP_EVENTLOG_IN_LOG(&all, 1, 2, TCP_EVENTLOG_FLAG_SYN | TCP_EVENTLOG_FLAG_ACK, 3, 4, 5,
			    TCP_EVENTLOG_TCP_STATE_ESTABLISHED, 6, 7, 8, 9);
	e = event(&elog_provider_tcp, TCP_EVENTLOG_IN_ID);
	CHECK_MSG(cap.id == 100 && cap.len == 40 && at(e, "flags") == 0x12 && at(e, "state") == 4 &&
	      at(e, "rcv_time_us") == 9 && cap.keywords == TCP_EVENTLOG_KEYWORD_RX, "tcp IN");
	CHECK_MSG(cap.room == TCP_EVENTLOG_PAYLOAD_MAX && cap.timestamp == 0 && cap.hdr_zero,
	      "tcp IN: a zeroed record with the provider's room, the clock left to the framework");
}

/* The longest payload of the schema, tails at their maximum. */
static size_t longest(const struct elog_provider_desc *p)
{
	size_t max = 0;

	for (uint32_t i = 0; i < p->event_count; i++) {
		const struct elog_event_desc *e = &p->events[i];
		size_t n = e->size;

		for (uint32_t k = 0; k < e->field_count; k++)
			if (e->fields[k].count_field >= 0)
				n = e->fields[k].offset + (size_t)e->fields[k].size * e->fields[k].max_count;
		if (n > max)
			max = n;
	}
	return max;
}

/* _MSG declares the record, the caller fills it, _SEND writes it: what a
 * provider does when its fields come from several places. */
static void records(void)
{
	struct session all = { ELOG_LEVEL_TRACE, 0xFFFFFFFFu };
	const struct elog_event_desc *e;

	CHECK_MSG(TEST_EVENTLOG_PAYLOAD_MAX == longest(&elog_provider_test) &&
	      TCP_EVENTLOG_PAYLOAD_MAX == longest(&elog_provider_tcp), "PAYLOAD_MAX: the longest payload");

	cap.calls = 0;
	{
		TCP_EVENTLOG_CWND_MSG(m);
		CHECK_MSG(sizeof(m) >= sizeof(struct elog_event_hdr) + TCP_EVENTLOG_PAYLOAD_MAX &&
		      (unsigned char *)&m.ev == (unsigned char *)&m.hdr + sizeof(m.hdr),
		      "_MSG: the payload right after the header, room for the longest");
		m.ev.cwnd = 10;
		m.ev.ssthresh = 20;
		m.hdr.timestamp = 1234;
		TCP_EVENTLOG_CWND_SEND(&all, m);
	}
	e = event(&elog_provider_tcp, TCP_EVENTLOG_CWND_ID);
	CHECK_MSG(cap.calls == 1 && cap.id == TCP_EVENTLOG_CWND_ID && cap.len == e->size &&
	      cap.level == TCP_EVENTLOG_CWND_LEVEL && cap.keywords == TCP_EVENTLOG_CWND_KEYWORDS &&
	      at(e, "cwnd") == 10 && at(e, "ssthresh") == 20, "_MSG + _SEND: CWND");
	CHECK_MSG(cap.timestamp == 1234 && cap.hdr_zero, "_SEND keeps a preset timestamp");
	{
		TEST_EVENTLOG_VARLEN_MSG(m);
		m.ev.id = 7;
		m.ev.count = 200; /* more than the room holds: clamped */
		TEST_EVENTLOG_VARLEN_SEND(&all, m);
	}
	e = event(&elog_provider_test, TEST_EVENTLOG_VARLEN_ID);
	CHECK_MSG(cap.calls == 2 && cap.len == field(e, "values")->offset + 8u * 8 && cap.len <= cap.room,
	      "_SEND: a tail's length from its count, clamped to the maximum");
	{
		TEST_EVENTLOG_PING_MSG(m);
		TEST_EVENTLOG_PING_SEND(&all, m);
	}
	CHECK_MSG(cap.calls == 3 && cap.id == TEST_EVENTLOG_PING_ID && cap.len == 0, "_MSG + _SEND: NONE");
}

static void gating(void)
{
	struct session info_basic = { ELOG_LEVEL_INFO, TEST_EVENTLOG_KEYWORD_BASIC };
	uint32_t v6[4] = { 0 };
	cap.calls = 0;
	TEST_EVENTLOG_SCALARS_LOG(&info_basic, 0, 0, 0, 0, 0, 0, 0, 0);
	CHECK_MSG(cap.calls == 1, "INFO/BASIC event reaches an INFO/BASIC session");
	TEST_EVENTLOG_ANNOTATED_LOG(&info_basic, 0, 0, 0, 0, 0, 0, 0, 0);
	CHECK_MSG(cap.calls == 1, "VERBOSE event must not reach an INFO session");
	TEST_EVENTLOG_ADDRESSES_LOG(&info_basic, 0, 0, v6, 0, "");
	CHECK_MSG(cap.calls == 1, "WARN event with other keywords must not reach a BASIC session");
	TEST_EVENTLOG_ADDRESSES_LOG_ALWAYS(&info_basic, 0, 0, v6, 0, "");
	CHECK_MSG(cap.calls == 2, "_LOG_ALWAYS ignores the session's filter");
	CHECK_MSG(!TEST_EVENTLOG_VARLEN_ENABLED(&info_basic) && TEST_EVENTLOG_SCALARS_ENABLED(&info_basic),
	      "_ENABLED follows level and keywords");
	struct session err_high = { ELOG_LEVEL_ERROR, TEST_EVENTLOG_KEYWORD_HIGH };
	TEST_EVENTLOG_PING_LOG(&err_high);
	CHECK_MSG(cap.calls == 3, "ERROR/HIGH event reaches an ERROR/HIGH session");
	TEST_EVENTLOG_SCALARS_LOG(&err_high, 0, 0, 0, 0, 0, 0, 0, 0);
	CHECK_MSG(cap.calls == 3, "INFO event must not reach an ERROR session");
}

void t_roundtrip(void)
{
	layouts();
	payloads();
	records();
	gating();
}
