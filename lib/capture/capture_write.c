/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ELOG v1 writer. The header and provider table go out at open so a capture
 * without events is still a valid file (upstream wrote 0 bytes); the header
 * is rewritten at close with the exact counts. The time base is also written
 * as soon as the first event arrives, so a capture killed before close keeps
 * correct times and only event_count 0, which the reader reports.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "outfile.h"

/*
 * Two kinds of output. A caller's stream (f): everything through stdio. Our
 * own file (of, f NULL): lib/capture/outfile.h, a buffer of our own instead of
 * stdio's and header rewrites in place; ordinary writes take long runs of
 * records straight from the caller's memory, and with ELOG_WRITER_DIRECT
 * the writes are O_DIRECT, past the page cache, made by a thread of its own.
 */
struct elog_writer {
	FILE *f;                 /* a caller's stream, or NULL */
	struct elog_outfile *of; /* our own file (f NULL) */
	struct elog_file_hdr hdr;
	int64_t boot_to_utc_us;
	char *path;  /* for messages; NULL for a caller's stream */
	bool failed; /* a write failed: the file ends where the disk did */
	bool closing; /* elog_writer_close_begin() ran: nothing more to append */
	bool noseek;  /* a stream that cannot go back to its header: written once */
};

/* Any failed write is final (full disk, I/O error): nothing is appended
 * after it, so the file stays a clean prefix that readers decode up to the
 * last complete record, and close does not rewrite the header with counts
 * that include records that never reached the file. */
static int write_failed(struct elog_writer *w, int e, const char *what, struct elog_error *err)
{
	w->failed = true;
	if (w->path != NULL)
		return elog_errorf(err, e, "write %s: %s", w->path, strerror(e));
	return elog_errorf(err, e, "fwrite(%s): %s", what, strerror(e));
}

/* Our own file: a call of outfile.h, which words its failure. */
static int own_failed(struct elog_writer *w, int rc)
{
	if (rc < 0)
		w->failed = true;
	return rc < 0 ? -1 : 0;
}

/* Our own file: what the buffer holds to the kernel (direct: to the
 * writer thread). */
static int flush_buf(struct elog_writer *w, struct elog_error *err)
{
	return own_failed(w, elog_outfile_flush(w->of, err));
}

/* Our own file: everything appended in the file. */
static int sync_buf(struct elog_writer *w, struct elog_error *err)
{
	return own_failed(w, elog_outfile_sync(w->of, err));
}

static int write_all(struct elog_writer *w, const void *p, size_t n, const char *what,
		     struct elog_error *err)
{
	if (w->failed)
		return elog_errorf(err, EIO, "%s: not written after an earlier write error",
				   w->path != NULL ? w->path : what);
	if (w->closing)
		return elog_errorf(err, EINVAL, "%s: %s appended after the close began",
				   w->path != NULL ? w->path : "capture", what);
	if (n == 0)
		return 0;
	if (w->f != NULL) {
		/* Unlocked: a writer's stream is used by one thread, and the
		 * lock was most of fwrite's cost at 2 M records/s. */
		if (fwrite_unlocked(p, 1, n, w->f) != n)
			return write_failed(w, errno, what, err);
		return 0;
	}
	return own_failed(w, elog_outfile_write(w->of, p, n, err));
}

static int write_preamble(struct elog_writer *w, const struct elog_writer_provider *prov,
			  uint32_t count, struct elog_error *err)
{
	struct elog_file_hdr h = w->hdr;
	__u32 n = count;

	/* Written once: a time base that holds for every record, and a
	 * count that says it is not known (see capture.h). */
	if (w->noseek) {
		h.capture_start = 0;
		h.start_utc_us = (__u64)w->boot_to_utc_us;
		h.event_count = ELOG_EVENT_COUNT_STREAMED;
	}
	if (write_all(w, &h, sizeof(h), "binary header", err) ||
	    write_all(w, &n, sizeof(n), "provider count", err))
		return -1;
	for (uint32_t i = 0; i < count; i++) {
		struct elog_file_provider e;

		memset(&e, 0, sizeof(e));
		e.id = prov[i].id;
		/* NUL-padded, and always terminated: readers may print it. */
		strncpy(e.name, prov[i].name, sizeof(e.name) - 1);
		if (write_all(w, &e, sizeof(e), "provider", err))
			return -1;
	}
	return 0;
}

/*
 * The opening both kinds of writer share: the providers checked, a writer
 * made with the header's fixed part. Its output is the caller's to set up
 * before writer_start().
 */
static int writer_new(struct elog_writer **out, const struct elog_writer_provider *providers,
		      uint32_t provider_count, int64_t boot_to_utc_us, struct elog_error *err)
{
	struct elog_writer *w;

	if (provider_count > ELOG_MAX_PROVIDERS)
		return elog_errorf(err, EINVAL, "too many providers for a capture file: %u (max %d)",
				   provider_count, ELOG_MAX_PROVIDERS);
	for (uint32_t i = 0; i < provider_count; i++)
		if (providers[i].name == NULL || strlen(providers[i].name) >= ELOG_PROVIDER_NAME_MAX)
			return elog_errorf(err, EINVAL, "provider name too long");
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return elog_errorf(err, ENOMEM, "out of memory");
	w->boot_to_utc_us = boot_to_utc_us;
	memcpy(w->hdr.magic, ELOG_FILE_MAGIC, 4);
	w->hdr.version = ELOG_FILE_VERSION;
	*out = w;
	return 0;
}

/* The header and provider table out, then the writer is the caller's; on
 * failure it is freed with its own output (a caller's stream stays open). */
static int writer_start(struct elog_writer **out, struct elog_writer *w,
			const struct elog_writer_provider *providers, uint32_t provider_count,
			struct elog_error *err)
{
	if (write_preamble(w, providers, provider_count, err) < 0) {
		if (w->of != NULL)
			elog_outfile_close(w->of, NULL);
		free(w->path);
		free(w);
		return -1;
	}
	*out = w;
	return 0;
}

/*
 * Whether the header can be rewritten in place: the stream is at its start
 * and can seek there. A descriptor opened for appending would write the
 * header at the end instead. A stream without a descriptor (fopencookie,
 * as lib/capture/zfile.h) answers for itself through fseek.
 */
static bool stream_seekable(FILE *f)
{
	int fd = fileno(f), fl;

	if (fd >= 0) {
		fl = fcntl(fd, F_GETFL);
		if (fl < 0 || (fl & O_APPEND) || lseek(fd, 0, SEEK_CUR) < 0)
			return false;
	}
	return ftello(f) == 0;
}

int elog_writer_open_stream(struct elog_writer **out, FILE *f,
			    const struct elog_writer_provider *providers, uint32_t provider_count,
			    int64_t boot_to_utc_us, struct elog_error *err)
{
	struct elog_writer *w;

	*out = NULL;
	if (writer_new(&w, providers, provider_count, boot_to_utc_us, err) < 0)
		return -1;
	w->f = f;
	w->noseek = !stream_seekable(f);
	return writer_start(out, w, providers, provider_count, err);
}

int elog_writer_open_flags(struct elog_writer **out, const char *path,
			   const struct elog_writer_provider *providers, uint32_t provider_count,
			   int64_t boot_to_utc_us, unsigned flags, struct elog_error *err)
{
	struct elog_writer *w;

	*out = NULL;
	if (writer_new(&w, providers, provider_count, boot_to_utc_us, err) < 0)
		return -1;
	if (elog_outfile_open(&w->of, path, (flags & ELOG_WRITER_DIRECT) != 0,
			      (flags & ELOG_WRITER_NEW) == 0, err) < 0) {
		free(w);
		return -1;
	}
	w->path = strdup(path); /* messages only: NULL is fine */
	return writer_start(out, w, providers, provider_count, err);
}

int elog_writer_open(struct elog_writer **out, const char *path,
		     const struct elog_writer_provider *providers, uint32_t provider_count,
		     int64_t boot_to_utc_us, struct elog_error *err)
{
	return elog_writer_open_flags(out, path, providers, provider_count, boot_to_utc_us, 0, err);
}

bool elog_writer_direct(const struct elog_writer *w)
{
	return w->of != NULL && elog_outfile_direct(w->of);
}

/*
 * Puts the header (now holding the time base) on disk at the first event, so
 * a capture killed before close still decodes with the right times (only its
 * counts are then stale). Our own plain file: rewritten in place. A
 * caller's stream (a compressed file keeps its header in a rewritable first
 * block): seek back, rewrite, return to the end; a stream that cannot seek
 * (a pipe) keeps the zero time base until close.
 */
static int pwrite_hdr(struct elog_writer *w, struct elog_error *err)
{
	return own_failed(w, elog_outfile_rewrite(w->of, &w->hdr, sizeof(w->hdr), 0, err));
}

static int persist_time_base(struct elog_writer *w, struct elog_error *err)
{
	if (w->f == NULL)
		return flush_buf(w, err) < 0 ? -1 : pwrite_hdr(w, err);
	if (fflush(w->f) != 0)
		return write_failed(w, errno, "flush", err);
	if (fseek(w->f, 0, SEEK_SET) != 0)
		return errno == ESPIPE || errno == EINVAL ? 0 :
			elog_errorf(err, errno, "fseek: %s", strerror(errno));
	if (write_all(w, &w->hdr, sizeof(w->hdr), "binary header", err) < 0)
		return -1;
	if (fflush(w->f) != 0)
		return write_failed(w, errno, "flush", err);
	if (fseek(w->f, 0, SEEK_END) != 0)
		return elog_errorf(err, errno, "fseek: %s", strerror(errno));
	return 0;
}

int elog_writer_append2(struct elog_writer *w, const struct elog_event_hdr *hdr,
			const void *payload, size_t payload_len, struct elog_error *err)
{
	struct elog_event_hdr h;

	if (payload_len > ELOG_PAYLOAD_MAX)
		return elog_errorf(err, EINVAL, "Event too large for binary format: %zu bytes",
				   payload_len + ELOG_EVENT_HDR_SIZE);
	memcpy(&h, hdr, sizeof(h));
	h.event_length = (__u16)(ELOG_EVENT_HDR_SIZE + payload_len);
	if (w->hdr.event_count == 0 && !w->noseek) {
		/* The time base is the first event's own timestamp. */
		w->hdr.capture_start = h.timestamp;
		w->hdr.start_utc_us = h.timestamp + (__u64)w->boot_to_utc_us; /* wraps, never UB */
		if (persist_time_base(w, err) < 0)
			return -1;
	}
	if (write_all(w, &h, sizeof(h), "event header", err) ||
	    write_all(w, payload, payload_len, "payload", err))
		return -1;
	w->hdr.event_count++;
	return 0;
}

int elog_writer_append(struct elog_writer *w, const void *rec, size_t len,
		       struct elog_error *err)
{
	struct elog_event_hdr h;

	if (len < ELOG_EVENT_HDR_SIZE)
		return elog_errorf(err, EINVAL, "record too short: %zu bytes", len);
	memcpy(&h, rec, sizeof(h));
	return elog_writer_append2(w, &h, (const char *)rec + ELOG_EVENT_HDR_SIZE,
				   len - ELOG_EVENT_HDR_SIZE, err);
}

int elog_writer_append_run(struct elog_writer *w, const void *recs, size_t bytes, size_t count,
			   struct elog_error *err)
{
	const unsigned char *p = recs;
	__u16 first;

	if (count <= 1)
		return count ? elog_writer_append(w, recs, bytes, err) : 0;
	if (w->hdr.event_count == 0 && !w->noseek) {
		/* The first event sets the time base: through the one-record path. */
		if (bytes < ELOG_EVENT_HDR_SIZE)
			return elog_errorf(err, EINVAL, "record run too short: %zu bytes", bytes);
		memcpy(&first, p, sizeof(first)); /* event_length */
		if (first < ELOG_EVENT_HDR_SIZE || first > bytes)
			return elog_errorf(err, EINVAL, "bad record length in a run: %u", first);
		if (elog_writer_append(w, p, first, err) < 0)
			return -1;
		p += first;
		bytes -= first;
		count--;
	}
	if (write_all(w, p, bytes, "events", err) < 0)
		return -1;
	w->hdr.event_count += count;
	return 0;
}

void elog_writer_set_dropped(struct elog_writer *w, uint64_t dropped_events)
{
	w->hdr.dropped_events = dropped_events;
}

uint64_t elog_writer_event_count(const struct elog_writer *w)
{
	return w->hdr.event_count;
}

int elog_writer_sync(struct elog_writer *w, struct elog_error *err)
{
	if (w->failed || w->f != NULL)
		return elog_writer_flush(w, err);
	return sync_buf(w, err);
}

int elog_writer_flush(struct elog_writer *w, struct elog_error *err)
{
	if (w->failed)
		return elog_errorf(err, EIO, "%s: not written after an earlier write error",
				   w->path != NULL ? w->path : "flush");
	if (w->f == NULL)
		return flush_buf(w, err);
	if (fflush(w->f) != 0)
		return write_failed(w, errno, "flush", err);
	return 0;
}

/* Our own file: like the stream case below, with the same messages. */
static int close_fd(struct elog_writer *w, struct elog_error *err)
{
	int rc = 0;

	if (w->failed) {
		/* Drop what is still buffered: writing it now (if space came
		 * back) would put records after a cut one. */
		rc = elog_errorf(err, EIO, "%s: closed after a write error; the header "
				 "was not rewritten", w->path != NULL ? w->path : "capture");
	} else if (elog_writer_close_begin(w, err) < 0 || sync_buf(w, err) < 0) {
		rc = -1;
	}
	if (elog_outfile_close(w->of, rc == 0 ? err : NULL) < 0)
		rc = -1;
	return rc;
}

int elog_writer_close_begin(struct elog_writer *w, struct elog_error *err)
{
	if (w->f != NULL || w->failed || w->closing)
		return 0; /* a stream closes at once; a failure is close's to say */
	w->closing = true;
	/* The last records and then the header: in this order, and with a
	 * writer thread nothing after a failed write is written. */
	return flush_buf(w, err) < 0 || pwrite_hdr(w, err) < 0 ? -1 : 0;
}

bool elog_writer_idle(const struct elog_writer *w)
{
	return w->f != NULL || elog_outfile_idle(w->of);
}

int elog_writer_close(struct elog_writer *w, struct elog_error *err)
{
	int rc = 0;

	if (w == NULL)
		return 0;
	if (w->f == NULL) {
		rc = close_fd(w, err);
		goto out;
	}
	if (w->failed) {
		/* Drop what stdio still holds: writing it now (if space came
		 * back) would put records after a cut one. */
		__fpurge(w->f);
		rc = elog_errorf(err, EIO, "%s: closed after a write error; the header "
				 "was not rewritten", w->path != NULL ? w->path : "capture");
	} else if (fflush(w->f) != 0)
		rc = write_failed(w, errno, "flush", err);
	else if (w->noseek)
		goto out; /* its header was final at open */
	else if (fseek(w->f, 0, SEEK_SET) != 0)
		rc = elog_errorf(err, errno, "fseek: %s", strerror(errno));
	else if (write_all(w, &w->hdr, sizeof(w->hdr), "binary header", err) < 0)
		rc = -1;
	else if (fflush(w->f) != 0)
		rc = elog_errorf(err, errno, "fflush: %s", strerror(errno));
	if (fseek(w->f, 0, SEEK_END) != 0 && rc == 0) {
		/* Leave the caller's FILE positioned after the last record. */
		rc = elog_errorf(err, errno, "fseek: %s", strerror(errno));
	}
out:
	free(w->path);
	free(w);
	return rc;
}
