/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Subscribing and unsubscribing: a free slot taken (the slot table is
 * slots.c), its per-CPU rings created and installed, its filter written,
 * the per-packet hooks held, and for -D the provider's state dumped to it
 * before it turns live.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "rt_internal.h"

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
	struct elog_rt_slot_sum sum;
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
	ret = elog_rt_slots_walk(rt, true, &sum, err);
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
		elog_rt_slot_remove_rings(rt, slot, &ignored);
		goto out;
	}
	memset(&c, 0, sizeof(c));
	c.active = dump ? ELOG_SLOT_DUMP : ELOG_SLOT_LIVE;
	c.level = level;
	c.keywords = keywords | 0x80000000u; /* SESSION is always on */
	c.owner_pid = (__u32)getpid();
	c.owner_start = elog_rt_proc_start((int)getpid());
	c.ring_bytes = bytes;
	ret = elog_rt_slot_write(rt, slot, &c, err);
	if (ret)
		goto undo;
	after = elog_rt_slots_aggregate(rt, err);
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
	ret = elog_rt_slots_transition(rt, before, after, err);
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
			ret = elog_rt_slot_write(rt, slot, &c, err);
		if (ret)
			goto undo;
	}
	sub->slot = (int)slot;
	sub->ring_bytes = bytes;
	rt->subs_open++;
	elog_rt_unlock(rt);
	return 0;
undo:
	elog_rt_slot_free(rt, slot, NULL, NULL, &ignored);
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
	ret = elog_rt_slot_read(rt, (__u32)sub->slot, &c, err);
	/* Only our own slot: it may have been reclaimed and reused if this
	 * process was taken for dead (it cannot be while it runs). */
	if (!ret && c.active && c.owner_pid == (__u32)getpid())
		ret = elog_rt_slot_free(rt, (__u32)sub->slot, &d0, &d1, err);
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
	if (elog_rt_slot_read(rt, (__u32)sub->slot, &c, err))
		return -1;
	/* Freed under us (its owner taken for dead): nothing to mark. */
	if (c.active != ELOG_SLOT_LIVE || c.owner_pid != (__u32)getpid())
		return 0;
	if (c.asleep == (asleep ? 1u : 0u))
		return 0;
	/* Every other field is written back as read: a program reading the
	 * slot during the update sees the same filter either way. */
	c.asleep = asleep ? 1 : 0;
	return elog_rt_slot_write(rt, (__u32)sub->slot, &c, err);
}

