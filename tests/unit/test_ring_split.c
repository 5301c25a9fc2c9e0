/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * elog_reorder_add_ring (lib/rt/reorder.h): one ring record is one event
 * record or a batch of them, each ELOG_BATCH_ALIGN-aligned after the
 * previous as its event_length says (bpf/eventlog_abi.h). Checked: single
 * records come out as they went in; batches split at the aligned offsets
 * with their padding left out; a header whose event_length is below 32 or
 * past the end takes the rest as one record; bytes too few for a header
 * are not a record; nothing is read beyond the ring record (ASan build).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <eventlog/record.h>

#include "eventlog_abi.h"
#include "harness.h"
#include "rt/reorder.h"

#define HDR ELOG_EVENT_HDR_SIZE
#define MAXGOT 16

struct got {
	size_t n;
	unsigned tag[MAXGOT];
	size_t len[MAXGOT];
	unsigned char rec[MAXGOT][256];
};

static int collect(void *arg, unsigned tag, const void *rec, size_t len)
{
	struct got *g = arg;

	if (g->n < MAXGOT) {
		g->tag[g->n] = tag;
		g->len[g->n] = len;
		memcpy(g->rec[g->n], rec, len < 256 ? len : 256);
	}
	g->n++;
	return 0;
}

/* A record of len bytes at p: timestamp ts, event_length el, payload bytes
 * filled with `fill`. */
static void put_rec(unsigned char *p, size_t len, uint64_t ts, uint16_t el, unsigned char fill)
{
	struct elog_event_hdr h;

	memset(&h, 0, sizeof(h));
	h.timestamp = ts;
	h.event_length = el;
	h.event_id = fill;
	memcpy(p, &h, sizeof(h));
	memset(p + HDR, fill, len - HDR);
}

/* Adds exactly size bytes (a heap copy, so ASan sees any read past them)
 * and releases everything into g. */
static int add_and_release(const unsigned char *buf, size_t size, unsigned tag, struct got *g)
{
	struct elog_reorder *r = elog_reorder_new();
	unsigned char *copy = malloc(size ? size : 1);
	int ret = -1;

	memset(g, 0, sizeof(*g));
	if (r && copy) {
		memcpy(copy, buf, size);
		ret = elog_reorder_add_ring(r, tag, copy, size);
		if (elog_reorder_release(r, UINT64_MAX, collect, g))
			ret = -1;
	}
	free(copy);
	elog_reorder_free(r);
	return ret;
}

static uint16_t el_of(const unsigned char *rec)
{
	uint16_t l;

	memcpy(&l, rec + offsetof(struct elog_event_hdr, event_length), sizeof(l));
	return l;
}

static int payload_is(const unsigned char *rec, size_t len, unsigned char fill)
{
	size_t i;

	for (i = HDR; i < len; i++)
		if (rec[i] != fill)
			return 0;
	return 1;
}

static void test_single(void)
{
	unsigned char buf[256];
	struct got g;

	put_rec(buf, 72, 5, 72, 0xa1);
	CHECK_EQ_U(add_and_release(buf, 72, 3, &g), 0);
	CHECK_EQ_U(g.n, 1);
	CHECK_EQ_U(g.tag[0], 3);
	CHECK_EQ_U(g.len[0], 72);
	CHECK(memcmp(g.rec[0], buf, 72) == 0);
	/* Not a multiple of the alignment: still one record, whole. */
	put_rec(buf, 45, 5, 45, 0xa2);
	CHECK_EQ_U(add_and_release(buf, 45, 0, &g), 0);
	CHECK_EQ_U(g.n, 1);
	CHECK_EQ_U(g.len[0], 45);
	CHECK(payload_is(g.rec[0], 45, 0xa2));
}

static void test_batch(void)
{
	unsigned char buf[256];
	struct got g;

	/* 40 at 0, 57 at 40 (padded to 64), 33 at 104 (padded to 40): 144. */
	memset(buf, 0xee, sizeof(buf)); /* padding holds whatever */
	put_rec(buf, 40, 30, 40, 0xb1);
	put_rec(buf + 40, 57, 10, 57, 0xb2);
	put_rec(buf + 104, 33, 20, 33, 0xb3);
	CHECK_EQ_U(add_and_release(buf, 144, 1, &g), 0);
	CHECK_EQ_U(g.n, 3);
	/* Released in timestamp order: 57 (ts 10), 33 (20), 40 (30). */
	CHECK_EQ_U(g.len[0], 57);
	CHECK_EQ_U(g.len[1], 33);
	CHECK_EQ_U(g.len[2], 40);
	CHECK(payload_is(g.rec[0], 57, 0xb2));
	CHECK(payload_is(g.rec[1], 33, 0xb3));
	CHECK(payload_is(g.rec[2], 40, 0xb1));
	CHECK_EQ_U(el_of(g.rec[1]), 33);
	CHECK_EQ_U(g.tag[0] + g.tag[1] + g.tag[2], 3);
	/* The same without the last record's padding. */
	CHECK_EQ_U(add_and_release(buf, 137, 1, &g), 0);
	CHECK_EQ_U(g.n, 3);
}

static void test_malformed(void)
{
	unsigned char buf[256];
	struct got g;

	/* Second header says 0: the rest (64 bytes) is one record. */
	put_rec(buf, 40, 1, 40, 0xc1);
	put_rec(buf + 40, 64, 2, 0, 0xc2);
	CHECK_EQ_U(add_and_release(buf, 104, 0, &g), 0);
	CHECK_EQ_U(g.n, 2);
	CHECK_EQ_U(g.len[1], 64);
	CHECK_EQ_U(el_of(g.rec[1]), 64);
	/* Second header runs past the end: the rest is one record. */
	put_rec(buf + 40, 48, 2, 200, 0xc3);
	CHECK_EQ_U(add_and_release(buf, 88, 0, &g), 0);
	CHECK_EQ_U(g.n, 2);
	CHECK_EQ_U(g.len[1], 48);
	CHECK(payload_is(g.rec[1], 48, 0xc3));
	/* Below a header length (but not 0). */
	put_rec(buf + 40, 48, 2, 31, 0xc4);
	CHECK_EQ_U(add_and_release(buf, 88, 0, &g), 0);
	CHECK_EQ_U(g.n, 2);
	CHECK_EQ_U(g.len[1], 48);
	/* Fewer bytes than a header after the first record: not a record. */
	put_rec(buf, 40, 1, 40, 0xc5);
	memset(buf + 40, 0x11, 31);
	CHECK_EQ_U(add_and_release(buf, 71, 0, &g), 0);
	CHECK_EQ_U(g.n, 1);
	/* Nothing at all, or less than a header. */
	CHECK_EQ_U(add_and_release(buf, 0, 0, &g), 0);
	CHECK_EQ_U(g.n, 0);
	CHECK_EQ_U(add_and_release(buf, 31, 0, &g), 0);
	CHECK_EQ_U(g.n, 0);
	/* A header claiming exactly the bytes left, unaligned: taken, done. */
	put_rec(buf, 40, 1, 40, 0xc6);
	put_rec(buf + 40, 37, 2, 37, 0xc7);
	CHECK_EQ_U(add_and_release(buf, 77, 0, &g), 0);
	CHECK_EQ_U(g.n, 2);
	CHECK_EQ_U(g.len[1], 37);
}

/* A full batch as the BPF side builds it: ELOG_BATCH_BYTES of 64-byte
 * records, every one comes out once. */
static void test_full_batch(void)
{
	static unsigned char buf[ELOG_BATCH_BYTES];
	struct elog_reorder *r = elog_reorder_new();
	struct got g;
	size_t i, n = ELOG_BATCH_BYTES / 64;

	for (i = 0; i < n; i++)
		put_rec(buf + i * 64, 64, 100 + i, 64, (unsigned char)i);
	memset(&g, 0, sizeof(g));
	CHECK(r != NULL);
	if (!r)
		return;
	CHECK_EQ_U(elog_reorder_add_ring(r, 0, buf, sizeof(buf)), 0);
	CHECK_EQ_U(elog_reorder_release(r, UINT64_MAX, collect, &g), 0);
	CHECK_EQ_U(g.n, n);
	for (i = 0; i < MAXGOT; i++)
		CHECK(payload_is(g.rec[i], 64, (unsigned char)i));
	elog_reorder_free(r);
}

int main(void)
{
	static const struct th_test tests[] = {
		TH_TEST(test_single),
		TH_TEST(test_batch),
		TH_TEST(test_malformed),
		TH_TEST(test_full_batch),
	};

	return th_run(tests, sizeof(tests) / sizeof(tests[0]));
}
