// SPDX-License-Identifier: BSD-2-Clause
/*
 * The test provider's user half: its elog_provider_ops (its programs, the
 * stand-in per-packet hook, dump, default walks) and test_provider_run(), which
 * elog-testgen uses to drive sessions and events.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "registry.h"
#include "test.skel.h"
#include "test_cmd.h"
#include "test_provider.h"

/* The commands (SEC("syscall") programs run by test_provider_run) and the
 * stand-in per-packet hook (lib/rt/hot.c attaches it while somebody
 * subscribes): a tp_btf program that counts its runs. */
static const struct elog_hook test_hooks[] = {
	{ "test_cmd", "test_cmd", ELOG_ATTACH_NONE, 0, ELOG_HOOK_COMMAND,
	  "create, enable and destroy sessions; dumps and default walks" },
	{ "test_emit", "test_emit", ELOG_ATTACH_NONE, 0, ELOG_HOOK_COMMAND,
	  "records of any id and length, straight to `elog_emit_rec()` (drops, sizes, "
	  "timestamps, benchmarks)" },
	{ "test_emit_schema_cmd", "test_emit_schema", ELOG_ATTACH_NONE, 0, ELOG_HOOK_COMMAND,
	  "events of the schema, through the generated `_LOG` macros" },
	{ "test_hot", "test_hot", ELOG_ATTACH_TRACING, 0, ELOG_HOOK_HOT,
	  "counts `sched_process_exec` runs: a stand-in for a per-packet hook, so tests see "
	  "attach and detach follow the subscribers" },
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

static const struct elog_provider_ops test_ops = {
	.name = "test",
	.id = TEST_PROVIDER_ID,
	.internal = true, /* for tests and benchmarks: elogctl shows it only when loaded */
	.object_bytes = test_bpf__elf_bytes,
	.hooks = test_hooks,
	.nhooks = sizeof(test_hooks) / sizeof(test_hooks[0]),
	.dump_state = test_dump_state,
	.default_changed = test_default_changed,
};

/* Its one registration: its schema's tables and the ops above; it has no
 * connection facts. */
ELOG_PROVIDER_REGISTER(test, &test_ops, NULL);
