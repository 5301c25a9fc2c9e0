/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ClickHouse sink's Native block (lib/consume/ch_block.h): the bytes of
 * a block written out by hand, rows in the order of their keys (ties in
 * the order they came), and a cleared block reused.
 */
#include <stdlib.h>
#include <string.h>

#include "ch_block.h"
#include "harness.h"

static void columns(struct ch_block *b)
{
	CHECK_EQ_U(ch_block_init(b, 4), 0);
	CHECK_EQ_U(ch_block_col(b, 0, "n", "UInt16", CH_FIXED, 2), 0);
	CHECK_EQ_U(ch_block_col(b, 1, "s", "String", CH_STRING, 0), 0);
	CHECK_EQ_U(ch_block_col(b, 2, "a", "Array(UInt32)", CH_ARRAY, 0), 0);
	CHECK_EQ_U(ch_block_col(b, 3, "t", "Array(String)", CH_ARRAY, 0), 0);
}

/* Row (n, s, a = n32[0..na), t = {s} if ts). */
static void row(struct ch_block *b, uint64_t k0, uint64_t k1, uint16_t n, const char *s,
		unsigned na, int ts)
{
	uint64_t key[CH_KEYS] = { k0, k1, 0, 0 };

	CHECK_EQ_U(ch_row(b, key, 64), 0);
	ch_le(b, n, 2);
	ch_string(b, s, strlen(s));
	ch_array(b, na);
	for (unsigned i = 0; i < na; i++)
		ch_elem_le(b, 0x01020300u + i, 4);
	ch_array_end(b);
	ch_array(b, ts ? 1 : 0);
	if (ts)
		ch_elem_string(b, s, strlen(s));
	ch_array_end(b);
}

static void check_bytes(const struct ch_buf *got, const uint8_t *want, size_t n)
{
	CHECK_EQ_U(got->len, n);
	for (size_t i = 0; i < n && i < got->len; i++)
		if (got->p[i] != want[i]) {
			CHECK_MSG(0, "byte %zu: got 0x%02x, expected 0x%02x", i, got->p[i], want[i]);
			return;
		}
}

static void test_native_layout_in_key_order(void)
{
	struct ch_block b;
	struct ch_buf out = { 0 };
	/* Added as keys (2,0) (1,5) (1,5): written as (1,5) (1,5) (2,0), the
	 * tie in the order added. */
	static const uint8_t want[] = {
		4, 3, /* columns, rows */
		1, 'n', 6, 'U', 'I', 'n', 't', '1', '6',
		0x22, 0x00, 0x33, 0x00, 0x11, 0x00,
		1, 's', 6, 'S', 't', 'r', 'i', 'n', 'g',
		2, 'b', 'b', 0, 1, 'a',
		1, 'a', 13, 'A', 'r', 'r', 'a', 'y', '(', 'U', 'I', 'n', 't', '3', '2', ')',
		2, 0, 0, 0, 0, 0, 0, 0, /* running counts: 2, 2, 3 */
		2, 0, 0, 0, 0, 0, 0, 0,
		3, 0, 0, 0, 0, 0, 0, 0,
		0x00, 0x03, 0x02, 0x01, 0x01, 0x03, 0x02, 0x01, /* row (1,5) first */
		0x00, 0x03, 0x02, 0x01, /* row (2,0) */
		1, 't', 13, 'A', 'r', 'r', 'a', 'y', '(', 'S', 't', 'r', 'i', 'n', 'g', ')',
		1, 0, 0, 0, 0, 0, 0, 0,
		1, 0, 0, 0, 0, 0, 0, 0,
		2, 0, 0, 0, 0, 0, 0, 0,
		2, 'b', 'b', 1, 'a',
	};

	columns(&b);
	row(&b, 2, 0, 0x11, "a", 1, 1);
	row(&b, 1, 5, 0x22, "bb", 2, 1);
	row(&b, 1, 5, 0x33, "", 0, 0);
	CHECK_EQ_U(b.rows, 3);
	CHECK_EQ_U(ch_block_native(&b, &out), 0);
	check_bytes(&out, want, sizeof(want));
	free(out.p);
	ch_block_free(&b);
}

static void test_sorted_block_and_reuse(void)
{
	struct ch_block b;
	struct ch_buf out = { 0 };
	static const uint8_t want[] = {
		4, 2,
		1, 'n', 6, 'U', 'I', 'n', 't', '1', '6', 7, 0, 8, 0,
		1, 's', 6, 'S', 't', 'r', 'i', 'n', 'g', 1, 'x', 1, 'y',
		1, 'a', 13, 'A', 'r', 'r', 'a', 'y', '(', 'U', 'I', 'n', 't', '3', '2', ')',
		0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x03, 0x02, 0x01,
		1, 't', 13, 'A', 'r', 'r', 'a', 'y', '(', 'S', 't', 'r', 'i', 'n', 'g', ')',
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};

	columns(&b);
	row(&b, 9, 9, 0x99, "zzz", 3, 1);
	ch_block_clear(&b);
	CHECK_EQ_U(b.rows, 0);
	CHECK_EQ_U(b.bytes, 0);
	row(&b, 1, 1, 7, "x", 0, 0);
	row(&b, 1, 2, 8, "y", 1, 0);
	/* The values' bytes: 2 + 2 + 4 per row's fixed and string parts. */
	CHECK_EQ_U(b.bytes, 2 + 2 + 2 + 2 + 4);
	CHECK_EQ_U(ch_block_native(&b, &out), 0);
	check_bytes(&out, want, sizeof(want));
	free(out.p);
	ch_block_free(&b);
}

/* Enough rows that every buffer grows several times; the keys in reverse. */
static void test_many_rows_reversed(void)
{
	struct ch_block b;
	struct ch_buf out = { 0 };
	enum { N = 5000 };
	size_t off;
	int ok = 1;

	columns(&b);
	for (unsigned i = 0; i < N; i++) {
		char s[16];

		snprintf(s, sizeof(s), "%u", i);
		row(&b, N - i, 0, (uint16_t)i, s, i % 3, 0);
	}
	CHECK_EQ_U(ch_block_native(&b, &out), 0);
	/* Column n comes first: its values from N-1 down to 0. */
	off = 1 + 2 + 2 + 7; /* varints 4 and 5000 (2 bytes), name, type */
	for (unsigned i = 0; i < N && ok; i++)
		ok = out.p[off + 2 * i] == (uint8_t)(N - 1 - i) &&
		     out.p[off + 2 * i + 1] == (uint8_t)((N - 1 - i) >> 8);
	CHECK(ok);
	free(out.p);
	ch_block_free(&b);
}

/* Keys in a scrambled order (a permutation of 0..N-1): written in order. */
static void test_many_rows_scrambled(void)
{
	struct ch_block b;
	struct ch_buf out = { 0 };
	enum { N = 5000 };
	size_t off = 1 + 2 + 2 + 7;
	int ok = 1;

	columns(&b);
	for (unsigned i = 0; i < N; i++) {
		unsigned k = (i * 7919u) % N;

		row(&b, k / 100, k % 100, (uint16_t)k, "", 0, 0);
	}
	CHECK_EQ_U(ch_block_native(&b, &out), 0);
	for (unsigned i = 0; i < N && ok; i++)
		ok = out.p[off + 2 * i] == (uint8_t)i && out.p[off + 2 * i + 1] == (uint8_t)(i >> 8);
	CHECK(ok);
	free(out.p);
	ch_block_free(&b);
}

int main(void)
{
	static const struct th_test tests[] = {
		TH_TEST(test_native_layout_in_key_order),
		TH_TEST(test_sorted_block_and_reuse),
		TH_TEST(test_many_rows_reversed),
		TH_TEST(test_many_rows_scrambled),
	};

	return th_run(tests, sizeof(tests) / sizeof(tests[0]));
}
