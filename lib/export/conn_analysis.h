/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What a provider can say about a whole connection from its session's
 * events: `elog --summary` asks for one row per connection and prints it
 * without knowing what the values mean, and `elog --report` draws the
 * graphs the provider lays out (`graphs`) with the points its analysis
 * gives while it reads the events (elog_plot_point/span). A provider offers
 * it through the `analysis` member of its connection facts (conn_facts.h).
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

/* How a series is drawn. */
enum elog_plot_style {
	ELOG_PLOT_LINE,   /* y joined by lines */
	ELOG_PLOT_STEP,   /* y held until the next point */
	ELOG_PLOT_POINTS, /* y as dots */
	ELOG_PLOT_RANGE,  /* a vertical bar from y to y2 (e.g. a segment's bytes) */
	ELOG_PLOT_MARK,   /* a marker at y, never thinned out and counted on the page */
};

struct elog_plot_series {
	const char *name;
	enum elog_plot_style style;
	const char *color; /* CSS color */
};

/* One graph of a connection; every graph of it shares the time axis. */
struct elog_plot_graph {
	const char *title;
	const char *unit; /* of y */
	const struct elog_plot_series *series;
	unsigned nseries;
};

/* Where an analysis puts its points (lib/export/report.c); NULL draws nothing,
 * so an analysis calls these whether or not a report is being made. */
struct elog_plot;
/* Series `series` of graph `graph` (indices into the provider's `graphs`):
 * y (and y2 for a range) at boot time ts_us. */
void elog_plot_point(struct elog_plot *p, unsigned graph, unsigned series, uint64_t ts_us,
		     double y, double y2);
/* An interval [t0, t1] shaded on every graph of the connection. */
void elog_plot_span(struct elog_plot *p, uint64_t t0_us, uint64_t t1_us, const char *label);

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

	/* The graphs of a report (none: NULL, 0). */
	const struct elog_plot_graph *graphs;
	unsigned ngraphs;
	/* From now on, the analysis plots into p (before its first event). */
	void (*plot_to)(void *a, struct elog_plot *p);
	/* How much trouble the connection had (report's order: most first). */
	double (*trouble)(const void *a);
};

/*
 * Black box dumps in a capture (the framework event BLACKBOX_DUMP, then the
 * session's kept records with their own, older, times): the dump record is
 * counted beside the provider's row and never given to its analysis (it is
 * not something the connection did, and its time is the dump's, after the
 * records it brings). A row whose session lost events to its black box
 * (events not kept between dumps) says how many: its figures miss them.
 */
struct elog_dump_tally {
	uint64_t dumps, not_kept;
};
/* Whether this record is a dump record (then counted). */
bool elog_dump_tally_add(struct elog_dump_tally *t, uint32_t event_id, const void *payload,
			 size_t len);
/* The row's two last fields (bb_dumps, bb_not_kept) at f[n], within max;
 * returns the new field count. */
size_t elog_dump_tally_fields(const struct elog_dump_tally *t, struct elog_sum_field *f, size_t n,
			      size_t max);

#endif /* ELOG_CONN_ANALYSIS_H */
