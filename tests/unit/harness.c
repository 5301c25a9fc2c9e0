/* SPDX-License-Identifier: BSD-2-Clause */
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
	printf("%lu passed, %lu failed\n", th_passed, th_failed);
	return th_failed == 0 && th_passed > 0 ? 0 : 1;
}
