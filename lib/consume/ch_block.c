/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One ClickHouse insert block in the Native format (ch_block.h).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ch_block.h"

int ch_buf_reserve(struct ch_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 4096;
	uint8_t *p;

	if (b->len + more <= b->cap)
		return 0;
	while (cap < b->len + more)
		cap *= 2;
	p = realloc(b->p, cap);
	if (p == NULL)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

int ch_block_init(struct ch_block *b, unsigned ncols)
{
	memset(b, 0, sizeof(*b));
	b->cols = calloc(ncols ? ncols : 1, sizeof(*b->cols));
	if (b->cols == NULL)
		return -1;
	b->ncols = ncols;
	return 0;
}

int ch_block_col(struct ch_block *b, unsigned i, const char *name, const char *type,
		 enum ch_kind kind, unsigned size)
{
	struct ch_col *c = &b->cols[i];

	c->name = strdup(name);
	c->type = strdup(type);
	c->kind = kind;
	c->size = size;
	return c->name && c->type ? 0 : -1;
}

void ch_block_free(struct ch_block *b)
{
	for (unsigned i = 0; b->cols && i < b->ncols; i++) {
		free(b->cols[i].name);
		free(b->cols[i].type);
		free(b->cols[i].data.p);
		free(b->cols[i].start);
		free(b->cols[i].count);
	}
	free(b->cols);
	free(b->keys);
	free(b->tmp);
	memset(b, 0, sizeof(*b));
}

void ch_block_clear(struct ch_block *b)
{
	for (unsigned i = 0; i < b->ncols; i++)
		b->cols[i].data.len = 0;
	b->rows = 0;
	b->bytes = 0;
	b->cur = 0;
}

static int grow_rows(struct ch_block *b)
{
	size_t n = b->cap_rows ? b->cap_rows * 2 : 1024;
	struct ch_key *k = realloc(b->keys, n * sizeof(*k));

	if (k == NULL)
		return -1;
	b->keys = k;
	k = realloc(b->tmp, n * sizeof(*k));
	if (k == NULL)
		return -1;
	b->tmp = k;
	for (unsigned i = 0; i < b->ncols; i++) {
		struct ch_col *c = &b->cols[i];

		if (c->kind == CH_FIXED)
			continue;
		size_t *s = realloc(c->start, n * sizeof(*s));

		if (s == NULL)
			return -1;
		c->start = s;
		if (c->kind == CH_ARRAY) {
			uint32_t *cnt = realloc(c->count, n * sizeof(*cnt));

			if (cnt == NULL)
				return -1;
			c->count = cnt;
		}
	}
	/* Only now: a failure above leaves the old capacity true. */
	b->cap_rows = n;
	return 0;
}

int ch_row(struct ch_block *b, const uint64_t key[CH_KEYS], size_t var_max)
{
	if (b->rows == b->cap_rows && grow_rows(b))
		return -1;
	for (unsigned i = 0; i < b->ncols; i++)
		if (ch_buf_reserve(&b->cols[i].data, b->cols[i].kind == CH_FIXED ? b->cols[i].size
								      : var_max))
			return -1;
	memcpy(b->keys[b->rows].k, key, sizeof(b->keys[b->rows].k));
	b->keys[b->rows].row = b->rows;
	b->rows++;
	b->cur = 0;
	return 0;
}

static inline bool key_less(const struct ch_key *x, const struct ch_key *y)
{
	for (int i = 0; i < CH_KEYS; i++)
		if (x->k[i] != y->k[i])
			return x->k[i] < y->k[i];
	return x->row < y->row;
}

/*
 * Bottom-up merge sort between a and tmp (both n long), in place of
 * qsort(3): no allocation per batch (glibc's takes a fresh buffer, page
 * faults and all, for every block) and an inlined comparison. Two runs
 * already in order are copied without merging: rows come mostly in time
 * order.
 */
static void sort_keys(struct ch_key *a, struct ch_key *tmp, size_t n)
{
	struct ch_key *src = a, *dst = tmp, *t;

	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;

			if (mid == hi || key_less(&src[mid - 1], &src[mid])) {
				memcpy(dst + lo, src + lo, (hi - lo) * sizeof(*src));
				continue;
			}
			while (i < mid && j < hi)
				dst[k++] = key_less(&src[j], &src[i]) ? src[j++] : src[i++];
			memcpy(dst + k, src + i, (mid - i) * sizeof(*src));
			k += mid - i;
			memcpy(dst + k, src + j, (hi - j) * sizeof(*src));
		}
		t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
}

static void put_varint(struct ch_buf *o, uint64_t v)
{
	while (v >= 0x80) {
		o->p[o->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	o->p[o->len++] = (uint8_t)v;
}

static void put_string(struct ch_buf *o, const char *s)
{
	size_t n = strlen(s);

	put_varint(o, n);
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

/* The bytes of row r of a String or Array column. */
static inline void var_range(const struct ch_col *c, size_t rows, size_t r, size_t *off,
			     size_t *len)
{
	size_t end = r + 1 < rows ? c->start[r + 1] : c->data.len;

	*off = c->start[r];
	*len = end - *off;
}

/* Copies of a fixed size, so that the compiler inlines each. */
#define GATHER(N)                                                                  \
	for (size_t i = 0; i < rows; i++)                                          \
		memcpy(dst + i * (N), src + keys[i].row * (N), (N))

static void gather_fixed(uint8_t *dst, const uint8_t *src, const struct ch_key *keys,
			 size_t rows, unsigned size)
{
	switch (size) {
	case 1: GATHER(1); break;
	case 2: GATHER(2); break;
	case 4: GATHER(4); break;
	case 8: GATHER(8); break;
	case 16: GATHER(16); break;
	default: GATHER(size); break;
	}
}

int ch_block_native(struct ch_block *b, struct ch_buf *out)
{
	size_t rows = b->rows, need = 20;
	const struct ch_key *keys = b->keys;
	bool sorted = true;

	for (size_t i = 1; i < rows && sorted; i++)
		sorted = key_less(&keys[i - 1], &keys[i]);
	if (!sorted)
		sort_keys(b->keys, b->tmp, rows);
	for (unsigned i = 0; i < b->ncols; i++)
		need += 20 + strlen(b->cols[i].name) + strlen(b->cols[i].type) + b->cols[i].data.len +
			(b->cols[i].kind == CH_ARRAY ? 8 * rows : 0);
	if (ch_buf_reserve(out, need))
		return -1;
	put_varint(out, b->ncols);
	put_varint(out, rows);
	for (unsigned i = 0; i < b->ncols; i++) {
		const struct ch_col *c = &b->cols[i];
		size_t off, len;

		put_string(out, c->name);
		put_string(out, c->type);
		if (rows == 0)
			continue;
		if (c->kind == CH_FIXED) {
			if (sorted)
				memcpy(out->p + out->len, c->data.p, c->data.len);
			else
				gather_fixed(out->p + out->len, c->data.p, keys, rows, c->size);
			out->len += c->data.len;
			continue;
		}
		if (c->kind == CH_ARRAY) {
			uint64_t total = 0;

			for (size_t r = 0; r < rows; r++) {
				total += c->count[keys[r].row];
				ch__le(out->p + out->len, total, 8);
				out->len += 8;
			}
		}
		if (sorted) {
			memcpy(out->p + out->len, c->data.p, c->data.len);
			out->len += c->data.len;
			continue;
		}
		for (size_t r = 0; r < rows; r++) {
			var_range(c, rows, keys[r].row, &off, &len);
			memcpy(out->p + out->len, c->data.p + off, len);
			out->len += len;
		}
	}
	return 0;
}
