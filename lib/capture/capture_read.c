/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ELOG v1 reader. Input is pulled through one window buffer; every length
 * taken from the file is checked against the bytes actually in the window
 * before anything is read, so a cut or corrupt file can only end the stream
 * (with a truncation note) or fail with a message, never read out of bounds.
 *
 * Unlike FreeBSD's elog, a trailing partial record is reported, and a
 * file cut inside its own header counts as a cut capture, not garbage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "capture.h"

enum src_kind { SRC_FD, SRC_GZ, SRC_MEM };

/* Holds any record (<= 65535 bytes) many times over; large reads are fast. */
#define READER_WINDOW (1u << 20)

struct elog_reader {
	enum src_kind kind;
	int fd;
	gzFile gz;
	const char *label; /* for messages */

	const uint8_t *data; /* window: data[start, end) is unread input */
	uint8_t *buf;        /* owned window storage (not for SRC_MEM) */
	size_t start, end;
	bool eof;
	bool gz_cut;         /* compressed stream ended early */
	uint64_t offset;     /* file offset of data[start] */

	struct elog_file_hdr hdr;
	uint32_t provider_count;
	struct elog_file_provider providers[ELOG_MAX_PROVIDERS];
	uint8_t *id_index;   /* 65536 entries: table index + 1, 0 = absent */

	uint64_t events;
	bool truncated;
	char where[128];
};

static size_t avail(const struct elog_reader *r)
{
	return r->end - r->start;
}

/* Make at least `need` bytes available unless the input ends first. */
static int fill(struct elog_reader *r, size_t need, struct elog_error *err)
{
	if (r->kind == SRC_MEM || avail(r) >= need)
		return 0;
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, avail(r));
		r->end -= r->start;
		r->start = 0;
	}
	while (!r->eof && r->end < need) {
		size_t room = READER_WINDOW - r->end;
		ssize_t n;

		if (r->kind == SRC_GZ) {
			int g = gzread(r->gz, r->buf + r->end, (unsigned)room);

			if (g < 0) {
				int zerr;
				const char *msg = gzerror(r->gz, &zerr);

				/* A cut .gz is a cut capture: keep what inflated. */
				if (zerr == Z_BUF_ERROR) {
					r->gz_cut = true;
					r->eof = true;
					break;
				}
				if (zerr == Z_ERRNO)
					return elog_errorf(err, errno, "gzread(%s): %s", r->label,
							   strerror(errno));
				return elog_errorf(err, 0, "gzread(%s): %s", r->label, msg);
			}
			n = g;
		} else {
			n = read(r->fd, r->buf + r->end, room);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return elog_errorf(err, errno, "read(%s): %s", r->label, strerror(errno));
			}
		}
		if (n == 0)
			r->eof = true;
		r->end += (size_t)n;
	}
	return 0;
}

static void consume(struct elog_reader *r, size_t n)
{
	r->start += n;
	r->offset += n;
}

__attribute__((format(printf, 2, 3)))
static void mark_truncated(struct elog_reader *r, const char *fmt, ...)
{
	va_list ap;

	r->truncated = true;
	va_start(ap, fmt);
	vsnprintf(r->where, sizeof(r->where), fmt, ap);
	va_end(ap);
}

/* Header and provider table. */
static int read_preamble(struct elog_reader *r, struct elog_error *err)
{
	size_t n;
	__u32 count;

	if (fill(r, ELOG_FILE_HDR_SIZE + 4, err) < 0)
		return -1;
	n = avail(r);
	if (n == 0)
		return elog_errorf(err, 0, "File is empty");
	if (memcmp(r->data + r->start, ELOG_FILE_MAGIC, n < 4 ? n : 4) != 0)
		return elog_errorf(err, 0, "Invalid binary file: bad magic number");
	if (n >= 8) {
		__u32 version;

		memcpy(&version, r->data + r->start + 4, 4);
		if (version != ELOG_FILE_VERSION)
			return elog_errorf(err, 0, "Unsupported file version: %u (expected %d)",
					   version, ELOG_FILE_VERSION);
	}
	if (n < ELOG_FILE_HDR_SIZE) {
		mark_truncated(r, "inside the file header (%zu of %d bytes)", n, ELOG_FILE_HDR_SIZE);
		consume(r, n);
		return 0;
	}
	memcpy(&r->hdr, r->data + r->start, ELOG_FILE_HDR_SIZE);
	consume(r, ELOG_FILE_HDR_SIZE);
	if (avail(r) < 4) {
		mark_truncated(r, "inside the provider count (%zu of 4 bytes)", avail(r));
		consume(r, avail(r));
		return 0;
	}
	memcpy(&count, r->data + r->start, 4);
	if (count > ELOG_MAX_PROVIDERS)
		return elog_errorf(err, 0, "Invalid provider count %u in file", count);
	consume(r, 4);
	if (fill(r, (size_t)count * ELOG_PROVIDER_ENTRY_SIZE, err) < 0)
		return -1;
	for (uint32_t i = 0; i < count; i++) {
		struct elog_file_provider *p = &r->providers[i];

		if (avail(r) < ELOG_PROVIDER_ENTRY_SIZE) {
			mark_truncated(r, "inside the provider table (entry %u of %u)", i + 1, count);
			consume(r, avail(r));
			return 0;
		}
		memcpy(p, r->data + r->start, ELOG_PROVIDER_ENTRY_SIZE);
		/* Names are printed later; never trust them to be terminated. */
		p->name[ELOG_PROVIDER_NAME_MAX - 1] = '\0';
		/* First entry wins for a duplicated id, deterministically. */
		if (r->id_index[p->id] == 0)
			r->id_index[p->id] = (uint8_t)(i + 1);
		r->provider_count = i + 1;
		consume(r, ELOG_PROVIDER_ENTRY_SIZE);
	}
	return 0;
}

static struct elog_reader *reader_new(enum src_kind kind, const char *label, struct elog_error *err)
{
	struct elog_reader *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		elog_errorf(err, ENOMEM, "out of memory");
		return NULL;
	}
	r->kind = kind;
	r->fd = -1;
	r->label = label;
	r->id_index = calloc(65536, 1);
	if (kind != SRC_MEM) {
		r->buf = malloc(READER_WINDOW);
		r->data = r->buf;
	}
	if (r->id_index == NULL || (kind != SRC_MEM && r->buf == NULL)) {
		free(r->id_index);
		free(r->buf);
		free(r);
		elog_errorf(err, ENOMEM, "out of memory");
		return NULL;
	}
	return r;
}

static int finish_open(struct elog_reader **out, struct elog_reader *r, struct elog_error *err)
{
	if (read_preamble(r, err) < 0) {
		elog_reader_close(r);
		return -1;
	}
	*out = r;
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/*
 * Whether fd holds gzip data, by its first two bytes (1f 8b), whatever its
 * name. A file that cannot be read at an offset (a pipe) goes by its name;
 * stdin always through zlib (see below).
 */
static bool gzip_content(int fd, const char *path)
{
	unsigned char m[2];
	ssize_t n = pread(fd, m, sizeof(m), 0);

	if (n < 0)
		return ends_with(path, ".gz");
	return n == 2 && m[0] == 0x1f && m[1] == 0x8b;
}

int elog_reader_open(struct elog_reader **out, const char *path, struct elog_error *err)
{
	bool is_stdin = strcmp(path, "-") == 0;
	struct elog_reader *r;
	bool gz;
	int fd;

	*out = NULL;
	fd = is_stdin ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return elog_errorf(err, errno, "%s: %s", is_stdin ? "stdin" : path, strerror(errno));
	gz = is_stdin || gzip_content(fd, path);
	r = reader_new(gz ? SRC_GZ : SRC_FD, is_stdin ? "stdin" : path, err);
	if (r == NULL) {
		close(fd);
		return -1;
	}
	if (gz) {
		/* zlib passes non-gzip input through unchanged, so stdin may be
		 * either a plain or a compressed capture. */
		r->gz = gzdopen(fd, "rb");
		if (r->gz == NULL) {
			close(fd);
			elog_reader_close(r);
			return elog_errorf(err, ENOMEM, "gzopen(%s)", path);
		}
		gzbuffer(r->gz, 256 * 1024);
	} else {
		r->fd = fd;
	}
	return finish_open(out, r, err);
}

int elog_reader_open_mem(struct elog_reader **out, const void *buf, size_t len,
			 struct elog_error *err)
{
	struct elog_reader *r = reader_new(SRC_MEM, "memory", err);

	*out = NULL;
	if (r == NULL)
		return -1;
	r->data = buf;
	r->end = len;
	r->eof = true;
	return finish_open(out, r, err);
}

int elog_reader_next(struct elog_reader *r, struct elog_record *rec, struct elog_error *err)
{
	size_t n;
	struct elog_event_hdr h;

	if (r->truncated)
		return 0;
	if (fill(r, ELOG_EVENT_HDR_SIZE, err) < 0)
		return -1;
	n = avail(r);
	if (n == 0)
		return 0;
	if (n < ELOG_EVENT_HDR_SIZE) {
		mark_truncated(r, "inside a record header at offset %llu (%zu of %d bytes)",
			       (unsigned long long)r->offset, n, ELOG_EVENT_HDR_SIZE);
		consume(r, n);
		return 0;
	}
	memcpy(&h, r->data + r->start, sizeof(h));
	if (h.event_length < ELOG_EVENT_HDR_SIZE)
		return elog_errorf(err, 0, "Invalid event_length %u at offset %llu", h.event_length,
				   (unsigned long long)r->offset);
	if (fill(r, h.event_length, err) < 0)
		return -1;
	n = avail(r);
	if (n < h.event_length) {
		mark_truncated(r, "inside a record at offset %llu (%zu of %u bytes)",
			       (unsigned long long)r->offset, n, h.event_length);
		consume(r, n);
		return 0;
	}
	rec->hdr = h;
	rec->payload = r->data + r->start + ELOG_EVENT_HDR_SIZE;
	rec->payload_len = h.event_length - ELOG_EVENT_HDR_SIZE;
	rec->offset = r->offset;
	consume(r, h.event_length);
	r->events++;
	return 1;
}

const struct elog_file_hdr *elog_reader_header(const struct elog_reader *r)
{
	return &r->hdr;
}

uint32_t elog_reader_provider_count(const struct elog_reader *r)
{
	return r->provider_count;
}

const struct elog_file_provider *elog_reader_provider(const struct elog_reader *r, uint32_t i)
{
	return i < r->provider_count ? &r->providers[i] : NULL;
}

const char *elog_reader_provider_name(const struct elog_reader *r, uint16_t id)
{
	uint8_t i = r->id_index[id];

	return i ? r->providers[i - 1].name : NULL;
}

uint64_t elog_reader_event_count(const struct elog_reader *r)
{
	return r->events;
}

bool elog_reader_truncated(const struct elog_reader *r, const char **where)
{
	if (r->truncated) {
		if (where)
			*where = r->where;
		return true;
	}
	if (r->gz_cut) {
		if (where)
			*where = "in the compressed stream";
		return true;
	}
	return false;
}

void elog_reader_close(struct elog_reader *r)
{
	if (r == NULL)
		return;
	if (r->gz != NULL)
		gzclose(r->gz);
	if (r->fd >= 0)
		close(r->fd);
	free(r->id_index);
	free(r->buf);
	free(r);
}
