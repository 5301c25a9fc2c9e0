/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The exporters' unit-test harness (kept apart from other components'
 * tests so each builds alone): CHECK* count and report failures with
 * file:line and go on; the run ends with exactly "N passed, N failed"
 * and exits non-zero on any failure (or if nothing was checked).
 */
#ifndef ELOG_TEST_EXPORT_H
#define ELOG_TEST_EXPORT_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static unsigned long tx_passed, tx_failed;
static const char *tx_current = "";

#define TX_FAIL(...)                                                              \
	do {                                                                      \
		tx_failed++;                                                      \
		fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, tx_current);   \
		fprintf(stderr, __VA_ARGS__);                                     \
		fputc('\n', stderr);                                              \
	} while (0)

#define CHECK(c)                                                                  \
	do {                                                                      \
		if (c)                                                            \
			tx_passed++;                                              \
		else                                                              \
			TX_FAIL("CHECK(%s) failed", #c);                          \
	} while (0)

#define CHECK_EQ(a, b)                                                            \
	do {                                                                      \
		uint64_t tx_a = (uint64_t)(a), tx_b = (uint64_t)(b);              \
		if (tx_a == tx_b)                                                 \
			tx_passed++;                                              \
		else                                                              \
			TX_FAIL("%s == %s: %" PRIu64 " != %" PRIu64, #a, #b, tx_a, tx_b); \
	} while (0)

#define CHECK_STR(a, b)                                                           \
	do {                                                                      \
		const char *tx_a = (a), *tx_b = (b);                              \
		if (tx_a && tx_b && strcmp(tx_a, tx_b) == 0)                      \
			tx_passed++;                                              \
		else                                                              \
			TX_FAIL("%s == %s:\n    got      \"%s\"\n    expected \"%s\"", \
				#a, #b, tx_a ? tx_a : "(null)", tx_b ? tx_b : "(null)"); \
	} while (0)

struct tx_test {
	const char *name;
	void (*fn)(void);
};

#define TX(fn) { #fn, fn }

static inline int tx_run(const struct tx_test *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned long before = tx_failed;

		tx_current = t[i].name;
		t[i].fn();
		fprintf(stderr, "%-4s %s\n", tx_failed == before ? "ok" : "FAIL", t[i].name);
	}
	printf("%lu passed, %lu failed\n", tx_passed, tx_failed);
	return tx_failed == 0 && tx_passed > 0 ? 0 : 1;
}

#endif /* ELOG_TEST_EXPORT_H */
