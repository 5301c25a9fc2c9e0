/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The live capture's reorder window (lib/rt/reorder.h), checked against
 * its contract by properties of the output, not against another sort:
 *
 *  - every record added comes out exactly once, byte for byte (the copy's
 *    event_length is the record's length when that fits in it);
 *  - timestamps never go back over a whole run (between two releases of
 *    everything), and records with equal timestamps come out in the order
 *    they were added;
 *  - a release with a limit hands over nothing later than the limit and
 *    everything added so far that is not (unless its sink stopped it);
 *  - elog_reorder_release and elog_reorder_release_runs (and a mix of the
 *    two) give the same records in the same order for the same input; runs
 *    are well formed, a record over 65535 bytes comes alone, and records
 *    adjacent in memory are not split across runs;
 *  - a sink's -1 stops the release at once, the release returns -1, and the
 *    records not handed over yet come out in a later release; what the
 *    stopping call was handed is not handed over again (reorder.h does not
 *    say either way; reorder.c counts it as released);
 *  - a buffer shorter than a header is not taken for a record (reorder.c's
 *    rule, not in reorder.h either);
 *  - elog_reorder_late() counts exactly the records that come out after a
 *    later one (added after it was released).
 *
 * The input is generated like the capture's: K rings (1 to 100), each
 * nearly in timestamp order (now and then a record reserved after later
 * ones, as when a softirq interrupts a program on the same CPU), read ring
 * after ring at each poll, with equal timestamps; releases at now - 20 ms
 * and a last one of everything. Plus a fully random order, an already
 * sorted input, odd and oversize lengths. Every record's sequence number
 * (its arrival index) is in its header's session_id and at the start of its
 * payload. Fixed-seed PRNG: the same input on every run.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <eventlog/record.h>

#include "harness.h"
#include "rt/reorder.h"

#define HDR ELOG_EVENT_HDR_SIZE
#define WINDOW_US ((uint64_t)ELOG_REORDER_WINDOW_US)

/* ---- deterministic PRNG (splitmix64) ---- */

struct rng {
	uint64_t s;
};

static uint64_t rnd64(struct rng *g)
{
	uint64_t z = (g->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* 0 .. n-1 (n > 0; the modulo bias does not matter here). */
static uint64_t rnd(struct rng *g, uint64_t n)
{
	return n ? rnd64(g) % n : 0;
}

static int chance(struct rng *g, unsigned per_mille)
{
	return rnd(g, 1000) < per_mille;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "test_reorder: out of memory\n");
		exit(2);
	}
	return p;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		fprintf(stderr, "test_reorder: out of memory\n");
		exit(2);
	}
	return p;
}

/* ---- input: records and the add / release schedule ---- */

struct rec_info {
	size_t off, len; /* in the arena */
	uint64_t ts;
	unsigned tag;
};

enum { OP_ADD, OP_RELEASE };

struct op {
	int kind;
	size_t seq;     /* OP_ADD */
	uint64_t limit; /* OP_RELEASE */
};

struct input {
	unsigned char *arena; /* the records as added */
	size_t abytes, acap;
	struct rec_info *rec;
	size_t nrec, rcap;
	struct op *ops;
	size_t nops, ocap;
};

static void input_free(struct input *in)
{
	free(in->arena);
	free(in->rec);
	free(in->ops);
	memset(in, 0, sizeof(*in));
}

static void push_op(struct input *in, int kind, size_t seq, uint64_t limit)
{
	if (in->nops == in->ocap) {
		in->ocap = in->ocap ? in->ocap * 2 : 1024;
		in->ops = xrealloc(in->ops, in->ocap * sizeof(*in->ops));
	}
	in->ops[in->nops++] = (struct op){ .kind = kind, .seq = seq, .limit = limit };
}

static void push_release(struct input *in, uint64_t limit)
{
	push_op(in, OP_RELEASE, 0, limit);
}

/*
 * Appends record number nrec (len >= HDR bytes; el: the event_length written
 * in it, normally len) and its add. Returns its sequence number.
 */
static size_t push_record(struct input *in, uint64_t ts, unsigned cpu, unsigned tag, size_t len,
			  uint16_t el)
{
	size_t seq = in->nrec, k;
	uint64_t s = seq;
	struct elog_event_hdr h;
	unsigned char *p;

	if (in->abytes + len > in->acap) {
		size_t cap = in->acap ? in->acap * 2 : (size_t)1 << 20;

		while (cap < in->abytes + len)
			cap *= 2;
		in->arena = xrealloc(in->arena, cap);
		in->acap = cap;
	}
	p = in->arena + in->abytes;
	memset(&h, 0, sizeof(h));
	h.event_length = el;
	h.cpu = (uint16_t)cpu;
	h.provider_id = (uint16_t)(1 + tag % 3);
	h.timestamp = ts;
	h.session_id = s;
	h.event_id = (uint32_t)(seq * 3 + 1);
	h.thread_id = (int32_t)(1000 + cpu);
	memcpy(p, &h, HDR);
	for (k = HDR; k < len; k++)
		p[k] = (unsigned char)(seq * 131u + k * 7u + (k >> 9));
	memcpy(p + HDR, &s, len - HDR < sizeof(s) ? len - HDR : sizeof(s));
	if (in->nrec == in->rcap) {
		in->rcap = in->rcap ? in->rcap * 2 : 1024;
		in->rec = xrealloc(in->rec, in->rcap * sizeof(*in->rec));
	}
	in->rec[in->nrec++] = (struct rec_info){ .off = in->abytes, .len = len, .ts = ts, .tag = tag };
	in->abytes += len;
	push_op(in, OP_ADD, seq, 0);
	return seq;
}

/* ---- generated inputs ---- */

enum { SHAPE_RINGS, SHAPE_RANDOM };

struct scen {
	const char *name;
	int shape;
	unsigned rings;    /* SHAPE_RANDOM: records per poll = rings * per_ring */
	unsigned polls;
	unsigned per_ring; /* mean records per ring per poll */
	unsigned inv;      /* per mille: a record reserved after up to `disp` later ones */
	unsigned disp;
	unsigned tie;      /* per mille: same timestamp as the ring's previous record */
	unsigned tick;     /* timestamp granularity, us (<= 8000) */
	unsigned lag;      /* max us a ring is read behind now */
	unsigned overlap;  /* us a ring's batch may reach back into its previous one */
	int final_only;    /* no limited releases: one release of everything */
	int sizes;         /* 1: odd and oversize lengths, wrong event_length in the
			    * input; 2: up to 4 KiB */
	unsigned epochs;   /* runs, each ended by a release of everything */
	uint64_t seed;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* A timestamp in (lower, upper] on the tick grid; 0 when there is none. */
static int gen_ts(struct rng *g, uint64_t lower, uint64_t upper, uint64_t tick, uint64_t *ts)
{
	uint64_t m0 = (lower / tick + 1) * tick;

	if (m0 > upper)
		return 0;
	*ts = m0 + tick * rnd(g, (upper - m0) / tick + 1);
	return 1;
}

static size_t gen_len(struct rng *g, int sizes, uint16_t *el)
{
	static const size_t odd[] = { 32, 33, 39, 40, 41, 47, 4095, 65534, 65535 };
	static const size_t big[] = { 65536, 65537, 70001, ((size_t)1 << 20) - 7,
				      ((size_t)1 << 20) + 17, (size_t)3 << 20 };
	uint64_t u;
	size_t len;

	if (sizes != 1) {
		/* 40 to 139 bytes; or up to 4 KiB: a new chunk every few
		 * hundred records */
		len = sizes ? HDR + rnd(g, 4065) : HDR + 8 + rnd(g, 100);
		*el = (uint16_t)len;
		return len;
	}
	u = rnd(g, 1000);
	if (u < 2)
		len = big[rnd(g, sizeof(big) / sizeof(big[0]))];
	else if (u < 60)
		len = odd[rnd(g, sizeof(odd) / sizeof(odd[0]))];
	else
		len = HDR + rnd(g, 200);
	/* Now and then a wrong event_length: the window's copy gets len. */
	*el = chance(g, 20) ? (uint16_t)rnd(g, 65536) : (uint16_t)len;
	return len;
}

static void gen(const struct scen *sc, struct input *in)
{
	struct rng g = { sc->seed };
	uint64_t tick = sc->tick ? sc->tick : 1;
	size_t maxn = sc->shape == SHAPE_RANDOM ? (size_t)sc->rings * sc->per_ring
						: 2 * (size_t)sc->per_ring + 1;
	uint64_t *ts = xcalloc(maxn, sizeof(*ts));
	uint64_t *ring_last = xcalloc(sc->rings, sizeof(*ring_last));
	unsigned *order = xcalloc(sc->rings, sizeof(*order));
	unsigned e, p, i, r;

	memset(in, 0, sizeof(*in));
	for (e = 0; e < sc->epochs; e++) {
		/* A later run starts earlier than the one before. */
		uint64_t now = (e % 2 ? 500000000ull : 1000000000ull) / tick * tick;
		uint64_t last_limit = 0;

		for (r = 0; r < sc->rings; r++)
			ring_last[r] = now - 30000;
		for (p = 0; p < sc->polls; p++) {
			now += tick * (1 + rnd(&g, 8000 / tick));
			if (sc->shape == SHAPE_RANDOM) {
				for (i = 0; i < maxn; i++) {
					uint16_t el;
					size_t len = gen_len(&g, sc->sizes, &el);
					uint64_t t = now;

					gen_ts(&g, last_limit, now, tick, &t);
					push_record(in, t, (unsigned)rnd(&g, sc->rings), (unsigned)rnd(&g, 5),
						    len, el);
				}
			} else {
				/* The rings in some order, each read in one go. */
				for (r = 0; r < sc->rings; r++)
					order[r] = r;
				for (r = sc->rings; r > 1; r--) {
					unsigned j = (unsigned)rnd(&g, r), t = order[r - 1];

					order[r - 1] = order[j];
					order[j] = t;
				}
				for (i = 0; i < sc->rings; i++) {
					unsigned ring = order[i];
					uint64_t upper = now - rnd(&g, sc->lag + 1);
					uint64_t lower = ring_last[ring] - sc->overlap;
					size_t n = (size_t)rnd(&g, maxn), m = 0, k;

					if (lower < last_limit)
						lower = last_limit;
					if (upper <= lower)
						continue;
					while (m < n && gen_ts(&g, lower, upper, tick, &ts[m]))
						m++;
					qsort(ts, m, sizeof(*ts), cmp_u64);
					for (k = 1; k < m; k++)
						if (chance(&g, sc->tie))
							ts[k] = ts[k - 1];
					/* Reserved late: after up to disp later records. */
					for (k = 0; k + 1 < m; k++) {
						if (chance(&g, sc->inv)) {
							size_t d = 1 + (size_t)rnd(&g, sc->disp);
							uint64_t x = ts[k];

							if (k + d >= m)
								d = m - 1 - k;
							memmove(ts + k, ts + k + 1, d * sizeof(*ts));
							ts[k + d] = x;
							k += d;
						}
					}
					if (upper > ring_last[ring])
						ring_last[ring] = upper;
					for (k = 0; k < m; k++) {
						uint16_t el;
						size_t len = gen_len(&g, sc->sizes, &el);

						push_record(in, ts[k], ring, ring ^ 0x55, len, el);
					}
				}
			}
			if (!sc->final_only && now > WINDOW_US) {
				last_limit = now - WINDOW_US;
				push_release(in, last_limit);
				if (chance(&g, 100)) /* a poll that brought nothing */
					push_release(in, last_limit);
			}
		}
		push_release(in, UINT64_MAX);
	}
	free(ts);
	free(ring_last);
	free(order);
}

/* ---- replaying an input into a window, checking what comes out ---- */

struct replay {
	const struct input *in;
	char name[96];
	unsigned char *seen;
	size_t *out, nout;        /* sequence numbers in release order */
	size_t *bounds, nbounds;  /* nout after each release */
	size_t *held, nheld;      /* added, not released yet */
	size_t nadded;
	uint64_t limit;           /* of the release under way */
	int any;                  /* released something since the last release of all */
	uint64_t last_ts;
	size_t last_seq;
	uint64_t out_max;         /* the latest timestamp released, over the whole replay */
	unsigned long late;       /* records released after a later one (out_max) */
	size_t countdown;         /* the countdown-th sink call returns -1 (0: none) */
	int stopped;
	uintptr_t prev_end;       /* runs: end of the previous run of this release */
	int prev_alone;           /* ... which was one record over 65535 bytes */
	unsigned long calls, runs, run_records, stops;
	/* broken expectations, each kind counted */
	unsigned long e_add, e_short, e_unknown, e_dup, e_bytes, e_tag, e_over, e_order_ts,
		e_order_tie, e_run, e_split, e_after_stop, e_ret, e_missing, e_left, e_late;
	unsigned printed;
};

#define VIOL(rp, field, ...)                                                    \
	do {                                                                    \
		(rp)->field++;                                                  \
		if ((rp)->printed++ < 8) {                                      \
			fprintf(stderr, "%s: %s: ", th_current, (rp)->name);     \
			fprintf(stderr, __VA_ARGS__);                           \
			fputc('\n', stderr);                                    \
		}                                                               \
	} while (0)

static void replay_init(struct replay *rp, const struct input *in, const char *scen,
			const char *mode)
{
	memset(rp, 0, sizeof(*rp));
	rp->in = in;
	snprintf(rp->name, sizeof(rp->name), "%s/%s", scen, mode);
	rp->seen = xcalloc(in->nrec, 1);
	rp->out = xcalloc(in->nrec, sizeof(*rp->out));
	rp->bounds = xcalloc(in->nops, sizeof(*rp->bounds));
	rp->held = xcalloc(in->nrec, sizeof(*rp->held));
}

static void replay_free(struct replay *rp)
{
	free(rp->seen);
	free(rp->out);
	free(rp->bounds);
	free(rp->held);
}

/* One record handed over by the window (tag: when has_tag). */
static void emit(struct replay *rp, const unsigned char *rec, size_t len, int has_tag, unsigned tag)
{
	struct elog_event_hdr h;
	const struct rec_info *ri;
	const unsigned char *want;
	uint16_t want_el;
	size_t seq;

	if (len < HDR) {
		VIOL(rp, e_short, "released a %zu-byte record", len);
		return;
	}
	memcpy(&h, rec, HDR);
	if (h.session_id >= rp->nadded) {
		VIOL(rp, e_unknown, "released record %llu, never added (%zu added)",
		     (unsigned long long)h.session_id, rp->nadded);
		return;
	}
	seq = (size_t)h.session_id;
	ri = &rp->in->rec[seq];
	want = rp->in->arena + ri->off;
	if (rp->seen[seq])
		VIOL(rp, e_dup, "record %zu released twice", seq);
	rp->seen[seq] = 1;
	memcpy(&want_el, want, sizeof(want_el));
	if (ri->len <= UINT16_MAX)
		want_el = (uint16_t)ri->len;
	if (len != ri->len)
		VIOL(rp, e_bytes, "record %zu: %zu bytes, added %zu", seq, len, ri->len);
	else if (h.event_length != want_el || memcmp(rec + 2, want + 2, len - 2) != 0)
		VIOL(rp, e_bytes, "record %zu (%zu bytes): content differs (event_length %u, want %u)",
		     seq, len, h.event_length, want_el);
	if (has_tag && tag != ri->tag)
		VIOL(rp, e_tag, "record %zu: tag %u, added with %u", seq, tag, ri->tag);
	if (h.timestamp > rp->limit)
		VIOL(rp, e_over, "record %zu: timestamp %llu released with limit %llu", seq,
		     (unsigned long long)h.timestamp, (unsigned long long)rp->limit);
	if (rp->any && h.timestamp < rp->last_ts)
		VIOL(rp, e_order_ts, "record %zu (ts %llu) released after record %zu (ts %llu)", seq,
		     (unsigned long long)h.timestamp, rp->last_seq,
		     (unsigned long long)rp->last_ts);
	else if (rp->any && h.timestamp == rp->last_ts && seq < rp->last_seq)
		VIOL(rp, e_order_tie, "equal timestamps %llu: record %zu released after record %zu",
		     (unsigned long long)h.timestamp, seq, rp->last_seq);
	if (h.timestamp < rp->out_max)
		rp->late++;
	else
		rp->out_max = h.timestamp;
	rp->any = 1;
	rp->last_ts = h.timestamp;
	rp->last_seq = seq;
	if (rp->nout < rp->in->nrec)
		rp->out[rp->nout++] = seq;
}

static int stop_now(struct replay *rp)
{
	if (rp->countdown && --rp->countdown == 0) {
		rp->stopped = 1;
		rp->stops++;
		return -1;
	}
	return 0;
}

static int sink_one(void *arg, unsigned tag, const void *rec, size_t len)
{
	struct replay *rp = arg;

	rp->calls++;
	if (rp->stopped)
		VIOL(rp, e_after_stop, "sink called after it returned -1");
	emit(rp, rec, len, 1, tag);
	return stop_now(rp);
}

static int sink_run(void *arg, const void *recs, size_t bytes, size_t count)
{
	struct replay *rp = arg;
	const unsigned char *p = recs;
	size_t off = 0, n = 0;
	int alone = count == 1 && bytes > UINT16_MAX;

	rp->calls++;
	rp->runs++;
	rp->run_records += count;
	if (rp->stopped)
		VIOL(rp, e_after_stop, "run sink called after it returned -1");
	if (count == 0 || bytes < HDR) {
		VIOL(rp, e_run, "run of %zu records, %zu bytes", count, bytes);
		return stop_now(rp);
	}
	/* Records adjacent in memory go in one run, except one too long for
	 * event_length, which comes alone. */
	if (rp->prev_end == (uintptr_t)p && !rp->prev_alone && !alone)
		VIOL(rp, e_split, "a run (%zu records) starts where the previous one ends", count);
	if (count == 1) {
		emit(rp, p, bytes, 0, 0);
	} else {
		while (off < bytes && bytes - off >= HDR) {
			uint16_t el;

			memcpy(&el, p + off, sizeof(el));
			if (el < HDR || el > bytes - off)
				break;
			emit(rp, p + off, el, 0, 0);
			off += el;
			n++;
		}
		if (off != bytes || n != count)
			VIOL(rp, e_run, "run of %zu records, %zu bytes: event_lengths cover %zu records, %zu bytes",
			     count, bytes, n, off);
	}
	rp->prev_end = (uintptr_t)(p + bytes);
	rp->prev_alone = alone;
	return stop_now(rp);
}

/* One release; use_runs picks the API; countdown: see struct replay. */
static void do_release(struct replay *rp, struct elog_reorder *r, uint64_t limit, int use_runs,
		       size_t countdown)
{
	size_t i, k;
	int ret;

	rp->limit = limit;
	rp->stopped = 0;
	rp->countdown = countdown;
	rp->prev_end = 0;
	rp->prev_alone = 0;
	if (use_runs)
		ret = elog_reorder_release_runs(r, limit, sink_run, rp);
	else
		ret = elog_reorder_release(r, limit, sink_one, rp);
	if (ret != (rp->stopped ? -1 : 0))
		VIOL(rp, e_ret, "release returned %d, sink %s", ret,
		     rp->stopped ? "returned -1" : "always returned 0");
	rp->countdown = 0;
	/* Drop what came out; unless the sink stopped the release, nothing
	 * still held may be due. */
	for (i = k = 0; i < rp->nheld; i++) {
		size_t s = rp->held[i];

		if (rp->seen[s])
			continue;
		if (!rp->stopped && rp->in->rec[s].ts <= limit)
			VIOL(rp, e_missing, "record %zu (ts %llu) still held after a release with limit %llu",
			     s, (unsigned long long)rp->in->rec[s].ts, (unsigned long long)limit);
		rp->held[k++] = s;
	}
	rp->nheld = k;
	if (rp->nbounds < rp->in->nops)
		rp->bounds[rp->nbounds++] = rp->nout;
}

enum { MODE_PLAIN, MODE_RUNS, MODE_MIXED };
static const char *const mode_name[] = { "release", "release_runs", "mixed" };

/*
 * Replays in into a fresh window. stops: now and then a sink returns -1;
 * half the time the same release is repeated at once, else the rest waits
 * for the next poll's release.
 */
static void replay_run(struct replay *rp, int mode, int stops, uint64_t seed)
{
	const struct input *in = rp->in;
	struct elog_reorder *r = elog_reorder_new();
	struct rng g = { seed };
	size_t i;

	CHECK(r != NULL);
	if (!r)
		return;
	for (i = 0; i < in->nops; i++) {
		const struct op *o = &in->ops[i];

		if (o->kind == OP_ADD) {
			const struct rec_info *ri = &in->rec[o->seq];

			if (o->seq != rp->nadded)
				VIOL(rp, e_add, "test input out of order"); /* the generator's bug */
			if (elog_reorder_add(r, ri->tag, in->arena + ri->off, ri->len) != 0)
				VIOL(rp, e_add, "add of record %zu (%zu bytes) failed", o->seq, ri->len);
			rp->nadded++;
			rp->held[rp->nheld++] = o->seq;
			continue;
		}
		do {
			int use_runs = mode == MODE_RUNS || (mode == MODE_MIXED && rnd(&g, 2));
			size_t countdown = 0;

			if (stops && chance(&g, 300))
				countdown = 1 + (size_t)rnd(&g, chance(&g, 500) ? 3 : 40);
			/* at least one stop in every replay that asks for them */
			if (stops && o->limit == UINT64_MAX && rp->stops == 0)
				countdown = 1;

			do_release(rp, r, o->limit, use_runs, countdown);
			/* A release of everything is repeated until it is done. */
		} while (rp->stopped && (o->limit == UINT64_MAX || rnd(&g, 2)));
		if (o->limit == UINT64_MAX) {
			if (rp->nheld)
				VIOL(rp, e_left, "%zu records held after a release of everything",
				     rp->nheld);
			rp->any = 0; /* the next run may start earlier */
		}
	}
	/* Nothing more to come out. */
	{
		unsigned long calls = rp->calls;
		int ret1 = elog_reorder_release(r, UINT64_MAX, sink_one, rp);
		int ret2 = elog_reorder_release_runs(r, UINT64_MAX, sink_run, rp);

		if (ret1 || ret2 || rp->calls != calls)
			VIOL(rp, e_left, "released again after everything: returned %d/%d, %lu sink calls",
			     ret1, ret2, rp->calls - calls);
	}
	if (rp->nout != in->nrec)
		VIOL(rp, e_missing, "%zu of %zu records released", rp->nout, in->nrec);
	/* Out of order in the output stream exactly when counted late. */
	if (elog_reorder_late(r) != rp->late)
		VIOL(rp, e_late, "%llu records counted late, %lu released after a later one",
		     (unsigned long long)elog_reorder_late(r), rp->late);
	elog_reorder_free(r);
}

static void check_replay(const struct replay *rp)
{
	CHECK_EQ_U(rp->e_add, 0);
	CHECK_EQ_U(rp->e_short, 0);
	CHECK_EQ_U(rp->e_unknown, 0);
	CHECK_EQ_U(rp->e_dup, 0);
	CHECK_EQ_U(rp->e_bytes, 0);
	CHECK_EQ_U(rp->e_tag, 0);
	CHECK_EQ_U(rp->e_over, 0);
	CHECK_EQ_U(rp->e_order_ts, 0);
	CHECK_EQ_U(rp->e_order_tie, 0);
	CHECK_EQ_U(rp->e_run, 0);
	CHECK_EQ_U(rp->e_split, 0);
	CHECK_EQ_U(rp->e_after_stop, 0);
	CHECK_EQ_U(rp->e_ret, 0);
	CHECK_EQ_U(rp->e_missing, 0);
	CHECK_EQ_U(rp->e_left, 0);
	CHECK_EQ_U(rp->e_late, 0);
	CHECK_EQ_U(rp->nout, rp->in->nrec);
}

/* The same input through both APIs: the same records, same order, and the
 * same ones at each release. */
static void compare_replays(const struct replay *a, const struct replay *b)
{
	size_t i, n = a->nout < b->nout ? a->nout : b->nout;

	for (i = 0; i < n && a->out[i] == b->out[i]; i++)
		;
	if (i == n && a->nout == b->nout)
		th_passed++;
	else
		TH_FAIL("%s and %s differ at output %zu (%zu and %zu records)", a->name, b->name, i,
			a->nout, b->nout);
	n = a->nbounds < b->nbounds ? a->nbounds : b->nbounds;
	for (i = 0; i < n && a->bounds[i] == b->bounds[i]; i++)
		;
	if (i == n && a->nbounds == b->nbounds)
		th_passed++;
	else
		TH_FAIL("%s and %s: release %zu ends after %zu and %zu records", a->name, b->name, i,
			i < a->nbounds ? a->bounds[i] : 0, i < b->nbounds ? b->bounds[i] : 0);
}

/* in through both APIs and a mix, then with sinks that stop. */
static void run_input(const char *name, const struct input *in, uint64_t seed)
{
	struct replay rp[3], st;
	size_t releases = 0, i;
	int m;

	CHECK(in->nrec > 0);
	for (i = 0; i < in->nops; i++)
		releases += in->ops[i].kind == OP_RELEASE;
	for (m = MODE_PLAIN; m <= MODE_MIXED; m++) {
		replay_init(&rp[m], in, name, mode_name[m]);
		replay_run(&rp[m], m, 0, seed ^ 0x5eed);
		check_replay(&rp[m]);
	}
	compare_replays(&rp[MODE_PLAIN], &rp[MODE_RUNS]);
	compare_replays(&rp[MODE_PLAIN], &rp[MODE_MIXED]);
	fprintf(stderr, "     %-20s %7zu records, %5zu releases, %6lu runs (%.1f records per run), "
		"%lu late\n",
		name, in->nrec, releases, rp[MODE_RUNS].runs,
		rp[MODE_RUNS].runs ? (double)rp[MODE_RUNS].run_records / (double)rp[MODE_RUNS].runs : 0.0,
		rp[MODE_PLAIN].late);
	for (m = MODE_PLAIN; m <= MODE_MIXED; m++)
		replay_free(&rp[m]);
	/* Sinks that stop: both APIs. */
	for (m = MODE_PLAIN; m <= MODE_RUNS; m++) {
		char mname[64];

		snprintf(mname, sizeof(mname), "%s+stops", mode_name[m]);
		replay_init(&st, in, name, mname);
		replay_run(&st, m, 1, seed ^ 0x570b);
		check_replay(&st);
		CHECK(st.stops > 0);
		replay_free(&st);
	}
}

static void run_scen(const struct scen *sc)
{
	struct input in;

	gen(sc, &in);
	run_input(sc->name, &in, sc->seed);
	input_free(&in);
}

/* ---- generated inputs ---- */

/* K rings, each nearly in order, read ring after ring; equal timestamps. */
static void test_rings(void)
{
	static const struct scen sc[] = {
		{ "1 ring", SHAPE_RINGS, 1, 300, 30, 20, 2, 50, 1, 8000, 30, 0, 0, 1, 11 },
		{ "2 rings", SHAPE_RINGS, 2, 200, 20, 20, 2, 50, 1, 8000, 30, 0, 0, 1, 12 },
		{ "4 rings", SHAPE_RINGS, 4, 200, 12, 20, 3, 50, 1, 8000, 30, 0, 0, 1, 13 },
		{ "16 rings", SHAPE_RINGS, 16, 150, 5, 10, 2, 50, 10, 8000, 30, 0, 0, 1, 14 },
		{ "100 rings", SHAPE_RINGS, 100, 60, 4, 10, 2, 50, 5, 8000, 30, 0, 0, 1, 15 },
		/* 100 us ticks: many equal timestamps across rings, limits on them */
		{ "100 rings, ticks", SHAPE_RINGS, 100, 30, 4, 10, 2, 200, 100, 8000, 0, 0, 0, 1, 16 },
		/* two runs, the second earlier: the window reused after a drain */
		{ "4 rings x2", SHAPE_RINGS, 4, 100, 12, 20, 2, 50, 1, 8000, 30, 0, 0, 2, 17 },
	};

	for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]); i++)
		run_scen(&sc[i]);
}

/* One ring written by several CPUs: many small inversions, then far more
 * than the window can fix by moving records one place at a time. */
static void test_one_ring_many_cpus(void)
{
	static const struct scen sc[] = {
		{ "1 ring, 15% late", SHAPE_RINGS, 1, 50, 600, 150, 6, 30, 1, 2000, 30, 0, 0, 1, 21 },
		{ "1 ring, 30% far", SHAPE_RINGS, 1, 40, 600, 300, 400, 30, 1, 2000, 30, 0, 0, 1, 22 },
	};

	for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]); i++)
		run_scen(&sc[i]);
}

/* Timestamps in random order within the window; and one big sort. */
static void test_random_order(void)
{
	static const struct scen sc[] = {
		{ "random", SHAPE_RANDOM, 8, 100, 20, 0, 0, 0, 1, 0, 0, 0, 0, 1, 31 },
		{ "random, ticks", SHAPE_RANDOM, 8, 60, 20, 0, 0, 0, 500, 0, 0, 0, 0, 1, 32 },
		{ "random, one sort", SHAPE_RANDOM, 1, 40, 500, 0, 0, 0, 1, 0, 0, 1, 0, 1, 33 },
	};

	for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]); i++)
		run_scen(&sc[i]);
}

/* Already in order (with equal timestamps): runs as long as memory allows. */
static void test_sorted(void)
{
	static const struct scen sc[] = {
		{ "sorted", SHAPE_RINGS, 1, 200, 50, 0, 0, 100, 1, 0, 0, 0, 0, 1, 41 },
		{ "sorted, one sort", SHAPE_RINGS, 1, 100, 50, 0, 0, 100, 1, 0, 0, 1, 0, 1, 42 },
	};

	for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]); i++)
		run_scen(&sc[i]);
}

/* 32-byte records, odd lengths, 65535 and over (alone in a run), over a
 * chunk; now and then a wrong event_length in the input. */
static void test_lengths(void)
{
	static const struct scen sc[] = {
		{ "lengths", SHAPE_RINGS, 4, 150, 10, 20, 2, 50, 1, 8000, 30, 0, 1, 1, 51 },
		{ "lengths, random", SHAPE_RANDOM, 4, 40, 10, 0, 0, 0, 1, 0, 0, 0, 1, 1, 52 },
		{ "up to 4 KiB", SHAPE_RINGS, 4, 100, 12, 20, 2, 50, 1, 8000, 30, 0, 2, 2, 53 },
		{ "up to 4 KiB, random", SHAPE_RANDOM, 8, 60, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 54 },
	};

	for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]); i++)
		run_scen(&sc[i]);
}

/* ---- small fixed cases ---- */

struct got {
	size_t seq[64];
	unsigned tag[64];
	size_t len[64];
	uint16_t el[64];
	size_t n;
	size_t run_count[64];
	size_t nruns;
	unsigned calls;
	unsigned stop_at; /* this call returns -1 (0: none) */
};

static void got_rec(struct got *g, const unsigned char *rec, size_t len, unsigned tag)
{
	struct elog_event_hdr h;

	if (g->n >= 64 || len < HDR)
		return;
	memcpy(&h, rec, HDR);
	g->seq[g->n] = (size_t)h.session_id;
	g->tag[g->n] = tag;
	g->len[g->n] = len;
	g->el[g->n] = h.event_length;
	g->n++;
}

static int got_one(void *arg, unsigned tag, const void *rec, size_t len)
{
	struct got *g = arg;

	got_rec(g, rec, len, tag);
	return ++g->calls == g->stop_at ? -1 : 0;
}

static int got_run(void *arg, const void *recs, size_t bytes, size_t count)
{
	struct got *g = arg;
	const unsigned char *p = recs;
	size_t off = 0;

	if (g->nruns < 64)
		g->run_count[g->nruns++] = count;
	if (count == 1) {
		got_rec(g, p, bytes, 0);
	} else {
		while (off + HDR <= bytes) {
			uint16_t el;

			memcpy(&el, p + off, sizeof(el));
			if (el < HDR)
				break;
			got_rec(g, p + off, el, 0);
			off += el;
		}
	}
	return ++g->calls == g->stop_at ? -1 : 0;
}

static int release_got(struct elog_reorder *r, int use_runs, uint64_t limit, struct got *g,
		       unsigned stop_at)
{
	memset(g, 0, sizeof(*g));
	g->stop_at = stop_at;
	return use_runs ? elog_reorder_release_runs(r, limit, got_run, g)
			: elog_reorder_release(r, limit, got_one, g);
}

/* Adds records seq first .. first + n - 1 of in. */
static void add_recs(struct elog_reorder *r, const struct input *in, size_t first, size_t n)
{
	for (size_t i = first; i < first + n; i++)
		CHECK_EQ_U(elog_reorder_add(r, in->rec[i].tag, in->arena + in->rec[i].off,
					    in->rec[i].len), 0);
}

static int got_is(const struct got *g, const size_t *seq, size_t n)
{
	if (g->n != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (g->seq[i] != seq[i])
			return 0;
	return 1;
}

#define CHECK_GOT(g, ...)                                                       \
	do {                                                                    \
		static const size_t want_[] = { __VA_ARGS__ };                  \
		size_t nw_ = sizeof(want_) / sizeof(want_[0]);                  \
		if (got_is((g), want_, nw_)) {                                  \
			th_passed++;                                            \
		} else {                                                        \
			TH_FAIL("released records differ from { %s }:", #__VA_ARGS__); \
			for (size_t i_ = 0; i_ < (g)->n; i_++)                  \
				fprintf(stderr, " %zu", (g)->seq[i_]);          \
			fputc('\n', stderr);                                    \
		}                                                               \
	} while (0)

#define CHECK_NONE(g) CHECK_EQ_U((g)->n, 0)

static void test_empty(void)
{
	struct elog_reorder *r = elog_reorder_new();
	struct got g;

	CHECK(r != NULL);
	if (!r)
		return;
	CHECK_EQ_U(release_got(r, 0, UINT64_MAX, &g, 0), 0);
	CHECK_EQ_U(g.calls, 0);
	CHECK_EQ_U(release_got(r, 1, UINT64_MAX, &g, 0), 0);
	CHECK_EQ_U(g.calls, 0);
	elog_reorder_free(r);
	elog_reorder_free(NULL);
}

/* Limits on and next to timestamps; equal timestamps across rings come out
 * in add order; a record late in its ring goes in front. */
static void test_limits_and_ties(void)
{
	struct input in;
	int use_runs;

	memset(&in, 0, sizeof(in));
	/* ring 0 */
	push_record(&in, 100, 0, 10, 48, 48);  /* 0 */
	push_record(&in, 200, 0, 10, 48, 48);  /* 1 */
	push_record(&in, 200, 0, 10, 41, 41);  /* 2 */
	push_record(&in, 300, 0, 10, 48, 48);  /* 3 */
	/* ring 1 */
	push_record(&in, 100, 1, 11, 33, 33);  /* 4 */
	push_record(&in, 200, 1, 11, 48, 48);  /* 5 */
	push_record(&in, 250, 1, 11, 48, 48);  /* 6 */
	/* ring 2: reserved late */
	push_record(&in, 200, 2, 12, 32, 32);  /* 7 */
	push_record(&in, 100, 2, 12, 48, 48);  /* 8 */
	for (use_runs = 0; use_runs <= 1; use_runs++) {
		struct elog_reorder *r = elog_reorder_new();
		struct got g;

		CHECK(r != NULL);
		if (!r)
			break;
		add_recs(r, &in, 0, in.nrec);
		CHECK_EQ_U(release_got(r, use_runs, 0, &g, 0), 0);
		CHECK_NONE(&g);
		CHECK_EQ_U(release_got(r, use_runs, 99, &g, 0), 0);
		CHECK_NONE(&g);
		CHECK_EQ_U(release_got(r, use_runs, 200, &g, 0), 0);
		CHECK_GOT(&g, 0, 4, 8, 1, 2, 5, 7);
		if (!use_runs) {
			CHECK_EQ_U(g.tag[0], 10);
			CHECK_EQ_U(g.tag[1], 11);
			CHECK_EQ_U(g.tag[2], 12);
		}
		CHECK_EQ_U(release_got(r, use_runs, 249, &g, 0), 0);
		CHECK_NONE(&g);
		CHECK_EQ_U(release_got(r, use_runs, 250, &g, 0), 0);
		CHECK_GOT(&g, 6);
		CHECK_EQ_U(release_got(r, use_runs, UINT64_MAX, &g, 0), 0);
		CHECK_GOT(&g, 3);
		elog_reorder_free(r);
	}
	input_free(&in);
}

/* Held records and later arrivals with the same timestamp: the held ones
 * (arrived first) come first. */
static void test_ties_across_releases(void)
{
	struct input in;
	int use_runs;

	memset(&in, 0, sizeof(in));
	push_record(&in, 500, 0, 1, 48, 48); /* 0 */
	push_record(&in, 700, 0, 1, 48, 48); /* 1 */
	push_record(&in, 600, 1, 2, 48, 48); /* 2 */
	/* after a release with limit 499 */
	push_record(&in, 600, 2, 3, 48, 48); /* 3 */
	push_record(&in, 500, 2, 3, 48, 48); /* 4 */
	push_record(&in, 700, 3, 4, 48, 48); /* 5 */
	push_record(&in, 550, 3, 4, 48, 48); /* 6 */
	for (use_runs = 0; use_runs <= 1; use_runs++) {
		struct elog_reorder *r = elog_reorder_new();
		struct got g;

		CHECK(r != NULL);
		if (!r)
			break;
		add_recs(r, &in, 0, 3);
		CHECK_EQ_U(release_got(r, use_runs, 499, &g, 0), 0);
		CHECK_NONE(&g);
		add_recs(r, &in, 3, 4);
		CHECK_EQ_U(release_got(r, use_runs, 600, &g, 0), 0);
		CHECK_GOT(&g, 0, 4, 6, 2, 3);
		CHECK_EQ_U(release_got(r, use_runs, UINT64_MAX, &g, 0), 0);
		CHECK_GOT(&g, 1, 5);
		elog_reorder_free(r);
	}
	input_free(&in);
}

/* elog_reorder_oldest(): nothing held in an empty window or after
 * everything went; else the earliest timestamp held, whether it sits among
 * the records sorted by a release or those added since. */
static void test_oldest(void)
{
	struct elog_reorder *r = elog_reorder_new();
	struct input in;
	struct got g;
	uint64_t ts = 0;

	CHECK(r != NULL);
	if (!r)
		return;
	memset(&in, 0, sizeof(in));
	push_record(&in, 500, 0, 1, 48, 48); /* 0 */
	push_record(&in, 700, 0, 1, 48, 48); /* 1 */
	push_record(&in, 600, 1, 2, 48, 48); /* 2 */
	push_record(&in, 650, 2, 3, 48, 48); /* 3: after a release */
	push_record(&in, 550, 2, 3, 48, 48); /* 4: earlier than what is held */
	CHECK(!elog_reorder_oldest(r, &ts));
	add_recs(r, &in, 0, 3);
	CHECK(elog_reorder_oldest(r, &ts));
	CHECK_EQ_U(ts, 500);
	CHECK_EQ_U(release_got(r, 0, 500, &g, 0), 0);
	CHECK_GOT(&g, 0);
	CHECK(elog_reorder_oldest(r, &ts));
	CHECK_EQ_U(ts, 600);
	add_recs(r, &in, 3, 2);
	CHECK(elog_reorder_oldest(r, &ts));
	CHECK_EQ_U(ts, 550);
	CHECK_EQ_U(release_got(r, 0, 600, &g, 0), 0);
	CHECK_GOT(&g, 4, 2);
	CHECK(elog_reorder_oldest(r, &ts));
	CHECK_EQ_U(ts, 650);
	CHECK_EQ_U(release_got(r, 0, UINT64_MAX, &g, 0), 0);
	CHECK_GOT(&g, 3, 1);
	CHECK(!elog_reorder_oldest(r, &ts));
	elog_reorder_free(r);
	input_free(&in);
}

/* A record added after a later one went out is counted late (it follows
 * it in the output); one that ties with what went out, or that is earlier
 * only than records still held, is not. */
static void test_late(void)
{
	struct input in;
	int use_runs;

	memset(&in, 0, sizeof(in));
	push_record(&in, 100, 0, 1, 48, 48); /* 0 */
	push_record(&in, 200, 0, 1, 48, 48); /* 1 */
	/* after a release with limit 150: 100 is out */
	push_record(&in, 100, 1, 2, 48, 48); /* 2: ties with it */
	push_record(&in, 120, 1, 2, 48, 48); /* 3: earlier than 200, held */
	push_record(&in, 50, 1, 2, 48, 48);  /* 4: late */
	/* after a release of everything: 200 is out */
	push_record(&in, 150, 2, 3, 48, 48); /* 5: late */
	push_record(&in, 300, 2, 3, 48, 48); /* 6 */
	for (use_runs = 0; use_runs <= 1; use_runs++) {
		struct elog_reorder *r = elog_reorder_new();
		struct got g;

		CHECK(r != NULL);
		if (!r)
			break;
		add_recs(r, &in, 0, 2);
		CHECK_EQ_U(release_got(r, use_runs, 150, &g, 0), 0);
		CHECK_GOT(&g, 0);
		CHECK_EQ_U(elog_reorder_late(r), 0);
		add_recs(r, &in, 2, 3);
		CHECK_EQ_U(elog_reorder_late(r), 1);
		CHECK_EQ_U(release_got(r, use_runs, UINT64_MAX, &g, 0), 0);
		CHECK_GOT(&g, 4, 2, 3, 1);
		add_recs(r, &in, 5, 2);
		CHECK_EQ_U(elog_reorder_late(r), 2);
		CHECK_EQ_U(release_got(r, use_runs, UINT64_MAX, &g, 0), 0);
		CHECK_GOT(&g, 5, 6);
		CHECK_EQ_U(elog_reorder_late(r), 2);
		elog_reorder_free(r);
	}
	input_free(&in);
}

/* The copy's event_length is len when it fits, the input's otherwise; a
 * record over 65535 bytes comes alone in a run, its neighbours in memory
 * still go together. */
static void test_event_length(void)
{
	struct input in;
	struct elog_reorder *r;
	struct got g;
	int use_runs;

	memset(&in, 0, sizeof(in));
	push_record(&in, 10, 0, 0, 48, 0);       /* 0: event_length 0 in the input */
	push_record(&in, 20, 0, 0, 40, 48);      /* 1: too long */
	push_record(&in, 30, 0, 0, 65536, 7);    /* 2: does not fit: kept as is */
	push_record(&in, 40, 0, 0, 65535, 1);    /* 3: fits exactly */
	push_record(&in, 50, 0, 0, 70001, 4465); /* 4: 70001 & 0xffff: kept */
	push_record(&in, 60, 0, 0, 32, 32);      /* 5 */
	for (use_runs = 0; use_runs <= 1; use_runs++) {
		r = elog_reorder_new();
		CHECK(r != NULL);
		if (!r)
			break;
		add_recs(r, &in, 0, in.nrec);
		CHECK_EQ_U(release_got(r, use_runs, UINT64_MAX, &g, 0), 0);
		CHECK_GOT(&g, 0, 1, 2, 3, 4, 5);
		CHECK_EQ_U(g.el[0], 48);
		CHECK_EQ_U(g.el[1], 40);
		CHECK_EQ_U(g.el[2], 7);
		CHECK_EQ_U(g.el[3], 65535);
		CHECK_EQ_U(g.el[4], 4465);
		CHECK_EQ_U(g.el[5], 32);
		CHECK_EQ_U(g.len[2], 65536);
		CHECK_EQ_U(g.len[4], 70001);
		if (use_runs) {
			/* All six lie back to back in one chunk: {0, 1} {2} {3} {4} {5}:
			 * 2 and 4 (over 65535 bytes) come alone, which leaves 3
			 * (65535 bytes, adjacent to both) alone as well. */
			CHECK_EQ_U(g.nruns, 5);
			CHECK_EQ_U(g.run_count[0], 2);
			CHECK_EQ_U(g.run_count[1], 1);
			CHECK_EQ_U(g.run_count[2], 1);
			CHECK_EQ_U(g.run_count[3], 1);
			CHECK_EQ_U(g.run_count[4], 1);
		}
		elog_reorder_free(r);
	}
	input_free(&in);
}

/* Shorter than the header: not a record (no timestamp to sort by).
 * reorder.c drops it and add returns 0: only the real record comes out. */
static void test_short(void)
{
	struct elog_reorder *r = elog_reorder_new();
	unsigned char buf[HDR];
	struct input in;
	struct got g;

	CHECK(r != NULL);
	if (!r)
		return;
	memset(&in, 0, sizeof(in));
	push_record(&in, 5, 0, 0, 48, 48);
	memcpy(buf, in.arena, HDR);
	CHECK_EQ_U(elog_reorder_add(r, 1, buf, 1), 0);
	CHECK_EQ_U(elog_reorder_add(r, 1, buf, HDR - 1), 0);
	add_recs(r, &in, 0, 1);
	CHECK_EQ_U(elog_reorder_add(r, 1, buf, 16), 0);
	CHECK_EQ_U(release_got(r, 0, UINT64_MAX, &g, 0), 0);
	CHECK_EQ_U(g.calls, 1);
	CHECK_GOT(&g, 0);
	CHECK_EQ_U(g.len[0], 48);
	elog_reorder_free(r);
	input_free(&in);
}

/*
 * A sink's -1: the release stops at once and returns -1. What was handed to
 * that sink call is released (it does not come again); what was not comes
 * out in the next release, in order.
 */
static void test_stop(void)
{
	struct input in;
	struct elog_reorder *r;
	struct got g;
	int use_runs;
	size_t i;

	memset(&in, 0, sizeof(in));
	for (i = 0; i < 10; i++)
		push_record(&in, 10 * (i + 1), 0, 0, 48, 48);
	/* two rings interleaved: no two neighbours in order are adjacent */
	for (i = 0; i < 4; i++)
		push_record(&in, 1000 + 2 * i, 1, 1, 48, 48);     /* 10..13 */
	for (i = 0; i < 4; i++)
		push_record(&in, 1000 + 2 * i + 1, 2, 2, 48, 48); /* 14..17 */
	push_record(&in, 1004, 3, 3, 48, 48);                     /* 18 */

	/* One record per call. */
	r = elog_reorder_new();
	CHECK(r != NULL);
	if (!r)
		goto out;
	add_recs(r, &in, 0, 10);
	CHECK_EQ_U(release_got(r, 0, UINT64_MAX, &g, 3), (uint64_t)-1);
	CHECK_EQ_U(g.calls, 3);
	CHECK_GOT(&g, 0, 1, 2);
	CHECK_EQ_U(release_got(r, 0, 50, &g, 0), 0);
	CHECK_GOT(&g, 3, 4);
	CHECK_EQ_U(release_got(r, 0, 80, &g, 1), (uint64_t)-1);
	CHECK_GOT(&g, 5);
	CHECK_EQ_U(release_got(r, 0, 80, &g, 0), 0);
	CHECK_GOT(&g, 6, 7);
	CHECK_EQ_U(release_got(r, 0, UINT64_MAX, &g, 2), (uint64_t)-1); /* the last one */
	CHECK_GOT(&g, 8, 9);
	CHECK_EQ_U(release_got(r, 0, UINT64_MAX, &g, 0), 0);
	CHECK_NONE(&g);
	elog_reorder_free(r);

	/* Runs: a run handed to the sink that stops is released whole. */
	r = elog_reorder_new();
	CHECK(r != NULL);
	if (!r)
		goto out;
	add_recs(r, &in, 0, 10);
	CHECK_EQ_U(release_got(r, 1, 50, &g, 1), (uint64_t)-1);
	CHECK_EQ_U(g.calls, 1);
	CHECK_GOT(&g, 0, 1, 2, 3, 4);
	CHECK_EQ_U(release_got(r, 1, 50, &g, 0), 0);
	CHECK_NONE(&g);
	CHECK_EQ_U(release_got(r, 1, UINT64_MAX, &g, 0), 0);
	CHECK_GOT(&g, 5, 6, 7, 8, 9);
	CHECK_EQ_U(g.nruns, 1);
	elog_reorder_free(r);

	/* Runs of one record (interleaved rings): stop at the second. */
	for (use_runs = 0; use_runs <= 1; use_runs++) {
		r = elog_reorder_new();
		CHECK(r != NULL);
		if (!r)
			goto out;
		add_recs(r, &in, 10, 8);
		CHECK_EQ_U(release_got(r, use_runs, 1005, &g, 2), (uint64_t)-1);
		CHECK_EQ_U(g.calls, 2);
		CHECK_GOT(&g, 10, 14);
		/* one more arrives before the next release, at the timestamp
		 * of a held record: after it */
		add_recs(r, &in, 18, 1);
		CHECK_EQ_U(release_got(r, use_runs, 1005, &g, 0), 0);
		CHECK_GOT(&g, 11, 15, 12, 18, 16);
		CHECK_EQ_U(release_got(r, use_runs, UINT64_MAX, &g, 0), 0);
		CHECK_GOT(&g, 13, 17);
		elog_reorder_free(r);
	}
out:
	input_free(&in);
}

/* Freed while holding records (LeakSanitizer checks the chunks), and a
 * window drained and reused. */
static void test_free_and_reuse(void)
{
	static const struct scen sc = { "free", SHAPE_RINGS, 3, 20, 100, 20, 2, 50, 1, 8000, 30, 0, 1, 1, 61 };
	struct input in;
	struct elog_reorder *r;
	struct got g;
	size_t i, half;

	gen(&sc, &in);
	half = in.nrec / 2;
	/* everything held */
	r = elog_reorder_new();
	CHECK(r != NULL);
	if (!r)
		goto out;
	add_recs(r, &in, 0, in.nrec);
	elog_reorder_free(r);
	/* part released */
	r = elog_reorder_new();
	CHECK(r != NULL);
	if (!r)
		goto out;
	add_recs(r, &in, 0, half);
	release_got(r, 1, in.rec[half / 2].ts, &g, 0);
	CHECK(g.calls > 0);
	elog_reorder_free(r);
	/* drained three times, then freed holding some */
	r = elog_reorder_new();
	CHECK(r != NULL);
	if (!r)
		goto out;
	for (i = 0; i < 3; i++) {
		add_recs(r, &in, 0, in.nrec);
		release_got(r, (int)(i & 1), UINT64_MAX, &g, 0);
		CHECK(g.calls > 0);
		CHECK_EQ_U(release_got(r, 0, UINT64_MAX, &g, 0), 0);
		CHECK_NONE(&g);
	}
	add_recs(r, &in, 0, half);
	elog_reorder_free(r);
out:
	input_free(&in);
}

/* Records that fill memory blocks exactly; a drained window then given a
 * record bigger than anything before; big records between small ones. */
static void test_chunk_edges(void)
{
	struct input in;
	size_t i;
	uint64_t ts = 1000;

	memset(&in, 0, sizeof(in));
	/* 100 bytes short of 1 MiB (reorder.c's block), then 101 bytes */
	for (i = 0; i < 63; i++)
		push_record(&in, ts++, 0, 0, 16384, 16384);
	push_record(&in, ts++, 0, 0, 16284, 16284);
	push_record(&in, ts++, 0, 0, 101, 101);
	/* 1 MiB exactly, then more */
	for (i = 0; i < 64; i++)
		push_record(&in, ts++, 0, 0, 16384 - (i == 0 ? 101 : 0),
			    (uint16_t)(16384 - (i == 0 ? 101 : 0)));
	push_record(&in, ts++, 0, 0, 48, 48);
	for (i = 0; i < 64; i++)
		push_record(&in, ts++, 0, 0, 16384, 16384);
	push_release(&in, ts - 60);
	push_release(&in, UINT64_MAX);
	for (i = 0; i < 10; i++)
		push_record(&in, ts++, 1, 1, 100, 100);
	push_release(&in, UINT64_MAX);
	/* drained: now a record bigger than a block, then small ones */
	push_record(&in, ts++, 1, 1, (size_t)3 << 20, 0);
	for (i = 0; i < 10; i++)
		push_record(&in, ts++, 1, 1, 100, 100);
	push_release(&in, ts - 5);
	push_record(&in, ts + 1, 2, 2, ((size_t)2 << 20) + 1, 1);
	push_record(&in, ts, 2, 2, 65535, 65535);
	push_record(&in, ts, 2, 2, 65536, 0);
	ts += 2;
	for (i = 0; i < 2000; i++)
		push_record(&in, ts + i / 3, 3, 3, 1000 + i % 7, (uint16_t)(1000 + i % 7));
	push_release(&in, ts + 300);
	push_release(&in, UINT64_MAX);
	run_input("chunk edges", &in, 71);
	input_free(&in);
}

int main(void)
{
	static const struct th_test tests[] = {
		TH_TEST(test_empty),
		TH_TEST(test_limits_and_ties),
		TH_TEST(test_ties_across_releases),
		TH_TEST(test_oldest),
		TH_TEST(test_late),
		TH_TEST(test_event_length),
		TH_TEST(test_short),
		TH_TEST(test_stop),
		TH_TEST(test_free_and_reuse),
		TH_TEST(test_chunk_edges),
		TH_TEST(test_rings),
		TH_TEST(test_one_ring_many_cpus),
		TH_TEST(test_random_order),
		TH_TEST(test_sorted),
		TH_TEST(test_lengths),
	};

	return th_run(tests, sizeof(tests) / sizeof(tests[0]));
}
