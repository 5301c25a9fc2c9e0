/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Compressed capture files (see zfile.h). The stream position seen by the
 * writer is the position in the *uncompressed* capture; only the preamble
 * range may be written twice (the header rewrite), everything after it is
 * appended once, in order.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "outfile.h"
#include "zfile.h"

#define FLUSH_EVERY_NS 1000000000ll
#define PREAMBLE_MAX 65535 /* one stored deflate block; the table is ~1.1 KiB */

struct elog_zfile {
	enum elog_zkind kind;
	int fd;
	uint8_t pre[PREAMBLE_MAX];
	size_t pre_len;
	bool pre_written;
	uint64_t pos, end; /* uncompressed stream position and size */
	uint64_t bytes;    /* compressed bytes written */
	z_stream zs;
	bool zs_init;
	ZSTD_CCtx *zc;
	uint8_t *obuf;
	size_t ocap;
	int64_t last_flush_ns;
	bool unflushed;    /* bytes given to the compressor since its last flush */
	int err_code;      /* first error (errno or EIO), reported at finish */
	char err_msg[128];
};

enum elog_zkind elog_zkind_of(const char *path)
{
	size_t n = strlen(path);

	if (n >= 3 && strcmp(path + n - 3, ".gz") == 0)
		return ELOG_Z_GZIP;
	if (n >= 4 && strcmp(path + n - 4, ".zst") == 0)
		return ELOG_Z_ZSTD;
	return ELOG_Z_NONE;
}

static void set_err(struct elog_zfile *z, int code, const char *what)
{
	if (z->err_code == 0) {
		z->err_code = code ? code : EIO;
		snprintf(z->err_msg, sizeof(z->err_msg), "%s: %s", what,
			 code ? strerror(code) : "compression failed");
	}
}

static int out_at(struct elog_zfile *z, const void *p, size_t n, off_t off)
{
	const uint8_t *c = p;

	while (n > 0) {
		ssize_t w = off >= 0 ? pwrite(z->fd, c, n, off) : write(z->fd, c, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			set_err(z, errno, "write");
			return -1;
		}
		c += w;
		n -= (size_t)w;
		if (off >= 0)
			off += w;
		else
			z->bytes += (uint64_t)w;
	}
	return 0;
}

static void le16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
	le16(p, v);
	le16(p + 2, v >> 16);
}

/*
 * The preamble as a frame of fixed size: a gzip member holding one stored
 * deflate block (RFC 1951 §3.2.4), or a zstd frame holding one raw block
 * (RFC 8878 §3.1.1.2), written at offset `off` (-1: append).
 */
static int write_pre_frame(struct elog_zfile *z, off_t off)
{
	uint8_t h[32], t[8];
	size_t hn = 0, tn = 0;

	if (z->kind == ELOG_Z_GZIP) {
		static const uint8_t gz[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };

		memcpy(h, gz, 10);
		h[10] = 1; /* BFINAL, stored */
		le16(h + 11, (uint32_t)z->pre_len);
		le16(h + 13, (uint32_t)~z->pre_len & 0xffff);
		hn = 15;
		le32(t, (uint32_t)crc32(0, z->pre, (uInt)z->pre_len));
		le32(t + 4, (uint32_t)z->pre_len);
		tn = 8;
	} else {
		le32(h, 0xFD2FB528u); /* magic */
		h[4] = 0;             /* no checksum, no content size, windowed */
		h[5] = (17 - 10) << 3; /* window 128 KiB >= any preamble */
		/* Block header: last block, raw, size. */
		uint32_t bh = (uint32_t)z->pre_len << 3 | 1;

		h[6] = (uint8_t)bh;
		h[7] = (uint8_t)(bh >> 8);
		h[8] = (uint8_t)(bh >> 16);
		hn = 9;
	}
	if (out_at(z, h, hn, off) || out_at(z, z->pre, z->pre_len, off < 0 ? -1 : off + (off_t)hn) ||
	    out_at(z, t, tn, off < 0 ? -1 : off + (off_t)(hn + z->pre_len)))
		return -1;
	return 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Feed bytes (or finish/flush with mode) through the compressor. */
static int compress_bytes(struct elog_zfile *z, const void *p, size_t n, int mode)
{
	if (z->kind == ELOG_Z_GZIP) {
		z->zs.next_in = (Bytef *)(uintptr_t)p;
		z->zs.avail_in = (uInt)n;
		do {
			int rc;

			z->zs.next_out = z->obuf;
			z->zs.avail_out = (uInt)z->ocap;
			rc = deflate(&z->zs, mode);
			if (rc == Z_STREAM_ERROR) {
				set_err(z, 0, "deflate");
				return -1;
			}
			if (out_at(z, z->obuf, z->ocap - z->zs.avail_out, -1))
				return -1;
		} while (z->zs.avail_out == 0 || z->zs.avail_in > 0);
		return 0;
	}
	ZSTD_inBuffer in = { p, n, 0 };
	ZSTD_EndDirective end = mode == Z_FINISH ? ZSTD_e_end :
				mode == Z_SYNC_FLUSH ? ZSTD_e_flush : ZSTD_e_continue;
	size_t left;

	do {
		ZSTD_outBuffer o = { z->obuf, z->ocap, 0 };

		left = ZSTD_compressStream2(z->zc, &o, &in, end);
		if (ZSTD_isError(left)) {
			set_err(z, 0, "zstd");
			return -1;
		}
		if (out_at(z, z->obuf, o.pos, -1))
			return -1;
	} while (in.pos < in.size || (end != ZSTD_e_continue && left != 0));
	return 0;
}

static ssize_t cookie_write(void *c, const char *buf, size_t n)
{
	struct elog_zfile *z = c;
	size_t done = 0;

	if (z->err_code)
		goto fail;
	/* The preamble range: stored, and rewritable until close. */
	if (z->pos < z->pre_len) {
		size_t k = z->pre_len - (size_t)z->pos;

		if (k > n)
			k = n;
		memcpy(z->pre + z->pos, buf, k);
		z->pos += k;
		/* A header update (the time base at the first event, the counts
		 * at close) goes to disk at once, in place, as in a plain file:
		 * a capture killed later still has it. Rare, so cheap. */
		if (z->pre_written && write_pre_frame(z, 0))
			goto fail;
		done = k;
		if (!z->pre_written && z->pos == z->pre_len) {
			if (write_pre_frame(z, -1))
				goto fail;
			z->pre_written = true;
		}
		if (z->pos > z->end)
			z->end = z->pos;
	}
	if (done < n) {
		if (z->pos != z->end) {
			set_err(z, ESPIPE, "compressed capture: write out of order");
			goto fail;
		}
		int64_t t = now_ns();
		bool flush = t - z->last_flush_ns >= FLUSH_EVERY_NS;

		if (compress_bytes(z, buf + done, n - done, flush ? Z_SYNC_FLUSH : Z_NO_FLUSH))
			goto fail;
		z->unflushed = !flush;
		if (flush)
			z->last_flush_ns = t;
		z->pos += n - done;
	}
	if (z->pos > z->end)
		z->end = z->pos;
	return (ssize_t)n;
fail:
	errno = z->err_code;
	return -1;
}

int elog_zfile_flush(struct elog_zfile *z, struct elog_error *err)
{
	if (!z->err_code && z->unflushed && compress_bytes(z, NULL, 0, Z_SYNC_FLUSH) == 0) {
		z->unflushed = false;
		z->last_flush_ns = now_ns();
	}
	if (z->err_code)
		return elog_errorf(err, z->err_code, "%s", z->err_msg);
	return 0;
}

static int cookie_seek(void *c, off64_t *off, int whence)
{
	struct elog_zfile *z = c;
	int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)z->pos : (int64_t)z->end;
	int64_t to = base + *off;

	/* Only back into the preamble, or to the end (where appends go). */
	if (to < 0 || ((uint64_t)to > z->pre_len && (uint64_t)to != z->end)) {
		errno = ESPIPE;
		return -1;
	}
	z->pos = (uint64_t)to;
	*off = to;
	return 0;
}

static int cookie_close(void *c)
{
	struct elog_zfile *z = c;

	if (!z->err_code && !z->pre_written) {
		/* Fewer bytes than a preamble: a cut header is still a frame. */
		z->pre_len = (size_t)z->pos;
		if (write_pre_frame(z, -1) == 0)
			z->pre_written = true;
	}
	if (!z->err_code)
		compress_bytes(z, NULL, 0, Z_FINISH);
	return z->err_code ? -1 : 0;
}

int elog_zfile_open(struct elog_zfile **out, FILE **f, const char *path, enum elog_zkind kind,
		    size_t preamble_len, bool replace, struct elog_error *err)
{
	cookie_io_functions_t io = { NULL, cookie_write, cookie_seek, cookie_close };
	struct elog_zfile *z;

	*out = NULL;
	*f = NULL;
	if (kind == ELOG_Z_NONE || preamble_len > PREAMBLE_MAX)
		return elog_errorf(err, EINVAL, "%s: not a compressed capture name", path);
	z = calloc(1, sizeof(*z));
	if (z == NULL)
		return elog_errorf(err, ENOMEM, "out of memory");
	z->fd = -1;
	z->kind = kind;
	z->pre_len = preamble_len;
	z->ocap = 1u << 17;
	z->obuf = malloc(z->ocap);
	z->last_flush_ns = now_ns();
	if (kind == ELOG_Z_GZIP) {
		/* windowBits 15 + 16: a gzip wrapper; level 1 keeps up with capture. */
		z->zs_init = deflateInit2(&z->zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
	} else {
		z->zc = ZSTD_createCCtx();
	}
	if (z->obuf == NULL || (kind == ELOG_Z_GZIP ? !z->zs_init : z->zc == NULL)) {
		elog_zfile_finish(z, NULL);
		return elog_errorf(err, ENOMEM, "out of memory");
	}
	z->fd = elog_output_open(path, 0, 0600, replace, NULL, err);
	if (z->fd < 0) {
		elog_zfile_finish(z, NULL);
		return -1;
	}
	*f = fopencookie(z, "w", io);
	if (*f == NULL) {
		elog_errorf(err, errno, "fopencookie: %s", strerror(errno));
		elog_zfile_finish(z, NULL);
		return -1;
	}
	*out = z;
	return 0;
}

uint64_t elog_zfile_bytes(const struct elog_zfile *z)
{
	return z->bytes;
}

int elog_zfile_finish(struct elog_zfile *z, struct elog_error *err)
{
	int rc = 0;

	if (z == NULL)
		return 0;
	if (z->err_code)
		rc = elog_errorf(err, z->err_code, "%s", z->err_msg);
	if (z->fd >= 0 && close(z->fd) != 0 && rc == 0)
		rc = elog_errorf(err, errno, "close: %s", strerror(errno));
	if (z->zs_init)
		deflateEnd(&z->zs);
	ZSTD_freeCCtx(z->zc);
	free(z->obuf);
	free(z);
	return rc;
}
