/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `elog --summary`: one row per connection of a capture, from the analysis
 * its provider registered (conn_analysis.h), as a text table or JSON Lines.
 */
#ifndef ELOG_SUMMARY_H
#define ELOG_SUMMARY_H

#include <stdbool.h>
#include <stdio.h>

#include "elog_error.h"
#include "series.h"

struct elog_summary;

int elog_summary_open(struct elog_summary **out, struct elog_error *err);
/* One record of a selected session. */
int elog_summary_add(struct elog_summary *s, const struct elog_series_record *r,
		     struct elog_error *err);
/* Rows written (connections), or -1 with err. Rows come in the order the
 * sessions first appear. */
long elog_summary_write(struct elog_summary *s, FILE *f, bool json, struct elog_error *err);
void elog_summary_close(struct elog_summary *s);

#endif /* ELOG_SUMMARY_H */
