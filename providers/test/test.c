// SPDX-License-Identifier: BSD-2-Clause
/*
 * The test provider's user half: its elog_provider_ops (load, the stand-in
 * per-packet hook, dump, default walks) and test_provider_run(), which
 * elog-testgen uses to drive sessions and events.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "test.skel.h"
#include "test_cmd.h"
#include "test_provider.h"

#define HOT_NAME "test_hot"

static int test_load(struct elog_rt *rt, struct elog_error *err)
{
	struct test_bpf *skel;
	int ret;

	skel = test_bpf__open();
	if (!skel) {
		ret = errno ? errno : EINVAL;
		elog_errorf(err, ret, "test: open BPF object: %s", strerror(ret));
		return -ret;
	}
	/* The hot hook is attached later, by whichever process subscribes
	 * first: it only has to exist (pinned), not be attached now. */
	ret = elog_rt_load_object(elog_rt_name(rt), skel->obj, NULL, 0, NULL, err);
	if (ret)
		goto out;
	ret = elog_rt_publish_object(rt, skel->obj, err);
	if (!ret)
		ret = elog_rt_attach_hooks(rt, skel->obj, err);
out:
	/* Pins keep maps and programs alive after the skeleton is gone. */
	test_bpf__destroy(skel);
	return ret;
}

/* The commands (SEC("syscall") programs run by test_provider_run) and the
 * stand-in per-packet hook (lib/rt/hot.c attaches it while somebody
 * subscribes): a tp_btf program that counts its runs. */
static const struct elog_hook test_hooks[] = {
	{ "test_cmd", "test_cmd", ELOG_HOOK_COMMAND, false, 0 },
	{ "test_emit", "test_emit", ELOG_HOOK_COMMAND, false, 0 },
	{ "test_emit_schema", "test_emit_schema_cmd", ELOG_HOOK_COMMAND, false, 0 },
	{ HOT_NAME, "test_hot", ELOG_HOOK_HOT, false, 0 },
};

int test_provider_run(struct elog_rt *rt, struct test_cmd *cmd, struct elog_error *err)
{
	/* The emit commands have programs of their own (test.bpf.c). */
	const char *prog = cmd->op == TEST_OP_EMIT ? "prog_test_emit" :
			   cmd->op == TEST_OP_EMIT_SCHEMA ? "prog_test_emit_schema" : "prog_test_cmd";
	int retval = 0, ret;

	ret = elog_rt_run_syscall(rt, prog, cmd, sizeof(*cmd), &retval, err);
	if (ret)
		return ret;
	if (retval < 0) {
		elog_errorf(err, -retval, "test: command %u: %s", cmd->op, strerror(-retval));
		return retval;
	}
	return retval;
}

static int test_dump_state(struct elog_rt *rt, int slot, struct elog_error *err)
{
	struct test_cmd cmd = { .op = TEST_OP_DUMP, .slot = slot };
	int ret = test_provider_run(rt, &cmd, err);

	return ret < 0 ? ret : 0;
}

static int test_default_changed(struct elog_rt *rt, int value, struct elog_error *err)
{
	struct test_cmd cmd = { .op = TEST_OP_WALK, .value = value };
	int ret;

	if (value != 2 && value != -1)
		return 0;
	ret = test_provider_run(rt, &cmd, err);
	return ret < 0 ? ret : 0;
}

const struct elog_provider_ops elog_provider_test_ops = {
	.name = "test",
	.id = TEST_PROVIDER_ID,
	.internal = true, /* for tests and benchmarks: elogctl shows it only when loaded */
	.object_bytes = test_bpf__elf_bytes,
	.hooks = test_hooks,
	.nhooks = sizeof(test_hooks) / sizeof(test_hooks[0]),
	.load = test_load,
	.dump_state = test_dump_state,
	.default_changed = test_default_changed,
};
