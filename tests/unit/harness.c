/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdlib.h>

#include "harness.h"

unsigned long th_passed, th_failed;
const char *th_current = "";

int th_run(const struct th_test *tests, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned long before = th_failed;

		th_current = tests[i].name;
		tests[i].fn();
		fprintf(stderr, "%-4s %s\n", th_failed == before ? "ok" : "FAIL", tests[i].name);
	}
	return th_report();
}

int th_report(void)
{
	printf("%lu passed, %lu failed\n", th_passed, th_failed);
	return th_failed == 0 && th_passed > 0 ? 0 : 1;
}

static const char *th_dir;

const char *th_tmp_path(const char *name)
{
	static char buf[4][512];
	static unsigned which;

	which = (which + 1) % 4;
	snprintf(buf[which], sizeof(buf[which]), "%s/%s", th_dir ? th_dir : "", name);
	return buf[which];
}

int th_run_in_tmpdir(const struct th_test *tests, size_t n, char *dir)
{
	char cmd[300];
	int rc;

	th_dir = dir;
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	rc = th_run(tests, n);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return rc;
}
