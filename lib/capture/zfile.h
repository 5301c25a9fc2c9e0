/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A compressed capture file behind a stdio FILE (fopencookie), so the
 * ordinary capture writer (capture.h) writes .gz and .zst files unchanged,
 * including its final header rewrite:
 *
 * The first `preamble_len` bytes (file header + provider table) are stored,
 * uncompressed, in a first gzip member / zstd frame of their own (a stored
 * deflate block / a raw zstd block), whose size does not depend on the
 * bytes. The records follow in further members/frames. When the writer
 * seeks back to rewrite the header (exact counts at close), that first
 * frame is rewritten in place at once. Decoders (zcat, zstdcat, elog -r) read the
 * concatenation as one stream. The compressor is flushed at least once a
 * second while data comes, and whenever elog_zfile_flush() is called (elog
 * calls it every second, also when no data came), so a capture killed
 * mid-way still decodes up to the last flush.
 */
#ifndef ELOG_ZFILE_H
#define ELOG_ZFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "elog_error.h"

enum elog_zkind { ELOG_Z_NONE, ELOG_Z_GZIP, ELOG_Z_ZSTD };

/* By file name: .gz -> gzip, .zst -> zstd, else none. */
enum elog_zkind elog_zkind_of(const char *path);

struct elog_zfile;

/* Create path; *f is the stream to write through. An existing regular
 * file is refused with EEXIST (err->code) unless replace (truncated then);
 * see elog_output_open() in outfile.h. */
int elog_zfile_open(struct elog_zfile **out, FILE **f, const char *path, enum elog_zkind kind,
		    size_t preamble_len, bool replace, struct elog_error *err);

/*
 * Everything written so far into the file as complete compressed blocks
 * (a deflate sync flush, a zstd block flush), so a reader decodes all of
 * it even if the file ends there (the process is killed). fflush(f) first:
 * this flushes the compressor, not stdio. Cheap when nothing new was
 * written since the last flush. Returns 0 or -1 with err (the same error
 * elog_zfile_finish() reports).
 */
int elog_zfile_flush(struct elog_zfile *z, struct elog_error *err);

/* Compressed bytes in the file so far (excluding what the compressor holds). */
uint64_t elog_zfile_bytes(const struct elog_zfile *z);

/* fclose(f) the stream first, then this: reports any error and frees z. */
int elog_zfile_finish(struct elog_zfile *z, struct elog_error *err);

#endif /* ELOG_ZFILE_H */
