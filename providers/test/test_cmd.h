/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Commands of the test provider: the context of its SEC("syscall") program
 * test_cmd, shared by test.bpf.c and the user half (test.c, testgen.c).
 */
#ifndef ELOG_TEST_CMD_H
#define ELOG_TEST_CMD_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define TEST_MAX_SESSIONS 256
#define TEST_PAYLOAD_MAX 256
#define TEST_PROVIDER_ID 2 /* tcp is 1 */

enum test_op {
	TEST_OP_CREATE = 1,  /* session: start observing (SESSION_CREATE if enabled) */
	TEST_OP_DESTROY = 2, /* session: end (SESSION_END if enabled) */
	TEST_OP_ENABLE = 3,  /* session, value 0/1 (SESSION_CREATE when turned on) */
	TEST_OP_EMIT = 4,    /* session, event_id/level/keywords/len, count; value > 0:
			      * stamped value us before now (a record that reached
			      * its ring late: the reorder window's accounting) */
	TEST_OP_DUMP = 5,    /* slot: every enabled live session's state, to slot only */
	TEST_OP_WALK = 6,    /* value 2: enable all live (+state to all); -1: disable all */
	TEST_OP_EMIT_SCHEMA = 7, /* session, event_id of schemas/test.src, count: via _LOG */
};

struct test_cmd {
	__u32 op;
	__u32 session;   /* index, < TEST_MAX_SESSIONS */
	__u64 session_id;
	__u32 event_id;
	__u32 level;
	__u32 keywords;
	__u32 len;       /* payload bytes, <= TEST_PAYLOAD_MAX */
	__u32 count;     /* events to emit (bpf_loop: at most 1 << 23 per command) */
	__s32 slot;
	__s32 value;
	__u32 pad;
};

/* Knob the hot (per-packet stand-in) hook counts its runs in. */
#define TEST_KNOB_HOT_RUNS 2 /* one of the provider's own (eventlog_abi.h) */

#endif /* ELOG_TEST_CMD_H */
