/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Error reporting for libeventlog: library code never prints; it fills an
 * elog_error and returns -1, and the command's main() prints err->msg once.
 * That keeps every error path testable and gives one message per failure.
 */
#ifndef ELOG_ERROR_H
#define ELOG_ERROR_H

#define ELOG_ERROR_MSG_MAX 256

struct elog_error {
	int code;                     /* errno value, or 0 for a format error */
	char msg[ELOG_ERROR_MSG_MAX]; /* complete, ready to print after "elog: " */
};

/* Fills err (may be NULL) and returns -1, so callers can `return elog_errorf(...)`. */
int elog_errorf(struct elog_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* ELOG_ERROR_H */
