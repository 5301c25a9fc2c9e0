/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * eventlog(9) for Linux, kernel half: sessions, subscriber slots, in-kernel
 * filtering, exact drop accounting and batched wakeups, as BPF code that
 * every provider object compiles in.
 *
 * A provider's .bpf.c includes, in this order:
 *   "vmlinux.h", <bpf/bpf_helpers.h>, <bpf/bpf_core_read.h>,
 *   <bpf/bpf_tracing.h>, "eventlog.bpf.h", "<p>_eventlog.h"
 * and embeds a struct elog_session first in its per-session storage.
 *
 * Each provider object gets its own copy of the framework maps below (so
 * providers never share filters or counters); the userspace runtime pins them
 * under /sys/fs/bpf/eventlog/<provider>/ and is their only configurator.
 *
 * Delivery: for every active slot whose filter matches (event level <= slot
 * level and event keywords & slot keywords != 0), one record (32-byte
 * struct elog_event_hdr + payload) is written into that slot's ring buffer
 * for the current CPU (eventlog_abi.h: one ring per subscriber and CPU).
 * A full ring is counted in that slot's per-CPU `dropped`, a success in
 * `delivered`, so for each subscriber delivered + dropped == matched events,
 * exactly. Wakeups are batched: records are committed with BPF_RB_NO_WAKEUP
 * and the consumer is woken once per 1/8 of a ring written on a CPU (the
 * consumer also polls on a short timeout for the tail, or marks its slot
 * asleep when idle: see elog__wake_flags), because a wakeup per
 * event costs 2-5 us here.
 */
#ifndef ELOG_EVENTLOG_BPF_H
#define ELOG_EVENTLOG_BPF_H

#include "eventlog_abi.h"
#include "eventlog/record.h"

/* Levels, the SESSION keyword and the framework event ids (every schema has them). */
#define ELOG_BPF_LEVEL_NONE 0
#define ELOG_BPF_LEVEL_ERROR 1
#define ELOG_BPF_LEVEL_WARN 2
#define ELOG_BPF_LEVEL_INFO 3
#define ELOG_BPF_LEVEL_VERBOSE 4
#define ELOG_BPF_LEVEL_TRACE 5
#define ELOG_BPF_KEYWORD_SESSION 0x80000000u
#define ELOG_BPF_SESSION_END_ID 0xFFFFFFFFu
#define ELOG_BPF_SESSION_CREATE_ID 0xFFFFFFFEu
#define ELOG_BPF_DUMP_COMPLETE_ID 0xFFFFFFFDu
#define ELOG_BPF_SESSION_ID_NONE 0xFFFFFFFFFFFFFFFFull

/* Embedded first in a provider's per-session storage. */
struct elog_session {
	__u64 id;       /* session id (a socket provider uses the socket cookie) */
	__u8 enabled;
	__s8 target;    /* -1: every subscriber; >= 0: only that slot (dumps) */
	__u8 mode;      /* enum elog_bb_mode */
	__u8 pad[5];
};

/* ---- maps (one set per provider object) ---- */

/* Template only: each subscriber creates its own ring of its own size. */
struct elog_ring_tmpl {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, ELOG_RING_CPUS * ELOG_MAX_SUBSCRIBERS);
	__type(key, __u32);
	__array(values, struct elog_ring_tmpl);
} elog_rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ELOG_MAX_SUBSCRIBERS);
	__type(key, __u32);
	__type(value, struct elog_sub_cfg);
} elog_subs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct elog_conf);
} elog_conf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct elog_state);
} elog_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ELOG_KNOB_COUNT);
	__type(key, __u32);
	__type(value, __s64);
} elog_knobs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ELOG_MAX_SUBSCRIBERS);
	__type(key, __u32);
	__type(value, struct elog_slot_stats);
} elog_stats SEC(".maps");

/* ---- internals ---- */

static __always_inline struct elog_conf *elog__conf(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&elog_conf, &zero);
}

static __always_inline struct elog_state *elog__state(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&elog_state, &zero);
}

static __always_inline void elog__count_st(struct elog_slot_stats *st, int delivered)
{
	/* Atomic even though per-CPU: a softirq program can interrupt a
	 * process-context one on the same CPU between load and store. */
	if (delivered)
		__sync_fetch_and_add(&st->delivered, 1);
	else
		__sync_fetch_and_add(&st->dropped, 1);
}

/* *slotp: the slot, in a variable of the caller's that can serve as the map
 * key (no stack slot of its own: emit frames sit at the end of long chains). */
static __always_inline void elog__count(__u32 *slotp, int delivered)
{
	struct elog_slot_stats *st = bpf_map_lookup_elem(&elog_stats, slotp);

	if (st)
		elog__count_st(st, delivered);
}

/* Live events go to LIVE slots; events aimed at a slot (dumps) also reach
 * it while it is still in DUMP. */
static __always_inline int elog__match(const struct elog_sub_cfg *c, int targeted, __u8 level,
				       __u32 keywords)
{
	if (c->active != ELOG_SLOT_LIVE && !(targeted && c->active == ELOG_SLOT_DUMP))
		return 0;
	return level <= c->level && (keywords & c->keywords) != 0;
}

/*
 * BPF_RB_FORCE_WAKEUP once per 1/8 of a ring offered on this CPU, else
 * BPF_RB_NO_WAKEUP. Counted in the slot's per-CPU stats (a line the
 * delivery touches anyway) rather than asked of the ring: the ring's unread
 * size needs its consumer position, a cache line the consumer on another CPU
 * keeps writing (~30 ns a record). The consumer drains every ring when woken,
 * epoll loses no wakeup, and it polls every 50 ms for a quiet tail; a
 * consumer with nothing to do sets `asleep` in its slot and waits longer,
 * woken by the first record. A lost update of the count (a softirq program
 * between load and store) only moves the next wakeup.
 */
static __always_inline __u64 elog__wake_flags(struct elog_slot_stats *st, const struct elog_sub_cfg *c,
					      __u32 rec_len)
{
	__u64 n = st->unwoken + rec_len;

	if (n >= c->ring_bytes / 8 || c->asleep) {
		st->unwoken = 0;
		return BPF_RB_FORCE_WAKEUP;
	}
	st->unwoken = n;
	return BPF_RB_NO_WAKEUP;
}

/*
 * Writes one record into slot's ring for this CPU (CPU 0's for a targeted
 * event); counts the outcome. The record is in one piece: the header, then
 * len payload bytes, in a buffer of room bytes after the header (room a
 * constant), so one bpf_ringbuf_output() copies it whole (cheaper than a
 * reserve, two writes and a submit: docs/PERFORMANCE.md).
 */
static __always_inline void elog__deliver(__u32 slot, int targeted, const struct elog_sub_cfg *c,
					  const struct elog_event_hdr *hdr, __u32 len, __u32 room)
{
	__u32 rec_len = ELOG_EVENT_HDR_SIZE + len;
	/* One key variable for the ring and then the counters, and the CPU
	 * read back from the header: a provider's emit frame can sit at the
	 * end of call chains that reach the 512-byte stack limit. */
	__u32 key = ELOG_RING_INDEX(targeted ? 0 : hdr->cpu % ELOG_RING_CPUS, slot);
	struct elog_slot_stats *st;
	__u64 flags;
	void *ring;
	long ret;
	__u64 n;

	ring = bpf_map_lookup_elem(&elog_rings, &key);
	key = slot;
	st = bpf_map_lookup_elem(&elog_stats, &key);
	if (!st)
		return; /* cannot happen: a per-CPU array entry below max_entries */
	if (!ring) {
		/* Active but ring not (or no longer) installed: a slot being
		 * torn down. Still counted so nothing vanishes silently. */
		elog__count_st(st, 0);
		return;
	}
	flags = elog__wake_flags(st, c, rec_len);
	/* Bounded here, next to the call, for the verifier: the caller's
	 * buffer holds the header and room bytes. (The caller checked len
	 * already; barrier_var keeps clang from dropping this check as
	 * redundant.) 64-bit: one register, checked and passed. */
	n = rec_len;
	barrier_var(n);
	if (n > ELOG_EVENT_HDR_SIZE + room) {
		elog__count_st(st, 0);
		return;
	}
	ret = bpf_ringbuf_output(ring, (void *)hdr, n, flags);
	elog__count_st(st, ret == 0);
}

/* One slot's share of an event: its filter, then the record or a drop. */
static __always_inline void elog__emit_slot(__u32 slot, int targeted, __u8 level, __u32 keywords,
					    const struct elog_event_hdr *hdr, __u32 len, __u32 room)
{
	struct elog_sub_cfg *c = bpf_map_lookup_elem(&elog_subs, &slot);

	if (!c || !elog__match(c, targeted, level, keywords))
		return;
	if (len > ELOG_PAYLOAD_MAX) {
		/* Cannot be represented in a u16 event_length. */
		elog__count(&slot, 0);
		return;
	}
	elog__deliver(slot, targeted, c, hdr, len, room);
}

/* ---- black box: per-session buffers (eventlog_abi.h, enum elog_bb_mode) ----
 *
 * A session in TAIL, HEAD, HEAD_AUTO or TAIL_AUTO keeps its events in the
 * kernel instead of streaming them: each event is one fixed-size record slot
 * in chunks of ELOG_BB_CHUNK_RECS slots, hash elements keyed by (session,
 * chunk), allocated as the session needs them (session_limit events, rounded
 * up to whole chunks) and only while all buffers together hold less than
 * global_limit slots. TAIL reuses its chunks as a ring. A dump writes the
 * BLACKBOX_DUMP record and then the kept records, oldest first, with their
 * own timestamps, into the dumping CPU's ring of every subscriber whose
 * filter takes them, so a dump stays one block in each stream.
 *
 * The session's bookkeeping (struct elog_bb_sess) lives in elog_bb_meta by
 * session id, not in the provider's per-session storage: triggers and the
 * dump requests find it by id from any hook, copies of struct elog_session
 * stay one byte (mode) in step, and a closed session with a group (log id)
 * can keep its buffer for a later group dump after its socket is gone.
 */
#define ELOG_BB_REC_SIZE 128  /* one slot: header, payload, level/keywords */
#define ELOG_BB_PAYLOAD_MAX (ELOG_BB_REC_SIZE - ELOG_EVENT_HDR_SIZE - 8)
#define ELOG_BB_CHUNK_RECS 16
#define ELOG_BB_MAX_CHUNKS 65536 /* the most global_limit can allow, in chunks */
#define ELOG_BB_MAX_SESSIONS 65536
#define ELOG_BB_STICKY ELOG_BB_STICKY_MAX
#define ELOG_EEXIST 17 /* errno.h's: BPF objects do not include it */

struct elog_bb_slot {
	struct elog_event_hdr hdr;
	__u8 payload[ELOG_BB_PAYLOAD_MAX];
	__u32 keywords; /* the event's, for the subscribers' filters at dump */
	__u8 level;
	__u8 pad[3];
};
_Static_assert(sizeof(struct elog_bb_slot) == ELOG_BB_REC_SIZE, "black box slot");

struct elog_bb_chunk {
	struct elog_bb_slot slot[ELOG_BB_CHUNK_RECS];
};

struct elog_bb_key {
	__u64 sid;
	__u64 chunk;
};

/* What identifies a session's connection (its addresses, its name) would
 * be overwritten in TAIL like anything else: the latest record of each
 * event id the provider lists in elog_bb_sticky is also kept here and opens
 * every dump that no longer has it. */
struct elog_bb_sess {
	__u64 head;      /* events offered (the next one's sequence number) */
	__u64 first;     /* first sequence number not dumped yet */
	__u64 group;     /* group hash (log id); 0: none */
	__u64 end_us;    /* when the session ended (0: live) */
	__u32 limit;     /* session_limit when the buffer started */
	__u32 chunks;    /* chunks allocated */
	__u32 max_chunks;
	__u8 mode;
	__u8 trimmed;    /* global_limit stopped the buffer growing */
	__u8 pending;    /* reason of a dump asked for and not made yet; 0: none */
	__u8 off;        /* HEAD_AUTO dumped: nothing more is kept */
	__u64 pending_head; /* head when it was asked for: the dump ends there */
	__u64 sticky_seq[ELOG_BB_STICKY]; /* sequence number + 1 of sticky[i]; 0: empty */
	struct elog_bb_slot sticky[ELOG_BB_STICKY];
};

/* Event ids (+ 1; 0: none) whose latest record a session keeps apart. */
struct elog_bb_sticky_ids {
	__u32 id1[ELOG_BB_STICKY];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ELOG_BB_MAX_CHUNKS);
	__type(key, struct elog_bb_key);
	__type(value, struct elog_bb_chunk);
} elog_bb_buf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, ELOG_BB_MAX_SESSIONS);
	__type(key, __u64);
	__type(value, struct elog_bb_sess);
} elog_bb_meta SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct elog_bb_stats);
} elog_bb_stats SEC(".maps");

/*
 * Sessions whose dump a trigger asked for. Hooks do not dump themselves: a
 * dump's calls on top of a hook's own reach the 512-byte combined stack
 * limit, and a softirq hook should not copy thousands of records. The live
 * consumers look at this queue as they poll and have the dumps made by
 * elog_bb_dumpreq (ELOG_BB_DUMP_PENDING), in the order they were asked for.
 */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, ELOG_BB_MAX_SESSIONS);
	__type(value, __u64);
} elog_bb_pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct elog_bb_sticky_ids);
} elog_bb_sticky SEC(".maps");

/* A source for new chunks and sessions (bpf_map_update_elem copies from a
 * map value: both are larger than the 512-byte stack). The session part is
 * never written; the chunk part doubles as this CPU's scratch record for
 * BLACKBOX_DUMP (a new chunk's slots are written before they are read). */
struct elog_bb_blank {
	struct elog_bb_chunk c;
	struct elog_bb_sess s;
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct elog_bb_blank);
} elog_bb_zero SEC(".maps");

static __always_inline __s64 elog__knob(__u32 k)
{
	__s64 *v = bpf_map_lookup_elem(&elog_knobs, &k);

	return v ? *v : 0;
}

static __always_inline struct elog_bb_stats *elog__bb_stats(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&elog_bb_stats, &zero);
}

/* A mode that keeps events in the kernel. */
static __always_inline int elog__bb_buffered(__u8 mode)
{
	return mode != ELOG_BB_CONTINUAL && mode != ELOG_BB_OFF && mode <= ELOG_BB_MODE_MAX;
}

/* The buffer of session sid, created at its first event. */
static __always_inline struct elog_bb_sess *elog__bb_sess(__u64 sid, __u8 mode)
{
	struct elog_bb_sess *m = bpf_map_lookup_elem(&elog_bb_meta, &sid);
	struct elog_bb_blank *blank;
	struct elog_bb_stats *st;
	__u32 zero = 0;
	__s64 limit;

	if (m)
		return m;
	blank = bpf_map_lookup_elem(&elog_bb_zero, &zero);
	st = elog__bb_stats();
	if (!blank || !st)
		return 0;
	if (bpf_map_update_elem(&elog_bb_meta, &sid, &blank->s, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(&elog_bb_meta, &sid)) {
		__sync_fetch_and_add(&st->refused, 1); /* ELOG_BB_MAX_SESSIONS */
		return 0;
	}
	m = bpf_map_lookup_elem(&elog_bb_meta, &sid);
	if (!m)
		return 0;
	limit = elog__knob(ELOG_KNOB_BB_SESSION_LIMIT);
	if (limit < 1)
		limit = 1;
	m->limit = (__u32)limit;
	m->max_chunks = (__u32)((limit + ELOG_BB_CHUNK_RECS - 1) / ELOG_BB_CHUNK_RECS);
	m->mode = mode;
	__sync_fetch_and_add(&st->sessions, 1);
	return m;
}

/* The slot for sequence number seq of session m (allocating its chunk), or
 * NULL when the buffer cannot hold it: HEAD past N, or global_limit. */
static __always_inline struct elog_bb_slot *elog__bb_slot(__u64 sid, struct elog_bb_sess *m, __u64 seq)
{
	struct elog_bb_key key = { .sid = sid };
	struct elog_bb_chunk *c;
	struct elog_bb_blank *blank;
	struct elog_bb_stats *st;
	__u32 zero = 0;
	__u64 n = seq / ELOG_BB_CHUNK_RECS, max = m->max_chunks;
	long err;

	if (!max)
		return 0;
	if (m->mode != ELOG_BB_TAIL && m->mode != ELOG_BB_TAIL_AUTO) {
		if (seq >= m->limit)
			return 0; /* HEAD: the first N only */
	} else {
		n %= max;
	}
	key.chunk = n;
	c = bpf_map_lookup_elem(&elog_bb_buf, &key);
	if (!c) {
		st = elog__bb_stats();
		blank = bpf_map_lookup_elem(&elog_bb_zero, &zero);
		if (!st || !blank)
			return 0;
		err = -1;
		if (st->records + ELOG_BB_CHUNK_RECS <= (__u64)elog__knob(ELOG_KNOB_BB_GLOBAL_LIMIT))
			err = bpf_map_update_elem(&elog_bb_buf, &key, &blank->c, BPF_NOEXIST);
		/* Another CPU's event of this session made the chunk since
		 * the lookup (head is shared, so two events can start one
		 * chunk at once): theirs is the one to use. */
		if (err == -ELOG_EEXIST) {
			c = bpf_map_lookup_elem(&elog_bb_buf, &key);
		} else if (err) {
			/* Full: the buffer stays the chunks it has (a ring of
			 * them in TAIL); none yet is a session refused. */
			if (!m->trimmed) {
				m->trimmed = 1;
				__sync_fetch_and_add(m->chunks ? &st->trimmed : &st->refused, 1);
			}
			m->max_chunks = m->chunks;
			if (!m->chunks || (m->mode != ELOG_BB_TAIL && m->mode != ELOG_BB_TAIL_AUTO))
				return 0;
			key.chunk = seq / ELOG_BB_CHUNK_RECS % m->chunks;
			c = bpf_map_lookup_elem(&elog_bb_buf, &key);
		} else {
			__sync_fetch_and_add(&st->records, ELOG_BB_CHUNK_RECS);
			__sync_fetch_and_add(&m->chunks, 1);
			c = bpf_map_lookup_elem(&elog_bb_buf, &key);
		}
		if (!c)
			return 0;
	}
	return &c->slot[seq % ELOG_BB_CHUNK_RECS];
}

/* Sequence numbers [*from, head) that a dump of m can give (TAIL: the
 * newest N still in the ring; HEAD: what was kept). */
static __always_inline __u64 elog__bb_range(const struct elog_bb_sess *m, __u64 upto, __u64 *from)
{
	__u64 head = upto, first = m->first, cap = (__u64)m->max_chunks * ELOG_BB_CHUNK_RECS;

	if (m->mode == ELOG_BB_TAIL || m->mode == ELOG_BB_TAIL_AUTO) {
		if (cap > m->limit)
			cap = m->limit;
		if (head - first > cap)
			first = head - cap;
	} else {
		if (cap > m->limit)
			cap = m->limit;
		if (head > cap)
			head = cap;
		if (first > head)
			first = head;
	}
	*from = first;
	return head;
}

/* One buffered record (or the BLACKBOX_DUMP one) to every subscriber whose
 * filter takes it, into this CPU's ring. A global function: verified once,
 * not at every step of the dump loop that calls it (the slot loop inside
 * a bpf_loop callback multiplies the verifier's states). */
__noinline int elog_bb_deliver(struct elog_bb_slot *r)
{
	struct elog_conf *conf = elog__conf();
	__u32 i, mask, cpu = bpf_get_smp_processor_id() % ELOG_RING_CPUS;
	__u64 len;

	if (!r || !conf || !conf->nsubs)
		return 0;
	len = r->hdr.event_length;
	if (len < ELOG_EVENT_HDR_SIZE || len > ELOG_EVENT_HDR_SIZE + ELOG_BB_PAYLOAD_MAX)
		return 0; /* a slot being written right now: not a record yet */
	mask = conf->slot_mask ? conf->slot_mask : (1u << ELOG_MAX_SUBSCRIBERS) - 1;
	for (i = 0; i < ELOG_MAX_SUBSCRIBERS; i++) {
		struct elog_sub_cfg *c;
		struct elog_slot_stats *st;
		__u32 key = i;
		void *ring;

		if (!(mask >> i))
			break;
		if (!(mask & (1u << i)))
			continue;
		c = bpf_map_lookup_elem(&elog_subs, &key);
		if (!c || !elog__match(c, 0, r->level, r->keywords))
			continue;
		st = bpf_map_lookup_elem(&elog_stats, &key);
		key = ELOG_RING_INDEX(cpu, i);
		ring = bpf_map_lookup_elem(&elog_rings, &key);
		if (!st)
			continue;
		if (!ring) {
			elog__count_st(st, 0);
			continue;
		}
		barrier_var(len);
		if (len > ELOG_BB_REC_SIZE)
			continue;
		elog__count_st(st, bpf_ringbuf_output(ring, r, len, elog__wake_flags(st, c, len)) == 0);
	}
	return 0;
}

struct elog_bb_dump_ctx {
	__u64 sid;
	__u64 from;
	struct elog_bb_sess *m;
};

static int elog__bb_dump_one(__u64 i, struct elog_bb_dump_ctx *x)
{
	struct elog_bb_key key = { .sid = x->sid };
	struct elog_bb_sess *m = x->m;
	struct elog_bb_chunk *c;
	__u64 seq = x->from + i;

	if (!m)
		return 1;
	key.chunk = seq / ELOG_BB_CHUNK_RECS;
	if ((m->mode == ELOG_BB_TAIL || m->mode == ELOG_BB_TAIL_AUTO) && m->max_chunks)
		key.chunk %= m->max_chunks;
	c = bpf_map_lookup_elem(&elog_bb_buf, &key);
	if (c)
		elog_bb_deliver(&c->slot[seq % ELOG_BB_CHUNK_RECS]);
	return 0;
}

/* The sticky records older than `from` (no longer in the ring). */
static __always_inline __u32 elog__bb_sticky_count(const struct elog_bb_sess *m, __u64 from)
{
	__u32 k, n = 0;

	for (k = 0; k < ELOG_BB_STICKY; k++)
		if (m->sticky_seq[k] && m->sticky_seq[k] - 1 < from)
			n++;
	return n;
}

/*
 * Dumps session sid's buffer: BLACKBOX_DUMP, the sticky records the ring
 * lost, then the kept records; the buffer is empty afterwards. Nobody
 * subscribed: nothing is dumped and the buffer stays (counted). A global
 * function: verified once, not inline in each caller's state (the dump
 * request's map walk went past the verifier's limit with it inline).
 */
__noinline int elog__bb_dump(__u64 sid, struct elog_bb_sess *m, __u32 reason, __u64 upto)
{
	struct elog_conf *conf = elog__conf();
	struct elog_bb_stats *st = elog__bb_stats();
	struct elog_bb_dump_ctx x = { .sid = sid, .m = m };
	struct elog_bb_blank *blank;
	struct elog_bb_slot *d;
	struct elog_bb_dump *p;
	__u32 zero = 0, k, nsticky;
	__u64 head, from;

	if (!st || !m)
		return 0;
	if (!conf || !conf->nsubs) {
		__sync_fetch_and_add(&st->undelivered, 1);
		return 0;
	}
	/* The BLACKBOX_DUMP record is built in this CPU's blank chunk: a
	 * slot of it is scratch no one else reads. */
	blank = bpf_map_lookup_elem(&elog_bb_zero, &zero);
	if (!blank)
		return 0;
	if (upto > m->head || upto < m->first)
		upto = m->head;
	head = elog__bb_range(m, upto, &from);
	nsticky = elog__bb_sticky_count(m, from);
	d = &blank->c.slot[0];
	__builtin_memset(d, 0, sizeof(*d));
	d->hdr.event_length = ELOG_EVENT_HDR_SIZE + sizeof(struct elog_bb_dump);
	d->hdr.cpu = (__u16)bpf_get_smp_processor_id();
	d->hdr.provider_id = (__u16)conf->provider_id;
	d->hdr.timestamp = bpf_ktime_get_boot_ns() / 1000;
	d->hdr.session_id = sid;
	d->hdr.event_id = ELOG_BB_DUMP_ID;
	d->hdr.thread_id = (__s32)bpf_get_current_pid_tgid();
	d->level = ELOG_BPF_LEVEL_INFO;
	d->keywords = ELOG_BPF_KEYWORD_SESSION;
	p = (struct elog_bb_dump *)d->payload;
	p->reason = reason;
	p->events = (__u32)(head - from) + nsticky;
	p->overwritten = (upto - m->first) - (head - from);
	p->group = m->group;
	p->mode = m->mode;
	elog_bb_deliver(d);
	/* In the provider's order, not by time: sorting them here cost the
	 * verifier 40 % of its limit and more; the consumer puts a dump's
	 * records in time order (lib/rt/bb_block.c). */
	for (k = 0; k < ELOG_BB_STICKY; k++)
		if (m->sticky_seq[k] && m->sticky_seq[k] - 1 < from)
			elog_bb_deliver(&m->sticky[k]);
	x.from = from;
	bpf_loop((__u32)(head - from), elog__bb_dump_one, &x, 0);
	__sync_fetch_and_add(&st->dumps, 1);
	__sync_fetch_and_add(&st->dumped, p->events);
	__sync_fetch_and_add(&st->overwritten, p->overwritten);
	m->first = upto;
	if (m->pending && m->pending_head <= upto)
		m->pending = 0;
	return 1;
}

/*
 * Wakes the live consumers so that a dump just asked for is made now, not
 * at their next timeout (a consumer with nothing to do sleeps up to a
 * second; a trigger is rare and writes nothing of its own): an empty record
 * discarded with BPF_RB_FORCE_WAKEUP in this CPU's ring of each (nothing is
 * delivered or counted; the consumer skips it). A global function: verified
 * once per program, not at every trigger inlined into the hooks.
 */
__noinline int elog__bb_poke(void)
{
	struct elog_conf *conf = elog__conf();
	__u32 i, mask, cpu = bpf_get_smp_processor_id() % ELOG_RING_CPUS;

	if (!conf || !conf->nsubs)
		return 0;
	mask = conf->slot_mask ? conf->slot_mask : (1u << ELOG_MAX_SUBSCRIBERS) - 1;
	for (i = 0; i < ELOG_MAX_SUBSCRIBERS; i++) {
		struct elog_sub_cfg *c;
		__u32 key = i;
		void *ring, *p;

		if (!(mask >> i))
			break;
		if (!(mask & (1u << i)))
			continue;
		c = bpf_map_lookup_elem(&elog_subs, &key);
		if (!c || c->active != ELOG_SLOT_LIVE)
			continue;
		key = ELOG_RING_INDEX(cpu, i);
		ring = bpf_map_lookup_elem(&elog_rings, &key);
		if (!ring)
			continue;
		p = bpf_ringbuf_reserve(ring, 8, 0);
		if (p)
			bpf_ringbuf_discard(p, BPF_RB_FORCE_WAKEUP);
	}
	return 0;
}

/* Asks for a dump of session sid (made by the next live consumer's poll,
 * up to the events it has now). Returns 1 when queued (or already). */
static __always_inline int elog__bb_request(__u64 sid, struct elog_bb_sess *m, __u32 reason)
{
	struct elog_bb_stats *st;

	if (m->pending) {
		st = elog__bb_stats();
		if (st)
			__sync_fetch_and_add(&st->merged, 1);
		return 1;
	}
	m->pending = (__u8)reason;
	m->pending_head = m->head;
	if (bpf_map_push_elem(&elog_bb_pending, &sid, 0) == 0) {
		elog__bb_poke();
		return 1;
	}
	m->pending = 0;
	st = elog__bb_stats();
	if (st)
		__sync_fetch_and_add(&st->undelivered, 1);
	return 0;
}

struct elog_bb_free_ctx {
	__u64 sid;
};

static int elog__bb_free_one(__u64 i, struct elog_bb_free_ctx *x)
{
	struct elog_bb_key key = { .sid = x->sid, .chunk = i };

	bpf_map_delete_elem(&elog_bb_buf, &key);
	return 0;
}

/* Frees session sid's buffer and its bookkeeping (global: as above). */
__noinline int elog__bb_free(__u64 sid, struct elog_bb_sess *m)
{
	struct elog_bb_stats *st = elog__bb_stats();
	struct elog_bb_free_ctx x = { .sid = sid };
	__u32 n;

	if (!m)
		return 0;
	n = m->chunks;
	bpf_loop(n, elog__bb_free_one, &x, 0);
	if (st)
		__sync_fetch_and_add(&st->records, -(__s64)n * ELOG_BB_CHUNK_RECS);
	bpf_map_delete_elem(&elog_bb_meta, &sid);
	return 0;
}

/* Fills slot d with one event whose payload (len bytes) is in a buffer of
 * room bytes. The producers' buffer is the record itself, room a constant
 * (the schema's longest payload): the whole of it (up to a slot's payload)
 * is copied with plain loads and stores, cheaper than a helper call for
 * len bytes; what it copies past len is never read (event_length). A room
 * that is not a constant goes through bpf_probe_read_kernel, the length
 * checked here, next to the call: the verifier loses the caller's check
 * when clang spills it. */
static __always_inline void elog__bb_fill(struct elog_bb_slot *d, __u8 level, __u32 keywords,
					  const struct elog_event_hdr *hdr, const void *payload,
					  __u32 len, __u32 room)
{
	__u64 n = len;

	/* Not a record until the header is in (a dump running on another
	 * CPU skips it). */
	d->hdr.event_length = 0;
	if (__builtin_constant_p(room)) {
		/* In words: the record is 8-byte aligned (its header starts
		 * with one), and a memcpy of a void * is lowered byte by
		 * byte. */
		__u32 k, w = (room < ELOG_BB_PAYLOAD_MAX ? room : ELOG_BB_PAYLOAD_MAX);

#pragma unroll
		for (k = 0; k < w / 8; k++)
			((__u64 *)d->payload)[k] = ((const __u64 *)payload)[k];
#pragma unroll
		for (k = w / 8 * 8; k < w; k++)
			d->payload[k] = ((const __u8 *)payload)[k];
	} else {
		barrier_var(n);
		if (n && n <= ELOG_BB_PAYLOAD_MAX && payload)
			bpf_probe_read_kernel(d->payload, n, payload);
	}
	d->keywords = keywords;
	d->level = level;
	__builtin_memcpy(&d->hdr, hdr, ELOG_EVENT_HDR_SIZE);
}

/* Keeps one event of a buffered session (hdr filled by elog__emit). */
static __always_inline void elog__bb_keep(const struct elog_session *s, __u8 level, __u32 keywords,
					  const struct elog_event_hdr *hdr, const void *payload,
					  __u32 len, __u32 room)
{
	struct elog_bb_stats *st;
	struct elog_bb_sess *m;
	struct elog_bb_slot *d;
	struct elog_bb_sticky_ids *ids;
	__u32 zero = 0, k;
	__u64 seq;

	if (len > ELOG_BB_PAYLOAD_MAX || len > room) {
		st = elog__bb_stats();
		if (st)
			__sync_fetch_and_add(&st->too_big, 1);
		return;
	}
	m = elog__bb_sess(s->id, s->mode);
	if (!m || m->off)
		return; /* HEAD_AUTO full: off from then on */
	seq = __sync_fetch_and_add(&m->head, 1);
	d = elog__bb_slot(s->id, m, seq);
	if (d)
		elog__bb_fill(d, level, keywords, hdr, payload, len, room);
	ids = bpf_map_lookup_elem(&elog_bb_sticky, &zero);
	if (ids) {
		for (k = 0; k < ELOG_BB_STICKY; k++) {
			if (ids->id1[k] != hdr->event_id + 1)
				continue;
			elog__bb_fill(&m->sticky[k], level, keywords, hdr, payload, len, room);
			m->sticky_seq[k] = seq + 1;
			break;
		}
	}
	if (m->mode == ELOG_BB_HEAD_AUTO && seq + 1 == m->limit) {
		if (elog__knob(ELOG_KNOB_BB_TRIG_FULL))
			elog__bb_request(s->id, m, ELOG_BB_REASON_FULL);
		m->off = 1;
	}
}

/* A walk over every buffered session (bpf_for_each_map_elem). */
struct elog_bb_walk {
	__u32 scope;  /* enum elog_bb_dump_scope */
	__u32 reason;
	__u64 key;
	__u64 now_us;
	__u64 linger_us;
	__u64 dumped;
	__u8 request; /* ask for the dumps (a hook) rather than make them */
};

/* An ended session whose dump is not pending and whose linger time is
 * over (or that has no group to linger for) has nothing left to give. */
static __always_inline int elog__bb_spent(const struct elog_bb_sess *m, __u64 now_us, __u64 linger_us)
{
	return m->end_us && !m->pending && (!m->group || now_us - m->end_us >= linger_us);
}

static long elog__bb_walk_one(void *map, __u64 *sid, struct elog_bb_sess *m, struct elog_bb_walk *w)
{
	if (w->scope == ELOG_BB_DUMP_GROUP && (m->group != w->key || !w->key))
		goto spent;
	if (w->scope == ELOG_BB_DUMP_SESSION && *sid != w->key)
		goto spent;
	if (w->scope == ELOG_BB_SWEEP)
		goto spent;
	if (w->request) {
		w->dumped += elog__bb_request(*sid, m, w->reason);
		return 0;
	}
	if (elog__bb_dump(*sid, m, w->reason, m->head))
		w->dumped++;
spent:
	if (!w->request && elog__bb_spent(m, w->now_us, w->linger_us))
		elog__bb_free(*sid, m);
	return 0;
}

static __always_inline __u64 elog__bb_walk(__u32 scope, __u32 reason, __u64 key, int request)
{
	struct elog_bb_walk w = {
		.scope = scope,
		.reason = reason,
		.key = key,
		.now_us = bpf_ktime_get_boot_ns() / 1000,
		.linger_us = (__u64)elog__knob(ELOG_KNOB_BB_LINGER_S) * 1000000,
		.request = (__u8)request,
	};

	bpf_for_each_map_elem(&elog_bb_meta, elog__bb_walk_one, &w, 0);
	return w.dumped;
}

/* Makes the dumps asked for, oldest request first (at most 4096 a call:
 * the consumer calls again while the queue is not empty). */
struct elog_bb_pending_ctx {
	__u64 dumped;
	__u64 now_us;
	__u64 linger_us;
};

static int elog__bb_pending_one(__u64 i, struct elog_bb_pending_ctx *x)
{
	struct elog_bb_sess *m;
	__u64 sid;

	if (bpf_map_pop_elem(&elog_bb_pending, &sid))
		return 1;
	m = bpf_map_lookup_elem(&elog_bb_meta, &sid);
	if (!m || !m->pending)
		return 0;
	if (elog__bb_dump(sid, m, m->pending, m->pending_head))
		x->dumped++;
	m->pending = 0;
	if (elog__bb_spent(m, x->now_us, x->linger_us))
		elog__bb_free(sid, m);
	return 0;
}

/* ---- black box: the API providers use ---- */

/* Asks for a dump of session s's buffer (a provider's trigger; reason >=
 * ELOG_BB_REASON_PROVIDER): the events it holds now go out with the next
 * poll of a live consumer. Returns 1 when asked. */
static __always_inline int elog_bb_trigger(const struct elog_session *s, __u32 reason)
{
	struct elog_bb_sess *m;

	if (!s || !s->enabled || !elog__bb_buffered(s->mode))
		return 0;
	m = bpf_map_lookup_elem(&elog_bb_meta, &s->id);
	if (!m || m->end_us)
		return 0;
	return elog__bb_request(s->id, m, reason);
}

/* Asks for a dump of every buffered session of group (ended ones within
 * their linger time included). Returns the sessions asked for. */
static __always_inline __u64 elog_bb_dump_group(__u64 group, __u32 reason)
{
	if (!group)
		return 0;
	return elog__bb_walk(ELOG_BB_DUMP_GROUP, reason, group, 1);
}

/* Records session s's group (the hash of its log id; 0: none). */
static __always_inline void elog_bb_set_group(const struct elog_session *s, __u64 group)
{
	struct elog_bb_sess *m;

	if (!s || !elog__bb_buffered(s->mode))
		return;
	m = elog__bb_sess(s->id, s->mode);
	if (m)
		m->group = group;
}

/* auto_ratio's verdict for a key (eventlog_abi.h, elog_bb_pick). */
static __always_inline int elog_bb_picked(__u64 key)
{
	__s64 ratio = elog__knob(ELOG_KNOB_BB_AUTO_RATIO);

	return ratio <= 1 || elog_bb_pick(key) % (__u64)ratio == 0;
}

/* Sets session s's mode (the socket option): a value of enum elog_bb_mode.
 * A buffer it already has keeps what it holds (a dump still gives it). */
static __always_inline void elog_bb_set_mode(struct elog_session *s, __u8 mode)
{
	struct elog_bb_sess *m;

	s->mode = mode;
	m = bpf_map_lookup_elem(&elog_bb_meta, &s->id);
	if (m && elog__bb_buffered(mode) && m->mode != mode) {
		m->mode = mode;
		m->off = 0;
	}
}

/* A session ends: TAIL_AUTO asks for its dump; the buffer is freed once
 * nothing more can come of it (after that dump, after its linger time
 * when it has a group: a group dump still includes it until then). */
static __always_inline void elog__bb_end(const struct elog_session *s)
{
	struct elog_bb_sess *m = bpf_map_lookup_elem(&elog_bb_meta, &s->id);

	if (!m)
		return;
	m->end_us = bpf_ktime_get_boot_ns() / 1000;
	if (m->mode == ELOG_BB_TAIL_AUTO && elog__knob(ELOG_KNOB_BB_TRIG_END))
		elog__bb_request(s->id, m, ELOG_BB_REASON_END);
	if (elog__bb_spent(m, m->end_us, (__u64)elog__knob(ELOG_KNOB_BB_LINGER_S) * 1000000))
		elog__bb_free(s->id, m);
}

/*
 * Dumps asked for from userspace (elog --dump: every session, one, one
 * group), the dumps triggers asked for (ELOG_BB_DUMP_PENDING, run by the
 * live consumers), and the sweep of ended sessions past their linger time.
 */
SEC("syscall")
int elog_bb_dumpreq(struct elog_bb_dump_req *ctx)
{
	struct elog_bb_pending_ctx x = {
		.now_us = bpf_ktime_get_boot_ns() / 1000,
		.linger_us = (__u64)elog__knob(ELOG_KNOB_BB_LINGER_S) * 1000000,
	};
	struct elog_bb_sess *m;
	__u64 sid;

	switch (ctx->scope) {
	case ELOG_BB_DUMP_SESSION:
		sid = ctx->key;
		m = bpf_map_lookup_elem(&elog_bb_meta, &sid);
		ctx->dumped = m && elog__bb_dump(sid, m, ctx->reason, m->head);
		return 0;
	case ELOG_BB_DUMP_PENDING:
		bpf_loop(4096, elog__bb_pending_one, &x, 0);
		ctx->dumped = x.dumped;
		return 0;
	case ELOG_BB_DUMP_ALL:
	case ELOG_BB_DUMP_GROUP:
	case ELOG_BB_SWEEP:
		ctx->dumped = elog__bb_walk(ctx->scope, ctx->reason, ctx->key, 0);
		return 0;
	default:
		return 1;
	}
}

/*
 * Fills hdr for session s (everything but event_id, and the timestamp when
 * the caller has set one) and writes the record (hdr, then len payload
 * bytes, in room bytes) to every matching subscriber (or only to s->target
 * when that is >= 0).
 */
static __always_inline void elog__emit(const struct elog_session *s, __u8 level, __u32 keywords,
				       struct elog_event_hdr *hdr, __u32 len, __u32 room)
{
	struct elog_conf *conf;
	__s32 target = -1;
	__u32 i, mask;

	conf = elog__conf();
	if (!conf)
		return;
	if (s)
		target = s->target;
	/* A buffered session's events go to its buffer, with or without
	 * subscribers; a dump aimed at one slot (state) still goes out. */
	if (!(s && target < 0 && elog__bb_buffered(s->mode)) && !conf->nsubs)
		return;
	/* Active slots: the runtime keeps the mask with the aggregate, so the
	 * usual single subscriber costs one slot lookup, not sixteen. */
	mask = conf->slot_mask ? conf->slot_mask : (1u << ELOG_MAX_SUBSCRIBERS) - 1;

	hdr->event_length = len > ELOG_PAYLOAD_MAX ? 0 : (__u16)(ELOG_EVENT_HDR_SIZE + len);
	hdr->cpu = (__u16)bpf_get_smp_processor_id();
	hdr->provider_id = (__u16)conf->provider_id;
	hdr->reserved = 0;
	if (!hdr->timestamp)
		hdr->timestamp = bpf_ktime_get_boot_ns() / 1000;
	hdr->session_id = s ? s->id : ELOG_BPF_SESSION_ID_NONE;
	hdr->thread_id = (__s32)bpf_get_current_pid_tgid();

	if (s && target < 0 && elog__bb_buffered(s->mode)) {
		elog__bb_keep(s, level, keywords, hdr, hdr + 1, len, room);
		return;
	}
	if (target >= 0) {
		/* Aimed at one slot (a dump): no loop. Kept apart from the
		 * loop below so the verifier does not fork every iteration of
		 * it on a target it cannot know. */
		if (target < ELOG_MAX_SUBSCRIBERS)
			elog__emit_slot((__u32)target, 1, level, keywords, hdr, len, room);
		return;
	}
	for (i = 0; i < ELOG_MAX_SUBSCRIBERS; i++) {
		if (!(mask >> i))
			break; /* no active slot above i */
		if (mask & (1u << i))
			elog__emit_slot(i, 0, level, keywords, hdr, len, room);
	}
}

/* ---- the API providers use ---- */

/*
 * Non-zero when an event of this level/keywords from session s would reach
 * at least one subscriber. Cheap: the aggregate over active slots, no loop.
 */
static __always_inline int elog_would_log(const struct elog_session *s, __u8 level, __u32 keywords)
{
	struct elog_conf *conf;

	if (!s || !s->enabled || s->mode == ELOG_BB_OFF)
		return 0;
	/* Buffered: every event is kept, whoever listens (the subscribers'
	 * filters apply when it is dumped). */
	if (elog__bb_buffered(s->mode))
		return 1;
	conf = elog__conf();
	if (!conf || !conf->nsubs)
		return 0;
	return level <= conf->agg_level && (keywords & conf->agg_keywords) != 0;
}

/*
 * Zero when no session of this provider is enabled (sessions_enabled, kept
 * exact by the calls below): a hook that runs for every packet or timer of
 * the host can return after this one array read instead of looking its
 * socket up, while a capture waits for sessions to be switched on.
 */
static __always_inline int elog_any_enabled(void)
{
	struct elog_state *st = elog__state();

	return st && st->sessions_enabled != 0;
}

/*
 * Writes one event for session s to every matching subscriber (or only to
 * s->target when that is >= 0): the one way out of every event. rec is the
 * record laid out in one piece, the header with event_id set, followed by
 * len payload bytes in a buffer of room bytes (a constant; a longer len is
 * counted as dropped). rec->timestamp, when not 0, is kept: a hook that
 * emits several events stamps them with one clock read. Each subscriber
 * costs one bpf_ringbuf_output(). Does not look at s->enabled: the
 * generated _LOG macros gate on elog_would_log(), _LOG_ALWAYS and _SEND
 * do not.
 */
static __always_inline void elog_emit_rec(const struct elog_session *s, __u8 level, __u32 keywords,
					  struct elog_event_hdr *rec, __u32 len, __u32 room)
{
	elog__emit(s, level, keywords, rec, len, room);
}

/* The framework's own events, which carry no payload. */
static __always_inline void elog__emit_bare(const struct elog_session *s, __u32 id, __u8 level,
					    __u32 keywords)
{
	struct elog_event_hdr hdr;

	hdr.timestamp = 0;
	hdr.event_id = id;
	elog__emit(s, level, keywords, &hdr, 0, 0);
}

/* The provider default stored by the runtime: 0 or 1. */
static __always_inline int elog_default(void)
{
	struct elog_conf *conf = elog__conf();

	return conf ? conf->default_on != 0 : 0;
}

/*
 * Starts observing a session: counters, enabled per the provider default.
 * Emits nothing: the provider emits SESSION_CREATE (with its payload) and its
 * state events when the session is enabled.
 */
static __always_inline void elog_session_init(struct elog_session *s, __u64 id)
{
	struct elog_state *st = elog__state();

	s->id = id;
	s->target = -1;
	s->enabled = (__u8)elog_default();
	s->mode = (__u8)elog__knob(ELOG_KNOB_BB_MODE);
	/* auto_ratio: 1 in N of the sessions the default enables, by the hash
	 * of their id (of their group, once they are given one: the provider
	 * asks elog_bb_picked() again then). */
	if (s->enabled && elog__knob(ELOG_KNOB_BB_AUTO_RATIO) > 1) {
		if (!elog_bb_picked(id)) {
			s->enabled = 0;
		} else {
			__s64 am = elog__knob(ELOG_KNOB_BB_AUTO_MODE);

			if (am >= 0 && am <= ELOG_BB_MODE_MAX)
				s->mode = (__u8)am;
		}
	}
	if (!st)
		return;
	__sync_fetch_and_add(&st->sessions_created, 1);
	__sync_fetch_and_add(&st->sessions_active, 1);
	if (s->enabled)
		__sync_fetch_and_add(&st->sessions_enabled, 1);
}

/* Switches a session on or off, keeping sessions_enabled exact. */
static __always_inline void elog_session_set_enabled(struct elog_session *s, int on)
{
	struct elog_state *st;
	__u8 v = on ? 1 : 0;

	if (s->enabled == v)
		return;
	s->enabled = v;
	st = elog__state();
	if (!st)
		return;
	if (v)
		__sync_fetch_and_add(&st->sessions_enabled, 1);
	else
		__sync_fetch_and_add(&st->sessions_enabled, -1);
}

/* Ends a session: SESSION_END if it was enabled, then the counters. */
static __always_inline void elog_session_fini(struct elog_session *s)
{
	struct elog_state *st;

	if (s->enabled && elog_would_log(s, ELOG_BPF_LEVEL_INFO, ELOG_BPF_KEYWORD_SESSION))
		elog__emit_bare(s, ELOG_BPF_SESSION_END_ID, ELOG_BPF_LEVEL_INFO,
				ELOG_BPF_KEYWORD_SESSION);
	elog__bb_end(s);
	st = elog__state();
	if (st) {
		if (s->enabled)
			__sync_fetch_and_add(&st->sessions_enabled, -1);
		__sync_fetch_and_add(&st->sessions_active, -1);
	}
	s->enabled = 0;
}

/* ---- emit interface of the generated producer headers ---- */

#define ELOG_SESSION_ENABLED(s, level, keywords) elog_would_log((s), (level), (keywords))
/* A provider may define ELOG_EMIT_REC itself, before including this file,
 * to route every record through one global function of its own: the
 * verifier checks a global function once per program, where the inlined
 * subscriber loop is checked again at every emit site. */
#ifndef ELOG_EMIT_REC
#define ELOG_EMIT_REC(s, level, keywords, rec, len, room) \
	elog_emit_rec((s), (level), (keywords), (rec), (len), (room))
#endif
/* dst is a zeroed char[size]; the helper always NUL-terminates (and zeroes
 * dst on a fault). */
#define ELOG_STRCPY(dst, src, size) bpf_probe_read_kernel_str((dst), (size), (src))
/* len is already bounded by the generated code (max x element size). */
#define ELOG_MEMCPY(dst, src, len) bpf_probe_read_kernel((dst), (len), (src))

/*
 * DUMP_COMPLETE, run by the runtime (BPF_PROG_TEST_RUN) after a provider's
 * dump_state(slot) so that it lands in that subscriber's ring after every
 * dumped record. Only a BPF program can write into a ring buffer.
 */
SEC("syscall")
int elog_dump_done(struct elog_dump_done_ctx *ctx)
{
	struct elog_session s = {
		.id = ELOG_BPF_SESSION_ID_NONE,
		.enabled = 1,
		.target = (__s8)ctx->slot,
	};

	if (ctx->slot >= ELOG_MAX_SUBSCRIBERS)
		return 1;
	elog__emit_bare(&s, ELOG_BPF_DUMP_COMPLETE_ID, ELOG_BPF_LEVEL_INFO,
			ELOG_BPF_KEYWORD_SESSION);
	return 0;
}

#endif /* ELOG_EVENTLOG_BPF_H */
