/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bpffs side of the runtime: the pin directory of a loaded provider, its
 * framework maps, and the services provider.h offers to ops callbacks.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "rt_internal.h"

#define BPF_FS_MAGIC_NUMBER 0xcafe4a11

int elog_rt_mount_bpffs(struct elog_error *err)
{
	struct statfs st;

	if (statfs("/sys/fs/bpf", &st) == 0 && (unsigned long)st.f_type == BPF_FS_MAGIC_NUMBER)
		goto mounted;
	if (mkdir("/sys/fs/bpf", 0700) && errno != EEXIST)
		return elog_rt_errf(err, errno, "mkdir /sys/fs/bpf: %s", strerror(errno));
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700"))
		return elog_rt_errf(err, errno, "mount bpffs on /sys/fs/bpf: %s", strerror(errno));
mounted:
	if (mkdir(ELOG_PIN_ROOT, 0700) && errno != EEXIST)
		return elog_rt_errf(err, errno, "mkdir %s: %s", ELOG_PIN_ROOT, strerror(errno));
	return 0;
}

/* rm -r for a bpffs directory: unlinking a link pin detaches it. */
int elog_rt_remove_tree(const char *dir, struct elog_error *err)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);
	int ret = 0;

	if (!d)
		return errno == ENOENT ? 0 : elog_rt_errf(err, errno, "open %s: %s", dir,
							  strerror(errno));
	while ((de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		if (lstat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode))
			ret = elog_rt_remove_tree(path, err);
		else if (unlink(path) && errno != ENOENT)
			ret = elog_rt_errf(err, errno, "unlink %s: %s", path, strerror(errno));
		if (ret)
			break;
	}
	closedir(d);
	if (!ret && rmdir(dir) && errno != ENOENT)
		ret = elog_rt_errf(err, errno, "rmdir %s: %s", dir, strerror(errno));
	return ret;
}

const char *elog_rt_name(const struct elog_rt *rt)
{
	return rt->ops->name;
}

const struct elog_provider_ops *elog_rt_ops(const struct elog_rt *rt)
{
	return rt->ops;
}

int elog_rt_pin_path(const struct elog_rt *rt, const char *name, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s", rt->dir, name);

	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int elog_rt_obj_fd(struct elog_rt *rt, const char *pin, struct elog_error *err)
{
	char path[PATH_MAX];
	int fd;

	if (elog_rt_pin_path(rt, pin, path, sizeof(path)))
		return elog_rt_errf(err, ENAMETOOLONG, "pin name too long: %s", pin);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return elog_rt_errf(err, errno, "%s: %s", path, strerror(errno));
	return fd;
}

int elog_rt_open_maps(struct elog_rt *rt, struct elog_error *err)
{
	struct {
		const char *pin;
		int *fd;
	} maps[] = {
		{ ELOG_PIN_RINGS, &rt->rings_fd }, { ELOG_PIN_SUBS, &rt->subs_fd },
		{ ELOG_PIN_CONF, &rt->conf_fd },   { ELOG_PIN_STATE, &rt->state_fd },
		{ ELOG_PIN_KNOBS, &rt->knobs_fd }, { ELOG_PIN_STATS, &rt->stats_fd },
	};
	size_t i;

	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		int fd = elog_rt_obj_fd(rt, maps[i].pin, err);

		if (fd < 0) {
			elog_rt_close_maps(rt);
			return fd;
		}
		*maps[i].fd = fd;
	}
	return 0;
}

void elog_rt_close_maps(struct elog_rt *rt)
{
	int *fds[] = { &rt->rings_fd, &rt->subs_fd, &rt->conf_fd,
		       &rt->state_fd, &rt->knobs_fd, &rt->stats_fd };
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int elog_rt_publish_object(struct elog_rt *rt, struct bpf_object *obj, struct elog_error *err)
{
	static const char *const maps[] = {
		ELOG_PIN_RINGS, ELOG_PIN_SUBS, ELOG_PIN_CONF, ELOG_PIN_STATE,
		ELOG_PIN_KNOBS, ELOG_PIN_STATS, ELOG_PIN_BB_META, ELOG_PIN_BB_STATS,
		ELOG_PIN_BB_BUF, ELOG_PIN_BB_PENDING,
	};
	static const char *const progs[] = ELOG_RT_FRAMEWORK_PROGS;
	char path[PATH_MAX];
	struct bpf_program *prog;
	struct bpf_map *sticky;
	struct elog_conf conf = { .provider_id = rt->ops->id };
	__u32 zero = 0, ids[ELOG_BB_STICKY_MAX] = { 0 };
	size_t i;
	int ret;

	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, maps[i]);

		if (!m)
			return elog_rt_errf(err, ENOENT, "%s: BPF object has no map %s "
					    "(does it include eventlog.bpf.h?)", rt->ops->name, maps[i]);
		elog_rt_pin_path(rt, maps[i], path, sizeof(path));
		ret = bpf_map__pin(m, path);
		if (ret)
			return elog_rt_errf(err, -ret, "pin %s: %s", path, strerror(-ret));
	}
	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		prog = bpf_object__find_program_by_name(obj, progs[i]);
		if (!prog)
			return elog_rt_errf(err, ENOENT, "%s: BPF object has no program %s",
					    rt->ops->name, progs[i]);
		elog_rt_pin_path(rt, progs[i], path, sizeof(path));
		ret = bpf_program__pin(prog, path);
		if (ret)
			return elog_rt_errf(err, -ret, "pin %s: %s", path, strerror(-ret));
	}
	/* The event ids whose latest record a buffered session keeps apart. */
	if (rt->ops->nbb_sticky > ELOG_BB_STICKY_MAX)
		return elog_rt_errf(err, EINVAL, "%s: %zu sticky events (at most %d)",
				    rt->ops->name, rt->ops->nbb_sticky, ELOG_BB_STICKY_MAX);
	for (i = 0; i < rt->ops->nbb_sticky; i++)
		ids[i] = rt->ops->bb_sticky[i] + 1;
	sticky = bpf_object__find_map_by_name(obj, "elog_bb_sticky");
	if (!sticky || bpf_map_update_elem(bpf_map__fd(sticky), &zero, ids, BPF_ANY))
		return elog_rt_errf(err, sticky ? errno : ENOENT, "%s: write elog_bb_sticky: %s",
				    rt->ops->name, sticky ? strerror(errno) : "no such map");

	ret = elog_rt_open_maps(rt, err);
	if (ret)
		return ret;
	/* A provider loads with default 0, as at boot; no subscriber yet. */
	if (bpf_map_update_elem(rt->conf_fd, &zero, &conf, BPF_ANY))
		return elog_rt_errf(err, errno, "%s: write config: %s", rt->ops->name,
				    strerror(errno));
	for (i = 0; i < rt->ops->ncontrols; i++) {
		const struct elog_provider_control *c = &rt->ops->controls[i];

		if (!c->text && c->initial) {
			ret = elog_rt_knob_set(rt, c->knob, c->initial, err);
			if (ret)
				return ret;
		}
	}
	for (i = ELOG_KNOB_BB_FIRST; i < ELOG_KNOB_COUNT; i++) {
		ret = elog_rt_knob_set(rt, (unsigned int)i, elog_bb_knob_default((unsigned int)i), err);
		if (ret)
			return ret;
	}
	return 0;
}

#define ELOG_CGROUP_ROOT "/sys/fs/cgroup/unified" /* cgroup2 (hybrid mount on Debian 12) */

int elog_rt_cgroup_root_fd(struct elog_error *err)
{
	int fd = open(ELOG_CGROUP_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return elog_rt_errf(err, errno, "open cgroup2 root %s: %s", ELOG_CGROUP_ROOT,
				    strerror(errno));
	return fd;
}

int elog_rt_prog_fd(struct elog_rt *rt, const char *name, struct elog_error *err)
{
	char pin[128];

	if (snprintf(pin, sizeof(pin), "prog_%s", name) >= (int)sizeof(pin))
		return elog_rt_errf(err, EINVAL, "program name too long: %s", name);
	return elog_rt_obj_fd(rt, pin, err);
}

int elog_rt_run_syscall(struct elog_rt *rt, const char *pin, void *ctx, size_t ctx_size,
			int *retval, struct elog_error *err)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = ctx, .ctx_size_in = (__u32)ctx_size);
	int fd = elog_rt_obj_fd(rt, pin, err);
	int ret;

	if (fd < 0)
		return fd;
	ret = bpf_prog_test_run_opts(fd, &opts);
	close(fd);
	if (ret)
		return elog_rt_errf(err, errno, "run %s/%s: %s", rt->ops->name, pin,
				    strerror(errno));
	if (retval)
		*retval = (int)opts.retval;
	return 0;
}

int elog_rt_knob_get(struct elog_rt *rt, unsigned int knob, __s64 *value, struct elog_error *err)
{
	__u32 k = (__u32)knob;

	if (k >= ELOG_KNOB_COUNT)
		return elog_rt_errf(err, EINVAL, "knob %u out of range", k);
	if (bpf_map_lookup_elem(rt->knobs_fd, &k, value))
		return elog_rt_errf(err, errno, "%s: read knob %u: %s", rt->ops->name, k,
				    strerror(errno));
	return 0;
}

int elog_rt_knob_set(struct elog_rt *rt, unsigned int knob, __s64 value, struct elog_error *err)
{
	__u32 k = (__u32)knob;

	if (k >= ELOG_KNOB_COUNT)
		return elog_rt_errf(err, EINVAL, "knob %u out of range", k);
	if (bpf_map_update_elem(rt->knobs_fd, &k, &value, BPF_ANY))
		return elog_rt_errf(err, errno, "%s: write knob %u: %s", rt->ops->name, k,
				    strerror(errno));
	return 0;
}
