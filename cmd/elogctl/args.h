/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * elogctl(8) command line, as functions (no I/O besides getopt's own
 * diagnostics), so that the option fuzzer (tests/fuzz/options) runs
 * exactly the parsing elogctl runs.
 */
#ifndef ELOGCTL_ARGS_H
#define ELOGCTL_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#define ELOGCTL_MAX_LOADS 16 /* -L / -U each, per command */

struct elogctl_args {
	bool all;          /* -a */
	bool value_only;   /* -n */
	bool list;         /* -l */
	bool verify;       /* -V */
	const char *load[ELOGCTL_MAX_LOADS];   /* -L provider, repeatable */
	const char *unload[ELOGCTL_MAX_LOADS]; /* -U provider, repeatable */
	int nload, nunload;
	int too_many;      /* 'L' or 'U' when -2 is returned */
	int first;         /* argv index of the first name[=value] operand */
};

/* elogctl_parse_args() results for -h/--help and --version: print the
 * usage or the version on stdout and exit 0. */
#define ELOGCTL_HELP 1
#define ELOGCTL_VERSION 2

/*
 * 0; -1 on a usage error (getopt printed its diagnostic, if any); -2 when
 * -L or -U (a->too_many) is given more than ELOGCTL_MAX_LOADS times;
 * ELOGCTL_HELP or ELOGCTL_VERSION when asked for.
 */
int elogctl_parse_args(int argc, char **argv, struct elogctl_args *a);

/*
 * Splits "name=value" (arg must contain '='): the name goes NUL-terminated
 * into buf (size bytes). Returns -1 when the name does not fit (then buf
 * is empty), else 0 with *value_ok telling whether the value is a decimal
 * integer (a long long; then *value holds it).
 */
int elogctl_parse_assignment(const char *arg, char *buf, size_t size, long long *value,
			     bool *value_ok);

#endif /* ELOGCTL_ARGS_H */
