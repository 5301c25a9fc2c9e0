/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `elog --report FILE.html`: one self-contained HTML file (the plotting
 * library, its styles and the data inline; nothing is fetched when it is
 * opened) with, per connection, the provider's summary row, the graphs its
 * analysis plots (conn_analysis.h) on one shared, zoomable time axis, and a
 * timeline of the connection's events, each decoded on hover; connections
 * listed most trouble first.
 */
#ifndef ELOG_REPORT_H
#define ELOG_REPORT_H

#include <stdbool.h>

#include "elog_error.h"
#include "series.h"

struct elog_report;

/* Creates path. One that exists fails with EEXIST unless replace; then it
 * is replaced only by a page written whole (lib/capture/outfile.h, elog_export). */
int elog_report_open(struct elog_report **out, const char *path, bool replace,
		     struct elog_error *err);
/* One record of a selected session. */
int elog_report_add(struct elog_report *r, const struct elog_series_record *rec,
		    struct elog_error *err);
/* Writes the page (title: what it was made from); returns the number of
 * connections in it, or -1 with err. */
long elog_report_write(struct elog_report *r, const char *title, struct elog_error *err);
/* Closes; without a successful write the file is removed again. */
void elog_report_close(struct elog_report *r);

/* The timeline keeps the decoded text of this many events per connection
 * (every event is on it; later ones show their name only). */
#define ELOG_REPORT_TEXT_MAX 20000

#endif /* ELOG_REPORT_H */
