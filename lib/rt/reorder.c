// SPDX-License-Identifier: BSD-2-Clause
/*
 * Reorder window (see reorder.h): record bytes in one growing
 * arena, an index sorted at release time, and the kept tail compacted to
 * the front, so the cost per record is one copy and a share of a sort.
 */
#include <stdlib.h>
#include <string.h>

#include <eventlog/record.h>

#include "rt/reorder.h"

struct ref {
	uint64_t ts;
	uint64_t seq; /* arrival order: ties keep it */
	size_t off;
	uint32_t len;
	unsigned tag;
};

struct elog_reorder {
	unsigned char *buf;
	size_t used, cap;
	struct ref *refs;
	size_t n, ncap;
	uint64_t seq;
};

struct elog_reorder *elog_reorder_new(void)
{
	return calloc(1, sizeof(struct elog_reorder));
}

void elog_reorder_free(struct elog_reorder *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r->refs);
	free(r);
}

int elog_reorder_add(struct elog_reorder *r, unsigned tag, const void *rec, size_t len)
{
	struct elog_event_hdr h;

	if (len < sizeof(h))
		return 0; /* not a record: the BPF side never writes one */
	memcpy(&h, rec, sizeof(h));
	if (r->used + len > r->cap) {
		size_t cap = r->cap ? r->cap : 1 << 20;
		unsigned char *p;

		while (cap < r->used + len)
			cap *= 2;
		p = realloc(r->buf, cap);
		if (!p)
			return -1;
		r->buf = p;
		r->cap = cap;
	}
	if (r->n == r->ncap) {
		size_t ncap = r->ncap ? r->ncap * 2 : 4096;
		struct ref *p = realloc(r->refs, ncap * sizeof(*p));

		if (!p)
			return -1;
		r->refs = p;
		r->ncap = ncap;
	}
	memcpy(r->buf + r->used, rec, len);
	r->refs[r->n++] = (struct ref){ .ts = h.timestamp, .seq = r->seq++, .off = r->used,
					.len = (uint32_t)len, .tag = tag };
	r->used += len;
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int elog_reorder_release(struct elog_reorder *r, uint64_t limit_us, elog_reorder_sink sink,
			 void *arg)
{
	size_t i, k, used = 0;
	int ret = 0;

	if (!r->n)
		return 0;
	qsort(r->refs, r->n, sizeof(*r->refs), by_time);
	for (i = 0; i < r->n && r->refs[i].ts <= limit_us; i++) {
		if (sink(arg, r->refs[i].tag, r->buf + r->refs[i].off, r->refs[i].len)) {
			ret = -1;
			i++;
			break;
		}
	}
	/* Keep refs[i..n) : move their bytes to the arena's front, in order. */
	if (i) {
		unsigned char *nb = NULL;
		size_t need = 0;

		for (k = i; k < r->n; k++)
			need += r->refs[k].len;
		if (need) {
			nb = malloc(need > (1u << 20) ? need : (1u << 20));
			if (!nb)
				return -1;
		}
		for (k = i; k < r->n; k++) {
			memcpy(nb + used, r->buf + r->refs[k].off, r->refs[k].len);
			r->refs[k - i] = r->refs[k];
			r->refs[k - i].off = used;
			used += r->refs[k].len;
		}
		if (nb) {
			free(r->buf);
			r->buf = nb;
			r->cap = need > (1u << 20) ? need : (1u << 20);
		}
		r->n -= i;
		r->used = used;
	}
	return ret;
}
