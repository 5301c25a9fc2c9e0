/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The black box recorder (`elog -c P --record DIR`): every dump that comes
 * becomes a capture file of its own in DIR, and a line of DIR/index.jsonl
 * says what it holds, like tcplog_dumper's records file.
 *
 * The files are written by the per-session sink in its dump mode
 * (session_files.h): a dump's BLACKBOX_DUMP record and the records of its
 * session after it, a complete ELOG v1 capture. One is named after its
 * connection, <log_id>_<lport>_<rip>_<rport>.<seq>.elog (as -o dir= -f tcp
 * names them; <provider>_<session>.<seq>.elog when nothing names it), seq
 * the recorder's dump number, never reused in DIR.
 *
 * index.jsonl, one JSON object a line, appended only:
 *   {"time":..,"file":..,"seq":N,"provider":..,"session":N,"log_id":..|null,
 *    "reason":..,"reason_code":N,"mode":..,"local":..|null,"remote":..|null,
 *    "records":N,"announced":N,"overwritten":N,"first":..|null,"last":..|null,
 *    "duration_s":X,"ended":B,"bytes":N}
 * time: the dump's (UTC, ISO 8601); reason and mode: their names in the
 * provider's schema (else the number); records: records in the file after
 * the BLACKBOX_DUMP record, announced: how many it announced (fewer came if
 * the subscription's level or keywords do not take them all, or the ring
 * was full), overwritten: events the buffer lost before this dump;
 * first/last: the earliest and latest of its records; ended: its
 * SESSION_END was seen. A file deleted by retention gets a line
 * {"time":..,"removed":FILE,"seq":N} (also with "missing":true when
 * somebody else removed it); when such lines outnumber the files the index
 * is rewritten with the files' lines only (to a temporary name, then
 * renamed over it).
 *
 * Safe to kill at any point (SIGKILL, power loss). A dump is written under
 * a temporary name (session_files.h's ELOG_SF_TMP_PREFIX) and synced, then
 * renamed to ELOG_SF_TMP_PREFIX<its final name>, its index line appended
 * and synced, and only then renamed to its final name: a final name exists
 * only once listed, and a listed file whose last rename did not happen is
 * renamed on the next start. On start the recorder also deletes what a
 * removal listed but did not delete yet, lists a temporary file that holds
 * a complete dump (killed between its sync and its index line) and deletes
 * the ones that do not (killed while writing: that dump is lost), and
 * continues the numbering after the highest number in the index and in
 * DIR. It deletes nothing it did not list itself. One recorder per DIR
 * (a lock, DIR/.elog-recorder.lock).
 *
 * Retention, after each file: while the files listed exceed max_files or
 * their bytes max_bytes, the oldest (lowest seq) is removed, the newest is
 * always kept.
 */
#ifndef ELOG_RECORDER_H
#define ELOG_RECORDER_H

#include <stdint.h>

#include "capture.h"
#include "elog_error.h"

#define ELOG_RECORDER_INDEX "index.jsonl"
#define ELOG_RECORDER_LOCK ".elog-recorder.lock"

struct elog_recorder_opts {
	uint64_t max_bytes; /* 0: no limit */
	uint64_t max_files; /* 0: no limit */
	/* Removal lines after which the index is rewritten (when they are
	 * also more than the files listed); 0: ELOG_RECORDER_COMPACT_AFTER. */
	uint64_t compact_after;
};
#define ELOG_RECORDER_COMPACT_AFTER 1024

struct elog_recorder_stats {
	uint64_t files, bytes; /* listed now */
	uint64_t written;      /* dump files written by this run */
	uint64_t removed;      /* by retention, this run */
	uint64_t salvaged;     /* complete temporary files listed at start */
	uint64_t discarded;    /* incomplete temporary files deleted at start */
	uint64_t missing;      /* listed files somebody else removed */
};

struct elog_recorder;

int elog_recorder_open(struct elog_recorder **out, const char *dir,
		       const struct elog_recorder_opts *opts,
		       const struct elog_writer_provider *providers, uint32_t provider_count,
		       int64_t boot_to_utc_us, struct elog_error *err);

/* One record of the live stream, in the reorder window's order. */
int elog_recorder_append(struct elog_recorder *r, const void *rec, size_t len,
			 struct elog_error *err);

/* After each release of the window: the dumps still open are complete. */
int elog_recorder_settle(struct elog_recorder *r, struct elog_error *err);

void elog_recorder_stats(const struct elog_recorder *r, struct elog_recorder_stats *st);

/* Writes the dumps still open and frees r (also on error); st (may be
 * NULL): the counts at the end. */
int elog_recorder_close(struct elog_recorder *r, struct elog_recorder_stats *st,
			struct elog_error *err);

#endif /* ELOG_RECORDER_H */
