/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The framework maps every provider object carries, as both halves see them.
 *
 * The BPF half (eventlog.bpf.h) defines the maps; the userspace runtime
 * (lib/rt) opens them by their pinned names under
 * /sys/fs/bpf/eventlog/<provider>/ without knowing anything else about the
 * provider's object, so these layouts are the whole contract between them.
 * Only fixed-width kernel types: valid after vmlinux.h and in userspace.
 *
 * Who writes what (no field has two writers that could clobber each other):
 *   elog_subs   userspace only, under the provider lock; BPF reads
 *   elog_conf   userspace only, under the provider lock; BPF reads
 *   elog_state  BPF only (atomic adds); userspace reads
 *   elog_knobs  one __s64 per element: userspace sets, a provider may
 *               atomically adjust its own (a limit that counts down as used)
 *   elog_stats  BPF only (per-CPU atomic adds); userspace zeroes a slot
 *               before handing it to a new subscriber
 */
#ifndef ELOG_BPF_ABI_H
#define ELOG_BPF_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Concurrent subscribers per provider (one elog -c each). */
#define ELOG_MAX_SUBSCRIBERS 16

/*
 * Each subscriber has one ring per CPU (elog_rings[cpu * ELOG_MAX_SUBSCRIBERS
 * + slot]), so producers on different CPUs never share a ring's lock,
 * positions or cache lines. CPUs from ELOG_RING_CPUS on share the rings of
 * cpu % ELOG_RING_CPUS. Events aimed at one subscriber (a state dump and its
 * DUMP_COMPLETE) all go to its CPU-0 ring so they stay in order.
 */
#define ELOG_RING_CPUS 256
#define ELOG_RING_INDEX(cpu, slot) ((cpu) * ELOG_MAX_SUBSCRIBERS + (slot))

/* Pinned names (bpffs rejects '.', and kernel map names stop at 15 chars). */
#define ELOG_PIN_ROOT "/sys/fs/bpf/eventlog"
#define ELOG_PIN_RINGS "elog_rings"
#define ELOG_PIN_SUBS "elog_subs"
#define ELOG_PIN_CONF "elog_conf"
#define ELOG_PIN_STATE "elog_state"
#define ELOG_PIN_KNOBS "elog_knobs"
#define ELOG_PIN_STATS "elog_stats"
#define ELOG_PIN_DUMP_DONE "elog_dump_done" /* SEC("syscall") DUMP_COMPLETE */

/* Slot states. A -D subscriber sits in DUMP while its dump runs: it gets
 * only the events aimed at it (the dump and DUMP_COMPLETE), so its capture
 * holds the state first and live traffic only after DUMP_COMPLETE. */
#define ELOG_SLOT_FREE 0
#define ELOG_SLOT_LIVE 1
#define ELOG_SLOT_DUMP 2

/* One subscriber slot. */
struct elog_sub_cfg {
	__u32 active;   /* ELOG_SLOT_* */
	__u32 level;    /* deliver when event level <= level ... */
	__u32 keywords; /* ... and (event keywords & keywords) != 0; SESSION always set */
	__u32 owner_pid;     /* userspace bookkeeping: the subscriber process, */
	__u64 owner_start;   /* and its start time (/proc/pid/stat field 22), */
	__u64 ring_bytes;    /* so a dead owner's slot is found and freed */
	__u32 asleep;  /* the owner waits with nothing read pending: the next
			* record wakes it (BPF_RB_FORCE_WAKEUP), not 1/8 of a ring */
	__u32 pad;
};

/* Provider configuration (key 0). */
struct elog_conf {
	__u32 provider_id;  /* stamped into every event header */
	__s32 default_on;   /* stored default: 0 or 1 */
	__u32 agg_level;    /* max level over active slots (0: nobody listens) */
	__u32 agg_keywords; /* OR of keywords over active slots */
	__u32 nsubs;        /* active slots */
	__u32 slot_mask;    /* bit i: slot i active (0 with nsubs > 0: not kept, scan all) */
};

/* Provider counters (key 0), changed only with atomic adds in BPF. */
struct elog_state {
	__u64 sessions_created;
	__u64 sessions_active;
	__u64 sessions_enabled;
};

/* Per-CPU delivery counters of one slot: delivered + dropped == matched. */
struct elog_slot_stats {
	__u64 delivered;
	__u64 dropped;
	__u64 unwoken;  /* BPF only: bytes offered to this CPU's ring since its last wakeup */
	__u64 pad;
};

/*
 * Knobs (ARRAY of __s64): the framework's, and the provider's own in every
 * other index below ELOG_KNOB_COUNT (a provider names them in its
 * registration's controls, which elogctl shows).
 */
enum elog_knob {
	ELOG_KNOB_HOT = 1,          /* 1 while the per-packet hooks are attached */
	/* Providers' own knobs: 0 and 2..15. The black box's (below): 16..31,
	 * written with their defaults (elog_bb_knob_default) at load. */
	ELOG_KNOB_BB_MODE = 16,          /* mode of new sessions (enum elog_bb_mode) */
	ELOG_KNOB_BB_SESSION_LIMIT = 17, /* N: events one session's buffer keeps */
	ELOG_KNOB_BB_GLOBAL_LIMIT = 18,  /* records all buffers may hold together */
	ELOG_KNOB_BB_AUTO_RATIO = 19,    /* 1 in N new sessions (0, 1: all) */
	ELOG_KNOB_BB_AUTO_MODE = 20,     /* mode of sessions the ratio picks; -1: MODE */
	ELOG_KNOB_BB_TRIG_END = 21,      /* 1: TAIL_AUTO dumps at the session's end */
	ELOG_KNOB_BB_TRIG_FULL = 22,     /* 1: HEAD_AUTO dumps when its buffer is full */
	ELOG_KNOB_BB_TRIG_REQUEST = 23,  /* 1: dumps asked for by socket option */
	ELOG_KNOB_BB_LINGER_S = 24,      /* seconds a closed session with a group keeps its buffer */
	ELOG_KNOB_BB_FIRST = 16,
	ELOG_KNOB_COUNT = 32,
};

/*
 * Black box: what a session does with its events (BBLog's modes, with
 * FreeBSD's numbers). CONTINUAL streams them to the subscribers (the
 * default); the others keep them in a per-session buffer in the kernel that
 * a trigger dumps into the subscribers' streams.
 */
enum elog_bb_mode {
	ELOG_BB_OFF = 0,       /* nothing kept */
	ELOG_BB_TAIL = 1,      /* the newest N, the oldest overwritten; dumped on a trigger */
	ELOG_BB_HEAD = 2,      /* the first N, then nothing more */
	ELOG_BB_HEAD_AUTO = 3, /* like HEAD, dumped when full, then OFF */
	ELOG_BB_CONTINUAL = 4, /* streamed as they happen */
	ELOG_BB_TAIL_AUTO = 5, /* like TAIL, dumped when the session ends */
	ELOG_BB_MODE_MAX = 5,
};

/* Why a buffer was dumped: the framework's reasons below 16, a provider's
 * own (its triggers) from ELOG_BB_REASON_PROVIDER on. */
enum elog_bb_reason {
	ELOG_BB_REASON_END = 1,     /* TAIL_AUTO session ended */
	ELOG_BB_REASON_FULL = 2,    /* HEAD_AUTO buffer full */
	ELOG_BB_REASON_REQUEST = 3, /* the session's socket option asked for it */
	ELOG_BB_REASON_GROUP = 4,   /* a dump of every session of one group (log id) */
	ELOG_BB_REASON_DEMAND = 5,  /* elog --dump */
	ELOG_BB_REASON_PROVIDER = 16,
};

/*
 * The framework event that opens a dump (every schema has it, like
 * DUMP_COMPLETE): this payload, then `events` records of the same session
 * with their original timestamps, oldest first. A schema that declares
 * STRUCT BLACKBOX_DUMP must lay it out exactly so (the provider asserts it).
 * The records that name the connection (kept apart from the ring) come
 * first, in the provider's order; the live consumer puts a dump's records
 * in time order (lib/rt/bb_block.c).
 */
#define ELOG_BB_DUMP_ID 0xFFFFFFFCu
struct elog_bb_dump {
	__u32 reason;      /* enum elog_bb_reason or a provider's */
	__u32 events;      /* records that follow */
	__u64 overwritten; /* events since the previous dump that are not in this one */
	__u64 group;       /* hash of the session's group (log id); 0: none */
	__u8 mode;         /* the session's mode */
	__u8 pad[7];
};

/*
 * auto_ratio's rule, the same in BPF and in userspace: a session is picked
 * when elog_bb_pick(key) % ratio == 0, key being its group hash when it has
 * one (all sessions of a group in or out together), else its session id.
 * A 64-bit finalizer (splitmix64) so sequential ids spread evenly.
 */
static inline __u64 elog_bb_pick(__u64 x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/* FNV-1a over a NUL-padded name (a log id) is the group hash; 0 for "". */
#define ELOG_BB_GROUP_HASH_INIT 0xcbf29ce484222325ull
#define ELOG_BB_GROUP_HASH_PRIME 0x100000001b3ull
#define ELOG_BB_GROUP_NAME_MAX 64 /* a log id's buffer (providers assert theirs fits) */

/*
 * The group hash of a log id, the one function both halves use: FNV-1a
 * over its bytes up to the first NUL (so "" and an all-NUL buffer are the
 * same), at most ELOG_BB_GROUP_NAME_MAX of them; 0 for none, and a name
 * whose hash would be 0 gets 1 instead, so 0 always means "no group".
 * name must be readable for ELOG_BB_GROUP_NAME_MAX bytes or up to its NUL.
 */
static inline __u64 elog_bb_group_hash(const char *name)
{
	__u64 h = ELOG_BB_GROUP_HASH_INIT;
	int i;

	for (i = 0; i < ELOG_BB_GROUP_NAME_MAX; i++) {
		if (!name[i])
			break;
		h ^= (__u8)name[i];
		h *= ELOG_BB_GROUP_HASH_PRIME;
	}
	if (i == 0)
		return 0;
	return h ? h : 1;
}

/* Context of the elog_bb_dumpreq syscall program (elog --dump). */
enum elog_bb_dump_scope {
	ELOG_BB_DUMP_ALL = 0,     /* every buffered session */
	ELOG_BB_DUMP_SESSION = 1, /* session id `key` */
	ELOG_BB_DUMP_GROUP = 2,   /* every session whose group hash is `key` */
	ELOG_BB_SWEEP = 3,        /* no dump: free ended sessions past their linger time */
	ELOG_BB_DUMP_PENDING = 4, /* the dumps triggers asked for (a live consumer's poll) */
};
struct elog_bb_dump_req {
	__u32 scope;  /* enum elog_bb_dump_scope */
	__u32 reason; /* stamped into the dump events */
	__u64 key;
	__u64 dumped; /* out: sessions dumped */
};
#define ELOG_PIN_BB_DUMP_REQ "elog_bb_dumpreq"
#define ELOG_PIN_BB_BUF "elog_bb_buf"
#define ELOG_PIN_BB_PENDING "elog_bb_pending"
#define ELOG_PIN_BB_META "elog_bb_meta"
#define ELOG_PIN_BB_STATS "elog_bb_stats"

#define ELOG_BB_STICKY_MAX 8

/* The black box knobs' values at load. */
#define ELOG_BB_DEFAULT_MODE ELOG_BB_CONTINUAL
#define ELOG_BB_DEFAULT_SESSION_LIMIT 5000
#define ELOG_BB_DEFAULT_GLOBAL_LIMIT 262144
#define ELOG_BB_DEFAULT_AUTO_MODE (-1)
#define ELOG_BB_DEFAULT_TRIGGER 1
#define ELOG_BB_DEFAULT_LINGER_S 60
static inline __s64 elog_bb_knob_default(unsigned int knob)
{
	switch (knob) {
	case ELOG_KNOB_BB_MODE: return ELOG_BB_DEFAULT_MODE;
	case ELOG_KNOB_BB_SESSION_LIMIT: return ELOG_BB_DEFAULT_SESSION_LIMIT;
	case ELOG_KNOB_BB_GLOBAL_LIMIT: return ELOG_BB_DEFAULT_GLOBAL_LIMIT;
	case ELOG_KNOB_BB_AUTO_MODE: return ELOG_BB_DEFAULT_AUTO_MODE;
	case ELOG_KNOB_BB_TRIG_END:
	case ELOG_KNOB_BB_TRIG_FULL:
	case ELOG_KNOB_BB_TRIG_REQUEST: return ELOG_BB_DEFAULT_TRIGGER;
	case ELOG_KNOB_BB_LINGER_S: return ELOG_BB_DEFAULT_LINGER_S;
	default: return 0;
	}
}

/* Black box counters (elog_bb_stats, key 0; BPF atomic adds). */
struct elog_bb_stats {
	__u64 sessions;    /* sessions given a buffer */
	__u64 refused;     /* sessions refused a buffer: global_limit reached */
	__u64 trimmed;     /* sessions whose buffer stopped growing at global_limit */
	__u64 records;     /* record slots all buffers hold now */
	__u64 dumps;       /* dumps made */
	__u64 dumped;      /* records dumped */
	__u64 overwritten; /* events overwritten or not kept, over all dumps */
	__u64 undelivered; /* dumps with no subscriber to take them (buffer kept) */
	__u64 too_big;     /* events larger than a buffer record: not kept */
	__u64 merged;      /* triggers that found a dump of theirs already asked for:
			    * that dump holds what they would have (it keeps its reason) */
};

/* Context of the elog_dump_done syscall program. */
struct elog_dump_done_ctx {
	__u32 slot;
	__u32 pad;
};

#endif /* ELOG_BPF_ABI_H */
