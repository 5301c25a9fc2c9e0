/* SPDX-License-Identifier: BSD-2-Clause */
/* elog(1) command-line parsing (options.c) and usage text (usage.c). */
#ifndef ELOG_CMD_OPTIONS_H
#define ELOG_CMD_OPTIONS_H

#include <stdint.h>
#include <stdio.h>

#include "elog.h"
#include "elog_error.h"

/* elog_parse_options() results besides 0 (ok) and -1 (err filled). */
#define ELOG_PARSE_HELP 1        /* -h: print usage on stdout, exit 0 */
#define ELOG_PARSE_BAD_OPTION 2  /* getopt already complained: print usage, exit 1 */
#define ELOG_PARSE_VERSION 3     /* --version: print the version on stdout, exit 0 */

/* Fills *o (always initialised, even on error); release with elog_free_options. */
int elog_parse_options(int argc, char **argv, struct elog_options *o, struct elog_error *err);
void elog_free_options(struct elog_options *o);

/*
 * The one checked number parser: digits in `base` (0 = C prefixes), no sign,
 * leading blanks skipped, value <= max. With end == NULL the whole string
 * must be the number; otherwise *end points after it. Returns 0, -1 (not a
 * number) or -2 (too large).
 */
int elog_parse_number(const char *s, int base, uint64_t max, uint64_t *out, const char **end);

/* -b: number with an optional K/M/G suffix (x1024), 64 KiB .. 1 GiB - 1, a
 * power of two (the ring's size: refused, not rounded, otherwise). */
int elog_parse_buffer_size(const char *s, uint32_t *out, struct elog_error *err);

void elog_usage(FILE *f);

#endif /* ELOG_CMD_OPTIONS_H */
