/* SPDX-License-Identifier: BSD-2-Clause */
/* The test provider's user half, for elog-testgen. */
#ifndef ELOG_TEST_PROVIDER_H
#define ELOG_TEST_PROVIDER_H

#include "rt/provider.h"
#include "test_cmd.h"

/* Runs one command in the kernel; returns its non-negative result or -errno. */
int test_provider_run(struct elog_rt *rt, struct test_cmd *cmd, struct elog_error *err);

#endif /* ELOG_TEST_PROVIDER_H */
