/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A file written front to back through one buffer of our own, for the
 * capture writer: appends, a flush that hands everything appended to the
 * file (and a sync that waits until the file holds it), and rewrites of
 * bytes already appended (the capture header).
 *
 * Direct mode (O_DIRECT, asked for at open and used when the file system
 * takes it): the appended bytes go from the buffer to the disk without
 * passing through the page cache, in aligned blocks. A long capture
 * otherwise fills the page cache with a file nobody reads yet, and on a
 * virtual machine every fresh page-cache page is dear: bench/ab.sh measured
 * the kernel's page-cache copy as the largest part of elog's own CPU
 * (docs/PERFORMANCE.md). A flush writes the whole blocks directly and the
 * last, partial one as an ordinary write (so the file never holds padding),
 * and keeps that block in the buffer, rewritten directly with what follows.
 * The kernel keeps the two kinds of write coherent (a direct write first
 * writes back and drops the cached pages of its range). The writes are made
 * by a thread of the file's own, in order, from a pool of eight buffers:
 * the page cache no longer absorbs a slow or busy disk, and the capture's
 * consumer must not wait for it (its rings would overflow); an append
 * waits only when seven full buffers are still queued. A failed write
 * stops every later one (the file stays a clean prefix) and is returned by
 * the next call.
 *
 * Buffered mode (not asked for, or not a regular file, or refused by the
 * file system at open or at the first direct write): small appends are
 * gathered in the buffer, large ones go to the kernel straight from the
 * caller's memory.
 *
 * Every call that can fail returns 0 (or an fd) and -1 with err filled
 * (err->code: the errno, EEXIST for an output that exists and may not be
 * replaced; a caller with words of its own for that case tests it).
 */
#ifndef ELOG_OUTFILE_H
#define ELOG_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/types.h>

#include "elog_error.h"

struct elog_outfile;

/*
 * Opens path to write an output without destroying anything: a name that
 * does not exist is created (O_CREAT | O_EXCL, mode before the umask). A
 * name that exists and names a regular file (also through links), or a
 * dangling link, is refused with EEXIST unless replace, which truncates
 * what it names. Any other existing file (/dev/null, a terminal, a FIFO)
 * is opened as it is: writing to it overwrites nothing. A directory fails
 * with EISDIR.
 * oflags: more open(2) flags; O_WRONLY and O_CLOEXEC are always set.
 * *created (may be NULL): whether this call made the file, so that only
 * such a file is ever removed after a failure. Returns the descriptor;
 * -1 with "PATH: file exists" or "fopen(PATH): why".
 */
int elog_output_open(const char *path, int oflags, mode_t mode, bool replace, bool *created,
		     struct elog_error *err);

/*
 * An export written whole and then done (--pcapng, --report): a new file
 * is created where it goes; a regular file that exists is, with replace,
 * not truncated but written next to it (a temporary name in the same
 * directory) and renamed over it by elog_export_commit(), so that a
 * failed export leaves the old file as it was. elog_export_abort() removes
 * what this run created (the new file or the temporary one), nothing else.
 */
struct elog_export {
	int fd;       /* write here; -1 once committed or aborted */
	char *tmp;    /* the temporary name when replacing, else NULL */
	bool created; /* this run created the file at the final path */
};

/* 0, or -1 as elog_output_open() but worded "PATH: why". */
int elog_export_open(struct elog_export *x, const char *path, mode_t mode, bool replace,
		     struct elog_error *err);
/* Closes fd and puts the file in place; 0, or -1 (then aborted). */
int elog_export_commit(struct elog_export *x, const char *path, struct elog_error *err);
/* Closes fd (if still open) and removes what this run created. */
void elog_export_abort(struct elog_export *x, const char *path);

/* Creates path (mode 0600) as elog_output_open() does, with its
 * messages; direct: try O_DIRECT; replace: an existing regular file is
 * truncated, not refused. */
int elog_outfile_open(struct elog_outfile **out, const char *path, bool direct, bool replace,
		      struct elog_error *err);

/* Appends n bytes. A failed write says "write PATH: why". */
int elog_outfile_write(struct elog_outfile *f, const void *p, size_t n, struct elog_error *err);

/* Everything appended so far to the file (direct mode: to its writer
 * thread, without waiting). */
int elog_outfile_flush(struct elog_outfile *f, struct elog_error *err);

/* Flush, and wait until the file holds it all. */
int elog_outfile_sync(struct elog_outfile *f, struct elog_error *err);

/* Rewrites n bytes at off, all of them appended before: in the buffer
 * when it still holds them, and in the file as the next write. */
int elog_outfile_rewrite(struct elog_outfile *f, const void *p, size_t n, uint64_t off,
			 struct elog_error *err);

/* Nothing handed to the writer thread is still to be written (always
 * true without one). */
bool elog_outfile_idle(struct elog_outfile *f);

/* Whether appends currently bypass the page cache. */
bool elog_outfile_direct(const struct elog_outfile *f);

/* Closes and frees f (f may be NULL) without flushing: sync first to keep
 * what is buffered and to learn whether it was written. 0, or -1 when
 * close(2) failed ("close PATH: why"; err may be NULL). */
int elog_outfile_close(struct elog_outfile *f, struct elog_error *err);

#endif /* ELOG_OUTFILE_H */
