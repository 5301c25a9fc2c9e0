/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Where records go: one interface for every output of elog, live (`-c`)
 * and from captures (`-r`). A sink is opened by kind, takes records one at
 * a time (or, for a capture file, runs of adjacent records), does its
 * periodic work when polled, is flushed now and then, and is closed with
 * the number of events the kernel dropped during its life.
 *
 * Kinds: text lines and JSON lines (on a file descriptor, through one
 * large buffer), a binary capture file or a rotating series of them
 * (sink_file.c), and adapters for the per-session directory
 * (session_files.h), the black box recorder (recorder.h) and ClickHouse
 * (sink_clickhouse.h), which keep their own open functions.
 *
 * One rule for a record an output cannot hold: it is not written, and it
 * is counted (elog_sink_stats().oversize) for the caller to report. A JSON
 * line is limited to its line buffer, a capture record to
 * ELOG_PAYLOAD_MAX bytes of payload; a text line is never oversize, its
 * payload text is clipped to the line (textline.h).
 *
 * Every function returns 0 or -1 with err (elog_error.h).
 */
#ifndef ELOG_SINK_H
#define ELOG_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <eventlog/record.h>
#include <eventlog/schema.h>

#include "capture.h"
#include "elog_error.h"
#include "textline.h"

struct elog_ch;
struct elog_ch_stats;
struct elog_recorder;
struct elog_recorder_stats;
struct elog_session_files;

/* One record and what renders it. */
struct elog_sink_rec {
	/* The record as a capture holds it (header, then payload): what the
	 * per-session directory and the recorder store. NULL when the record
	 * is only known as hdr + payload (the others need no more). */
	const void *raw;
	const struct elog_event_hdr *hdr;       /* aligned */
	const void *payload;
	size_t payload_len;
	const char *provider_name;              /* NULL: unknown to the capture */
	const struct elog_provider_desc *desc;  /* NULL: not compiled in */
	int64_t utc_us;
};

struct elog_sink_stats {
	uint64_t written;  /* records the sink took */
	uint64_t oversize; /* records it could not hold: not written */
};

struct elog_sink;

/* Text lines (textline.h) on fd, -n/-t counted from the first record. */
int elog_sink_text_open(struct elog_sink **out, int fd, const struct elog_text_opts *o,
			struct elog_error *err);

/* JSON lines (export_json.h) on fd; line_max: the largest line (0:
 * ELOG_JSON_LINE_MAX), a record whose line is longer is oversize. */
int elog_sink_json_open(struct elog_sink **out, int fd, size_t line_max,
			struct elog_error *err);

/*
 * A binary capture, or with rotate_size/rotate_events a series of them
 * (NAME.000000.elog, NAME.000001.elog, ...: elog_series_name()), each
 * complete. A name ending in .gz or .zst is compressed (zfile.h). Before
 * the first file of a series every name of the series already in its
 * directory is refused, unless force (a single file: refused when it
 * exists, unless force); the error's code is then EEXIST.
 *
 * Drops cannot be attributed to the records of one file, so each file
 * rotated out gets the drops counted while it was open (dropped_now(), the
 * live total) and the last one at close the rest: the files'
 * dropped_events add up to the exact total. A file rotated out is closed
 * by its writer thread in the background (collected by elog_sink_poll()),
 * so moving on to the next file does not wait for the disk.
 */
struct elog_sink_file_opts {
	const char *path;   /* NULL: stream to `stream` (one file, no rotation) */
	FILE *stream;       /* a pipe or a file (its header only written once) */
	const struct elog_writer_provider *providers;
	uint32_t provider_count;
	int64_t boot_to_utc_us;
	bool force;
	uint64_t rotate_size;   /* bytes (compressed ones when compressed), 0: none */
	uint64_t rotate_events; /* 0: none */
	int (*dropped_now)(void *arg, uint64_t *total, struct elog_error *err);
	void *arg;
};
int elog_sink_file_open(struct elog_sink **out, const struct elog_sink_file_opts *o,
			struct elog_error *err);

/* Adapters: the sink owns the object from here and closes it. *st (may be
 * NULL) gets the object's own counts when the sink is closed. */
int elog_sink_sessions(struct elog_sink **out, struct elog_session_files *sf,
		       struct elog_error *err);
int elog_sink_recorder(struct elog_sink **out, struct elog_recorder *r,
		       struct elog_recorder_stats *st, struct elog_error *err);
int elog_sink_clickhouse(struct elog_sink **out, struct elog_ch *ch, struct elog_ch_stats *st,
			 struct elog_error *err);

/* One record: written, or counted as oversize (still 0). */
int elog_sink_write(struct elog_sink *s, const struct elog_sink_rec *r, struct elog_error *err);

/* One record of a capture being read (series.h). */
struct elog_series_record;
int elog_sink_write_series(struct elog_sink *s, const struct elog_series_record *sr,
			   struct elog_error *err);

/* Whether the sink takes runs of adjacent records as they sit in memory
 * (a capture file without rotation), and one such run of count records. */
bool elog_sink_takes_runs(const struct elog_sink *s);
int elog_sink_write_run(struct elog_sink *s, const void *recs, size_t bytes, size_t count,
			struct elog_error *err);

/* After each batch of records: lines written out, files rotated out and
 * done closed, finished dumps listed, a due batch sent. */
int elog_sink_poll(struct elog_sink *s, struct elog_error *err);

/* Everything taken so far out to the disk or the descriptor (a capture
 * killed later loses at most what came since). */
int elog_sink_flush(struct elog_sink *s, struct elog_error *err);

void elog_sink_stats(const struct elog_sink *s, struct elog_sink_stats *st);

/* Flushes, closes and frees s (also on error; NULL is a no-op). dropped:
 * the events the kernel dropped during the sink's life, for the headers. */
int elog_sink_close(struct elog_sink *s, uint64_t dropped, struct elog_error *err);

#endif /* ELOG_SINK_H */
