/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * UTC wall-clock time as text, shared by the text line (textline.c)
 * and the JSON exporter (export_json.c).
 */
#ifndef ELOG_UTC_H
#define ELOG_UTC_H

#include <stdint.h>

#include "strbuf.h"

/*
 * Append [YYYY-MM-DD<date_sep>]HH:MM:SS.uuuuuu for utc_us (microseconds
 * since 1970-01-01 UTC, any int64_t value; years before 1 get a '-').
 * date_sep: 0 writes no date, ' ' the text line's date, 'T' ISO 8601.
 */
void elog_put_utc(struct strbuf *b, int64_t utc_us, char date_sep);

#endif /* ELOG_UTC_H */
