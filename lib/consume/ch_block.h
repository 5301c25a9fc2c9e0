/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One ClickHouse insert block in the Native format: rows are added value
 * by value, each into its column's buffer, and the block is written out
 * column after column, its rows in the order of a sort key given per row.
 *
 * Why: the server stores a Native block's columns as they come, where
 * RowBinary is parsed row by row; and a block that already follows the
 * table's sort key is not sorted again (18.16 checks). Measured in
 * docs/PERFORMANCE.md.
 *
 * The Native block (HTTP, FORMAT Native): varint column count, varint row
 * count, then per column: its name and type (varint length + bytes), then
 * its values. A number, UUID or FixedString: its bytes (little-endian) per
 * row; a String: varint length + bytes per row; an Array: the running
 * element counts as UInt64 (one per row), then every element of every row.
 *
 * A row is started with ch_row() (which reserves room for its values),
 * then each column gets exactly one value in column order: ch_fixed(),
 * ch_string(), or ch_array() + elements + ch_array_end(). Nothing in
 * between allocates, so a row is never half added.
 */
#ifndef ELOG_CH_BLOCK_H
#define ELOG_CH_BLOCK_H

#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct ch_buf {
	uint8_t *p;
	size_t len, cap;
};

enum ch_kind {
	CH_FIXED, /* size bytes per row */
	CH_STRING, /* varint length + bytes per row */
	CH_ARRAY, /* elements of any of the two kinds above */
};

struct ch_col {
	char *name, *type;
	enum ch_kind kind;
	unsigned size;      /* CH_FIXED: bytes per value */
	struct ch_buf data; /* the values, in the order rows were added */
	size_t *start;      /* CH_STRING, CH_ARRAY: where each row's bytes begin */
	uint32_t *count;    /* CH_ARRAY: each row's elements */
};

/* Rows are written out in increasing order of k[0], k[1], ... (ties: the
 * order they were added). */
#define CH_KEYS 4
struct ch_key {
	uint64_t k[CH_KEYS];
	size_t row;
};

struct ch_block {
	struct ch_col *cols;
	unsigned ncols;
	size_t rows, cap_rows;
	struct ch_key *keys, *tmp; /* tmp: room to sort keys in */
	size_t bytes; /* of values so far (what a batch's size counts) */
	unsigned cur; /* the column the next value goes to */
};

/* Columns (names and types as the server spells them). -1: out of memory. */
int ch_block_init(struct ch_block *b, unsigned ncols);
int ch_block_col(struct ch_block *b, unsigned i, const char *name, const char *type,
		 enum ch_kind kind, unsigned size);
void ch_block_free(struct ch_block *b);
void ch_block_clear(struct ch_block *b);

/* Internal: grows a buffer to hold `more` bytes more. */
int ch_buf_reserve(struct ch_buf *b, size_t more);

/*
 * A new row with its sort key; room for its values: every fixed column's
 * size, and up to var_max bytes in each String or Array column. -1: out
 * of memory (the block is as before).
 */
int ch_row(struct ch_block *b, const uint64_t key[CH_KEYS], size_t var_max);

/*
 * The block in the Native format, appended to out (rows in key order).
 * -1: out of memory.
 */
int ch_block_native(struct ch_block *b, struct ch_buf *out);

static inline uint8_t *ch__put(struct ch_block *b, struct ch_col *c, size_t n)
{
	uint8_t *p = c->data.p + c->data.len;

	c->data.len += n;
	b->bytes += n;
	return p;
}

static inline void ch__varint(struct ch_block *b, struct ch_col *c, uint64_t v)
{
	while (v >= 0x80) {
		*ch__put(b, c, 1) = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*ch__put(b, c, 1) = (uint8_t)v;
}

static inline void ch__le(uint8_t *p, uint64_t v, unsigned n)
{
	switch (n) {
	case 1: *p = (uint8_t)v; return;
	case 2: { uint16_t x = htole16((uint16_t)v); memcpy(p, &x, 2); return; }
	case 4: { uint32_t x = htole32((uint32_t)v); memcpy(p, &x, 4); return; }
	case 8: { uint64_t x = htole64(v); memcpy(p, &x, 8); return; }
	default:
		for (unsigned i = 0; i < n; i++)
			p[i] = (uint8_t)(v >> (8 * i));
	}
}

/* The value of a fixed column: its n bytes (n = the column's size). */
static inline void ch_fixed(struct ch_block *b, const void *s, unsigned n)
{
	struct ch_col *c = &b->cols[b->cur++];

	memcpy(ch__put(b, c, n), s, n);
}

/* The value of a number column: v, little-endian, in n bytes. */
static inline void ch_le(struct ch_block *b, uint64_t v, unsigned n)
{
	struct ch_col *c = &b->cols[b->cur++];

	ch__le(ch__put(b, c, n), v, n);
}

static inline void ch_string(struct ch_block *b, const void *s, size_t n)
{
	struct ch_col *c = &b->cols[b->cur++];

	c->start[b->rows - 1] = c->data.len;
	ch__varint(b, c, n);
	if (n)
		memcpy(ch__put(b, c, n), s, n);
}

/* An Array value of n elements: n calls of ch_elem_*() follow, then
 * ch_array_end(). */
static inline void ch_array(struct ch_block *b, uint32_t n)
{
	struct ch_col *c = &b->cols[b->cur];

	c->start[b->rows - 1] = c->data.len;
	c->count[b->rows - 1] = n;
}

static inline void ch_elem_le(struct ch_block *b, uint64_t v, unsigned n)
{
	ch__le(ch__put(b, &b->cols[b->cur], n), v, n);
}

static inline void ch_elem_fixed(struct ch_block *b, const void *s, unsigned n)
{
	memcpy(ch__put(b, &b->cols[b->cur], n), s, n);
}

static inline void ch_elem_string(struct ch_block *b, const void *s, size_t n)
{
	struct ch_col *c = &b->cols[b->cur];

	ch__varint(b, c, n);
	if (n)
		memcpy(ch__put(b, c, n), s, n);
}

static inline void ch_array_end(struct ch_block *b)
{
	b->cur++;
}

#endif /* ELOG_CH_BLOCK_H */
