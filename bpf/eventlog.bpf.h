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
 * consumer also polls on a short timeout for the tail), because a wakeup per
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
 * epoll loses no wakeup, and it polls every 50 ms for a quiet tail. A lost
 * update of the count (a softirq program between load and store) only
 * moves the next wakeup.
 */
static __always_inline __u64 elog__wake_flags(struct elog_slot_stats *st, const struct elog_sub_cfg *c,
					      __u32 rec_len)
{
	__u64 n = st->unwoken + rec_len;

	if (n >= c->ring_bytes / 8) {
		st->unwoken = 0;
		return BPF_RB_FORCE_WAKEUP;
	}
	st->unwoken = n;
	return BPF_RB_NO_WAKEUP;
}

/*
 * Writes one record into slot's ring for this CPU (CPU 0's for a targeted
 * event); counts the outcome. room (a constant): when > 0, the payload
 * follows the header in memory, in a buffer of room bytes, and one
 * bpf_ringbuf_output() copies both; when 0, the payload is elsewhere and the
 * record is reserved and its two parts written into it.
 */
static __always_inline void elog__deliver(__u32 slot, int targeted, const struct elog_sub_cfg *c,
					  const struct elog_event_hdr *hdr,
					  const void *payload, __u32 len, __u32 room)
{
	struct bpf_dynptr rec;
	__u32 rec_len = ELOG_EVENT_HDR_SIZE + len;
	/* One key variable for the ring and then the counters, and the CPU
	 * read back from the header: a provider's emit frame can sit at the
	 * end of call chains that reach the 512-byte stack limit. */
	__u32 key = ELOG_RING_INDEX(targeted ? 0 : hdr->cpu % ELOG_RING_CPUS, slot);
	struct elog_slot_stats *st;
	__u64 flags;
	void *ring;
	long ret;

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
	if (room) {
		/* Bounded here, next to the call, for the verifier: the
		 * caller's buffer holds the header and room bytes.
		 * (The caller checked len already; barrier_var keeps clang
		 * from dropping this check as redundant.) */
		__u64 n = rec_len; /* 64-bit: one register, checked and passed */

		barrier_var(n);
		if (n > ELOG_EVENT_HDR_SIZE + room) {
			elog__count_st(st, 0);
			return;
		}
		ret = bpf_ringbuf_output(ring, (void *)hdr, n, flags);
		elog__count_st(st, ret == 0);
		return;
	}
	if (bpf_ringbuf_reserve_dynptr(ring, rec_len, 0, &rec)) {
		bpf_ringbuf_discard_dynptr(&rec, 0);
		elog__count_st(st, 0);
		return;
	}
	bpf_dynptr_write(&rec, 0, (void *)hdr, ELOG_EVENT_HDR_SIZE, 0);
	if (len && payload)
		bpf_dynptr_write(&rec, ELOG_EVENT_HDR_SIZE, (void *)payload, len, 0);
	bpf_ringbuf_submit_dynptr(&rec, flags);
	elog__count_st(st, 1);
}

/* One slot's share of an event: its filter, then the record or a drop. */
static __always_inline void elog__emit_slot(__u32 slot, int targeted, __u8 level, __u32 keywords,
					    const struct elog_event_hdr *hdr, const void *payload,
					    __u32 len, __u32 room)
{
	struct elog_sub_cfg *c = bpf_map_lookup_elem(&elog_subs, &slot);

	if (!c || !elog__match(c, targeted, level, keywords))
		return;
	if (len > ELOG_PAYLOAD_MAX) {
		/* Cannot be represented in a u16 event_length. */
		elog__count(&slot, 0);
		return;
	}
	elog__deliver(slot, targeted, c, hdr, payload, len, room);
}

/*
 * Fills hdr for session s (everything but event_id, and the timestamp when
 * the caller has set one) and writes the record to every matching subscriber
 * (or only to s->target when that is >= 0).
 */
static __always_inline void elog__emit(const struct elog_session *s, __u8 level, __u32 keywords,
				       struct elog_event_hdr *hdr, const void *payload, __u32 len,
				       __u32 room)
{
	struct elog_conf *conf;
	__s32 target = -1;
	__u32 i, mask;

	conf = elog__conf();
	if (!conf || !conf->nsubs)
		return;
	/* Active slots: the runtime keeps the mask with the aggregate, so the
	 * usual single subscriber costs one slot lookup, not sixteen. */
	mask = conf->slot_mask ? conf->slot_mask : (1u << ELOG_MAX_SUBSCRIBERS) - 1;
	if (s)
		target = s->target;

	hdr->event_length = len > ELOG_PAYLOAD_MAX ? 0 : (__u16)(ELOG_EVENT_HDR_SIZE + len);
	hdr->cpu = (__u16)bpf_get_smp_processor_id();
	hdr->provider_id = (__u16)conf->provider_id;
	hdr->reserved = 0;
	if (!hdr->timestamp)
		hdr->timestamp = bpf_ktime_get_boot_ns() / 1000;
	hdr->session_id = s ? s->id : ELOG_BPF_SESSION_ID_NONE;
	hdr->thread_id = (__s32)bpf_get_current_pid_tgid();

	if (target >= 0) {
		/* Aimed at one slot (a dump): no loop. Kept apart from the
		 * loop below so the verifier does not fork every iteration of
		 * it on a target it cannot know. */
		if (target < ELOG_MAX_SUBSCRIBERS)
			elog__emit_slot((__u32)target, 1, level, keywords, hdr, payload, len, room);
		return;
	}
	for (i = 0; i < ELOG_MAX_SUBSCRIBERS; i++) {
		if (!(mask >> i))
			break; /* no active slot above i */
		if (mask & (1u << i))
			elog__emit_slot(i, 0, level, keywords, hdr, payload, len, room);
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

	if (!s || !s->enabled)
		return 0;
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
 * s->target when that is >= 0). Does not look at s->enabled: the
 * generated _LOG macros gate on elog_would_log(), _LOG_ALWAYS does not.
 */
static __always_inline void elog_emit(const struct elog_session *s, __u32 id, __u8 level,
				      __u32 keywords, const void *payload, __u32 len)
{
	struct elog_event_hdr hdr;

	hdr.timestamp = 0;
	hdr.event_id = id;
	elog__emit(s, level, keywords, &hdr, payload, len, 0);
}

/*
 * The same for a record laid out in one piece: rec is the header, with
 * event_id set, followed by len payload bytes in a buffer of room bytes (a
 * constant > 0; a longer len is counted as dropped). rec->timestamp, when
 * not 0, is kept: a hook that emits several events stamps them with one
 * clock read. Each subscriber costs one bpf_ringbuf_output(), not a
 * reserve, two writes and a submit.
 */
static __always_inline void elog_emit_rec(const struct elog_session *s, __u8 level, __u32 keywords,
					  struct elog_event_hdr *rec, __u32 len, __u32 room)
{
	elog__emit(s, level, keywords, rec, rec + 1, len, room);
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
		elog_emit(s, ELOG_BPF_SESSION_END_ID, ELOG_BPF_LEVEL_INFO,
			  ELOG_BPF_KEYWORD_SESSION, (void *)0, 0);
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
#define ELOG_EMIT(s, id, level, keywords, payload, len) \
	elog_emit((s), (id), (level), (keywords), (payload), (len))
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
	elog_emit(&s, ELOG_BPF_DUMP_COMPLETE_ID, ELOG_BPF_LEVEL_INFO,
		  ELOG_BPF_KEYWORD_SESSION, (void *)0, 0);
	return 0;
}

#endif /* ELOG_EVENTLOG_BPF_H */
