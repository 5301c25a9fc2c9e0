// SPDX-License-Identifier: BSD-2-Clause
/* Black box dump requests (rt.h, elog_rt_bb_dump). */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "rt/rt.h"

int elog_rt_bb_dump(struct elog_rt *rt, uint32_t scope, uint64_t key, uint64_t *dumped,
		    struct elog_error *err)
{
	struct elog_bb_dump_req req = { .scope = scope, .reason = ELOG_BB_REASON_DEMAND, .key = key };
	char path[PATH_MAX];
	struct stat st;
	int ret, retval = 0;

	*dumped = 0;
	if (scope > ELOG_BB_DUMP_GROUP)
		return elog_rt_errf(err, EINVAL, "invalid black box dump scope %u", scope);
	if (elog_rt_pin_path(rt, ELOG_PIN_BB_DUMP_REQ, path, sizeof(path)))
		return elog_rt_errf(err, ENAMETOOLONG, "pin name too long");
	/* A provider loaded by a build without the black box: say so rather
	 * than what bpf_obj_get says of a missing pin. */
	if (stat(path, &st) < 0 && errno == ENOENT)
		return elog_rt_errf(err, ENOTSUP, "provider %s has no black box dump program (%s)",
				    elog_rt_name(rt), path);
	ret = elog_rt_run_syscall(rt, ELOG_PIN_BB_DUMP_REQ, &req, sizeof(req), &retval, err);
	if (ret)
		return ret;
	if (retval)
		return elog_rt_errf(err, EINVAL, "provider %s refused the dump request (scope %u)",
				    elog_rt_name(rt), scope);
	*dumped = req.dumped;
	return 0;
}
