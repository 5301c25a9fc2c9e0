/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What is loaded and its state: whether a provider is loaded, whether an
 * rt still holds the loaded instance, its counters and configuration.
 * Below both rt.c (lifetime) and subscribe.c (slots), which use it; it
 * calls neither.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "rt_internal.h"

static int ready_path(const char *name, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s/%s", ELOG_PIN_ROOT, name, ELOG_READY_DIR);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int elog_rt_is_loaded(const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	if (!elog_rt_find_provider(name)) {
		errno = ENOENT;
		return -1;
	}
	if (ready_path(name, path, sizeof(path)))
		return 0;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int elog_rt_is_current(struct elog_rt *rt)
{
	struct bpf_map_info pinned, ours;
	__u32 len_p = sizeof(pinned), len_o = sizeof(ours);
	char path[PATH_MAX];
	int fd, ret;

	if (elog_rt_is_loaded(rt->ops->name) != 1)
		return 0;
	if (elog_rt_pin_path(rt, ELOG_PIN_CONF, path, sizeof(path))) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	memset(&pinned, 0, sizeof(pinned));
	memset(&ours, 0, sizeof(ours));
	if (bpf_obj_get_info_by_fd(fd, &pinned, &len_p) ||
	    bpf_obj_get_info_by_fd(rt->conf_fd, &ours, &len_o))
		ret = -errno;
	else
		ret = pinned.id == ours.id;
	close(fd);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

int elog_rt_read(struct elog_rt *rt, struct elog_state *state, struct elog_conf *conf,
		 struct elog_error *err)
{
	__u32 zero = 0;

	if (state && bpf_map_lookup_elem(rt->state_fd, &zero, state))
		return elog_rt_errf(err, errno, "%s: read counters: %s", rt->ops->name,
				    strerror(errno));
	if (conf && bpf_map_lookup_elem(rt->conf_fd, &zero, conf))
		return elog_rt_errf(err, errno, "%s: read config: %s", rt->ops->name,
				    strerror(errno));
	return 0;
}
