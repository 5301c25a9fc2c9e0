/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * elog(1): capture TCP (and other provider) events, or decode a capture.
 * main() is the only place that prints errors: everything below returns
 * them, so each failure gives exactly one message and exit status 1.
 */
#include <stdio.h>

#include "elog.h"
#include "elog_error.h"
#include "options.h"

#ifndef ELOG_HAVE_CAPTURE
/* Built without cmd/elog/capture.c: say so instead of pretending. */
int elog_capture_run(const struct elog_options *o)
{
	(void)o;
	fprintf(stderr, "elog: live capture is not built in\n");
	return 1;
}
#endif

static int run(int argc, char **argv, struct elog_options *o)
{
	struct elog_error err = { 0, "" };
	int rc = elog_parse_options(argc, argv, o, &err);

	/* Asked for: on stdout, success. After a bad option: on stderr, 1. */
	if (rc == ELOG_PARSE_HELP) {
		elog_usage(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (rc == ELOG_PARSE_VERSION) {
		printf("elog %s\n", ELOG_VERSION);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (rc == ELOG_PARSE_BAD_OPTION) {
		elog_usage(stderr);
		return 1;
	}
	if (rc < 0) {
		fprintf(stderr, "elog: %s\n", err.msg);
		return 1;
	}
	if (o->mode == ELOG_MODE_BB_DUMP) {
		rc = elog_bb_dump_run(o, &err);
		if (rc != 0)
			fprintf(stderr, "elog: %s\n", err.msg);
		return rc;
	}
	if (o->mode == ELOG_MODE_READ) {
		rc = elog_read_run(o, &err);
		if (rc != 0)
			fprintf(stderr, "elog: %s\n", err.msg);
		return rc;
	}
	return elog_capture_run(o);
}

int main(int argc, char **argv)
{
	struct elog_options o;
	int rc = run(argc, argv, &o);

	/* Freed even on errors: the ASan build checks for leaks on every path. */
	elog_free_options(&o);
	return rc;
}
