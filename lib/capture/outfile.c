/* SPDX-License-Identifier: BSD-2-Clause */
/* The capture writer's file: outfile.h says what and why. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elog_error.h"
#include "outfile.h"

/* One write per MiB of appends. */
#define OUT_BUF (1u << 20)
/* Direct writes: buffer address, file offset and length are multiples of
 * this (it covers 512-byte and 4 KiB sectors, and is the page size). */
#define OUT_ALIGN 4096u
/* Buffered mode: an append of at least this much goes to the kernel from
 * the caller's memory (a run of records from the reorder window) instead of
 * being copied into the buffer first. */
#define OUT_STRAIGHT (16u << 10)
/* Direct mode: buffers in all, the one being filled included. What the
 * disk has not taken yet waits in the others (7 MiB) before an append
 * waits for the disk. */
#define OUT_NBUF 8

/* Direct mode: one write for the writer thread, in order. */
struct out_job {
	struct out_job *next;
	char *buf;     /* a pool buffer (pooled), or a copy of a rewrite's bytes */
	bool pooled;
	uint64_t off;
	size_t direct; /* buf[0, direct) written directly at off, */
	size_t tail;   /* then the next tail bytes as an ordinary write */
};

struct elog_outfile {
	int fd;
	char *path;    /* for messages */
	char *buf;     /* the buffer being filled, aligned; blen bytes held */
	size_t blen;
	uint64_t base; /* the file offset of buf[0]; direct: aligned */

	/* Direct mode: a writer thread, so that the capture's consumer never
	 * waits for the disk (a synchronous direct write would: the page
	 * cache no longer absorbs a slow or busy disk). */
	bool async;
	size_t handed;        /* of buf, the bytes already in a job (a kept tail) */
	atomic_bool direct;   /* O_DIRECT is set on fd (the thread may clear it) */
	atomic_int err;       /* the thread's first failed write; nothing after it */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;    /* a job queued, a job done, a buffer freed */
	struct out_job *head, **tailp;
	bool busy, stop;
	char *pool[OUT_NBUF]; /* free buffers */
	int nfree;
};

static int pwrite_all(int fd, const char *p, size_t n, uint64_t off)
{
	while (n) {
		ssize_t k = pwrite(fd, p, n, (off_t)off);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (k == 0)
			return EIO;
		p += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

static int set_direct(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return errno;
	fl = on ? fl | O_DIRECT : fl & ~O_DIRECT;
	return fcntl(fd, F_SETFL, fl) < 0 ? errno : 0;
}

/*
 * n bytes at off, directly when the fd is in direct mode (p, n and off
 * aligned). A file system that refuses the direct write (EINVAL: an
 * alignment it does not take) gets this write and every later one as
 * ordinary writes.
 */
static int put(struct elog_outfile *f, const char *p, size_t n, uint64_t off)
{
	int e = pwrite_all(f->fd, p, n, off);

	if (e == EINVAL && atomic_load(&f->direct)) {
		atomic_store(&f->direct, false);
		e = set_direct(f->fd, false);
		if (e == 0)
			e = pwrite_all(f->fd, p, n, off);
	}
	return e;
}

/* n bytes at off as an ordinary (page-cache) write, whatever the mode. */
static int write_through(struct elog_outfile *f, const void *p, size_t n, uint64_t off)
{
	bool direct = atomic_load(&f->direct);
	int e;

	if (direct && (e = set_direct(f->fd, false)) != 0)
		return e;
	e = pwrite_all(f->fd, p, n, off);
	if (direct && set_direct(f->fd, true) != 0)
		atomic_store(&f->direct, false); /* carry on with ordinary writes */
	return e;
}

/* ---- direct mode: the writer thread and what feeds it ---- */

static int run_job(struct elog_outfile *f, const struct out_job *j)
{
	int e = j->direct ? put(f, j->buf, j->direct, j->off) : 0;

	if (e == 0 && j->tail)
		e = write_through(f, j->buf + j->direct, j->tail, j->off + j->direct);
	return e;
}

static void *writer_main(void *arg)
{
	struct elog_outfile *f = arg;

	pthread_mutex_lock(&f->mu);
	for (;;) {
		struct out_job *j;
		int e = 0;

		while (f->head == NULL && !f->stop)
			pthread_cond_wait(&f->cv, &f->mu);
		if (f->head == NULL)
			break;
		j = f->head;
		f->head = j->next;
		if (f->head == NULL)
			f->tailp = &f->head;
		f->busy = true;
		pthread_mutex_unlock(&f->mu);
		/* After a failed write nothing more is written: the file stays
		 * a clean prefix. */
		if (atomic_load(&f->err) == 0)
			e = run_job(f, j);
		pthread_mutex_lock(&f->mu);
		if (e != 0 && atomic_load(&f->err) == 0)
			atomic_store(&f->err, e);
		if (j->pooled)
			f->pool[f->nfree++] = j->buf;
		else
			free(j->buf);
		free(j);
		f->busy = false;
		pthread_cond_broadcast(&f->cv);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

static int submit(struct elog_outfile *f, char *buf, bool pooled, uint64_t off, size_t direct,
		  size_t tail)
{
	struct out_job *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return ENOMEM;
	j->buf = buf;
	j->pooled = pooled;
	j->off = off;
	j->direct = direct;
	j->tail = tail;
	pthread_mutex_lock(&f->mu);
	*f->tailp = j;
	f->tailp = &j->next;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	return 0;
}

/* A free buffer, waiting for the disk if all are queued. */
static int take_free(struct elog_outfile *f, char **out)
{
	int e;

	pthread_mutex_lock(&f->mu);
	while (f->nfree == 0 && atomic_load(&f->err) == 0)
		pthread_cond_wait(&f->cv, &f->mu);
	e = atomic_load(&f->err);
	if (e == 0)
		*out = f->pool[--f->nfree];
	pthread_mutex_unlock(&f->mu);
	return e;
}

/* A buffer taken and not handed over (a job could not be queued). */
static void give_back(struct elog_outfile *f, char *buf)
{
	pthread_mutex_lock(&f->mu);
	f->pool[f->nfree++] = buf;
	pthread_mutex_unlock(&f->mu);
}

/* Hands the full buffer over and goes on in a free one. */
static int hand_full(struct elog_outfile *f)
{
	char *next;
	int e = take_free(f, &next);

	if (e != 0)
		return e;
	e = submit(f, f->buf, true, f->base, OUT_BUF, 0);
	if (e != 0) {
		give_back(f, next);
		return e;
	}
	f->buf = next;
	f->base += OUT_BUF;
	f->blen = 0;
	f->handed = 0;
	return 0;
}

/* The whole blocks to be written directly, the partial last one as an
 * ordinary write (the file never holds padding), which is also copied to
 * a fresh buffer and rewritten directly from there once whole. */
static int hand_partial(struct elog_outfile *f)
{
	size_t whole = f->blen & ~(size_t)(OUT_ALIGN - 1), tail = f->blen - whole;
	char *next;
	int e;

	if (f->blen == f->handed)
		return atomic_load(&f->err); /* nothing new */
	e = take_free(f, &next);
	if (e != 0)
		return e;
	memcpy(next, f->buf + whole, tail);
	e = submit(f, f->buf, true, f->base, whole, tail);
	if (e != 0) {
		give_back(f, next);
		return e;
	}
	f->buf = next;
	f->base += whole;
	f->blen = tail;
	f->handed = tail;
	return 0;
}

static int wait_idle(struct elog_outfile *f)
{
	pthread_mutex_lock(&f->mu);
	while (f->head != NULL || f->busy)
		pthread_cond_wait(&f->cv, &f->mu);
	pthread_mutex_unlock(&f->mu);
	return atomic_load(&f->err);
}

/* Starts the writer thread and its buffers (the caller's buffer is one).
 * Returns 0 or an errno: then the file stays in buffered mode. */
static int start_async(struct elog_outfile *f)
{
	sigset_t all, old;
	int e;

	f->tailp = &f->head;
	for (f->nfree = 0; f->nfree < OUT_NBUF - 1; f->nfree++)
		if (posix_memalign((void **)&f->pool[f->nfree], OUT_ALIGN, OUT_BUF) != 0)
			goto nomem;
	if (pthread_mutex_init(&f->mu, NULL) != 0)
		goto nomem;
	if (pthread_cond_init(&f->cv, NULL) != 0) {
		pthread_mutex_destroy(&f->mu);
		goto nomem;
	}
	/* Signals stay with the caller's thread: elog's loop must see its
	 * SIGINT or --duration alarm at once, not at its next poll timeout. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&f->thread, NULL, writer_main, f);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e == 0) {
		f->async = true;
		return 0;
	}
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->mu);
	goto out;
nomem:
	e = ENOMEM;
out:
	while (f->nfree > 0)
		free(f->pool[--f->nfree]);
	return e;
}

/* ---- the interface ----
 * The helpers above return 0 or an errno; the functions below fill an
 * elog_error from it and return -1. */

/* Fills err for a file that could not be opened to be written. */
static int open_failed(const char *path, int e, struct elog_error *err)
{
	if (e == EEXIST)
		return elog_errorf(err, e, "%s: file exists", path);
	return elog_errorf(err, e, "fopen(%s): %s", path, strerror(e));
}

/* Returns the fd or -errno. */
static int output_open(const char *path, int oflags, mode_t mode, bool replace, bool *created)
{
	struct stat st;
	int fd;

	oflags |= O_WRONLY | O_CLOEXEC;
	if (created != NULL)
		*created = false;
	fd = open(path, oflags | O_CREAT | O_EXCL, mode);
	if (fd >= 0) {
		if (created != NULL)
			*created = true;
		return fd;
	}
	if (errno != EEXIST)
		return -errno;
	/* The name exists; what it names (through links) decides. A link
	 * that names nothing yet would create a file: refused like one. */
	if (stat(path, &st) < 0) {
		if (errno != ENOENT)
			return -errno;
		st.st_mode = S_IFREG;
	}
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (S_ISREG(st.st_mode)) {
		if (!replace)
			return -EEXIST;
		oflags |= O_CREAT | O_TRUNC;
	}
	fd = open(path, oflags, mode);
	return fd >= 0 ? fd : -errno;
}

int elog_output_open(const char *path, int oflags, mode_t mode, bool replace, bool *created,
		     struct elog_error *err)
{
	int fd = output_open(path, oflags, mode, replace, created);

	return fd >= 0 ? fd : open_failed(path, -fd, err);
}

/* An export's own words: the path and why. */
static int export_failed(const char *path, int e, struct elog_error *err)
{
	if (e == EEXIST)
		return elog_errorf(err, e, "%s: file exists", path);
	return elog_errorf(err, e, "%s: %s", path, strerror(e));
}

int elog_export_open(struct elog_export *x, const char *path, mode_t mode, bool replace,
		     struct elog_error *err)
{
	struct stat st;
	mode_t mask;
	int fd;

	x->fd = -1;
	x->tmp = NULL;
	x->created = false;
	fd = output_open(path, 0, mode, false, &x->created);
	if (fd >= 0) {
		x->fd = fd;
		return 0;
	}
	if (fd != -EEXIST || !replace)
		return export_failed(path, -fd, err);
	/* Replacing. What a link names is written through it, as
	 * elog_output_open() does (a rename would replace the link). */
	if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
		fd = output_open(path, 0, mode, true, NULL);
		if (fd < 0)
			return export_failed(path, -fd, err);
		x->fd = fd;
		return 0;
	}
	/* A regular file: a new one next to it, renamed over it at the end. */
	if (asprintf(&x->tmp, "%s.XXXXXX", path) < 0) {
		x->tmp = NULL;
		return export_failed(path, ENOMEM, err);
	}
	fd = mkostemp(x->tmp, O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		free(x->tmp);
		x->tmp = NULL;
		return export_failed(path, e, err);
	}
	/* mkstemp makes it 0600: give it the mode a new file would have
	 * (if that fails it stays 0600: more private, never less). */
	mask = umask(0);
	umask(mask);
	(void)fchmod(fd, mode & ~mask);
	x->fd = fd;
	return 0;
}

int elog_export_commit(struct elog_export *x, const char *path, struct elog_error *err)
{
	int e = 0;

	if (x->fd >= 0 && close(x->fd) < 0)
		e = errno;
	x->fd = -1;
	if (e == 0 && x->tmp != NULL && rename(x->tmp, path) < 0)
		e = errno;
	if (e != 0) {
		elog_export_abort(x, path);
		return export_failed(path, e, err);
	}
	free(x->tmp);
	x->tmp = NULL;
	x->created = false; /* in place: no longer ours to remove */
	return 0;
}

void elog_export_abort(struct elog_export *x, const char *path)
{
	if (x->fd >= 0)
		close(x->fd);
	x->fd = -1;
	if (x->tmp != NULL)
		unlink(x->tmp);
	else if (x->created)
		unlink(path);
	free(x->tmp);
	x->tmp = NULL;
	x->created = false;
}

int elog_outfile_open(struct elog_outfile **out, const char *path, bool direct, bool replace,
		      struct elog_error *err)
{
	struct elog_outfile *f = calloc(1, sizeof(*f));
	struct stat st;

	*out = NULL;
	if (f == NULL)
		return elog_errorf(err, ENOMEM, "out of memory");
	f->path = strdup(path);
	if (f->path == NULL || posix_memalign((void **)&f->buf, OUT_ALIGN, OUT_BUF) != 0) {
		free(f->path);
		free(f);
		return elog_errorf(err, ENOMEM, "out of memory");
	}
	/* Mode 0600: a capture holds addresses, ports and kernel socket
	 * addresses, which other users must not read. */
	f->fd = output_open(path, 0, 0600, replace, NULL);
	if (f->fd < 0) {
		int e = -f->fd;

		free(f->buf);
		free(f->path);
		free(f);
		return open_failed(path, e, err);
	}
	/* Set after open, not as an open flag: a FIFO or a device refuses
	 * O_DIRECT only once opened (a FIFO after its reader came). A file
	 * system that refuses it here keeps ordinary writes, and so does a
	 * file whose writer thread cannot start. */
	if (direct && fstat(f->fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    set_direct(f->fd, true) == 0) {
		if (start_async(f) == 0)
			atomic_store(&f->direct, true);
		else
			set_direct(f->fd, false);
	}
	*out = f;
	return 0;
}

/* Buffered mode: the whole buffer to the file. */
static int flush_buffered(struct elog_outfile *f)
{
	int e = f->blen ? put(f, f->buf, f->blen, f->base) : 0;

	if (e == 0) {
		f->base += f->blen;
		f->blen = 0;
	}
	return e;
}

static int outfile_write(struct elog_outfile *f, const void *p, size_t n)
{
	const char *s = p;
	int e;

	if (f->async && (e = atomic_load(&f->err)) != 0)
		return e;
	if (!f->async && n >= OUT_STRAIGHT) {
		e = flush_buffered(f);
		if (e == 0)
			e = pwrite_all(f->fd, s, n, f->base);
		if (e == 0)
			f->base += n;
		return e;
	}
	while (n) {
		size_t k = OUT_BUF - f->blen;

		if (k > n)
			k = n;
		memcpy(f->buf + f->blen, s, k);
		f->blen += k;
		s += k;
		n -= k;
		if (f->blen == OUT_BUF) {
			e = f->async ? hand_full(f) : flush_buffered(f);
			if (e != 0)
				return e;
		}
	}
	return 0;
}

static int outfile_flush(struct elog_outfile *f)
{
	return f->async ? hand_partial(f) : flush_buffered(f);
}

static int outfile_sync(struct elog_outfile *f)
{
	int e = outfile_flush(f);

	return e == 0 && f->async ? wait_idle(f) : e;
}

static int outfile_rewrite(struct elog_outfile *f, const void *p, size_t n, uint64_t off)
{
	uint64_t end = f->base + f->blen;
	char *copy;
	int e;

	/* The buffer's copy too: its block is written again from it. */
	if (off < end && off + n > f->base) {
		uint64_t lo = off > f->base ? off : f->base;
		uint64_t hi = off + n < end ? off + n : end;

		memcpy(f->buf + (lo - f->base), (const char *)p + (lo - off), (size_t)(hi - lo));
	}
	if (!f->async)
		return write_through(f, p, n, off);
	/* In order after what was handed over before. */
	if ((e = atomic_load(&f->err)) != 0)
		return e;
	copy = malloc(n ? n : 1);
	if (copy == NULL)
		return ENOMEM;
	memcpy(copy, p, n);
	e = submit(f, copy, false, off, 0, n);
	if (e != 0)
		free(copy);
	return e;
}

/* A failed write, worded: what the capture writer says. */
static int write_failed(struct elog_outfile *f, int e, struct elog_error *err)
{
	return e ? elog_errorf(err, e, "write %s: %s", f->path, strerror(e)) : 0;
}

int elog_outfile_write(struct elog_outfile *f, const void *p, size_t n, struct elog_error *err)
{
	return write_failed(f, outfile_write(f, p, n), err);
}

int elog_outfile_flush(struct elog_outfile *f, struct elog_error *err)
{
	return write_failed(f, outfile_flush(f), err);
}

int elog_outfile_sync(struct elog_outfile *f, struct elog_error *err)
{
	return write_failed(f, outfile_sync(f), err);
}

int elog_outfile_rewrite(struct elog_outfile *f, const void *p, size_t n, uint64_t off,
			 struct elog_error *err)
{
	return write_failed(f, outfile_rewrite(f, p, n, off), err);
}

bool elog_outfile_idle(struct elog_outfile *f)
{
	bool idle;

	if (!f->async)
		return true;
	pthread_mutex_lock(&f->mu);
	idle = f->head == NULL && !f->busy;
	pthread_mutex_unlock(&f->mu);
	return idle;
}

bool elog_outfile_direct(const struct elog_outfile *f)
{
	return atomic_load(&f->direct);
}

int elog_outfile_close(struct elog_outfile *f, struct elog_error *err)
{
	int e = 0;

	if (f == NULL)
		return 0;
	if (f->async) {
		/* What is queued is written (or skipped after an error). */
		pthread_mutex_lock(&f->mu);
		f->stop = true;
		pthread_cond_broadcast(&f->cv);
		pthread_mutex_unlock(&f->mu);
		pthread_join(f->thread, NULL);
		pthread_cond_destroy(&f->cv);
		pthread_mutex_destroy(&f->mu);
		while (f->nfree > 0)
			free(f->pool[--f->nfree]);
	}
	if (close(f->fd) != 0)
		e = elog_errorf(err, errno, "close %s: %s", f->path, strerror(errno));
	free(f->buf);
	free(f->path);
	free(f);
	return e;
}
