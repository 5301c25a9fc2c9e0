// SPDX-License-Identifier: BSD-2-Clause
/*
 * Reorder window (see reorder.h). Record bytes go into 1 MiB chunks, freed
 * (or kept as one spare) once every record in them is released, so nothing
 * is ever copied twice; the index is kept sorted: each release sorts only the
 * records added since the previous one and merges them with the held ones
 * (linear), instead of sorting and compacting the whole window every time.
 * At 2 M records/s this is what lets one consumer keep up.
 */
#include <stdlib.h>
#include <string.h>

#include <eventlog/record.h>

#include "rt/reorder.h"

#define CHUNK_BYTES (1u << 20)

struct chunk {
	size_t used, cap;
	size_t live; /* records in this chunk not yet released */
	unsigned char data[];
};

struct ref {
	uint64_t ts;
	uint64_t seq; /* arrival order: ties keep it */
	struct chunk *chunk;
	const unsigned char *rec;
	uint32_t len;
	unsigned tag;
};

struct elog_reorder {
	struct chunk *cur;   /* chunk being appended to */
	struct chunk *spare; /* one emptied chunk, reused */
	struct ref *refs;    /* held: [head, nsorted) sorted, [nsorted, n) in arrival order */
	size_t head, n, nsorted, ncap;
	struct ref *tmp;     /* merge buffer, tcap entries */
	size_t tcap;
	uint64_t seq;
};

struct elog_reorder *elog_reorder_new(void)
{
	return calloc(1, sizeof(struct elog_reorder));
}

static void chunk_put(struct elog_reorder *r, struct chunk *c)
{
	if (c == r->cur) {
		c->used = 0; /* still the one appended to: reuse from the start */
		return;
	}
	if (!r->spare && c->cap == CHUNK_BYTES) {
		c->used = 0;
		r->spare = c;
		return;
	}
	free(c);
}

void elog_reorder_free(struct elog_reorder *r)
{
	size_t i;

	if (!r)
		return;
	/* Chunks still holding records: free each once (refs are grouped by
	 * chunk in arrival order, but sorted refs interleave; count down). */
	for (i = r->head; i < r->n; i++) {
		struct chunk *c = r->refs[i].chunk;

		if (--c->live == 0 && c != r->cur)
			free(c);
	}
	free(r->cur);
	free(r->spare);
	free(r->refs);
	free(r->tmp);
	free(r);
}

static struct chunk *chunk_for(struct elog_reorder *r, size_t len)
{
	struct chunk *c = r->cur, *old;
	size_t cap;

	if (c && c->cap - c->used >= len)
		return c;
	if (len <= CHUNK_BYTES && r->spare) {
		c = r->spare;
		r->spare = NULL;
	} else {
		cap = len > CHUNK_BYTES ? len : CHUNK_BYTES;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->cap = cap;
	}
	c->used = 0;
	c->live = 0;
	old = r->cur;
	r->cur = c;
	if (old && old->live == 0)
		chunk_put(r, old);
	return c;
}

int elog_reorder_add(struct elog_reorder *r, unsigned tag, const void *rec, size_t len)
{
	struct elog_event_hdr h;
	struct chunk *c;
	unsigned char *dst;

	if (len < sizeof(h))
		return 0; /* not a record: the BPF side never writes one */
	memcpy(&h, rec, sizeof(h));
	if (r->n == r->ncap) {
		size_t ncap = r->ncap ? r->ncap * 2 : 4096;
		struct ref *p;

		if (r->head && r->head >= r->ncap / 2) {
			/* Released refs fill the front half: slide instead of growing. */
			memmove(r->refs, r->refs + r->head, (r->n - r->head) * sizeof(*r->refs));
			r->n -= r->head;
			r->nsorted -= r->head;
			r->head = 0;
		} else {
			p = realloc(r->refs, ncap * sizeof(*p));
			if (!p)
				return -1;
			r->refs = p;
			r->ncap = ncap;
		}
	}
	c = chunk_for(r, len);
	if (!c)
		return -1;
	dst = c->data + c->used;
	memcpy(dst, rec, len);
	c->used += len;
	c->live++;
	r->refs[r->n++] = (struct ref){ .ts = h.timestamp, .seq = r->seq++, .chunk = c,
					.rec = dst, .len = (uint32_t)len, .tag = tag };
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorts the records added since the last call and merges them in. */
static int sort_new(struct elog_reorder *r)
{
	struct ref *a = r->refs + r->head, *b = r->refs + r->nsorted;
	size_t na = r->nsorted - r->head, nb = r->n - r->nsorted, i = 0, j = 0, k = 0, t;

	if (!nb)
		return 0;
	for (t = 1; t < nb && by_time(&b[t - 1], &b[t]) <= 0; t++)
		;
	if (t < nb)
		qsort(b, nb, sizeof(*b), by_time);
	/* Already in order after the held ones (the common case when nothing
	 * is late): nothing to merge. */
	if (!na || by_time(&a[na - 1], &b[0]) <= 0) {
		r->nsorted = r->n;
		return 0;
	}
	if (r->tcap < na + nb) {
		struct ref *p = realloc(r->tmp, r->ncap * sizeof(*p));

		if (!p)
			return -1;
		r->tmp = p;
		r->tcap = r->ncap;
	}
	/* Held refs all arrived before the new ones: on equal keys by_time
	 * already prefers them (seq), so the merge is stable. */
	while (i < na && j < nb)
		r->tmp[k++] = by_time(&a[i], &b[j]) <= 0 ? a[i++] : b[j++];
	while (i < na)
		r->tmp[k++] = a[i++];
	while (j < nb)
		r->tmp[k++] = b[j++];
	memcpy(a, r->tmp, k * sizeof(*r->refs));
	r->nsorted = r->n;
	return 0;
}

int elog_reorder_release(struct elog_reorder *r, uint64_t limit_us, elog_reorder_sink sink,
			 void *arg)
{
	size_t i;
	int ret = 0;

	if (r->head == r->n)
		return 0;
	if (sort_new(r))
		return -1;
	for (i = r->head; i < r->n && r->refs[i].ts <= limit_us; i++) {
		struct chunk *c = r->refs[i].chunk;
		int stop = sink(arg, r->refs[i].tag, r->refs[i].rec, r->refs[i].len) != 0;

		if (--c->live == 0)
			chunk_put(r, c);
		if (stop) {
			ret = -1;
			i++;
			break;
		}
	}
	r->head = i;
	if (r->head == r->n)
		r->head = r->n = r->nsorted = 0;
	return ret;
}
