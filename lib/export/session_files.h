/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `elog -c ... -o dir=PATH [-f FORMAT]`: one capture file per session.
 *
 * PATH is created with its parents. A session's first event creates
 * PATH/<provider>_<session>.elog, a complete capture of its own (header,
 * full provider table, exact event count); SESSION_END closes it. Files
 * are created with O_EXCL: a name that exists (an earlier capture, or the
 * same session reappearing after its end) gets .1, .2, ... before .elog,
 * so nothing is ever truncated. Events without a session (DUMP_COMPLETE,
 * session id UINT64_MAX) belong to no file and are not written.
 *
 * With conn_names (elog's connection-named format), the file of a session
 * whose provider has connection facts (conn_facts.h) is renamed when it
 * closes (at SESSION_END or at exit) to
 * <log_id>_<local_port>_<remote_ip>_<remote_port>.elog from the facts its
 * events gave (the provider says which events tell what; `unknown` for a
 * missing part; no rename at all without either). The
 * log id is sanitised to [A-Za-z0-9._-] (others become '_'). The rename
 * never replaces a file: a taken name gets .1, .2, ... like above.
 *
 * Each file's time base is written as soon as its first event is, so the
 * files of a capture killed mid-way decode with the right times (only
 * their counts are then stale).
 *
 * dropped_events: the kernel counts drops per capture, not per session; a
 * file still open at exit gets the capture's total (so a non-zero value
 * says "this capture lost events, maybe from this session"), a file closed
 * earlier gets 0.
 *
 * Dump mode (elog_sf_open_dumps, for the black box recorder): one file per
 * black box dump instead of per session. A BLACKBOX_DUMP record of a
 * session opens a file under a temporary name (ELOG_SF_TMP_PREFIX...) that
 * holds it and the records of that session that follow, up to the number
 * it announces; the file is done when they have all come, when a record of
 * the session that is no dump record comes, at the next dump of the
 * session, at elog_sf_settle() or at close. Done: its header rewritten,
 * synced and closed, it goes to the caller's callback with what it holds
 * (struct elog_sf_dump), which gives it its place. Records outside dumps
 * are not written; they only teach the session's connection facts (up to
 * ELOG_SF_TRACK_MAX sessions, each until its SESSION_END), so a dump whose
 * own records do not name the connection is named by what came live.
 */
#ifndef ELOG_SESSION_FILES_H
#define ELOG_SESSION_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "conn_facts.h"
#include "eventlog_abi.h"

/* Dump mode: temporary files start with this (nothing else does). */
#define ELOG_SF_TMP_PREFIX ".elog-tmp."
/* Dump mode: sessions whose live records are kept track of, at most. */
#define ELOG_SF_TRACK_MAX 65536

struct elog_session_files;

int elog_sf_open(struct elog_session_files **out, const char *dir, bool conn_names,
		 const struct elog_writer_provider *providers, uint32_t provider_count,
		 int64_t boot_to_utc_us, struct elog_error *err);

/* One raw record (32-byte header + payload). */
int elog_sf_append(struct elog_session_files *sf, const void *rec, size_t len,
		   struct elog_error *err);

/* Everything appended so far to every open file's descriptor (not
 * synced): a capture killed later keeps it. 0 or -1 with err. */
int elog_sf_flush(struct elog_session_files *sf, struct elog_error *err);

/* Files created so far, and sessions open now. */
uint64_t elog_sf_files_created(const struct elog_session_files *sf);
uint64_t elog_sf_open_sessions(const struct elog_session_files *sf);

/* Close every open file (with `dropped` in its header); always frees sf. */
int elog_sf_close(struct elog_session_files *sf, uint64_t dropped, struct elog_error *err);

/*
 * A connection's file name (without directory or suffix number) into buf:
 * "<log_id>_<lport>_<rip>_<rport>.elog". NULL/empty log_id, NULL rip and
 * port 0 with !have_addr become "unknown". Returns 0, or -1 if it does not fit.
 */
int elog_sf_conn_name(char *buf, size_t cap, const char *log_id, bool have_addr, uint16_t lport,
		      const char *rip, uint16_t rport);

/* What a dump file holds (dump mode), as elog_sf_dump_begin/_record
 * count it. */
struct elog_sf_dump {
	char provider[ELOG_PROVIDER_NAME_MAX];
	uint16_t provider_id;
	uint64_t session;
	struct elog_bb_dump info; /* the BLACKBOX_DUMP record's payload */
	uint64_t dump_ts;         /* and its timestamp */
	uint64_t records;         /* records after it */
	uint64_t first_ts, last_ts; /* the earliest and latest of those (0: none) */
	bool ended;               /* SESSION_END among them (or seen live before) */
	bool have_id;             /* the facts named the connection: id */
	struct elog_conn_id id;
	/* "<log_id>_<lport>_<rip>_<rport>" (elog_sf_conn_name without .elog)
	 * when the facts tell either, else "<provider>_<session>". */
	char base[200];
	uint64_t bytes;           /* the file's size (set when done) */
};

/* A dump file done: synced and closed at tmp_path. 0, or -1 with err
 * (the capture stops). */
typedef int (*elog_sf_dump_done_fn)(void *arg, const char *tmp_path, const struct elog_sf_dump *d,
				    struct elog_error *err);

int elog_sf_open_dumps(struct elog_session_files **out, const char *dir,
		       const struct elog_writer_provider *providers, uint32_t provider_count,
		       int64_t boot_to_utc_us, elog_sf_dump_done_fn done, void *arg,
		       struct elog_error *err);

/* Dump mode: every dump file still open is done (after each release of the
 * reorder window: a dump comes out of it whole). 0 or -1 with err. */
int elog_sf_settle(struct elog_session_files *sf, struct elog_error *err);

/*
 * Counting a dump file's content, for dump mode and for whoever reads one
 * back (the recorder on restart): begin with its BLACKBOX_DUMP record
 * (false if rec is none: too short, or another event), then each record
 * after it; st (may be NULL) are the session's facts, updated; finish
 * names it from them (facts NULL: no facts for its provider).
 */
bool elog_sf_dump_begin(struct elog_sf_dump *d, const char *provider, const void *rec, size_t len);
void elog_sf_dump_record(struct elog_sf_dump *d, const struct elog_conn_facts_ops *facts,
			 struct elog_conn_state *st, const void *rec, size_t len);
void elog_sf_dump_finish(struct elog_sf_dump *d, const struct elog_conn_facts_ops *facts,
			 const struct elog_conn_state *st);

/* mkdir -p (mode 0755); 0 or -1 with err. */
int elog_mkdir_p(const char *dir, struct elog_error *err);

#endif /* ELOG_SESSION_FILES_H */
