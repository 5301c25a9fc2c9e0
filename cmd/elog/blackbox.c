// SPDX-License-Identifier: BSD-2-Clause
/*
 * elog --dump PROVIDER [--session ID | --log-id NAME]: the provider's black
 * box buffers (every one, one session's, or every session's of one log id)
 * are written into its subscribers' streams now, where a recorder (elog -c
 * PROVIDER --record DIR) or a capture takes them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "elog.h"
#include "elog_error.h"
#include "rt/rt.h"

int elog_bb_dump_run(const struct elog_options *o, struct elog_error *err)
{
	const char *p = o->bb_dump_provider;
	struct elog_rt *rt = NULL;
	struct elog_state st;
	struct elog_conf conf;
	uint64_t key = 0, dumped = 0;
	int ret;

	ret = elog_rt_open(p, 0, &rt, err); /* privilege checked there */
	if (ret < 0 && err->code == ENODEV) {
		elog_errorf(err, ENODEV, "provider %s is not loaded: it has nothing buffered", p);
		return 1;
	}
	if (ret < 0)
		return 1;
	/* Nobody to take it: the kernel would keep the buffers and count the
	 * dump as undelivered; say so rather than report nothing dumped. */
	ret = elog_rt_bb_check(rt, err);
	if (ret == 0)
		ret = elog_rt_read(rt, &st, &conf, err);
	if (ret == 0 && conf.nsubs == 0) {
		elog_errorf(err, EPIPE, "nobody subscribes to %s, so a dump would go nowhere (the "
			    "buffers are kept): start `elog -c %s --record DIR` first", p, p);
		ret = -1;
	}
	if (ret == 0) {
		if (o->bb_dump_scope == ELOG_BB_DUMP_SESSION)
			key = o->bb_dump_session;
		else if (o->bb_dump_scope == ELOG_BB_DUMP_GROUP)
			key = elog_bb_group_hash(o->bb_dump_log_id);
		ret = elog_rt_bb_dump(rt, o->bb_dump_scope, key, ELOG_BB_REASON_DEMAND, &dumped, err);
	}
	elog_rt_close(rt);
	if (ret < 0)
		return 1;
	if (dumped == 0 && o->bb_dump_scope == ELOG_BB_DUMP_SESSION) {
		elog_errorf(err, ENOENT, "%s: session %llu has no black box buffer", p,
			    (unsigned long long)key);
		return 1;
	}
	if (dumped == 0 && o->bb_dump_scope == ELOG_BB_DUMP_GROUP) {
		elog_errorf(err, ENOENT, "%s: no session with log id '%s' has a black box buffer", p,
			    o->bb_dump_log_id);
		return 1;
	}
	printf("%s: %llu session%s dumped\n", p, (unsigned long long)dumped, dumped == 1 ? "" : "s");
	if (fflush(stdout) != 0) {
		elog_errorf(err, errno, "write to stdout: %s", strerror(errno));
		return 1;
	}
	return 0;
}
