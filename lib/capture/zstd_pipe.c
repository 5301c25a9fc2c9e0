/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * zstd decompression thread feeding a pipe (see zstd_pipe.h). The thread
 * blocks SIGPIPE for itself: when the reader stops early and closes its end,
 * write() fails with EPIPE and the thread simply ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "zstd_pipe.h"

struct elog_zstd_pipe {
	pthread_t thread;
	int in_fd, out_fd;
	char path[256];
	bool cut;
	bool reader_gone;
	struct elog_error err;
	int failed;
};

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static void *run(void *arg)
{
	struct elog_zstd_pipe *z = arg;
	size_t in_cap = ZSTD_DStreamInSize(), out_cap = ZSTD_DStreamOutSize();
	void *inb = malloc(in_cap), *outb = malloc(out_cap);
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	size_t last = 0; /* 0 once a frame is complete */
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (inb == NULL || outb == NULL || dctx == NULL) {
		z->failed = elog_errorf(&z->err, ENOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		ssize_t n = read(z->in_fd, inb, in_cap);
		ZSTD_inBuffer in = { inb, 0, 0 };

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			z->failed = elog_errorf(&z->err, errno, "read(%s): %s", z->path,
						strerror(errno));
			break;
		}
		if (n == 0) {
			z->cut = last != 0;
			break;
		}
		in.size = (size_t)n;
		/* Until the input is used up and the output buffer was not
		 * filled: a full buffer may leave decoded bytes inside the
		 * decoder, which the next read (or the end of the file, for a
		 * capture killed after a flush) would never get out. */
		for (ZSTD_outBuffer o = { outb, out_cap, out_cap };
		     in.pos < in.size || o.pos == o.size;) {
			o.pos = 0;

			last = ZSTD_decompressStream(dctx, &o, &in);
			if (ZSTD_isError(last)) {
				z->failed = elog_errorf(&z->err, 0, "zstd(%s): %s", z->path,
							ZSTD_getErrorName(last));
				goto out;
			}
			if (write_all(z->out_fd, outb, o.pos) < 0) {
				if (errno != EPIPE)
					z->failed = elog_errorf(&z->err, errno, "pipe: %s",
								strerror(errno));
				z->reader_gone = true;
				goto out;
			}
		}
	}
out:
	close(z->out_fd);
	z->out_fd = -1;
	ZSTD_freeDCtx(dctx);
	free(inb);
	free(outb);
	return NULL;
}

int elog_zstd_pipe_open(struct elog_zstd_pipe **out, const char *path, int *read_fd,
			struct elog_error *err)
{
	struct elog_zstd_pipe *z = calloc(1, sizeof(*z));
	int p[2];
	int rc;

	*out = NULL;
	if (z == NULL)
		return elog_errorf(err, ENOMEM, "out of memory");
	snprintf(z->path, sizeof(z->path), "%s", path);
	z->in_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (z->in_fd < 0) {
		elog_errorf(err, errno, "%s: %s", path, strerror(errno));
		free(z);
		return -1;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		elog_errorf(err, errno, "pipe: %s", strerror(errno));
		close(z->in_fd);
		free(z);
		return -1;
	}
	z->out_fd = p[1];
	rc = pthread_create(&z->thread, NULL, run, z);
	if (rc != 0) {
		elog_errorf(err, rc, "pthread_create: %s", strerror(rc));
		close(p[0]);
		close(p[1]);
		close(z->in_fd);
		free(z);
		return -1;
	}
	*read_fd = p[0];
	*out = z;
	return 0;
}

int elog_zstd_pipe_close(struct elog_zstd_pipe *z, bool *cut, struct elog_error *err)
{
	int rc = 0;

	if (z == NULL)
		return 0;
	pthread_join(z->thread, NULL);
	close(z->in_fd);
	if (z->failed) {
		if (err)
			*err = z->err;
		rc = -1;
	}
	/* A reader that stopped early did not see the rest: not a cut file. */
	*cut = z->cut && !z->reader_gone;
	free(z);
	return rc;
}
