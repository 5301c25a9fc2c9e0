/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One lock per provider, across processes: slot allocation on an
 * ARRAY_OF_MAPS is check-then-set (BPF_NOEXIST does not work on arrays), and
 * load, unload, default walks and hook attach/detach must not interleave.
 * A flock dies with its holder, so a SIGKILLed elog never wedges the lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt_internal.h"

int elog_rt_lock(struct elog_rt *rt, struct elog_error *err)
{
	char path[PATH_MAX];

	if (rt->locked++)
		return 0;
	if (rt->lock_fd < 0) {
		if (mkdir(ELOG_LOCK_DIR, 0700) && errno != EEXIST) {
			rt->locked = 0;
			return elog_rt_errf(err, errno, "mkdir %s: %s", ELOG_LOCK_DIR,
					    strerror(errno));
		}
		snprintf(path, sizeof(path), "%s/%s.lock", ELOG_LOCK_DIR, rt->ops->name);
		rt->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (rt->lock_fd < 0) {
			rt->locked = 0;
			return elog_rt_errf(err, errno, "open %s: %s", path, strerror(errno));
		}
	}
	while (flock(rt->lock_fd, LOCK_EX)) {
		if (errno == EINTR)
			continue;
		rt->locked = 0;
		return elog_rt_errf(err, errno, "lock %s provider: %s", rt->ops->name,
				    strerror(errno));
	}
	return 0;
}

void elog_rt_unlock(struct elog_rt *rt)
{
	if (rt->locked <= 0 || --rt->locked)
		return;
	flock(rt->lock_fd, LOCK_UN);
}
