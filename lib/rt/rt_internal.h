/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Provider runtime internals shared by the lib/rt sources (not installed).
 */
#ifndef ELOG_RT_INTERNAL_H
#define ELOG_RT_INTERNAL_H

#include <limits.h>

#include "rt/rt.h"

#define ELOG_LOCK_DIR "/run/eventlog"
#define ELOG_READY_DIR "ready" /* created last by a complete load */
#define ELOG_MAX_HOT 32        /* per-packet hooks of one provider */

/*
 * attach.c: new: an rt for ops, holding nothing yet; free: closes what it
 * holds (no reaper: rt.c's elog_rt_close() stops that first). attach:
 * under the lock, repairs the provider (changes cut short, dead slots),
 * opens its maps, loads it (ELOG_RT_LOAD) or reloads another build's;
 * what elog_rt_open() and the reaper both do. walk_marker: the marker
 * path of a default walk (2: enable all, -1: disable all) in progress.
 */
int elog_rt_new(const struct elog_provider_ops *ops, struct elog_rt **out,
		struct elog_error *err);
void elog_rt_free(struct elog_rt *rt);
int elog_rt_attach(struct elog_rt *rt, int flags, struct elog_error *err);
int elog_rt_walk_marker(struct elog_rt *rt, int value, char *buf, size_t size);

/* elog_rt_attach() flag of the reaper: a provider loaded by this build
 * only (ENODEV else), never load or reload one; repairs as usual. */
#define ELOG_RT_RECLAIM_ONLY 0x100

struct elog_rt {
	const struct elog_provider_ops *ops;
	char dir[128];       /* /sys/fs/bpf/eventlog/<p>, p <= 31 chars */
	int lock_fd;
	int locked;          /* lock depth: public entry points nest */
	int rings_fd, subs_fd, conf_fd, state_fd, knobs_fd, stats_fd;
	int ncpus;           /* possible CPUs: per-CPU map value count */
	int hot_fd[ELOG_MAX_HOT]; /* this process's fds of the hot links (hot.c), or -1 */
	int hot_held;        /* subscriptions of this process holding them */
	int subs_open;       /* subscriptions of this rt not unsubscribed yet */
	int reaper_fd;       /* write end of the reaper's pipe (reaper.c), or -1 */
	int bb_pending_fd;   /* the black box's queue of dumps asked for (bb.c), or -1 */
};

/* lock.c: flock on /run/eventlog/<p>.lock, re-entrant within one rt. */
int elog_rt_lock(struct elog_rt *rt, struct elog_error *err);
void elog_rt_unlock(struct elog_rt *rt);

/* The framework's programs in every provider's object (bpf/eventlog.bpf.h),
 * pinned under these names by elog_rt_publish_object(). */
#define ELOG_RT_FRAMEWORK_PROGS { ELOG_PIN_DUMP_DONE, ELOG_PIN_BB_DUMP_REQ }

/* hooks.c: the whole load of a provider from its registration (open,
 * check its hook table, load, publish, pin, attach), lock held. */
int elog_rt_load_provider(struct elog_rt *rt, struct elog_error *err);

/* pins.c */
/* After the object is loaded: pins the framework maps and programs, and
 * writes the provider id and default 0 into elog_conf. */
int elog_rt_publish_object(struct elog_rt *rt, struct bpf_object *obj, struct elog_error *err);
int elog_rt_mount_bpffs(struct elog_error *err);
int elog_rt_remove_tree(const char *dir, struct elog_error *err);
int elog_rt_open_maps(struct elog_rt *rt, struct elog_error *err);
void elog_rt_close_maps(struct elog_rt *rt);

/* slots.c, lock held: the slot table, below subscribe.c and attach.c. */
/* What the slots hold: the one walk over them. */
struct elog_rt_slot_sum {
	int active;     /* active slots */
	int freed;      /* with reclaim: slots freed because their owner is gone */
	__u32 mask;     /* the active slots */
	__u32 level;    /* the highest level among them */
	__u32 keywords; /* the union of their keywords */
};
int elog_rt_slot_read(struct elog_rt *rt, __u32 slot, struct elog_sub_cfg *c,
		      struct elog_error *err);
int elog_rt_slot_write(struct elog_rt *rt, __u32 slot, const struct elog_sub_cfg *c,
		       struct elog_error *err);
/* Sums up the slots; with reclaim, first frees each whose owner is gone. */
int elog_rt_slots_walk(struct elog_rt *rt, bool reclaim, struct elog_rt_slot_sum *sum,
		       struct elog_error *err);
/* Recomputes elog_conf's aggregate; returns the number of active slots. */
int elog_rt_slots_aggregate(struct elog_rt *rt, struct elog_error *err);
/* On a 0 <-> non-zero change of the subscriber count: what follows it. */
int elog_rt_slots_transition(struct elog_rt *rt, int before, int after, struct elog_error *err);
/* Takes the slot's rings out of the provider's ring table. */
int elog_rt_slot_remove_rings(struct elog_rt *rt, __u32 slot, struct elog_error *err);
/* Deactivates and frees a slot; with counts, its final counters. */
int elog_rt_slot_free(struct elog_rt *rt, __u32 slot, uint64_t *delivered, uint64_t *dropped,
		      struct elog_error *err);
int elog_rt_reclaim_locked(struct elog_rt *rt, struct elog_error *err);
int elog_rt_live_subscribers(struct elog_rt *rt, struct elog_error *err);

/*
 * hot.c, lock held: the per-packet hooks' links. hold: this process holds
 * an fd of every one, attaching those that no live subscriber holds (one
 * hold per subscription; release drops one, the last closes the fds);
 * others: live subscribers besides this one. detach_all: detaches every
 * link of the hooks, whoever holds it, and removes the fallback's pins
 * (after the last subscriber). close: drops this process's fds whatever
 * the count.
 */
int elog_rt_hot_hold(struct elog_rt *rt, int others, struct elog_error *err);
void elog_rt_hot_release(struct elog_rt *rt);
int elog_rt_hot_detach_all(struct elog_rt *rt, struct elog_error *err);
void elog_rt_hot_close(struct elog_rt *rt);

/*
 * control.c, lock held: the text controls' values of the loaded provider
 * (one string per control, NULL for knob controls), to set again after a
 * reload; free takes NULL.
 */
int elog_rt_text_save(struct elog_rt *rt, char ***values, struct elog_error *err);
int elog_rt_text_restore(struct elog_rt *rt, char **values, struct elog_error *err);
void elog_rt_text_free(struct elog_rt *rt, char **values);

/* proc.c: libbpf's messages silenced unless ELOG_VERBOSE is set (idempotent). */
void elog_rt_init(void);

/*
 * reaper.c: start: forks this rt's reaper unless it has one, which
 * repairs the provider (dead slots, changes cut short) once this process
 * is gone. stop:
 * lets it go (at once when no subscription of rt is open; else it waits
 * for this process to exit).
 */
int elog_rt_reaper_start(struct elog_rt *rt, struct elog_error *err);
void elog_rt_reaper_stop(struct elog_rt *rt);
/* reaper.c: the reaper started, then the lock taken, in this order (the
 * reaper must not inherit the lock held): how a command that may change
 * the provider begins. */
int elog_rt_lock_watched(struct elog_rt *rt, struct elog_error *err);

/*
 * proc.c: a provider callback's result where it comes back into the
 * runtime: a failure becomes -1, with err filled from the negative errno
 * the callback returned (or errno, for -1) when it did not word one
 * itself (a libbpf result passed on as it is).
 */
int elog_rt_cb_done(int ret, const struct elog_rt *rt, struct elog_error *err);

/* proc.c: start time (clock ticks since boot) of pid, 0 if it is gone. */
unsigned long long elog_rt_proc_start(int pid);

#endif /* ELOG_RT_INTERNAL_H */
