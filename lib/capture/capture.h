/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ELOG v1 capture files (elog(5)): a writer for `elog -c -o` and a
 * bounds-checked reader for `elog -r`, the exporters and the fuzzer.
 *
 * Layout (host order, packed): 40-byte header, u32 provider_count, that many
 * 34-byte {u16 id, char name[32]} entries, then records: a 32-byte
 * struct elog_event_hdr followed by event_length - 32 payload bytes.
 */
#ifndef ELOG_CAPTURE_H
#define ELOG_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <eventlog/record.h>

#include "elog_error.h"

/* ------------------------------------------------------------------ writer */

struct elog_writer;

/* One provider table entry as the caller knows it (name <= 31 chars). */
struct elog_writer_provider {
	uint16_t id;
	const char *name;
};

/*
 * Create (truncate) `path` and write the header and provider table at once,
 * so that a capture that never sees an event is still a valid file.
 *
 * boot_to_utc_us: UTC microseconds minus CLOCK_BOOTTIME microseconds, taken
 * by the caller (e.g. from clock_gettime of both clocks). The first appended
 * event sets capture_start = its timestamp and start_utc_us = timestamp +
 * boot_to_utc_us, so the UTC base names the instant the event *happened*
 * (FreeBSD's elog uses the time it was written). The header
 * is updated on disk at that first event too, so a capture killed later
 * still has its time base (not for _open_stream: see there).
 *
 * Returns 0, or -1 with err filled (nothing is left open).
 */
int elog_writer_open(struct elog_writer **out, const char *path,
		     const struct elog_writer_provider *providers, uint32_t provider_count,
		     int64_t boot_to_utc_us, struct elog_error *err);

/*
 * elog_writer_open() with flags. ELOG_WRITER_DIRECT: write the records with
 * O_DIRECT, past the page cache, when path is a regular file on a file
 * system that takes it (else ordinary writes, silently): for a long
 * capture, which would otherwise fill the page cache with a file nobody
 * reads yet. The file is the same byte for byte. The writes are made by a
 * thread of the writer's own, so that the caller does not wait for the
 * disk (up to 7 MiB may be queued; see elog_writer_flush()).
 */
#define ELOG_WRITER_DIRECT 1u
/* ELOG_WRITER_NEW: never replace a file. A path that names a regular file
 * (also through a link, or a dangling link) fails with EEXIST (err->code)
 * instead of being truncated; /dev/null, a FIFO or a terminal is written
 * as it is. */
#define ELOG_WRITER_NEW 2u
int elog_writer_open_flags(struct elog_writer **out, const char *path,
			   const struct elog_writer_provider *providers, uint32_t provider_count,
			   int64_t boot_to_utc_us, unsigned flags, struct elog_error *err);

/* Whether w's records currently go past the page cache (O_DIRECT). */
bool elog_writer_direct(const struct elog_writer *w);

/*
 * elog_writer_open(), over an already open FILE (not closed by the writer).
 * The header is only written at open and at close on such a stream, and at
 * the first event (the time base) when it can seek.
 *
 * A stream that cannot seek back to its header (a pipe, a socket, a file
 * opened for appending or not at its start: `elog -c ... -o -`) gets its
 * header once, at open, and never again: there the time base is boot time
 * 0 (capture_start 0, start_utc_us boot_to_utc_us), which dates every
 * record as well, and event_count is ELOG_EVENT_COUNT_STREAMED, "not
 * known", since the exact count is only known at the end (dropped_events
 * stays 0: the capturing program reports drops itself).
 */
#define ELOG_EVENT_COUNT_STREAMED UINT64_MAX
int elog_writer_open_stream(struct elog_writer **out, FILE *f,
			    const struct elog_writer_provider *providers, uint32_t provider_count,
			    int64_t boot_to_utc_us, struct elog_error *err);

/*
 * Append one raw record: `rec` holds the 32-byte struct elog_event_hdr
 * followed by its payload, `len` bytes in all (32 <= len <= 65535). The
 * stored event_length is set to `len` (the BPF side's value is not trusted).
 * rec need not be aligned. Counts the event. Returns 0 or -1 with err.
 */
int elog_writer_append(struct elog_writer *w, const void *rec, size_t len,
		       struct elog_error *err);

/* Same with header and payload given separately (header is copied, its
 * event_length replaced by 32 + payload_len). */
int elog_writer_append2(struct elog_writer *w, const struct elog_event_hdr *hdr,
			const void *payload, size_t payload_len, struct elog_error *err);

/*
 * Append `count` raw records stored back to back, `bytes` in all, each one
 * already carrying its own length in event_length (32 <= length <= 65535),
 * e.g. a run from elog_reorder_release_runs(): the same file as `count`
 * elog_writer_append() calls, in one write. count 1: exactly
 * elog_writer_append(w, recs, bytes). Counts the events. Returns 0 or -1
 * with err.
 */
int elog_writer_append_run(struct elog_writer *w, const void *recs, size_t bytes, size_t count,
			   struct elog_error *err);

/* Latest dropped-event count for the header (e.g. from subscriber stats). */
void elog_writer_set_dropped(struct elog_writer *w, uint64_t dropped_events);

/* Events appended so far. */
uint64_t elog_writer_event_count(const struct elog_writer *w);

/* Push buffered records to the file (not the header). Returns 0 or -1.
 * With ELOG_WRITER_DIRECT the writes are made by a thread of the writer's
 * own, and this hands them over without waiting; an error of theirs is
 * returned by a later call. */
int elog_writer_flush(struct elog_writer *w, struct elog_error *err);

/* Flush, and wait until the file holds every record appended. */
int elog_writer_sync(struct elog_writer *w, struct elog_error *err);

/*
 * elog_writer_close() without waiting for the disk, for a capture that
 * moves on to its next file: hands the last records and the header rewrite
 * to the writer thread (ELOG_WRITER_DIRECT; else writes them). Nothing may
 * be appended after it; elog_writer_close() still frees w, once
 * elog_writer_idle(w) it returns at once. A stream is left for close.
 * Returns 0 or -1 with err; either way elog_writer_close() frees w.
 */
int elog_writer_close_begin(struct elog_writer *w, struct elog_error *err);

/* Nothing w's writer thread was given is still to be written. */
bool elog_writer_idle(const struct elog_writer *w);

/*
 * Rewrite the header with the exact event_count and dropped_events, close
 * the file (unless opened with _open_stream) and free w. Always frees w,
 * even on error. w may be NULL. Returns 0 or -1 with err.
 */
int elog_writer_close(struct elog_writer *w, struct elog_error *err);

/* ------------------------------------------------------------------ reader */

struct elog_reader;

/* One decoded record. Pointers stay valid until the next elog_reader_next(). */
struct elog_record {
	struct elog_event_hdr hdr; /* copied: aligned, safe to read directly */
	const uint8_t *payload;    /* hdr.event_length - 32 bytes, unaligned */
	size_t payload_len;
	uint64_t offset;           /* byte offset of the record in the (decompressed) file */
};

/*
 * Open a capture: a path or "-" for stdin. Gzip data is decompressed with
 * zlib, told by its content whatever the name (a file that cannot be read
 * at an offset, a FIFO, by its name ending in ".gz"; stdin always by
 * content).
 * Reads and validates the header and provider table:
 *   "File is empty", "Invalid binary file: bad magic number",
 *   "Unsupported file version: N (expected 1)",
 *   "Invalid provider count N in file" are errors (-1, err filled).
 * A file cut inside the header or the table is not an error: the reader
 * opens with zero events and elog_reader_truncated() reports it.
 */
int elog_reader_open(struct elog_reader **out, const char *path, struct elog_error *err);

/* Same over a memory buffer (not copied; must outlive the reader). */
int elog_reader_open_mem(struct elog_reader **out, const void *buf, size_t len,
			 struct elog_error *err);

/*
 * Next record: 1 and *rec filled, 0 at the end of the records (a trailing
 * partial record is not returned: see elog_reader_truncated), -1 with err on
 * an I/O error or a corrupt record (event_length < 32). Never reads past
 * what the file holds.
 */
int elog_reader_next(struct elog_reader *r, struct elog_record *rec, struct elog_error *err);

/* The file header as stored (zeroed fields if the file was cut inside it). */
const struct elog_file_hdr *elog_reader_header(const struct elog_reader *r);

/* The provider table as stored (entries' names are NUL-terminated copies). */
uint32_t elog_reader_provider_count(const struct elog_reader *r);
const struct elog_file_provider *elog_reader_provider(const struct elog_reader *r, uint32_t i);

/* Name for a provider id from the file's table, NULL if absent. O(1). */
const char *elog_reader_provider_name(const struct elog_reader *r, uint16_t id);

/* Complete records returned so far. */
uint64_t elog_reader_event_count(const struct elog_reader *r);

/*
 * After elog_reader_next() returned 0: true when the file ended inside the
 * header, the provider table or a record. If so, *where describes it
 * ("inside the file header", "inside a record at offset N", ...).
 */
bool elog_reader_truncated(const struct elog_reader *r, const char **where);

void elog_reader_close(struct elog_reader *r);

/*
 * UTC microseconds of a record: start_utc_us + (timestamp - capture_start),
 * computed with wrap-around instead of signed overflow, as a signed value
 * (records from other CPUs may predate the capture's first event).
 */
static inline int64_t elog_record_utc_us(const struct elog_file_hdr *h, uint64_t timestamp)
{
	return (int64_t)(h->start_utc_us + (timestamp - h->capture_start));
}

#endif /* ELOG_CAPTURE_H */
