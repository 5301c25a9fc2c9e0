/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A series of captures read back to back (see series.h). Each file keeps
 * its own UTC base and provider table; only the record stream is joined.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format.h"
#include "series.h"
#include "zstd_pipe.h"

struct elog_series {
	const char *const *paths;
	size_t n, cur;
	struct elog_reader *r;
	struct elog_zstd_pipe *z;
	elog_series_file_done_fn done;
	void *arg;
	/* provider id -> (name, tables) for the current file, looked up once */
	int32_t cache_id;
	const char *cache_name;
	const struct elog_provider_desc *cache_desc;
	uint64_t events, dropped;
	uint32_t providers;
};

bool elog_path_is_zstd(const char *path)
{
	size_t n = strlen(path);

	return n >= 4 && strcmp(path + n - 4, ".zst") == 0;
}

/*
 * zstd data (a frame's magic, 28 b5 2f fd), whatever the file's name. What
 * is not a regular file (a FIFO: opening it here would take a writer's
 * data or make it fail) goes by its name, and so does a file that cannot
 * be opened: the reader then says why.
 */
static bool zstd_content(const char *path)
{
	static const unsigned char magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	unsigned char m[4];
	struct stat st;
	ssize_t n;
	int fd;

	if (strcmp(path, "-") == 0)
		return false;
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return elog_path_is_zstd(path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return elog_path_is_zstd(path);
	n = pread(fd, m, sizeof(m), 0);
	close(fd);
	if (n < 0)
		return elog_path_is_zstd(path);
	return n == 4 && memcmp(m, magic, 4) == 0;
}

/* Messages name the file when there are several. */
static int fail_in(struct elog_series *s, struct elog_error *err)
{
	if (err != NULL && s->n > 1) {
		struct elog_error e = *err;

		elog_errorf(err, e.code, "%s: %s", s->paths[s->cur], e.msg);
	}
	return -1;
}

static int open_file(struct elog_series *s, struct elog_error *err)
{
	const char *path = s->paths[s->cur];

	s->cache_id = -1;
	if (zstd_content(path)) {
		char proc[64];
		int fd;
		bool cut;

		if (elog_zstd_pipe_open(&s->z, path, &fd, err) < 0)
			return fail_in(s, err);
		/* The reader opens by name: give it the pipe's. */
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if (elog_reader_open(&s->r, proc, err) < 0) {
			struct elog_error e2;

			close(fd);
			if (elog_zstd_pipe_close(s->z, &cut, &e2) < 0 && err)
				*err = e2; /* the decompressor's reason is the real one */
			s->z = NULL;
			return fail_in(s, err);
		}
		close(fd);
		return 0;
	}
	if (elog_reader_open(&s->r, path, err) < 0)
		return fail_in(s, err);
	return 0;
}

/* Report and close the current file. */
static int close_file(struct elog_series *s, bool report, struct elog_error *err)
{
	bool cut = false;
	int rc = 0;

	if (s->r == NULL)
		return 0;
	s->events += elog_reader_event_count(s->r);
	s->dropped += elog_reader_header(s->r)->dropped_events;
	if (s->providers < elog_reader_provider_count(s->r))
		s->providers = elog_reader_provider_count(s->r);
	if (s->z != NULL) {
		/* Stopping early: close the reader first, so that a thread still
		 * writing gets EPIPE and ends. At the end of the records the
		 * thread has already closed its end of the pipe. */
		if (!report) {
			elog_reader_close(s->r);
			s->r = NULL;
		}
		rc = elog_zstd_pipe_close(s->z, &cut, err);
		s->z = NULL;
	}
	if (report && s->done && s->r != NULL)
		s->done(s->arg, s->paths[s->cur], s->r, cut);
	elog_reader_close(s->r);
	s->r = NULL;
	return rc < 0 ? fail_in(s, err) : 0;
}

int elog_series_open(struct elog_series **out, const char *const *paths, size_t n,
		     elog_series_file_done_fn done, void *arg, struct elog_error *err)
{
	struct elog_series *s;

	*out = NULL;
	if (n == 0)
		return elog_errorf(err, EINVAL, "no capture file given");
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return elog_errorf(err, ENOMEM, "out of memory");
	s->paths = paths;
	s->n = n;
	s->done = done;
	s->arg = arg;
	if (open_file(s, err) < 0) {
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

int elog_series_next(struct elog_series *s, struct elog_series_record *r, struct elog_error *err)
{
	for (;;) {
		int rc;

		if (s->r == NULL)
			return 0;
		rc = elog_reader_next(s->r, &r->rec, err);
		if (rc < 0)
			return fail_in(s, err);
		if (rc == 1)
			break;
		if (close_file(s, true, err) < 0)
			return -1;
		if (s->cur + 1 == s->n)
			return 0;
		s->cur++;
		if (open_file(s, err) < 0)
			return -1;
	}
	if (s->cache_id != r->rec.hdr.provider_id) {
		s->cache_id = r->rec.hdr.provider_id;
		s->cache_name = elog_reader_provider_name(s->r, r->rec.hdr.provider_id);
		s->cache_desc = s->cache_name ? elog_schema_provider(s->cache_name) : NULL;
	}
	r->provider_name = s->cache_name;
	r->desc = s->cache_desc;
	r->utc_us = elog_record_utc_us(elog_reader_header(s->r), r->rec.hdr.timestamp);
	r->file_index = s->cur;
	return 1;
}

struct elog_reader *elog_series_reader(struct elog_series *s)
{
	return s->r;
}

uint64_t elog_series_events(const struct elog_series *s)
{
	return s->events;
}

uint64_t elog_series_dropped(const struct elog_series *s)
{
	return s->dropped;
}

uint32_t elog_series_providers(const struct elog_series *s)
{
	return s->providers;
}

void elog_series_close(struct elog_series *s)
{
	if (s == NULL)
		return;
	close_file(s, false, NULL);
	free(s);
}

/* Where the sequence number goes in a series' names: before ".elog..."
 * (or a final ".gz"/".zst") of the last path component, else at the end. */
static const char *series_ext(const char *path)
{
	const char *base = strrchr(path, '/'), *ext;

	base = base ? base + 1 : path;
	ext = strstr(base, ".elog");
	if (!ext) {
		ext = strstr(base, ".gz");
		if (!ext || strcmp(ext, ".gz"))
			ext = strstr(base, ".zst");
		if (ext && strcmp(ext, ".gz") && strcmp(ext, ".zst"))
			ext = NULL;
	}
	return ext ? ext : path + strlen(path);
}

int elog_series_name(char *buf, size_t size, const char *path, unsigned seq)
{
	const char *ext = series_ext(path);
	int n;

	n = snprintf(buf, size, "%.*s.%06u%s", (int)(ext - path), path, seq, ext);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int elog_series_check_new(const char *path, struct elog_error *err)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path, *ext = series_ext(path);
	size_t pre_len = (size_t)(ext - base), ext_len = strlen(ext);
	char dir[4096];
	struct dirent *d;
	DIR *dp;

	if (slash == NULL)
		strcpy(dir, ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	dp = opendir(dir);
	if (dp == NULL)
		return 0; /* opening the first file says why */
	while ((d = readdir(dp)) != NULL) {
		const char *n = d->d_name;
		size_t len = strlen(n), k;

		/* base's stem, '.', at least 6 digits, base's extension */
		if (len < pre_len + 7 + ext_len || strncmp(n, base, pre_len) || n[pre_len] != '.' ||
		    strcmp(n + len - ext_len, ext))
			continue;
		for (k = pre_len + 1; k < len - ext_len && n[k] >= '0' && n[k] <= '9'; k++)
			;
		if (k != len - ext_len)
			continue;
		elog_errorf(err, EEXIST, "%.*s%s exists: not overwritten", (int)(base - path), path,
			    n);
		closedir(dp);
		return -1;
	}
	closedir(dp);
	return 0;
}
