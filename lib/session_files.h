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
 */
#ifndef ELOG_SESSION_FILES_H
#define ELOG_SESSION_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture.h"

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

/* mkdir -p (mode 0755); 0 or -1 with err. */
int elog_mkdir_p(const char *dir, struct elog_error *err);

#endif /* ELOG_SESSION_FILES_H */
