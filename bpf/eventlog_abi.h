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
	ELOG_KNOB_COUNT = 8,
};

/* Context of the elog_dump_done syscall program. */
struct elog_dump_done_ctx {
	__u32 slot;
	__u32 pad;
};

#endif /* ELOG_BPF_ABI_H */
