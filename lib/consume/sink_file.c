/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The capture file sink (sink.h): one binary capture, or a rotating series
 * of them, compressed by name (zfile.h), with drops shared out between the
 * files and the files rotated out closed in the background.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "series.h"
#include "sink_internal.h"
#include "zfile.h"

/* Files of a series still being written by their writer threads
 * (elog_writer_close_begin): closed once idle. With this many, all are
 * waited for. */
#define CLOSING_MAX 4

struct file_sink {
	struct elog_sink_file_opts o;
	struct elog_writer_provider *prov; /* o.provider_count, copied */
	bool rotate;
	struct elog_writer *w;
	struct elog_writer *closing[CLOSING_MAX];
	size_t nclosing;
	struct elog_zfile *z;     /* compressed file, else NULL */
	FILE *f;                  /* the stream under the writer when z */
	unsigned seq;             /* file number in the series */
	uint64_t bytes, events;   /* in the current file (bytes uncompressed) */
	uint64_t dropped_before;  /* drops given to the files already closed */
	char name[4096];          /* the current file's name */
};

static int file_open_next(struct file_sink *fs, struct elog_error *err)
{
	const struct elog_sink_file_opts *o = &fs->o;
	uint64_t preamble = ELOG_FILE_HDR_SIZE + 4 + ELOG_PROVIDER_ENTRY_SIZE *
			    (uint64_t)o->provider_count;
	enum elog_zkind kind;

	fs->bytes = preamble;
	fs->events = 0;
	if (o->path == NULL) {
		/* A pipe gets its header once (capture.h); a regular file at
		 * its start gets it rewritten at the end as usual. */
		if (elog_writer_open_stream(&fs->w, o->stream, fs->prov, o->provider_count,
					    o->boot_to_utc_us, err))
			return -1;
		return elog_writer_flush(fs->w, err);
	}
	if (!fs->rotate)
		snprintf(fs->name, sizeof(fs->name), "%s", o->path);
	else if (elog_series_name(fs->name, sizeof(fs->name), o->path, fs->seq))
		return elog_errorf(err, ENAMETOOLONG, "output name too long: %s", o->path);
	kind = elog_zkind_of(fs->name);
	if (kind == ELOG_Z_NONE) {
		/* Past the page cache: see elog_writer_open_flags(). */
		if (elog_writer_open_flags(&fs->w, fs->name, fs->prov, o->provider_count,
					   o->boot_to_utc_us,
					   ELOG_WRITER_DIRECT | (o->force ? 0 : ELOG_WRITER_NEW), err))
			goto failed;
	} else {
		if (elog_zfile_open(&fs->z, &fs->f, fs->name, kind, (size_t)preamble, o->force, err))
			goto failed;
		if (elog_writer_open_stream(&fs->w, fs->f, fs->prov, o->provider_count,
					    o->boot_to_utc_us, err))
			return -1;
	}
	/* The header and provider table go to disk at once: a capture killed
	 * before its first flush is still a valid file, not an empty one. */
	return elog_writer_flush(fs->w, err);
failed:
	if (err != NULL && err->code == EEXIST)
		elog_errorf(err, EEXIST, "%s exists: not overwritten", fs->name);
	return -1;
}

/* Closes the files rotated out whose writes are done (all of them when
 * wait). The first failure is kept in err. */
static int file_reap(struct file_sink *fs, bool wait, struct elog_error *err)
{
	struct elog_error e = { 0 };
	size_t i, n = 0;
	int ret = 0;

	for (i = 0; i < fs->nclosing; i++) {
		struct elog_writer *w = fs->closing[i];

		if (!wait && !elog_writer_idle(w)) {
			fs->closing[n++] = w;
			continue;
		}
		if (elog_writer_close(w, &e) && !ret) {
			ret = -1;
			if (err != NULL)
				*err = e;
		}
	}
	fs->nclosing = n;
	return ret;
}

/* Closes the current file with `dropped` in its header; later: a plain
 * file is left to its writer thread and closed by file_reap(). */
static int file_close_current(struct file_sink *fs, uint64_t dropped, bool later,
			      struct elog_error *err)
{
	struct elog_error e = { 0 }, e2;
	int ret = 0;

	if (fs->w == NULL && fs->z == NULL)
		return 0;
	if (fs->w != NULL && later && fs->z == NULL) {
		elog_writer_set_dropped(fs->w, dropped);
		if (fs->nclosing == CLOSING_MAX && file_reap(fs, true, err))
			ret = -1;
		if (elog_writer_close_begin(fs->w, &e) == 0 && ret == 0) {
			fs->closing[fs->nclosing++] = fs->w;
		} else {
			elog_writer_close(fs->w, &e2); /* frees; e says why */
			if (ret == 0 && err != NULL)
				*err = e;
			ret = -1;
		}
		fs->w = NULL;
		return ret;
	}
	if (fs->w != NULL) {
		elog_writer_set_dropped(fs->w, dropped);
		ret = elog_writer_close(fs->w, &e);
		fs->w = NULL;
	}
	if (fs->z != NULL) {
		if (fclose(fs->f) && !ret)
			ret = elog_errorf(&e, errno, "close %s: %s", fs->name, strerror(errno));
		if (elog_zfile_finish(fs->z, ret ? NULL : &e))
			ret = -1;
		fs->z = NULL;
		fs->f = NULL;
	}
	if (ret && err != NULL)
		*err = e;
	return ret;
}

/* Next file of the series; the closed one gets the drops seen meanwhile. */
static int file_rotate(struct file_sink *fs, struct elog_error *err)
{
	uint64_t total = fs->dropped_before;

	if (fs->o.dropped_now != NULL && fs->o.dropped_now(fs->o.arg, &total, err))
		return -1;
	if (total < fs->dropped_before)
		total = fs->dropped_before;
	if (file_close_current(fs, total - fs->dropped_before, true, err))
		return -1;
	fs->dropped_before = total;
	fs->seq++;
	return file_open_next(fs, err);
}

static int file_write(struct elog_sink *s, const struct elog_sink_rec *r, struct elog_error *err)
{
	struct file_sink *fs = s->impl;
	size_t len = ELOG_EVENT_HDR_SIZE + r->payload_len;

	if (fs->rotate && fs->events) {
		uint64_t size = fs->z ? elog_zfile_bytes(fs->z) : fs->bytes;

		if (((fs->o.rotate_events && fs->events >= fs->o.rotate_events) ||
		     (fs->o.rotate_size && size + len > fs->o.rotate_size)) &&
		    file_rotate(fs, err))
			return -1;
	}
	fs->events++;
	fs->bytes += len;
	if (r->raw != NULL)
		return elog_writer_append(fs->w, r->raw, len, err);
	return elog_writer_append2(fs->w, r->hdr, r->payload, r->payload_len, err);
}

/* Records adjacent in memory go to the writer in one call, one copy. */
static int file_write_run(struct elog_sink *s, const void *recs, size_t bytes, size_t count,
			  struct elog_error *err)
{
	struct file_sink *fs = s->impl;

	fs->events += count;
	fs->bytes += bytes;
	return elog_writer_append_run(fs->w, recs, bytes, count, err);
}

static int file_poll(struct elog_sink *s, struct elog_error *err)
{
	struct file_sink *fs = s->impl;

	return fs->nclosing ? file_reap(fs, false, err) : 0;
}

/* The file and the compressor of a .gz/.zst one. */
static int file_flush(struct elog_sink *s, struct elog_error *err)
{
	struct file_sink *fs = s->impl;

	if (fs->w != NULL && elog_writer_flush(fs->w, err))
		return -1;
	if (fs->z != NULL && elog_zfile_flush(fs->z, err))
		return -1;
	return 0;
}

/* The last file gets the drops not given to the files before it. */
static int file_close(struct elog_sink *s, uint64_t dropped, struct elog_error *err)
{
	struct file_sink *fs = s->impl;
	int ret = file_close_current(fs, dropped >= fs->dropped_before ?
					       dropped - fs->dropped_before : 0, false, err);

	if (file_reap(fs, true, ret ? NULL : err))
		ret = -1;
	free(fs->prov);
	free(fs);
	return ret;
}

static const struct elog_sink_ops file_ops = {
	.write = file_write,
	.write_run = file_write_run,
	.poll = file_poll,
	.flush = file_flush,
	.close = file_close,
};

/* Rotation decides per record: no runs. */
static const struct elog_sink_ops series_ops = {
	.write = file_write,
	.poll = file_poll,
	.flush = file_flush,
	.close = file_close,
};

int elog_sink_file_open(struct elog_sink **out, const struct elog_sink_file_opts *o,
			struct elog_error *err)
{
	struct file_sink *fs = calloc(1, sizeof(*fs));

	*out = NULL;
	if (fs == NULL)
		return elog_errorf(err, ENOMEM, "out of memory");
	fs->o = *o;
	fs->rotate = o->path != NULL && (o->rotate_size || o->rotate_events);
	fs->prov = calloc(o->provider_count ? o->provider_count : 1, sizeof(*fs->prov));
	if (fs->prov == NULL) {
		free(fs);
		return elog_errorf(err, ENOMEM, "out of memory");
	}
	if (o->provider_count)
		memcpy(fs->prov, o->providers, o->provider_count * sizeof(*fs->prov));
	/* A series is checked whole before its first file: refusing at the
	 * start beats stopping mid-capture at the first number taken. */
	if ((fs->rotate && !o->force && elog_series_check_new(o->path, err)) ||
	    file_open_next(fs, err))
		goto failed;
	*out = elog_sink_new(fs->rotate ? &series_ops : &file_ops, fs, ELOG_PAYLOAD_MAX);
	if (*out == NULL) {
		elog_errorf(err, ENOMEM, "out of memory");
		goto failed;
	}
	return 0;
failed:
	{
		struct elog_error e = { 0 };

		file_close_current(fs, 0, false, &e);
	}
	free(fs->prov);
	free(fs);
	return -1;
}
