/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Black box dumps through the reorder window (lib/rt/bb_block.h and
 * elog_reorder_add_keyed): synthetic ring streams in which a BLACKBOX_DUMP
 * record is followed by its session's older records and other sessions'
 * live records come in between. What comes out of the window: the dump as
 * one block right after its BLACKBOX_DUMP record, where that record's
 * timestamp puts it, each record with its own bytes (timestamp included),
 * nothing counted late, nothing lost or doubled.
 *
 * Every record's payload starts with a letter that names it; the output is
 * checked as the string of those letters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <eventlog/record.h>

#include "eventlog_abi.h"
#include "harness.h"
#include "rt/bb_block.h"
#include "rt/reorder.h"

struct out {
	char s[256];
	size_t n;
	uint64_t ts[256];
};

static int sink(void *arg, unsigned tag, const void *rec, size_t len)
{
	struct out *o = arg;
	struct elog_event_hdr h;

	(void)tag;
	memcpy(&h, rec, sizeof(h));
	CHECK(len > sizeof(h));
	if (o->n + 1 < sizeof(o->s)) {
		o->ts[o->n] = h.timestamp;
		o->s[o->n++] = (char)((const unsigned char *)rec)[sizeof(h)];
		o->s[o->n] = '\0';
	}
	return 0;
}

/* A live record (or a dumped one: only its place in the stream differs). */
static size_t mk(unsigned char *buf, uint64_t sid, uint64_t ts, char name)
{
	struct elog_event_hdr h = { .event_length = 40, .provider_id = 7, .timestamp = ts,
				    .session_id = sid, .event_id = 3 };

	memcpy(buf, &h, sizeof(h));
	memset(buf + sizeof(h), name, 8);
	return 40;
}

/* A BLACKBOX_DUMP record announcing `events`. */
static size_t mk_dump(unsigned char *buf, uint64_t sid, uint64_t ts, uint32_t events, char name)
{
	struct elog_event_hdr h = { .event_length = 32 + sizeof(struct elog_bb_dump),
				    .provider_id = 7, .timestamp = ts, .session_id = sid,
				    .event_id = ELOG_BB_DUMP_ID };
	struct elog_bb_dump d = { .reason = ELOG_BB_REASON_DEMAND, .events = events };

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), &d, sizeof(d));
	buf[sizeof(h)] = (unsigned char)name; /* reason's low byte: the name */
	return sizeof(h) + sizeof(d);
}

struct feed {
	struct elog_reorder *r;
	struct elog_bb_block *b[2]; /* two rings */
	struct out out;
};

static void feed_init(struct feed *f)
{
	memset(f, 0, sizeof(*f));
	f->r = elog_reorder_new();
	f->b[0] = elog_bb_block_new();
	f->b[1] = elog_bb_block_new();
	CHECK(f->r && f->b[0] && f->b[1]);
}

static void feed_free(struct feed *f)
{
	elog_bb_block_free(f->b[0]);
	elog_bb_block_free(f->b[1]);
	elog_reorder_free(f->r);
}

static void live(struct feed *f, int ring, uint64_t sid, uint64_t ts, char name)
{
	unsigned char buf[64];

	CHECK_EQ_U(elog_bb_block_add(f->b[ring], f->r, 0, buf, mk(buf, sid, ts, name)), 0);
}

static void dump(struct feed *f, int ring, uint64_t sid, uint64_t ts, uint32_t events, char name)
{
	unsigned char buf[64];

	CHECK_EQ_U(elog_bb_block_add(f->b[ring], f->r, 0, buf, mk_dump(buf, sid, ts, events, name)),
		   0);
}

/* Flush both rings up to limit and release up to it. */
static void release(struct feed *f, uint64_t limit)
{
	CHECK_EQ_U(elog_bb_block_flush(f->b[0], f->r, limit), 0);
	CHECK_EQ_U(elog_bb_block_flush(f->b[1], f->r, limit), 0);
	CHECK_EQ_U(elog_reorder_release(f->r, limit, sink, &f->out), 0);
}

/* Keyed records: a block sorts by its key, ties keep arrival order, bytes
 * (timestamps) untouched, nothing late. */
static void test_keyed(void)
{
	struct elog_reorder *r = elog_reorder_new();
	struct out o = { 0 };
	unsigned char buf[64];

	elog_reorder_add(r, 0, buf, mk(buf, 1, 10, 'a'));
	elog_reorder_add(r, 0, buf, mk(buf, 1, 15, 'b'));
	elog_reorder_add(r, 0, buf, mk(buf, 1, 20, 'c'));
	elog_reorder_add_keyed(r, 0, buf, mk(buf, 2, 15, 'D'), 15);
	elog_reorder_add_keyed(r, 0, buf, mk(buf, 2, 5, 'x'), 15);
	elog_reorder_add_keyed(r, 0, buf, mk(buf, 2, 7, 'y'), 15);
	elog_reorder_add(r, 0, buf, mk(buf, 1, 15, 'e'));
	elog_reorder_add(r, 0, buf, mk(buf, 1, 3, 'f'));
	CHECK_EQ_U(elog_reorder_release(r, 14, sink, &o), 0);
	CHECK_STR(o.s, "fa");
	CHECK_EQ_U(elog_reorder_release(r, UINT64_MAX, sink, &o), 0);
	CHECK_STR(o.s, "fabDxyec");
	CHECK_EQ_U(o.ts[3], 15);
	CHECK_EQ_U(o.ts[4], 5);
	CHECK_EQ_U(o.ts[5], 7);
	CHECK_EQ_U(elog_reorder_late(r), 0);
	/* Too short for a record: ignored, as elog_reorder_add does. */
	CHECK_EQ_U(elog_reorder_add_keyed(r, 0, buf, 31, 1), 0);
	CHECK_EQ_U(elog_reorder_release(r, UINT64_MAX, sink, &o), 0);
	CHECK_STR(o.s, "fabDxyec");
	elog_reorder_free(r);
}

/* A complete dump with other sessions' live records in between. */
static void test_block(void)
{
	struct feed f;

	feed_init(&f);
	live(&f, 0, 1, 100, 'a');
	dump(&f, 0, 9, 200, 3, 'D');
	live(&f, 0, 2, 201, 'b');
	live(&f, 0, 9, 50, '1');
	live(&f, 0, 9, 60, '2');
	live(&f, 1, 3, 150, 'c');
	live(&f, 0, 4, 202, 'd');
	CHECK(elog_bb_block_pending(f.b[0]));
	live(&f, 0, 9, 70, '3');
	CHECK(!elog_bb_block_pending(f.b[0]));
	release(&f, UINT64_MAX);
	CHECK_STR(f.out.s, "acD123bd");
	CHECK_EQ_U(f.out.ts[3], 50);
	CHECK_EQ_U(elog_reorder_late(f.r), 0);
	feed_free(&f);
}

/* The records that name the connection come first from the kernel, in the
 * provider's order, older or newer than the ring's first: the block goes
 * out in time order, the opener first, equal times in arrival order. */
static void test_block_in_time_order(void)
{
	struct feed f;

	feed_init(&f);
	dump(&f, 0, 9, 200, 5, 'D');
	live(&f, 0, 9, 40, 's');
	live(&f, 0, 9, 10, 't');
	live(&f, 0, 9, 40, 'u');
	live(&f, 0, 9, 50, '1');
	live(&f, 0, 9, 60, '2');
	release(&f, UINT64_MAX);
	CHECK_STR(f.out.s, "Dtsu12");
	CHECK_EQ_U(f.out.ts[1], 10);
	CHECK_EQ_U(elog_reorder_late(f.r), 0);
	feed_free(&f);
}

/* Fewer records than announced (a filter, a full ring): held until the
 * release passes its time, then out as a block all the same. */
static void test_incomplete_flushed_by_time(void)
{
	struct feed f;

	feed_init(&f);
	dump(&f, 0, 9, 200, 5, 'D');
	live(&f, 0, 9, 50, '1');
	live(&f, 0, 9, 60, '2');
	live(&f, 1, 1, 150, 'a');
	live(&f, 1, 1, 250, 'b');
	release(&f, 199);
	CHECK_STR(f.out.s, "a");
	CHECK(elog_bb_block_pending(f.b[0]));
	release(&f, 200);
	CHECK(!elog_bb_block_pending(f.b[0]));
	CHECK_STR(f.out.s, "aD12");
	release(&f, UINT64_MAX);
	CHECK_STR(f.out.s, "aD12b");
	CHECK_EQ_U(elog_reorder_late(f.r), 0);
	feed_free(&f);
}

/* A record of the session that cannot be part of the dump (later than
 * it, or the next dump) ends it; so does another session's dump. */
static void test_ended_by_records(void)
{
	struct feed f;

	feed_init(&f);
	dump(&f, 0, 9, 200, 3, 'D');
	live(&f, 0, 9, 50, '1');
	live(&f, 0, 9, 250, 'z'); /* S live again: the dump is over */
	CHECK(!elog_bb_block_pending(f.b[0]));
	dump(&f, 0, 9, 300, 2, 'E');
	live(&f, 0, 9, 260, '2');
	dump(&f, 0, 9, 310, 1, 'F'); /* the next dump of S */
	live(&f, 0, 9, 305, '3');
	dump(&f, 0, 8, 320, 2, 'G');
	live(&f, 0, 8, 311, '4');
	dump(&f, 0, 7, 330, 1, 'H'); /* another session's dump: G is over */
	live(&f, 0, 7, 312, '5');
	release(&f, UINT64_MAX);
	CHECK_STR(f.out.s, "D1zE2F3G4H5");
	CHECK_EQ_U(elog_reorder_late(f.r), 0);
	feed_free(&f);
}

/* Two rings dumping with the same timestamp, read in turns: the blocks do
 * not mix (each goes into the window whole). An empty dump, a short
 * BLACKBOX_DUMP record (not taken for one). */
static void test_two_rings_same_time(void)
{
	struct feed f;
	unsigned char buf[64];
	size_t n;

	feed_init(&f);
	dump(&f, 0, 1, 300, 2, 'A');
	live(&f, 0, 1, 10, 'a');
	dump(&f, 1, 2, 300, 2, 'B');
	live(&f, 1, 2, 20, 'b');
	live(&f, 1, 2, 21, 'c');
	live(&f, 0, 1, 11, 'd');
	dump(&f, 1, 3, 301, 0, 'C');
	CHECK(!elog_bb_block_pending(f.b[1]));
	n = mk_dump(buf, 4, 302, 5, 'S');
	CHECK_EQ_U(elog_bb_block_add(f.b[1], f.r, 0, buf, n - 1), 0);
	CHECK(!elog_bb_block_pending(f.b[1]));
	live(&f, 1, 4, 303, 'e');
	release(&f, UINT64_MAX);
	CHECK_STR(f.out.s, "BbcAadCSe");
	CHECK_EQ_U(elog_reorder_late(f.r), 0);
	feed_free(&f);
}

/* What a capture's last release does: everything held goes out. */
static void test_flush_all(void)
{
	struct feed f;

	feed_init(&f);
	live(&f, 0, 1, 100, 'a');
	dump(&f, 0, 9, 200, 1000, 'D');
	for (int i = 0; i < 100; i++)
		live(&f, 0, 9, 100 + (uint64_t)i, 'x');
	CHECK(elog_bb_block_pending(f.b[0]));
	release(&f, UINT64_MAX);
	CHECK_EQ_U(f.out.n, 102);
	CHECK(f.out.s[0] == 'a' && f.out.s[1] == 'D' && f.out.s[101] == 'x');
	CHECK_EQ_U(elog_reorder_late(f.r), 0);
	feed_free(&f);
}

int main(void)
{
	static const struct th_test tests[] = {
		TH_TEST(test_keyed),
		TH_TEST(test_block),
		TH_TEST(test_block_in_time_order),
		TH_TEST(test_incomplete_flushed_by_time),
		TH_TEST(test_ended_by_records),
		TH_TEST(test_two_rings_same_time),
		TH_TEST(test_flush_all),
	};

	return th_run(tests, sizeof(tests) / sizeof(tests[0]));
}
