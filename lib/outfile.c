/* SPDX-License-Identifier: BSD-2-Clause */
/* The capture writer's file: outfile.h says what and why. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

struct elog_outfile {
	int fd;
	bool direct;   /* O_DIRECT is set on fd */
	char *buf;     /* OUT_BUF bytes, aligned to OUT_ALIGN; blen of them held */
	size_t blen;
	uint64_t base; /* the file offset of buf[0]; direct: aligned */
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
 * The first n bytes of the buffer to the file at base (direct: n aligned).
 * A file system that refuses the direct write (EINVAL: an alignment it
 * does not take) gets this write and every later one buffered.
 */
static int put(struct elog_outfile *f, size_t n)
{
	int e = pwrite_all(f->fd, f->buf, n, f->base);

	if (e == EINVAL && f->direct) {
		f->direct = false;
		e = set_direct(f->fd, false);
		if (e == 0)
			e = pwrite_all(f->fd, f->buf, n, f->base);
	}
	return e;
}

/* n bytes at off as an ordinary (page-cache) write, whatever the mode. */
static int write_through(struct elog_outfile *f, const void *p, size_t n, uint64_t off)
{
	int e;

	if (f->direct && (e = set_direct(f->fd, false)) != 0)
		return e;
	e = pwrite_all(f->fd, p, n, off);
	if (f->direct && set_direct(f->fd, true) != 0)
		f->direct = false; /* carry on buffered */
	return e;
}

int elog_outfile_open(struct elog_outfile **out, const char *path, bool direct)
{
	struct elog_outfile *f = calloc(1, sizeof(*f));
	struct stat st;
	int e;

	*out = NULL;
	if (f == NULL)
		return ENOMEM;
	if (posix_memalign((void **)&f->buf, OUT_ALIGN, OUT_BUF) != 0) {
		free(f);
		return ENOMEM;
	}
	/* Mode 0600: a capture holds addresses, ports and kernel socket
	 * addresses, which other users must not read. */
	f->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (f->fd < 0) {
		e = errno;
		free(f->buf);
		free(f);
		return e;
	}
	/* Set after open, not as an open flag: a FIFO or a device refuses
	 * O_DIRECT only once opened (a FIFO after its reader came). A file
	 * system that refuses it here keeps ordinary writes. */
	if (direct && fstat(f->fd, &st) == 0 && S_ISREG(st.st_mode) && set_direct(f->fd, true) == 0)
		f->direct = true;
	*out = f;
	return 0;
}

/* Buffered mode: the whole buffer to the file. */
static int flush_buffered(struct elog_outfile *f)
{
	int e = f->blen ? put(f, f->blen) : 0;

	if (e == 0) {
		f->base += f->blen;
		f->blen = 0;
	}
	return e;
}

int elog_outfile_write(struct elog_outfile *f, const void *p, size_t n)
{
	const char *s = p;
	int e;

	if (!f->direct && n >= OUT_STRAIGHT) {
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
			e = put(f, OUT_BUF);
			if (e != 0)
				return e;
			f->base += OUT_BUF;
			f->blen = 0;
		}
	}
	return 0;
}

int elog_outfile_flush(struct elog_outfile *f)
{
	size_t whole, tail;
	int e;

	if (!f->direct)
		return flush_buffered(f);
	whole = f->blen & ~(size_t)(OUT_ALIGN - 1);
	tail = f->blen - whole;
	if (whole) {
		e = put(f, whole);
		if (e != 0)
			return e;
		if (!f->direct)
			return flush_buffered(f); /* it fell back: all of it, as ordinary writes */
	}
	if (tail) {
		/* The partial last block as an ordinary write (the file never
		 * holds padding); kept, and rewritten directly once whole. */
		e = write_through(f, f->buf + whole, tail, f->base + whole);
		if (e != 0)
			return e;
		memmove(f->buf, f->buf + whole, tail);
	}
	f->base += whole;
	f->blen = tail;
	return 0;
}

int elog_outfile_rewrite(struct elog_outfile *f, const void *p, size_t n, uint64_t off)
{
	uint64_t end = f->base + f->blen;

	/* The buffer's copy too: its block is written again from it. */
	if (off < end && off + n > f->base) {
		uint64_t lo = off > f->base ? off : f->base;
		uint64_t hi = off + n < end ? off + n : end;

		memcpy(f->buf + (lo - f->base), (const char *)p + (lo - off), (size_t)(hi - lo));
	}
	return write_through(f, p, n, off);
}

bool elog_outfile_direct(const struct elog_outfile *f)
{
	return f->direct;
}

int elog_outfile_close(struct elog_outfile *f)
{
	int e = 0;

	if (f == NULL)
		return 0;
	if (close(f->fd) != 0)
		e = errno;
	free(f->buf);
	free(f);
	return e;
}
