/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Provider lifetime, the entry points: open (the reaper started, then
 * attach.c: repair, load on first use), close, unload; and the controls
 * that are not about subscribers (read counters, set the default).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "rt_internal.h"

int elog_rt_open(const char *name, int flags, struct elog_rt **out, struct elog_error *err)
{
	const struct elog_provider_ops *ops = elog_rt_find_provider(name);
	struct elog_rt *rt;
	int ret;

	elog_rt_init();
	*out = NULL;
	if (err)
		err->msg[0] = '\0';
	if (!ops)
		return elog_rt_errf(err, ENOENT, "unknown provider '%s'", name);
	ret = elog_rt_check_privilege(err);
	if (ret)
		return ret;
	ret = elog_rt_mount_bpffs(err);
	if (ret)
		return ret;
	ret = elog_rt_new(ops, &rt, err);
	if (ret)
		return ret;
	/* A command that may change the provider (load, subscribe, write)
	 * is watched from its start: should it die half way, its reaper
	 * completes or undoes the change at once (attach.c). Forked before
	 * the lock is taken. */
	if ((flags & ELOG_RT_LOAD) && !(flags & ELOG_RT_RECLAIM_ONLY))
		ret = elog_rt_reaper_start(rt, err);
	if (!ret)
		ret = elog_rt_attach(rt, flags, err);
	if (ret) {
		elog_rt_close(rt);
		return ret;
	}
	*out = rt;
	return 0;
}

void elog_rt_close(struct elog_rt *rt)
{
	if (!rt)
		return;
	elog_rt_reaper_stop(rt);
	elog_rt_free(rt);
}

int elog_rt_unload(const char *name, struct elog_error *err)
{
	struct elog_error oerr = { 0 };
	struct elog_rt *rt;
	int ret, live;

	/* Not loaded: nothing to do. */
	if (elog_rt_open(name, 0, &rt, &oerr)) {
		if (oerr.code == ENODEV)
			return 0;
		if (err)
			*err = oerr;
		return -1;
	}
	ret = elog_rt_lock_watched(rt, err);
	if (ret)
		goto out;
	live = elog_rt_live_subscribers(rt, err);
	if (live < 0) {
		ret = live;
	} else if (live > 0) {
		ret = elog_rt_errf(err, EBUSY, "provider %s has %d live subscriber%s: "
				   "stop the captures first", name, live, live == 1 ? "" : "s");
	} else {
		if (rt->ops->unload)
			rt->ops->unload(rt);
		/* No live subscriber holds the per-packet hooks; should any
		 * process still hold one, it is detached all the same. */
		ret = elog_rt_hot_detach_all(rt, err);
		elog_rt_close_maps(rt);
		/* ready/ first: from here on the provider reads as not loaded,
		 * and should this process die before the end, what is left is
		 * removed by the next look (remove_dead_load). Removing the pins
		 * detaches every other link; the programs and maps go away once
		 * the last fd is closed (ours just were). */
		if (!ret) {
			char path[PATH_MAX];

			elog_rt_pin_path(rt, ELOG_READY_DIR, path, sizeof(path));
			ret = elog_rt_remove_tree(path, err);
		}
		if (!ret)
			ret = elog_rt_remove_tree(rt->dir, err);
	}
	elog_rt_unlock(rt);
out:
	elog_rt_close(rt);
	return ret;
}

int elog_rt_set_default(struct elog_rt *rt, int value, int *old, struct elog_error *err)
{
	struct elog_conf conf;
	char marker[PATH_MAX];
	bool marked = false;
	__u32 zero = 0;
	int ret;

	if (value < -1 || value > 2)
		return elog_rt_errf(err, EINVAL, "invalid default %d (use -1, 0, 1 or 2)", value);
	ret = elog_rt_lock_watched(rt, err);
	if (ret)
		return ret;
	ret = elog_rt_read(rt, NULL, &conf, err);
	if (ret)
		goto out;
	if (old)
		*old = conf.default_on;
	/* The walk below is many steps: marked first, so that one cut short
	 * is finished by the reaper or the next command (finish_walks). */
	if ((value == 2 || value == -1) && rt->ops->default_changed &&
	    !elog_rt_walk_marker(rt, value, marker, sizeof(marker))) {
		if (mkdir(marker, 0700) && errno != EEXIST) {
			ret = elog_rt_errf(err, errno, "mkdir %s: %s", marker, strerror(errno));
			goto out;
		}
		marked = true;
	}
	/* Store first: sessions created during the walk below then already
	 * start in the new state, so none is missed. */
	conf.default_on = value >= 1;
	if (bpf_map_update_elem(rt->conf_fd, &zero, &conf, BPF_ANY)) {
		ret = elog_rt_errf(err, errno, "%s: write default: %s", rt->ops->name,
				   strerror(errno));
		goto out;
	}
	if (rt->ops->default_changed)
		ret = elog_rt_cb_done(rt->ops->default_changed(rt, value, err), rt, err);
out:
	/* Done, or failed and said so: nothing for anyone to finish. */
	if (marked)
		rmdir(marker);
	elog_rt_unlock(rt);
	return ret;
}
