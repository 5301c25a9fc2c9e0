// SPDX-License-Identifier: BSD-2-Clause
/*
 * The test provider's kernel half: sessions and events driven entirely from
 * userspace (elog-testgen runs test_cmd through BPF_PROG_TEST_RUN), so the
 * framework (filters, slots, drops, dumps, defaults, counters) can be tested
 * exactly, without depending on what TCP happens to do.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>

#include "eventlog.bpf.h"
#include "test_eventlog.h"
#include "test_cmd.h"

/* The schema's BLACKBOX_DUMP names the payload the framework writes. */
_Static_assert(sizeof(struct test_eventlog_blackbox_dump) == sizeof(struct elog_bb_dump), "dump");
_Static_assert(__builtin_offsetof(struct test_eventlog_blackbox_dump, overwritten) ==
	       __builtin_offsetof(struct elog_bb_dump, overwritten), "dump overwritten");
_Static_assert(__builtin_offsetof(struct test_eventlog_blackbox_dump, mode) ==
	       __builtin_offsetof(struct elog_bb_dump, mode), "dump mode");

char LICENSE[] SEC("license") = "Dual BSD/GPL";

_Static_assert(TEST_EVENTLOG_SESSION_CREATE_ID == ELOG_BPF_SESSION_CREATE_ID,
	       "schema and framework agree on SESSION_CREATE");
_Static_assert(TEST_EVENTLOG_SESSION_END_ID == ELOG_BPF_SESSION_END_ID,
	       "schema and framework agree on SESSION_END");

struct test_session {
	struct elog_session s; /* first, as the framework expects */
	__u32 live;
	__u32 pad;
	__u64 seq;             /* events emitted: payload word 0 */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, TEST_MAX_SESSIONS);
	__type(key, __u32);
	__type(value, struct test_session);
} test_sessions SEC(".maps");

/* SESSION_CREATE for s (whose target says who gets it): the session's
 * whole state for this provider, so it is also what a dump re-emits. */
static __always_inline void test_announce(const struct elog_session *s)
{
	TEST_EVENTLOG_SESSION_CREATE_LOG(s, s->id);
}

/*
 * The bodies of the bpf_loop callbacks below are global functions: the
 * verifier checks a global function once, on its own, with arguments of
 * unknown value. Inlined into a callback, every event's delivery loop over
 * the subscriber slots was walked again for each state the loop reached,
 * which ran into the 1,000,000-instruction limit on some kernel builds.
 * A global function cannot follow a pointer it loads from memory, so the
 * session comes as an argument of its own; and a pointer argument may be
 * NULL as far as the verifier knows, so each one is checked.
 */
struct emit_args {
	__u32 event_id, level, keywords, len;
	__u32 back_us; /* > 0: stamp each event this long before now */
	__u32 pad;
};

struct emit_ctx {
	struct test_session *ts;
	struct emit_args a;
};

__noinline int test_emit_raw(struct test_session *ts, const struct emit_args *a)
{
	struct {
		struct elog_event_hdr hdr;
		__u64 payload[TEST_PAYLOAD_MAX / 8];
	} m = {};
	__u32 len;

	if (!ts || !a)
		return 1;
	len = a->len;
	if (len > TEST_PAYLOAD_MAX)
		return 1;
	m.payload[0] = ts->seq++;
	m.payload[1] = ts->s.id;
	if (!elog_would_log(&ts->s, (__u8)a->level, a->keywords))
		return 0;
	/* Any id and length, which no generated macro makes: the record goes
	 * straight to elog_emit_rec(), where the generated macros
	 * (test_emit_schema) arrive too. */
	m.hdr.event_id = a->event_id;
	if (a->back_us) {
		/* A preset timestamp, as if the record had waited back_us
		 * between its clock read and its ring (never 0: that means
		 * "read at emit"). */
		m.hdr.timestamp = bpf_ktime_get_boot_ns() / 1000;
		m.hdr.timestamp = m.hdr.timestamp > a->back_us ? m.hdr.timestamp - a->back_us : 1;
	}
	elog_emit_rec(&ts->s, (__u8)a->level, a->keywords, &m.hdr, len, TEST_PAYLOAD_MAX);
	return 0;
}

static long emit_one(__u32 i, struct emit_ctx *c)
{
	return test_emit_raw(c->ts, &c->a) ? 1 : 0;
}

/* One event through the generated producer macros (so the schema's levels,
 * keywords and layouts are what the BPF side really emits), fields derived
 * from the sequence number. Returns 1 for an unknown event id. */
__noinline int test_emit_schema(struct test_session *ts, __u32 event_id)
{
	__u32 v6[4] = { 0, 0, 0, bpf_htonl(1) };
	struct elog_session *s;
	__u64 values[8], seq;
	int i;

	if (!ts)
		return 1;
	s = &ts->s;
	seq = ts->seq++;
	for (i = 0; i < 8; i++)
		values[i] = seq + i;

	switch (event_id) {
	case TEST_EVENTLOG_PING_ID:
		TEST_EVENTLOG_PING_LOG(s);
		break;
	case TEST_EVENTLOG_SCALARS_ID:
		TEST_EVENTLOG_SCALARS_LOG(s, (__u8)seq, (__u16)seq, (__u32)seq, seq,
					  -(__s8)(seq & 0x7f), -(__s16)(seq & 0x7fff),
					  -(__s32)(seq & 0x7fffffff), -(__s64)seq);
		break;
	case TEST_EVENTLOG_ANNOTATED_ID:
		TEST_EVENTLOG_ANNOTATED_LOG(s, (__u8)(seq % 4), 0x5, 0xbeef, seq, bpf_htons(8080),
					    1, 0x1, 0x7f);
		break;
	case TEST_EVENTLOG_ADDRESSES_ID:
		TEST_EVENTLOG_ADDRESSES_LOG(s, bpf_htonl(0x7f000001), bpf_htons(443), v6,
					    (void *)0x1000, "testgen");
		break;
	case TEST_EVENTLOG_VARLEN_ID: {
		/* 0..8 values. Hide the range from clang: knowing it, clang
		 * drops the macro's clamp, and the verifier needs the clamp to
		 * bound the copy. */
		__u8 n = (__u8)(seq % 9);

		asm volatile("" : "+r"(n));
		TEST_EVENTLOG_VARLEN_LOG(s, (__u32)seq, n, values);
		break;
	}
	default:
		return 1;
	}
	return 0;
}

static long emit_schema_one(__u32 i, struct emit_ctx *c)
{
	return test_emit_schema(c->ts, c->a.event_id) ? 1 : 0;
}

struct walk_ctx {
	__s32 slot;  /* DUMP target */
	__s32 value; /* WALK value */
	__u32 op;
	__u32 n;     /* sessions touched */
};

/* One live session of a DUMP or WALK; returns 1 when it touched it. */
__noinline int test_walk_session(struct test_session *ts, const struct walk_ctx *w)
{
	struct elog_session copy;

	if (!ts || !w)
		return 0;
	if (w->op == TEST_OP_DUMP) {
		if (!ts->s.enabled)
			return 0;
		copy = ts->s;
		copy.target = (__s8)w->slot;
		test_announce(&copy);
		return 1;
	}
	if (w->value == 2 && !ts->s.enabled) {
		elog_session_set_enabled(&ts->s, 1);
		test_announce(&ts->s);
		return 1;
	}
	if (w->value == -1 && ts->s.enabled) {
		elog_session_set_enabled(&ts->s, 0);
		return 1;
	}
	return 0;
}

static long walk_one(__u32 i, struct walk_ctx *w)
{
	struct test_session *ts = bpf_map_lookup_elem(&test_sessions, &i);

	if (ts && ts->live)
		w->n += test_walk_session(ts, w);
	return 0;
}

/* A command's live session, or NULL with *ret set (-errno). */
static __always_inline struct test_session *live_session(const struct test_cmd *cmd, int *ret)
{
	__u32 idx = cmd->session;
	struct test_session *ts = bpf_map_lookup_elem(&test_sessions, &idx);

	if (!ts) {
		*ret = -22; /* EINVAL: index out of range */
		return NULL;
	}
	if (!ts->live) {
		*ret = -2; /* ENOENT */
		return NULL;
	}
	return ts;
}

/*
 * The commands are three programs (which one runs is the user half's
 * choice by op): each is verified on its own, so the emit loops'
 * verification does not add up with the session commands' in one program.
 * Each returns >= 0 (events or sessions handled) or -errno.
 */
SEC("syscall")
int test_cmd(struct test_cmd *cmd)
{
	struct test_session *ts;
	__u32 idx = cmd->session;
	int ret = -22;

	if (cmd->op == TEST_OP_DUMP || cmd->op == TEST_OP_WALK) {
		struct walk_ctx w = { .slot = cmd->slot, .value = cmd->value, .op = cmd->op };

		if (cmd->op == TEST_OP_DUMP && (cmd->slot < 0 || cmd->slot >= ELOG_MAX_SUBSCRIBERS))
			return -22;
		bpf_loop(TEST_MAX_SESSIONS, walk_one, &w, 0);
		return (int)w.n;
	}
	if (cmd->op == TEST_OP_CREATE) {
		ts = bpf_map_lookup_elem(&test_sessions, &idx);
		if (!ts)
			return -22;
		if (ts->live)
			return -17; /* EEXIST */
		ts->live = 1;
		ts->seq = 0;
		elog_session_init(&ts->s, cmd->session_id);
		if (ts->s.enabled)
			test_announce(&ts->s);
		return 0;
	}
	ts = live_session(cmd, &ret);
	if (!ts)
		return ret;
	switch (cmd->op) {
	case TEST_OP_DESTROY:
		elog_session_fini(&ts->s);
		ts->live = 0;
		return 0;
	case TEST_OP_ENABLE:
		if (cmd->value && !ts->s.enabled) {
			elog_session_set_enabled(&ts->s, 1);
			test_announce(&ts->s); /* upstream forgets this */
		} else if (!cmd->value) {
			elog_session_set_enabled(&ts->s, 0);
		}
		return 0;
	}
	return -22;
}

/* TEST_OP_EMIT */
SEC("syscall")
int test_emit(struct test_cmd *cmd)
{
	struct emit_ctx c = {
		.a = { .event_id = cmd->event_id, .level = cmd->level,
		       .keywords = cmd->keywords, .len = cmd->len,
		       .back_us = cmd->value > 0 ? (__u32)cmd->value : 0 },
	};
	int ret = -22;

	c.ts = live_session(cmd, &ret);
	if (!c.ts)
		return ret;
	if (cmd->len > TEST_PAYLOAD_MAX || cmd->count > (1u << 23))
		return -22;
	return (int)bpf_loop(cmd->count, emit_one, &c, 0);
}

/* TEST_OP_EMIT_SCHEMA */
SEC("syscall")
int test_emit_schema_cmd(struct test_cmd *cmd)
{
	struct emit_ctx c = { .a = { .event_id = cmd->event_id } };
	int ret = -22;
	long n;

	c.ts = live_session(cmd, &ret);
	if (!c.ts)
		return ret;
	if (cmd->count > (1u << 23))
		return -22;
	n = bpf_loop(cmd->count, emit_schema_one, &c, 0);
	/* bpf_loop stops early only on an unknown event id. */
	return n == cmd->count ? (int)n : -22;
}

/*
 * Stand-in for a per-packet hook: attached only while someone subscribes
 * (subscribers_changed), so tests can see the attach/detach rule work. It
 * only counts its runs; process exec is frequent enough to observe and rare
 * enough to cost nothing.
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(test_hot, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 k = TEST_KNOB_HOT_RUNS;
	__s64 *v = bpf_map_lookup_elem(&elog_knobs, &k);

	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}
