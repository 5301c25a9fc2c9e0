/* SPDX-License-Identifier: BSD-2-Clause */
/* TCP provider, user half: one iterator command over every network namespace. */
#ifndef ELOG_TCP_ITER_H
#define ELOG_TCP_ITER_H

#include "rt/provider.h"
#include "tcp_provider.h"

/*
 * Writes cmd into the pinned tcp_iter_cmd map, reads the pinned iter/tcp
 * link once in every network namespace of the host, then clears the command.
 * Returns 0 or a negative errno (err filled). Runs under the provider lock.
 */
int tcp_iter_run(struct elog_rt *rt, const struct tcp_elog_iter_cmd *cmd, struct elog_error *err);

#endif /* ELOG_TCP_ITER_H */
