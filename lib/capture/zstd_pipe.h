/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A zstd file as a readable pipe: a thread decompresses the file into the
 * pipe's write end, the caller reads the other end like any plain capture.
 * The capture reader then needs no zstd code of its own, and memory stays
 * bounded for captures of any size.
 */
#ifndef ELOG_ZSTD_PIPE_H
#define ELOG_ZSTD_PIPE_H

#include <stdbool.h>

#include "elog_error.h"

struct elog_zstd_pipe;

/* Start decompressing path; *read_fd is the pipe's read end (caller owns it). */
int elog_zstd_pipe_open(struct elog_zstd_pipe **out, const char *path, int *read_fd,
			struct elog_error *err);

/*
 * After the caller has closed every read-end descriptor: wait for the
 * thread and free. Returns 0, or -1 with err for an I/O or format error in
 * the compressed data. *cut is set when the stream ended inside a frame
 * (a capture killed while compressing). Always frees z.
 */
int elog_zstd_pipe_close(struct elog_zstd_pipe *z, bool *cut, struct elog_error *err);

#endif /* ELOG_ZSTD_PIPE_H */
