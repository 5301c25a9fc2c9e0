/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Provider runtime, consumer side: load/unload, controls and subscribers,
 * used by elog(1) and elogctl(8). The provider side is in provider.h.
 *
 * Every function returns 0 (or a count) on success and -1 on failure with
 * err filled (err->code: the errno); nothing here prints. A function
 * without an err returns -1 with errno set.
 */
#ifndef ELOG_RT_RT_H
#define ELOG_RT_RT_H

#include <stdbool.h>
#include <stdint.h>

#include "rt/provider.h"

/* elog_rt_open() flags. */
#define ELOG_RT_LOAD 0x1 /* load the provider when it is not loaded yet */

/*
 * Opens provider `name`: fails with err->code ENOENT if no such provider
 * is built in, ENODEV if it is not loaded and ELOG_RT_LOAD is not given. Reclaims the slots of
 * subscribers that died and repairs a change whose command died half way.
 * Needs privilege (elog_rt_check_privilege()).
 *
 * With ELOG_RT_LOAD (and in elog_rt_subscribe, elog_rt_unload and
 * elog_rt_set_default) the runtime forks this rt's reaper unless it has
 * one: a process of its own session, holding none of the caller's fds,
 * that frees what the caller's subscriptions hold in the kernel and
 * completes or undoes a change cut short once the caller is gone (SIGKILL
 * included), then exits; elog_rt_close() lets it go. The fork waits only
 * for an intermediate child, never the reaper; call these before starting
 * threads.
 */
int elog_rt_open(const char *name, int flags, struct elog_rt **out, struct elog_error *err);
void elog_rt_close(struct elog_rt *rt);

/* 1 if loaded, 0 if not, -1 (errno ENOENT) if unknown. Loads nothing. */
int elog_rt_is_loaded(const char *name);

/*
 * 1 while rt's maps are still the provider pinned under its directory; 0
 * once it was unloaded (or its pins removed), even if it was loaded again
 * since: rt then holds a dead instance, whose hooks are not the pinned
 * ones. -1 (errno set) if that cannot be told.
 */
int elog_rt_is_current(struct elog_rt *rt);

/*
 * Unloads: detaches and unpins everything. Fails (EBUSY) while live
 * subscribers remain (their slots are reclaimed first if their owners died); 0 when it
 * was not loaded.
 */
int elog_rt_unload(const char *name, struct elog_error *err);

/* Snapshot of a provider's counters and configuration. */
int elog_rt_read(struct elog_rt *rt, struct elog_state *state, struct elog_conf *conf,
		 struct elog_error *err);

/*
 * kern.eventlog.<p>.default: 0, 1, 2 (store 1 + enable every live session
 * and dump its state), -1 (store 0 + disable every live session); else
 * fails (EINVAL). *old (may be NULL) gets the stored value before the change.
 */
int elog_rt_set_default(struct elog_rt *rt, int value, int *old, struct elog_error *err);

/* Frees the slots whose owner process is gone. Returns how many. */
int elog_rt_reclaim(struct elog_rt *rt, struct elog_error *err);

/* One subscription of this process. */
struct elog_rt_sub {
	int slot;
	int nrings;                  /* possible CPUs, at most ELOG_RING_CPUS */
	int ring_fd[ELOG_RING_CPUS]; /* the slot's BPF_MAP_TYPE_RINGBUF per CPU, owned here */
	uint64_t ring_bytes;         /* of each */
};

/* A subscription that holds no ring yet (before elog_rt_subscribe). */
void elog_rt_sub_init(struct elog_rt_sub *sub);

/* Closes the subscription's rings (after the last consume). */
void elog_rt_sub_close(struct elog_rt_sub *sub);

/*
 * Subscribes: allocates a slot, creates its rings (one per possible CPU, of
 * per_cpu_bytes rounded up to a power of two), installs the filter (SESSION
 * always added), attaches the per-packet hooks on the first subscriber, and
 * with dump re-emits the live sessions' state then DUMP_COMPLETE to this
 * slot. Fails (EBUSY) when every slot is taken.
 */
int elog_rt_subscribe(struct elog_rt *rt, uint8_t level, uint32_t keywords,
		      uint32_t per_cpu_bytes, bool dump, struct elog_rt_sub *sub,
		      struct elog_error *err);

/*
 * Releases the slot: no program delivers to it any more when this returns
 * (the runtime waits for an RCU grace period after deactivating it), so
 * *delivered and *dropped (may be NULL) are the subscription's final, exact
 * counts. Detaches the hooks after the last subscriber. The ring fds stay
 * open so the caller can still consume what is in the rings; the caller
 * then calls elog_rt_sub_close().
 */
int elog_rt_unsubscribe(struct elog_rt *rt, struct elog_rt_sub *sub, uint64_t *delivered,
			uint64_t *dropped, struct elog_error *err);

/*
 * Marks the subscription asleep (or awake): asleep, the next record
 * delivered to it wakes its ring's poller at once, instead of after 1/8 of
 * a ring, so a consumer with nothing to do can wait long without holding a
 * quiet tail back. Its own slot only; not under the runtime's lock (only
 * the owner writes a live slot).
 */
int elog_rt_sub_asleep(struct elog_rt *rt, const struct elog_rt_sub *sub, bool asleep,
		       struct elog_error *err);

/* Sums of the slot's per-CPU counters. */
int elog_rt_sub_counts(struct elog_rt *rt, int slot, uint64_t *delivered, uint64_t *dropped,
		       struct elog_error *err);

/*
 * 0 when the caller may use eventlog: effective CAP_BPF, CAP_PERFMON and
 * CAP_NET_ADMIN, in the initial user namespace. -1 (EPERM) with a message else.
 */
int elog_rt_check_privilege(struct elog_error *err);

/*
 * Loads provider ops's BPF object as built into this binary, reports what
 * the verifier said of each program into stats (up to max; *n gets how
 * many), and closes it: nothing is attached or pinned, and a provider that
 * is loaded stays as it is. Fails like a load when a program is refused.
 */
int elog_rt_verify(const struct elog_provider_ops *ops, struct elog_prog_stats *stats, size_t max,
		   size_t *n, struct elog_error *err);

/* Fills st's figures and reason from a verifier log at the statistics level. */
void elog_rt_parse_verifier_log(const char *log, struct elog_prog_stats *st);

/* Fills err with why st's program was refused, in words; returns -1. */
int elog_rt_describe_refusal(const char *provider, const struct elog_prog_stats *st,
			     struct elog_error *err);

/*
 * Black box (eventlog_abi.h). Dumps now: every buffered session
 * (ELOG_BB_DUMP_ALL), one (SESSION, key = its id) or a group (GROUP, key =
 * its hash, elog_bb_group_hash()), into every live subscriber's stream
 * with `reason`; *dumped (may be NULL) gets the sessions dumped (none when
 * nobody subscribes: the buffers are then kept). Fails (ENOTSUP) with
 * "provider X has no black box dump program" when the loaded provider lacks it.
 */
int elog_rt_bb_dump(struct elog_rt *rt, unsigned int scope, uint64_t key, unsigned int reason,
		    uint64_t *dumped, struct elog_error *err);

/* 0 when the loaded provider has its black box dump program, else -1
 * (ENOTSUP) and the message elog_rt_bb_dump() would give. */
int elog_rt_bb_check(struct elog_rt *rt, struct elog_error *err);

/*
 * For a live consumer, at every poll: makes the dumps triggers asked for
 * (they go to every subscriber), and with sweep frees the buffers of ended
 * sessions past their linger time (once a second is plenty). Returns how
 * many runs of dumps it made (their records are in the rings now), or -1.
 */
int elog_rt_bb_service(struct elog_rt *rt, bool sweep, struct elog_error *err);

/*
 * Runs of the provider's programs the kernel skipped since they were
 * loaded (recursion_misses: the program was already running on that CPU);
 * their events are lost, uncounted by the rings.
 */
int elog_rt_skipped_runs(struct elog_rt *rt, uint64_t *runs, struct elog_error *err);

/* The black box's counters. */
int elog_rt_bb_stats(struct elog_rt *rt, struct elog_bb_stats *st, struct elog_error *err);

/* Time base of event timestamps: CLOCK_BOOTTIME in microseconds. */
uint64_t elog_rt_boot_us(void);
/* UTC microseconds of boot-time `boot_us`, from one clock_gettime pair. */
uint64_t elog_rt_boot_to_utc_us(uint64_t boot_us);

#endif /* ELOG_RT_RT_H */
