/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What a provider can say about a whole connection from its session's
 * events: `elog --summary` asks for one row per connection and prints it
 * without knowing what the values mean. A provider offers it through the
 * `analysis` member of its connection facts (conn_facts.h).
 */
#ifndef ELOG_CONN_ANALYSIS_H
#define ELOG_CONN_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <eventlog/record.h>

enum elog_sum_kind {
	ELOG_SUM_UINT, /* u */
	ELOG_SUM_REAL, /* d */
	ELOG_SUM_TEXT, /* text */
	ELOG_SUM_TIME, /* i: UTC microseconds */
};

/* One named value of a summary row; `known` false when the events did not
 * tell it (null in JSON, "-" in the table). */
struct elog_sum_field {
	const char *name; /* JSON key and table column */
	enum elog_sum_kind kind;
	bool known;
	uint64_t u;
	int64_t i;
	double d;
	char text[112];
};

#define ELOG_SUM_FIELDS_MAX 64

struct elog_conn_analysis_ops {
	/* A session's analysis, NULL when out of memory. */
	void *(*open)(void);
	/* One event of the session, in capture order; payload may be short. */
	void (*event)(void *a, const struct elog_event_hdr *hdr, int64_t utc_us,
		      const void *payload, size_t len);
	/* Whether the session is a connection worth a row (not a listener). */
	bool (*is_connection)(const void *a);
	/* The row, in the provider's column order; returns the field count. */
	size_t (*summary)(void *a, struct elog_sum_field *f, size_t max);
	void (*close)(void *a);
};

#endif /* ELOG_CONN_ANALYSIS_H */
