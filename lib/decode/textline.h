/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One event as one text line (elog(1) OUTPUT), shared by `elog -r` and the
 * live capture so both print byte-identical lines:
 *
 *   [N       ]+S.UUUUUU dS.UUUUUU [cpu]tid::[YYYY-MM-DD ]HH:MM:SS.uuuuuu [prov][session][EVENT] text\n
 *
 * `N ` (serial, left-aligned width 8, -n), `+S.UUUUUU ` (-t, since the first
 * event), `dS.UUUUUU ` (--delta-time, since the previous event; 0 first),
 * cpu right-aligned width 2, tid lowercase hex >= 4 digits, `[EVENT]` only
 * with -e (`[?<id>]` when the id is unknown), times UTC.
 */
#ifndef ELOG_TEXTLINE_H
#define ELOG_TEXTLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <eventlog/record.h>
#include <eventlog/schema.h>

/* Large enough for any line: prefixes + header fields + a clipped payload. */
#define ELOG_TEXTLINE_MAX 4096

struct elog_text_opts {
	bool serial;     /* -n */
	bool rel_time;   /* -t */
	bool delta_time; /* --delta-time */
	bool date;       /* -d */
	bool event_name; /* -e */
};

/* Per-stream state for -n, -t and --delta-time; zero-initialise it. */
struct elog_text_state {
	uint64_t serial;  /* events printed so far */
	uint64_t first_ts;
	uint64_t prev_ts;
};

/*
 * Format one event into buf (NUL-terminated, ending in '\n'), returning the
 * length without the NUL; never writes more than cap bytes (the payload text
 * is clipped to fit; cap >= ELOG_TEXTLINE_MAX never clips the header part).
 * Returns 0 only if cap == 0.
 *
 * provider_name: the name from the capture's provider table, or NULL if the
 *   record's provider id is not in it (printed as `?`).
 * desc: the compiled-in schema for that provider (elog_schema_provider()),
 *   NULL if unknown: the text becomes `[UNKNOWN_PROVIDER:<name>]`.
 * utc_us: UTC microseconds of the event (the caller computes it:
 *   start_utc_us + (ts - capture_start) for files, ts + boot_to_utc live).
 * payload/payload_len: the record payload (unaligned, bounds respected).
 */
size_t elog_textline_format(char *buf, size_t cap, const struct elog_text_opts *o,
			    struct elog_text_state *st, const struct elog_event_hdr *hdr,
			    const char *provider_name, const struct elog_provider_desc *desc,
			    int64_t utc_us, const void *payload, size_t payload_len);

#endif /* ELOG_TEXTLINE_H */
