/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Subscriber slots: allocation, filters, the provider aggregate, per-packet
 * hook attach/detach on the 0 <-> 1 transitions, dumps, and reclaiming the
 * slots of subscribers that died (SIGKILL included).
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

static int read_slot(struct elog_rt *rt, __u32 slot, struct elog_sub_cfg *c,
		     struct elog_error *err)
{
	if (bpf_map_lookup_elem(rt->subs_fd, &slot, c))
		return elog_rt_errf(err, errno, "%s: read slot %u: %s", rt->ops->name, slot,
				    strerror(errno));
	return 0;
}

static int write_slot(struct elog_rt *rt, __u32 slot, const struct elog_sub_cfg *c,
		      struct elog_error *err)
{
	if (bpf_map_update_elem(rt->subs_fd, &slot, c, BPF_ANY))
		return elog_rt_errf(err, errno, "%s: write slot %u: %s", rt->ops->name, slot,
				    strerror(errno));
	return 0;
}

static int free_slot(struct elog_rt *rt, __u32 slot, uint64_t *delivered, uint64_t *dropped,
		     struct elog_error *err);

/* What the slots hold: the one walk over them. */
struct slot_sum {
	int active;     /* active slots */
	int freed;      /* with reclaim: slots freed because their owner is gone */
	__u32 mask;     /* the active slots */
	__u32 level;    /* the highest level among them */
	__u32 keywords; /* the union of their keywords */
};

/* Sums up the slots; with reclaim, first frees each whose owner is gone. */
static int walk_slots(struct elog_rt *rt, bool reclaim, struct slot_sum *sum,
		      struct elog_error *err)
{
	struct elog_sub_cfg c;
	__u32 slot;
	int ret;

	memset(sum, 0, sizeof(*sum));
	for (slot = 0; slot < ELOG_MAX_SUBSCRIBERS; slot++) {
		ret = read_slot(rt, slot, &c, err);
		if (ret)
			return ret;
		if (!c.active)
			continue;
		if (reclaim && elog_rt_proc_start((int)c.owner_pid) != c.owner_start) {
			ret = free_slot(rt, slot, NULL, NULL, err);
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
static int update_aggregate(struct elog_rt *rt, struct elog_error *err)
{
	struct slot_sum sum;
	struct elog_conf conf;
	__u32 zero = 0;
	int ret;

	ret = walk_slots(rt, false, &sum, err);
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
static int transition(struct elog_rt *rt, int before, int after, struct elog_error *err)
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
static int remove_rings(struct elog_rt *rt, __u32 slot, struct elog_error *err)
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
static int free_slot(struct elog_rt *rt, __u32 slot, uint64_t *delivered, uint64_t *dropped,
		     struct elog_error *err)
{
	struct elog_sub_cfg c;
	int before, after, ret;

	before = elog_rt_live_subscribers(rt, err);
	if (before < 0)
		return before;
	memset(&c, 0, sizeof(c));
	ret = write_slot(rt, slot, &c, err);
	if (ret)
		return ret;
	/* A ring goes away when its last reference (the owner's fd, if the
	 * owner still lives) is dropped. */
	ret = remove_rings(rt, slot, err);
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
	after = update_aggregate(rt, err);
	if (after < 0)
		return after;
	/* A provider unloaded (pins removed) under us: the hooks pinned now,
	 * if any, belong to an instance loaded since; leave them alone. */
	if (elog_rt_is_current(rt) != 1)
		return 0;
	return transition(rt, before, after, err);
}

int elog_rt_live_subscribers(struct elog_rt *rt, struct elog_error *err)
{
	struct slot_sum sum;
	int ret = walk_slots(rt, false, &sum, err);

	return ret ? ret : sum.active;
}

int elog_rt_reclaim_locked(struct elog_rt *rt, struct elog_error *err)
{
	struct slot_sum sum;
	int ret = walk_slots(rt, true, &sum, err);

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

static __u64 ring_size(__u64 per_cpu)
{
	__u64 size = 4096;

	while (size < per_cpu)
		size <<= 1;
	return size;
}

void elog_rt_sub_init(struct elog_rt_sub *sub)
{
	int i;

	sub->slot = -1;
	sub->nrings = 0;
	sub->ring_bytes = 0;
	for (i = 0; i < ELOG_RING_CPUS; i++)
		sub->ring_fd[i] = -1;
}

void elog_rt_sub_close(struct elog_rt_sub *sub)
{
	int i;

	for (i = 0; i < sub->nrings; i++) {
		if (sub->ring_fd[i] >= 0)
			close(sub->ring_fd[i]);
		sub->ring_fd[i] = -1;
	}
	sub->nrings = 0;
}

/* Creates the slot's per-CPU rings into sub and installs them. */
static int install_rings(struct elog_rt *rt, __u32 slot, __u64 bytes, struct elog_rt_sub *sub,
			 struct elog_error *err)
{
	int n = rt->ncpus < ELOG_RING_CPUS ? rt->ncpus : ELOG_RING_CPUS;
	__u32 idx;
	int i, fd;

	for (i = 0; i < n; i++) {
		fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "elog_sub", 0, 0, (__u32)bytes, NULL);
		if (fd < 0)
			return elog_rt_errf(err, errno, "%s: create a %llu-byte ring buffer: %s",
					    rt->ops->name, (unsigned long long)bytes, strerror(errno));
		sub->ring_fd[i] = fd;
		sub->nrings = i + 1;
		idx = ELOG_RING_INDEX((__u32)i, slot);
		if (bpf_map_update_elem(rt->rings_fd, &idx, &fd, BPF_ANY))
			return elog_rt_errf(err, errno, "%s: install ring: %s", rt->ops->name,
					    strerror(errno));
	}
	return 0;
}

int elog_rt_subscribe(struct elog_rt *rt, uint8_t level, uint32_t keywords,
		      uint32_t per_cpu_bytes, bool dump, struct elog_rt_sub *sub,
		      struct elog_error *err)
{
	struct elog_dump_done_ctx dctx = { 0 };
	struct slot_sum sum;
	struct elog_sub_cfg c;
	__u64 bytes = ring_size(per_cpu_bytes);
	__u32 slot;
	int before, after, ret;
	bool held = false;
	struct elog_error ignored;
	void *zeros;

	elog_rt_sub_init(sub);
	if (level > 5)
		return elog_rt_errf(err, EINVAL, "invalid level %u", level);
	if (bytes > (1ull << 31))
		return elog_rt_errf(err, E2BIG, "buffer of %llu bytes is too large for a ring",
				    (unsigned long long)bytes);
	/* Before the lock (the reaper must not inherit it held), and before
	 * any slot exists: none ever outlives its process unwatched. */
	ret = elog_rt_lock_watched(rt, err);
	if (ret)
		return ret;
	/* elog_rt_open() and this run under two holds of the lock: an
	 * unload may have come between them. */
	ret = elog_rt_is_current(rt);
	if (ret != 1) {
		ret = elog_rt_errf(err, ret < 0 ? errno : ENODEV, "%s: the provider was unloaded "
				   "meanwhile: run the command again", rt->ops->name);
		goto out;
	}
	ret = walk_slots(rt, true, &sum, err);
	if (ret)
		goto out;
	for (slot = 0; slot < ELOG_MAX_SUBSCRIBERS && (sum.mask >> slot & 1); slot++)
		;
	if (slot == ELOG_MAX_SUBSCRIBERS) {
		ret = elog_rt_errf(err, EBUSY, "%s: all %d subscriber slots are in use",
				   rt->ops->name, ELOG_MAX_SUBSCRIBERS);
		goto out;
	}
	before = sum.active;

	/* Fresh counters before the slot goes live, so that for this
	 * subscriber delivered + dropped counts exactly its events. */
	zeros = calloc((size_t)rt->ncpus, sizeof(struct elog_slot_stats));
	if (!zeros) {
		ret = elog_rt_errf(err, ENOMEM, "out of memory");
		goto out;
	}
	ret = bpf_map_update_elem(rt->stats_fd, &slot, zeros, BPF_ANY) ? -errno : 0;
	free(zeros);
	if (ret) {
		ret = elog_rt_errf(err, -ret, "%s: reset counters: %s", rt->ops->name,
				   strerror(-ret));
		goto out;
	}
	ret = install_rings(rt, slot, bytes, sub, err);
	if (ret) {
		remove_rings(rt, slot, &ignored);
		goto out;
	}
	memset(&c, 0, sizeof(c));
	c.active = dump ? ELOG_SLOT_DUMP : ELOG_SLOT_LIVE;
	c.level = level;
	c.keywords = keywords | 0x80000000u; /* SESSION is always on */
	c.owner_pid = (__u32)getpid();
	c.owner_start = elog_rt_proc_start((int)getpid());
	c.ring_bytes = bytes;
	ret = write_slot(rt, slot, &c, err);
	if (ret)
		goto undo;
	after = update_aggregate(rt, err);
	if (after < 0) {
		ret = after;
		goto undo;
	}
	/* Every subscriber holds the per-packet hooks (hot.c): the first
	 * attaches them, and they outlive no holder. */
	ret = elog_rt_hot_hold(rt, after - 1, err);
	if (ret)
		goto undo;
	held = true;
	ret = transition(rt, before, after, err);
	if (ret)
		goto undo;
	if (dump) {
		if (rt->ops->dump_state)
			ret = elog_rt_cb_done(rt->ops->dump_state(rt, (int)slot, err), rt, err);
		dctx.slot = slot;
		if (!ret)
			ret = elog_rt_run_syscall(rt, ELOG_PIN_DUMP_DONE, &dctx, sizeof(dctx), NULL,
						  err);
		/* State first, then DUMP_COMPLETE, then live events. */
		c.active = ELOG_SLOT_LIVE;
		if (!ret)
			ret = write_slot(rt, slot, &c, err);
		if (ret)
			goto undo;
	}
	sub->slot = (int)slot;
	sub->ring_bytes = bytes;
	rt->subs_open++;
	elog_rt_unlock(rt);
	return 0;
undo:
	free_slot(rt, slot, NULL, NULL, &ignored);
	if (held)
		elog_rt_hot_release(rt);
out:
	elog_rt_sub_close(sub);
	elog_rt_unlock(rt);
	return ret < 0 ? ret : 0;
}

int elog_rt_unsubscribe(struct elog_rt *rt, struct elog_rt_sub *sub, uint64_t *delivered,
			uint64_t *dropped, struct elog_error *err)
{
	uint64_t d0 = 0, d1 = 0;
	struct elog_sub_cfg c;
	int ret;

	if (delivered)
		*delivered = 0;
	if (dropped)
		*dropped = 0;
	if (sub->slot < 0)
		return 0;
	ret = elog_rt_lock(rt, err);
	if (ret)
		return ret;
	rt->subs_open--;
	ret = read_slot(rt, (__u32)sub->slot, &c, err);
	/* Only our own slot: it may have been reclaimed and reused if this
	 * process was taken for dead (it cannot be while it runs). */
	if (!ret && c.active && c.owner_pid == (__u32)getpid())
		ret = free_slot(rt, (__u32)sub->slot, &d0, &d1, err);
	/* Under the lock: a subscriber arriving next must not find a link
	 * the last one detached but still holds. */
	elog_rt_hot_release(rt);
	elog_rt_unlock(rt);
	if (delivered)
		*delivered = d0;
	if (dropped)
		*dropped = d1;
	sub->slot = -1;
	return ret;
}

int elog_rt_sub_asleep(struct elog_rt *rt, const struct elog_rt_sub *sub, bool asleep,
		       struct elog_error *err)
{
	struct elog_sub_cfg c;

	if (sub->slot < 0 || sub->slot >= ELOG_MAX_SUBSCRIBERS)
		return elog_rt_errf(err, EINVAL, "%s: no subscription", rt->ops->name);
	if (read_slot(rt, (__u32)sub->slot, &c, err))
		return -1;
	/* Freed under us (its owner taken for dead): nothing to mark. */
	if (c.active != ELOG_SLOT_LIVE || c.owner_pid != (__u32)getpid())
		return 0;
	if (c.asleep == (asleep ? 1u : 0u))
		return 0;
	/* Every other field is written back as read: a program reading the
	 * slot during the update sees the same filter either way. */
	c.asleep = asleep ? 1 : 0;
	return write_slot(rt, (__u32)sub->slot, &c, err);
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
