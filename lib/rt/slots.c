/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The slot table: reading and writing subscriber slots, the provider
 * aggregate, the 0 <-> 1 transitions (subscribers_changed, per-packet
 * hooks detached after the last subscriber), freeing a slot with its
 * rings, and reclaiming the slots of subscribers that died (SIGKILL
 * included). Below both subscribe.c and the repair every entry point and
 * every reaper runs (attach.c), so neither calls the other.
 *
 * A slot records its owner's pid and start time. The owner's reaper
 * (reaper.c) frees its slot as soon as the owner is gone; every runtime
 * entry point (elog_rt_open) and every live capture (about once a second)
 * also frees the slots whose owner is gone, for an owner whose reaper died
 * with it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>

#include <bpf/bpf.h>

#include "rt_internal.h"

int elog_rt_slot_read(struct elog_rt *rt, __u32 slot, struct elog_sub_cfg *c,
		      struct elog_error *err)
{
	if (bpf_map_lookup_elem(rt->subs_fd, &slot, c))
		return elog_rt_errf(err, errno, "%s: read slot %u: %s", rt->ops->name, slot,
				    strerror(errno));
	return 0;
}

int elog_rt_slot_write(struct elog_rt *rt, __u32 slot, const struct elog_sub_cfg *c,
		       struct elog_error *err)
{
	if (bpf_map_update_elem(rt->subs_fd, &slot, c, BPF_ANY))
		return elog_rt_errf(err, errno, "%s: write slot %u: %s", rt->ops->name, slot,
				    strerror(errno));
	return 0;
}

/* Sums up the slots; with reclaim, first frees each whose owner is gone. */
int elog_rt_slots_walk(struct elog_rt *rt, bool reclaim, struct elog_rt_slot_sum *sum,
		       struct elog_error *err)
{
	struct elog_sub_cfg c;
	__u32 slot;
	int ret;

	memset(sum, 0, sizeof(*sum));
	for (slot = 0; slot < ELOG_MAX_SUBSCRIBERS; slot++) {
		ret = elog_rt_slot_read(rt, slot, &c, err);
		if (ret)
			return ret;
		if (!c.active)
			continue;
		if (reclaim && elog_rt_proc_start((int)c.owner_pid) != c.owner_start) {
			ret = elog_rt_slot_free(rt, slot, NULL, NULL, err);
			if (ret)
				return ret;
			sum->freed++;
			continue;
		}
		sum->active++;
		sum->mask |= 1u << slot;
		if (c.level > sum->level)
			sum->level = c.level;
		sum->keywords |= c.keywords;
	}
	return 0;
}

/* Recomputes elog_conf's aggregate; returns the number of active slots. */
int elog_rt_slots_aggregate(struct elog_rt *rt, struct elog_error *err)
{
	struct elog_rt_slot_sum sum;
	struct elog_conf conf;
	__u32 zero = 0;
	int ret;

	ret = elog_rt_slots_walk(rt, false, &sum, err);
	if (ret)
		return ret;
	ret = elog_rt_read(rt, NULL, &conf, err);
	if (ret)
		return ret;
	conf.agg_level = sum.level;
	conf.agg_keywords = sum.keywords;
	conf.nsubs = (__u32)sum.active;
	conf.slot_mask = sum.mask;
	if (bpf_map_update_elem(rt->conf_fd, &zero, &conf, BPF_ANY))
		return elog_rt_errf(err, errno, "%s: write config: %s", rt->ops->name,
				    strerror(errno));
	return sum.active;
}

/*
 * On a 0 <-> non-zero transition: subscribers_changed, and after the last
 * subscriber the per-packet hooks detached (the first one's were attached
 * by its elog_rt_hot_hold()); recorded in the HOT knob. A subscriber that
 * died holds nothing any more (its hooks went with its fds) but counts as
 * live until its slot is reclaimed, so HOT reads 1 until then.
 */
int elog_rt_slots_transition(struct elog_rt *rt, int before, int after, struct elog_error *err)
{
	struct elog_error ignored;
	int ret = 0;
	bool on = after > 0;

	if ((before > 0) == on)
		return 0;
	if (rt->ops->subscribers_changed)
		ret = elog_rt_cb_done(rt->ops->subscribers_changed(rt, on, err), rt, err);
	if (!on) {
		int r = elog_rt_hot_detach_all(rt, ret ? &ignored : err);

		if (!ret)
			ret = r;
	}
	if (!ret)
		ret = elog_rt_knob_set(rt, ELOG_KNOB_HOT, on, err);
	return ret;
}

/*
 * Waits until no BPF program can still be delivering to a slot that was
 * just deactivated: non-sleepable programs run inside RCU read sections and
 * MEMBARRIER_CMD_GLOBAL is a synchronize_rcu(). Sleepable programs (the
 * test provider's syscall commands) use RCU tasks trace and are not covered;
 * their callers run synchronously before a capture stops. Without it the
 * final counts could miss a delivery still in flight, so a failure is an
 * error, not a guess.
 */
static int wait_for_programs(struct elog_rt *rt, struct elog_error *err)
{
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) != 0)
		return elog_rt_errf(err, errno, "%s: wait for running programs (membarrier): %s",
				    rt->ops->name, strerror(errno));
	return 0;
}

/* Takes the slot's rings out of the provider's ring table. */
int elog_rt_slot_remove_rings(struct elog_rt *rt, __u32 slot, struct elog_error *err)
{
	__u32 cpu, idx;

	for (cpu = 0; cpu < ELOG_RING_CPUS && cpu < (__u32)rt->ncpus; cpu++) {
		idx = ELOG_RING_INDEX(cpu, slot);
		if (bpf_map_delete_elem(rt->rings_fd, &idx) && errno != ENOENT)
			return elog_rt_errf(err, errno, "%s: remove ring %u: %s", rt->ops->name,
					    slot, strerror(errno));
	}
	return 0;
}

/* Deactivates and frees a slot; with counts, reads its final counters
 * between the two (a freed slot may be reset by the next subscriber). */
int elog_rt_slot_free(struct elog_rt *rt, __u32 slot, uint64_t *delivered, uint64_t *dropped,
		      struct elog_error *err)
{
	struct elog_sub_cfg c;
	int before, after, ret;

	before = elog_rt_live_subscribers(rt, err);
	if (before < 0)
		return before;
	memset(&c, 0, sizeof(c));
	ret = elog_rt_slot_write(rt, slot, &c, err);
	if (ret)
		return ret;
	/* A ring goes away when its last reference (the owner's fd, if the
	 * owner still lives) is dropped. */
	ret = elog_rt_slot_remove_rings(rt, slot, err);
	if (ret)
		return ret;
	if (delivered && dropped) {
		ret = wait_for_programs(rt, err);
		if (ret)
			return ret;
		ret = elog_rt_sub_counts(rt, (int)slot, delivered, dropped, err);
		if (ret)
			return ret;
	}
	after = elog_rt_slots_aggregate(rt, err);
	if (after < 0)
		return after;
	/* A provider unloaded (pins removed) under us: the hooks pinned now,
	 * if any, belong to an instance loaded since; leave them alone. */
	if (elog_rt_is_current(rt) != 1)
		return 0;
	return elog_rt_slots_transition(rt, before, after, err);
}

int elog_rt_live_subscribers(struct elog_rt *rt, struct elog_error *err)
{
	struct elog_rt_slot_sum sum;
	int ret = elog_rt_slots_walk(rt, false, &sum, err);

	return ret ? ret : sum.active;
}

int elog_rt_reclaim_locked(struct elog_rt *rt, struct elog_error *err)
{
	struct elog_rt_slot_sum sum;
	int ret = elog_rt_slots_walk(rt, true, &sum, err);

	return ret ? ret : sum.freed;
}

int elog_rt_reclaim(struct elog_rt *rt, struct elog_error *err)
{
	int ret = elog_rt_lock(rt, err);

	if (ret)
		return ret;
	ret = elog_rt_reclaim_locked(rt, err);
	elog_rt_unlock(rt);
	return ret;
}

int elog_rt_sub_counts(struct elog_rt *rt, int slot, uint64_t *delivered, uint64_t *dropped,
		       struct elog_error *err)
{
	struct elog_slot_stats *v;
	__u32 k = (__u32)slot;
	int i;

	v = calloc((size_t)rt->ncpus, sizeof(*v));
	if (!v)
		return elog_rt_errf(err, ENOMEM, "out of memory");
	if (bpf_map_lookup_elem(rt->stats_fd, &k, v)) {
		int e = errno;

		free(v);
		return elog_rt_errf(err, e, "%s: read slot %d counters: %s", rt->ops->name, slot,
				    strerror(e));
	}
	*delivered = *dropped = 0;
	for (i = 0; i < rt->ncpus; i++) {
		*delivered += v[i].delivered;
		*dropped += v[i].dropped;
	}
	free(v);
	return 0;
}
