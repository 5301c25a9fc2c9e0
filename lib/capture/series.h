/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Reading a capture series (`elog -r FILE...`): the records of several ELOG
 * files, one after the other, in the order given, each with its own header
 * and provider table. A file may be plain, gzip (via the capture reader)
 * or zstd (decompressed by a helper thread into a pipe the capture reader
 * reads, so memory stays bounded for any size), told by its content
 * whatever its name (a FIFO: by name, `.gz` or `.zst`). "-" is stdin
 * (plain or gzip).
 *
 * A rotated capture (`-o NAME --rotate-...`) is written as NAME with a
 * zero-padded sequence number (capture.000000.elog, capture.000001.elog...),
 * so a shell glob lists it in order: `elog -r capture.*.elog.zst`.
 */
#ifndef ELOG_SERIES_H
#define ELOG_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <eventlog/schema.h>

#include "capture.h"

struct elog_series;

/* One record of the series with what is needed to render it. */
struct elog_series_record {
	struct elog_record rec;
	const char *provider_name;              /* NULL: not in this file's table */
	const struct elog_provider_desc *desc;  /* NULL: not compiled in */
	int64_t utc_us;
	size_t file_index;
};

/*
 * Called when a file of the series has been read to its end (before it is
 * closed), for warnings about it: cut short, counts, drops. `cut` is set if
 * a compressed stream ended early (the reader may not know).
 */
typedef void (*elog_series_file_done_fn)(void *arg, const char *path, struct elog_reader *r,
					 bool cut);

/* paths must outlive the series. The first file is opened at once, so its
 * errors ("File is empty", "bad magic number") come from here. */
int elog_series_open(struct elog_series **out, const char *const *paths, size_t n,
		     elog_series_file_done_fn done, void *arg, struct elog_error *err);

/* 1 and *r filled, 0 after the last record of the last file, -1 with err. */
int elog_series_next(struct elog_series *s, struct elog_series_record *r, struct elog_error *err);

/* The reader of the current file (provider table, header), never NULL
 * between a successful open and close. */
struct elog_reader *elog_series_reader(struct elog_series *s);

/* Totals over the files read so far. */
uint64_t elog_series_events(const struct elog_series *s);
uint64_t elog_series_dropped(const struct elog_series *s);
/* Largest provider table among the files read so far. */
uint32_t elog_series_providers(const struct elog_series *s);

void elog_series_close(struct elog_series *s);

/* The name of file seq of a series written as path: NAME.elog[.gz|.zst]
 * -> NAME.<seq>.elog[...] (seq zero-padded to 6 digits), otherwise
 * NAME.<seq>. -1 when it does not fit in size. */
int elog_series_name(char *buf, size_t size, const char *path, unsigned seq);

/* A series about to be written as path must not write over anything: -1
 * (EEXIST, naming it) if a name of the form NAME.<digits>.elog[...] is in
 * its directory. An unreadable directory is left to the first file's open. */
int elog_series_check_new(const char *path, struct elog_error *err);

/* Whether a path's name says zstd (`.zst`); reading goes by content. */
bool elog_path_is_zstd(const char *path);

#endif /* ELOG_SERIES_H */
