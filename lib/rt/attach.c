/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A struct elog_rt made and brought to a provider that is whole: under the
 * provider's lock, what a process that died half way left is repaired (a
 * load or an unload cut short removed, a default walk cut short finished,
 * dead subscribers' slots reclaimed), then the provider's maps are opened,
 * the provider loaded, or reloaded when another build loaded it.
 *
 * Both elog_rt_open() (rt.c) and the reaper (reaper.c), which repairs the
 * provider once its process is gone, come here; this file calls neither,
 * so the runtime's calls go one way: rt.c -> reaper.c -> attach.c ->
 * slots.c, hooks.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "rt_internal.h"

int elog_rt_new(const struct elog_provider_ops *ops, struct elog_rt **out,
		struct elog_error *err)
{
	struct elog_rt *rt;
	int i;

	*out = NULL;
	rt = calloc(1, sizeof(*rt));
	if (!rt)
		return elog_rt_errf(err, ENOMEM, "out of memory");
	rt->ops = ops;
	rt->lock_fd = -1;
	rt->rings_fd = rt->subs_fd = rt->conf_fd = -1;
	rt->state_fd = rt->knobs_fd = rt->stats_fd = -1;
	rt->reaper_fd = -1;
	rt->bb_pending_fd = -1;
	for (i = 0; i < ELOG_MAX_HOT; i++)
		rt->hot_fd[i] = -1;
	rt->ncpus = libbpf_num_possible_cpus();
	if (rt->ncpus <= 0) {
		free(rt);
		return elog_rt_errf(err, EIO, "cannot count possible CPUs");
	}
	snprintf(rt->dir, sizeof(rt->dir), "%s/%s", ELOG_PIN_ROOT, ops->name);
	*out = rt;
	return 0;
}

void elog_rt_free(struct elog_rt *rt)
{
	if (!rt)
		return;
	/* A subscription left open: its hooks stop with these fds, its slot
	 * is reclaimed once this process is gone. */
	elog_rt_hot_close(rt);
	elog_rt_close_maps(rt);
	if (rt->bb_pending_fd >= 0)
		close(rt->bb_pending_fd);
	if (rt->lock_fd >= 0)
		close(rt->lock_fd);
	free(rt);
}

/* "build-<FNV-1a 64 of the BPF object>": which build loaded a provider. */
static void build_stamp(const struct elog_provider_ops *ops, char *buf, size_t size)
{
	const unsigned char *p = NULL;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t n = 0;

	if (ops->object_bytes)
		p = ops->object_bytes(&n);
	for (size_t i = 0; p && i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	snprintf(buf, size, "%s/build-%016llx", ELOG_READY_DIR, (unsigned long long)h);
}

/* 1 when the loaded provider was loaded from this binary's BPF object. */
static int same_build(struct elog_rt *rt)
{
	char stamp[64], path[PATH_MAX];
	struct stat st;

	build_stamp(rt->ops, stamp, sizeof(stamp));
	if (elog_rt_pin_path(rt, stamp, path, sizeof(path)))
		return 0;
	return stat(path, &st) == 0;
}

static int rt_load(struct elog_rt *rt, struct elog_error *err);

/*
 * The provider pinned here was loaded by another build of eventlog: its
 * programs and maps may not be the ones this binary expects (a newer elog
 * attaching a program the old load never pinned). With no live capture it
 * is reloaded from this build, keeping its controls (default and its
 * knobs); sessions of existing sockets
 * start over, as after an unload. With live captures nothing is touched
 * and the caller is told.
 */
static int reload_other_build(struct elog_rt *rt, struct elog_error *err)
{
	struct elog_conf conf;
	__u32 zero = 0;
	__s64 knobs[ELOG_KNOB_COUNT];
	char **text = NULL;
	int live, ret, def, k;

	ret = elog_rt_reclaim_locked(rt, err);
	if (ret < 0)
		return ret;
	live = elog_rt_live_subscribers(rt, err);
	if (live < 0)
		return live;
	if (live > 0)
		return elog_rt_errf(err, EBUSY, "provider %s was loaded by another build of "
				    "eventlog and has %d live capture%s: stop %s, then run "
				    "'elogctl -U %s'", rt->ops->name, live, live == 1 ? "" : "s",
				    live == 1 ? "it" : "them", rt->ops->name);
	if (bpf_map_lookup_elem(rt->conf_fd, &zero, &conf))
		return elog_rt_errf(err, errno, "%s: read config: %s", rt->ops->name,
				    strerror(errno));
	def = conf.default_on;
	for (k = 0; k < ELOG_KNOB_COUNT; k++) {
		ret = elog_rt_knob_get(rt, (unsigned int)k, &knobs[k], err);
		if (ret)
			return ret;
	}
	ret = elog_rt_text_save(rt, &text, err);
	if (ret)
		return ret;
	if (rt->ops->unload)
		rt->ops->unload(rt);
	elog_rt_close_maps(rt);
	ret = rt_load(rt, err);
	if (ret)
		goto out;
	if (bpf_map_lookup_elem(rt->conf_fd, &zero, &conf)) {
		ret = elog_rt_errf(err, errno, "%s: read config: %s", rt->ops->name,
				   strerror(errno));
		goto out;
	}
	conf.default_on = def;
	if (bpf_map_update_elem(rt->conf_fd, &zero, &conf, BPF_ANY)) {
		ret = elog_rt_errf(err, errno, "%s: restore the default: %s", rt->ops->name,
				   strerror(errno));
		goto out;
	}
	for (k = 0; k < ELOG_KNOB_COUNT && !ret; k++) {
		/* HOT says what is attached now: nothing, after a load. */
		if (k == ELOG_KNOB_HOT)
			continue;
		ret = elog_rt_knob_set(rt, (unsigned int)k, knobs[k], err);
	}
	/* After the knobs: a text control may keep part of its state in one. */
	if (!ret)
		ret = elog_rt_text_restore(rt, text, err);
out:
	elog_rt_text_free(rt, text);
	return ret;
}

static int rt_load(struct elog_rt *rt, struct elog_error *err)
{
	char stamp[64];
	char path[PATH_MAX];
	struct elog_error ignored;
	int ret;

	/* A load that died half-way left pins but no ready/: start over. */
	ret = elog_rt_remove_tree(rt->dir, err);
	if (ret)
		return ret;
	if (mkdir(rt->dir, 0700))
		return elog_rt_errf(err, errno, "mkdir %s: %s", rt->dir, strerror(errno));
	ret = elog_rt_cb_done(elog_rt_load_provider(rt, err), rt, err);
	if (!ret) {
		elog_rt_pin_path(rt, ELOG_READY_DIR, path, sizeof(path));
		if (mkdir(path, 0700))
			ret = elog_rt_errf(err, errno, "mkdir %s: %s", path, strerror(errno));
	}
	if (!ret) {
		build_stamp(rt->ops, stamp, sizeof(stamp));
		elog_rt_pin_path(rt, stamp, path, sizeof(path));
		if (mkdir(path, 0700))
			ret = elog_rt_errf(err, errno, "mkdir %s: %s", path, strerror(errno));
	}
	if (ret) {
		elog_rt_close_maps(rt);
		elog_rt_remove_tree(rt->dir, &ignored);
	}
	return ret;
}

/*
 * A change whose process died half way (SIGKILL, crash) is undone or
 * finished here, under the lock, before anything else looks at the
 * provider: by the dead process's reaper at once, or else by the next
 * entry point. So every command sees the old state or the new one.
 *
 * A load or an unload that did not complete has no ready/ (a load creates
 * it last, an unload removes it first): what it left is removed, which
 * detaches the always-on hooks it had pinned. The provider is then not
 * loaded, as before the load or after the unload.
 */
static int remove_dead_load(struct elog_rt *rt, struct elog_error *err)
{
	struct stat st;

	if (elog_rt_is_loaded(rt->ops->name) == 1 || stat(rt->dir, &st))
		return 0;
	return elog_rt_remove_tree(rt->dir, err);
}

int elog_rt_walk_marker(struct elog_rt *rt, int value, char *buf, size_t size)
{
	return elog_rt_pin_path(rt, value == 2 ? "walk_enable_all" : "walk_disable_all", buf, size);
}

/*
 * A default change with a walk that died (its marker is made before the
 * default is stored): stored again, and the walk run again to its end
 * (enabling or disabling a session twice is the same as once), so the
 * change is whole. Maps open, lock held.
 */
static int finish_walks(struct elog_rt *rt, struct elog_error *err)
{
	static const int values[] = { 2, -1 };
	char path[PATH_MAX];
	struct elog_conf conf;
	struct stat st;
	__u32 zero = 0;
	size_t i;
	int ret = 0;

	for (i = 0; i < sizeof(values) / sizeof(values[0]) && !ret; i++) {
		if (elog_rt_walk_marker(rt, values[i], path, sizeof(path)) || stat(path, &st))
			continue;
		ret = elog_rt_read(rt, NULL, &conf, err);
		conf.default_on = values[i] > 0;
		if (!ret && bpf_map_update_elem(rt->conf_fd, &zero, &conf, BPF_ANY))
			ret = elog_rt_errf(err, errno, "%s: write default: %s", rt->ops->name,
					   strerror(errno));
		if (!ret && rt->ops->default_changed)
			ret = elog_rt_cb_done(rt->ops->default_changed(rt, values[i], err), rt,
					      err);
		/* Removed even on failure: said once, not on every command. */
		rmdir(path);
	}
	return ret;
}

int elog_rt_attach(struct elog_rt *rt, int flags, struct elog_error *err)
{
	const char *name = rt->ops->name;
	int ret, loaded;

	ret = elog_rt_lock(rt, err);
	if (ret)
		return ret;
	ret = remove_dead_load(rt, err);
	if (ret)
		goto out;
	loaded = elog_rt_is_loaded(name);
	if (loaded) {
		ret = elog_rt_open_maps(rt, err);
		if (!ret && !same_build(rt))
			ret = (flags & ELOG_RT_RECLAIM_ONLY) ?
			      elog_rt_errf(err, ENODEV, "provider %s is another build's", name) :
			      reload_other_build(rt, err);
	} else if ((flags & ELOG_RT_LOAD) && !(flags & ELOG_RT_RECLAIM_ONLY))
		ret = rt_load(rt, err);
	else
		ret = elog_rt_errf(err, ENODEV, "provider %s is not loaded", name);
	if (!ret)
		ret = finish_walks(rt, err);
	if (!ret) {
		ret = elog_rt_reclaim_locked(rt, err);
		if (ret > 0)
			ret = 0;
	}
out:
	elog_rt_unlock(rt);
	return ret;
}
