/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The few test helpers tests/schemac needs besides the unit-test harness
 * (CHECK_MSG and the "N passed, N failed" report).
 */
#ifndef SCHEMAC_TEST_H
#define SCHEMAC_TEST_H

#include <stdio.h>

#include "../unit/harness.h"

/* Paths handed over by the Makefile. */
struct t_env {
	const char *schemac; /* the elog-schemac binary */
	const char *gen;     /* $(GEN) */
	const char *tmp;     /* scratch directory */
	const char *clang;   /* for the BPF check */
};

void t_errors(const struct t_env *env);
void t_errors_write_corpus(const char *dir);
void t_outputs(const struct t_env *env);
void t_roundtrip(void);
void t_tcp_interface(void);

/* printf into one of 16 rotating 4 KiB buffers: enough for the paths and
 * commands of one check, and nothing to free. */
const char *t_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Runs cmd through the shell; returns its exit status, -1 if it died. */
int t_run(const char *cmd);
/* Whole file into a NUL-terminated malloc'ed buffer, NULL if unreadable. */
char *t_slurp(const char *path, size_t *len);

#endif
