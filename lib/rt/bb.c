// SPDX-License-Identifier: BSD-2-Clause
/*
 * Black box, userspace half: the dumps triggers asked for are made by the
 * live consumers as they poll (the hooks only queue them: see
 * bpf/eventlog.bpf.h), dumps on demand, the sweep of ended sessions past
 * their linger time, and the counters.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "rt_internal.h"

int elog_rt_bb_check(struct elog_rt *rt, struct elog_error *err)
{
	char path[PATH_MAX];
	struct stat st;

	/* A provider loaded by a build without the black box: say so rather
	 * than what bpf_obj_get says of a missing pin. */
	if (elog_rt_pin_path(rt, ELOG_PIN_BB_DUMP_REQ, path, sizeof(path)) == 0 &&
	    stat(path, &st) < 0 && errno == ENOENT)
		return elog_rt_errf(err, ENOTSUP, "provider %s has no black box dump program (%s)",
				    rt->ops->name, path);
	return 0;
}

int elog_rt_bb_dump(struct elog_rt *rt, unsigned int scope, uint64_t key, unsigned int reason,
		    uint64_t *dumped, struct elog_error *err)
{
	struct elog_bb_dump_req req = { .scope = scope, .reason = reason, .key = key };
	int ret, retval = 0;

	if (scope > ELOG_BB_DUMP_PENDING)
		return elog_rt_errf(err, EINVAL, "%s: unknown dump scope %u", rt->ops->name, scope);
	ret = elog_rt_bb_check(rt, err);
	if (ret)
		return ret;
	ret = elog_rt_run_syscall(rt, ELOG_PIN_BB_DUMP_REQ, &req, sizeof(req), &retval, err);
	if (ret)
		return ret;
	if (retval)
		return elog_rt_errf(err, EINVAL, "%s: the black box refused dump scope %u",
				    rt->ops->name, scope);
	if (dumped)
		*dumped = req.dumped;
	return 0;
}

int elog_rt_bb_service(struct elog_rt *rt, bool sweep, struct elog_error *err)
{
	__u64 sid;
	int ret, rounds;

	if (rt->bb_pending_fd < 0) {
		ret = elog_rt_obj_fd(rt, ELOG_PIN_BB_PENDING, err);
		if (ret < 0)
			return ret;
		rt->bb_pending_fd = ret;
	}
	/* A peek: cheap enough for every poll; a run only when asked. Each
	 * run makes up to 4096 dumps; a queue that refills as fast is left
	 * for the next poll rather than holding this one up. */
	for (rounds = 0; rounds < 16; rounds++) {
		if (bpf_map_lookup_elem(rt->bb_pending_fd, NULL, &sid)) {
			if (errno == ENOENT)
				break;
			return elog_rt_errf(err, errno, "%s: read %s: %s", rt->ops->name,
					    ELOG_PIN_BB_PENDING, strerror(errno));
		}
		ret = elog_rt_bb_dump(rt, ELOG_BB_DUMP_PENDING, 0, 0, NULL, err);
		if (ret)
			return ret;
	}
	if (sweep) {
		ret = elog_rt_bb_dump(rt, ELOG_BB_SWEEP, 0, 0, NULL, err);
		if (ret)
			return ret;
	}
	return rounds;
}

int elog_rt_bb_stats(struct elog_rt *rt, struct elog_bb_stats *st, struct elog_error *err)
{
	__u32 zero = 0;
	int fd = elog_rt_obj_fd(rt, ELOG_PIN_BB_STATS, err);

	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &zero, st)) {
		int e = errno;

		close(fd);
		return elog_rt_errf(err, e, "%s: read %s: %s", rt->ops->name, ELOG_PIN_BB_STATS,
				    strerror(e));
	}
	close(fd);
	return 0;
}
