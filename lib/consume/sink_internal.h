/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What each kind of sink implements (sink.h): sink.c checks the record
 * against the kind's limit and keeps the counts, the kind does the rest.
 */
#ifndef ELOG_SINK_INTERNAL_H
#define ELOG_SINK_INTERNAL_H

#include "sink.h"

struct elog_sink_ops {
	/* 0 written, 1 the output cannot hold it (counted, not written), -1. */
	int (*write)(struct elog_sink *s, const struct elog_sink_rec *r, struct elog_error *err);
	/* NULL: records one at a time only. */
	int (*write_run)(struct elog_sink *s, const void *recs, size_t bytes, size_t count,
			 struct elog_error *err);
	int (*poll)(struct elog_sink *s, struct elog_error *err);   /* NULL: nothing to do */
	int (*flush)(struct elog_sink *s, struct elog_error *err);  /* NULL: nothing to do */
	/* Closes what the kind holds (not s itself), also on error. */
	int (*close)(struct elog_sink *s, uint64_t dropped, struct elog_error *err);
};

struct elog_sink {
	const struct elog_sink_ops *ops;
	void *impl;
	size_t payload_max; /* a longer payload is oversize; 0: no limit */
	struct elog_sink_stats st;
};

/* A sink of the given kind around impl; NULL when out of memory. */
struct elog_sink *elog_sink_new(const struct elog_sink_ops *ops, void *impl, size_t payload_max);

#endif /* ELOG_SINK_INTERNAL_H */
