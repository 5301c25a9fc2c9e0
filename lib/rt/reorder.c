// SPDX-License-Identifier: BSD-2-Clause
/*
 * Reorder window (see reorder.h). Record bytes go into 1 MiB chunks, freed
 * (or kept as spares, up to SPARE_MAX: no page faults on fresh memory in the
 * steady state) once every record in them is released, so nothing
 * is ever copied twice; the index (one 32-byte ref per record) is kept
 * sorted: each release sorts only the records added since the previous one
 * and merges them with the held ones that are later than the first new one.
 *
 * The new records are made of runs already in order: each ring's records
 * come in about the order of their timestamps, and the rings are read one
 * after the other. add() counts the places where the timestamp goes back.
 * None: nothing to sort (nor to scan). A few (several rings, e.g. one per
 * CPU, each read in one go): the runs are merged pairwise, a k-way merge in
 * n log2(k) moves. Many (one ring written by several CPUs: records reserved
 * at about the same time can be swapped): insertion sort, one move per place
 * a record is out of place, with a budget; past it (input far from ordered)
 * the runs are merged as well. The held refs later than the earliest new
 * one (they all arrived first) are one more run, in front: a single merge
 * pass puts everything in place (two runs: in place, after copying out the
 * first one). Every step is stable, so records
 * with equal timestamps keep their arrival order.
 *
 * Released records that are adjacent in a chunk (in order of arrival, which
 * is usually timestamp order too) can go out as one run
 * (elog_reorder_release_runs): one sink call and one write for thousands of
 * records. At 2 M records/s this is what lets one consumer keep up cheaply.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <eventlog/record.h>

#include "rt/reorder.h"

#define CHUNK_BYTES (1u << 20)
#define SPARE_MAX 8 /* emptied chunks kept for reuse */
/* Up to this many backward steps in the new records: merge their runs. */
#define FEW_DESCENTS 64
/* Insertion-sort moves allowed per new record (plus a constant) before the
 * runs are merged instead. */
#define INSERT_BUDGET_PER_REF 8
#define INSERT_BUDGET_BASE 4096

struct chunk {
	struct chunk *next; /* in the spare list */
	size_t used, cap;
	size_t live; /* records in this chunk not yet released */
	unsigned char data[];
};

struct ref {
	uint64_t ts;
	const unsigned char *rec;
	struct chunk *chunk;
	uint32_t len;
	unsigned tag;
};

struct elog_reorder {
	struct chunk *cur;   /* chunk being appended to */
	struct chunk *spare; /* emptied chunks, reused: a list of nspare */
	size_t nspare;
	struct ref *refs;    /* held: [head, nsorted) sorted, [nsorted, n) in arrival order */
	size_t head, n, nsorted, ncap;
	struct ref *tmp;     /* merge buffer, tcap entries */
	size_t tcap;
	size_t *bounds;      /* run merge: run starts, bcap entries */
	size_t bcap;
	uint64_t last_ts;    /* timestamp of the last record added */
	uint64_t new_min;    /* earliest timestamp in [nsorted, n) */
	size_t descents;     /* in [nsorted, n): records earlier than the one before */
	uint64_t out_max;    /* the latest timestamp released so far */
	uint64_t late;       /* records added with a timestamp before out_max */
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
	if (r->nspare < SPARE_MAX && c->cap == CHUNK_BYTES) {
		c->used = 0;
		c->next = r->spare;
		r->spare = c;
		r->nspare++;
		return;
	}
	free(c);
}

/* k records of chunk c released. */
static void chunk_release(struct elog_reorder *r, struct chunk *c, size_t k)
{
	c->live -= k;
	if (c->live == 0)
		chunk_put(r, c);
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
	while (r->spare) {
		struct chunk *c = r->spare;

		r->spare = c->next;
		free(c);
	}
	free(r->refs);
	free(r->tmp);
	free(r->bounds);
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
		r->spare = c->next;
		r->nspare--;
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

/* ts: the sort key, the record's own timestamp unless the caller gives
 * another (a dump's records sort by their BLACKBOX_DUMP record's). */
static int add(struct elog_reorder *r, unsigned tag, const void *rec, size_t len, uint64_t ts)
{
	struct chunk *c;
	unsigned char *dst;

	/* A later record has gone out already: this one will follow it. */
	if (ts < r->out_max)
		r->late++;
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
	if (len <= UINT16_MAX) {
		uint16_t l = (uint16_t)len;

		memcpy(dst + offsetof(struct elog_event_hdr, event_length), &l, sizeof(l));
	}
	c->used += len;
	c->live++;
	if (r->n == r->nsorted)
		r->new_min = ts;
	else if (ts < r->last_ts) {
		r->descents++;
		if (ts < r->new_min)
			r->new_min = ts;
	}
	r->last_ts = ts;
	r->refs[r->n++] = (struct ref){ .ts = ts, .rec = dst, .chunk = c, .len = (uint32_t)len,
					.tag = tag };
	return 0;
}

int elog_reorder_add(struct elog_reorder *r, unsigned tag, const void *rec, size_t len)
{
	uint64_t ts;

	if (len < sizeof(struct elog_event_hdr))
		return 0; /* not a record: the BPF side never writes one */
	memcpy(&ts, (const unsigned char *)rec + offsetof(struct elog_event_hdr, timestamp),
	       sizeof(ts));
	return add(r, tag, rec, len, ts);
}

int elog_reorder_add_keyed(struct elog_reorder *r, unsigned tag, const void *rec, size_t len,
			   uint64_t key)
{
	if (len < sizeof(struct elog_event_hdr))
		return 0;
	return add(r, tag, rec, len, key);
}

/* Stable merge of a and b (b's records arrived after a's) into out. */
static void merge(const struct ref *a, size_t na, const struct ref *b, size_t nb, struct ref *out)
{
	size_t i = 0, j = 0;

	while (i < na && j < nb)
		*out++ = b[j].ts < a[i].ts ? b[j++] : a[i++];
	memcpy(out, a + i, (na - i) * sizeof(*a));
	out += na - i;
	memcpy(out, b + j, (nb - j) * sizeof(*b));
}

/*
 * Stable insertion sort of b, at most `budget` moves. Returns false when the
 * budget ran out; b is then a permutation in which records with equal
 * timestamps are still in arrival order, so a stable sort can finish it.
 */
static bool insertion_sort(struct ref *b, size_t nb, size_t budget)
{
	size_t i, j;

	for (i = 1; i < nb; i++) {
		struct ref x;

		if (b[i].ts >= b[i - 1].ts)
			continue; /* the common case: in order */
		x = b[i];
		j = i;
		do {
			if (budget == 0) {
				b[j] = x; /* before records that are all later: still stable */
				return false;
			}
			budget--;
			b[j] = b[j - 1];
			j--;
		} while (j > 0 && b[j - 1].ts > x.ts);
		b[j] = x;
	}
	return true;
}

static int tmp_reserve(struct elog_reorder *r, size_t need)
{
	struct ref *p;

	if (r->tcap >= need)
		return 0;
	p = realloc(r->tmp, r->ncap * sizeof(*p)); /* need <= n <= ncap */
	if (!p)
		return -1;
	r->tmp = p;
	r->tcap = r->ncap;
	return 0;
}

/*
 * Stable merge of a (na, a copy of what was out[0, na)) and b (nb, which is
 * out + na): out fills from the front and never overtakes b's unread part.
 */
static void merge_front(const struct ref *a, size_t na, const struct ref *b, size_t nb,
			struct ref *out)
{
	size_t i = 0, j = 0;

	while (i < na && j < nb)
		*out++ = b[j].ts < a[i].ts ? b[j++] : a[i++];
	if (i < na)
		memcpy(out, a + i, (na - i) * sizeof(*a));
	/* else b's rest is already in place */
}

/*
 * Stable sort of b by merging its ascending runs pairwise, level by level:
 * n log2(runs) moves. Two runs (the usual case): the first one is copied
 * out and merged back in place.
 */
static int merge_runs(struct elog_reorder *r, struct ref *b, size_t nb)
{
	struct ref *src = b, *dst, *t;
	size_t runs = 1, i, k, m = 0;

	for (i = 1; i < nb; i++)
		if (b[i].ts < b[i - 1].ts) {
			runs++;
			m = i;
		}
	if (runs == 1)
		return 0;
	if (tmp_reserve(r, runs == 2 ? m : nb))
		return -1;
	if (runs == 2) {
		memcpy(r->tmp, b, m * sizeof(*b));
		merge_front(r->tmp, m, b + m, nb - m, b);
		return 0;
	}
	if (r->bcap < runs + 1) {
		size_t *p = realloc(r->bounds, (runs + 1) * sizeof(*p));

		if (!p)
			return -1;
		r->bounds = p;
		r->bcap = runs + 1;
	}
	r->bounds[0] = 0;
	for (i = 1, k = 1; i < nb; i++)
		if (b[i].ts < b[i - 1].ts)
			r->bounds[k++] = i;
	r->bounds[runs] = nb;
	dst = r->tmp;
	while (runs > 1) {
		size_t *bd = r->bounds;

		/* Runs 2j and 2j+1 become run j (bd[j] read before written). */
		for (i = 0, k = 0; i + 1 < runs; i += 2, k++) {
			merge(src + bd[i], bd[i + 1] - bd[i], src + bd[i + 1], bd[i + 2] - bd[i + 1],
			      dst + bd[i]);
			bd[k] = bd[i];
		}
		if (i < runs) {
			memcpy(dst + bd[i], src + bd[i], (bd[i + 1] - bd[i]) * sizeof(*src));
			bd[k++] = bd[i];
		}
		bd[k] = nb;
		runs = k;
		t = src;
		src = dst;
		dst = t;
	}
	if (src != b)
		memcpy(b, src, nb * sizeof(*b));
	return 0;
}

/* Sorts the records added since the last call and merges them in. */
static int sort_new(struct elog_reorder *r)
{
	struct ref *a = r->refs + r->head, *b = r->refs + r->nsorted;
	size_t na = r->nsorted - r->head, nb = r->n - r->nsorted, lo, hi;

	if (!nb)
		return 0;
	/* Many backward steps (one ring written by several CPUs): nearly in
	 * order, sorted in place. */
	if (r->descents > FEW_DESCENTS &&
	    insertion_sort(b, nb, INSERT_BUDGET_PER_REF * nb + INSERT_BUDGET_BASE))
		r->descents = 0;
	/* Held refs up to the earliest new one stay where they are; the later
	 * ones (arrived first) are one more run before the new ones. */
	lo = na;
	if (na && a[na - 1].ts > r->new_min) {
		lo = 0;
		hi = na - 1;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (a[mid].ts > r->new_min)
				hi = mid;
			else
				lo = mid + 1;
		}
	}
	/* The common case when nothing is late: nothing to do. */
	if ((r->descents || lo < na) && merge_runs(r, a + lo, na - lo + nb))
		return -1;
	r->descents = 0;
	r->nsorted = r->n;
	return 0;
}

/* Refs [head, i) have been released. */
static void release_done(struct elog_reorder *r, size_t i)
{
	/* Sorted, so the last one released is the latest, unless it was a
	 * late record itself (earlier than what went out before it). */
	if (i > r->head && r->refs[i - 1].ts > r->out_max)
		r->out_max = r->refs[i - 1].ts;
	r->head = i;
	if (r->head == r->n)
		r->head = r->n = r->nsorted = 0;
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
		const struct ref *f = &r->refs[i];
		int stop = sink(arg, f->tag, f->rec, f->len) != 0;

		chunk_release(r, f->chunk, 1);
		if (stop) {
			ret = -1;
			i++;
			break;
		}
	}
	release_done(r, i);
	return ret;
}

int elog_reorder_release_runs(struct elog_reorder *r, uint64_t limit_us,
			      elog_reorder_run_sink sink, void *arg)
{
	size_t i, j;
	int ret = 0;

	if (r->head == r->n)
		return 0;
	if (sort_new(r))
		return -1;
	i = r->head;
	while (i < r->n && r->refs[i].ts <= limit_us) {
		const struct ref *f = &r->refs[i];
		const unsigned char *end = f->rec + f->len;
		int stop;

		j = i + 1;
		if (f->len <= UINT16_MAX)
			while (j < r->n && r->refs[j].ts <= limit_us && r->refs[j].rec == end &&
			       r->refs[j].chunk == f->chunk && r->refs[j].len <= UINT16_MAX)
				end += r->refs[j++].len;
		stop = sink(arg, f->rec, (size_t)(end - f->rec), j - i) != 0;
		chunk_release(r, f->chunk, j - i);
		i = j;
		if (stop) {
			ret = -1;
			break;
		}
	}
	release_done(r, i);
	return ret;
}

bool elog_reorder_oldest(const struct elog_reorder *r, uint64_t *ts)
{
	uint64_t t = UINT64_MAX;

	if (r->head < r->nsorted)
		t = r->refs[r->head].ts;
	if (r->nsorted < r->n && r->new_min < t)
		t = r->new_min;
	*ts = t;
	return r->head < r->n;
}

uint64_t elog_reorder_late(const struct elog_reorder *r)
{
	return r->late;
}
