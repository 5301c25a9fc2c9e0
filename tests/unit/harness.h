/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A tiny test harness: CHECK* record a failure with file:line and keep
 * going, so one run reports every broken expectation; test_main() runs the
 * listed tests and ends with exactly "N passed, N failed" (N = checks),
 * exiting non-zero when anything failed.
 */
#ifndef ELOG_TEST_HARNESS_H
#define ELOG_TEST_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

extern unsigned long th_passed, th_failed;
extern const char *th_current;

#define TH_FAIL(...)                                                              \
	do {                                                                      \
		th_failed++;                                                      \
		fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, th_current);   \
		fprintf(stderr, __VA_ARGS__);                                     \
		fputc('\n', stderr);                                              \
	} while (0)

#define CHECK(cond)                                                               \
	do {                                                                      \
		if (cond)                                                         \
			th_passed++;                                              \
		else                                                              \
			TH_FAIL("CHECK(%s) failed", #cond);                       \
	} while (0)

/* CHECK with the failure told by a printf-style message. */
#define CHECK_MSG(cond, ...)                                                      \
	do {                                                                      \
		if (cond)                                                         \
			th_passed++;                                              \
		else                                                              \
			TH_FAIL(__VA_ARGS__);                                     \
	} while (0)

#define CHECK_EQ_U(a, b)                                                          \
	do {                                                                      \
		uint64_t th_a = (uint64_t)(a), th_b = (uint64_t)(b);              \
		if (th_a == th_b)                                                 \
			th_passed++;                                              \
		else                                                              \
			TH_FAIL("%s == %s: %" PRIu64 " != %" PRIu64, #a, #b, th_a, th_b); \
	} while (0)

#define CHECK_STR(a, b)                                                           \
	do {                                                                      \
		const char *th_a = (a), *th_b = (b);                              \
		if (th_a != NULL && th_b != NULL && strcmp(th_a, th_b) == 0)      \
			th_passed++;                                              \
		else                                                              \
			TH_FAIL("%s == %s:\n    got      \"%s\"\n    expected \"%s\"", \
				#a, #b, th_a ? th_a : "(null)", th_b ? th_b : "(null)"); \
	} while (0)

struct th_test {
	const char *name;
	void (*fn)(void);
};

#define TH_TEST(fn) { #fn, fn }

int th_run(const struct th_test *tests, size_t n);

/* Prints "N passed, N failed"; returns the exit status of the run: 0 only
 * when something was checked and nothing failed. th_run() ends with it;
 * a test program with its own driver calls it last. */
int th_report(void);

/* th_run() with a scratch directory: dir is a mkdtemp(3) template, made
 * before the tests and removed with everything in it after them. */
int th_run_in_tmpdir(const struct th_test *tests, size_t n, char *dir);

/* "<dir>/<name>" in th_run_in_tmpdir()'s directory; the last four paths
 * stay valid (one call may need two). */
const char *th_tmp_path(const char *name);

#endif /* ELOG_TEST_HARNESS_H */
