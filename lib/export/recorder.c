// SPDX-License-Identifier: BSD-2-Clause
/*
 * The black box recorder (recorder.h): the files come from the per-session
 * sink's dump mode; here they get their final names, their index lines and
 * their retention, and a restart picks up where a killed run stopped.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <eventlog/schema.h>

#include "conn_facts.h"
#include "format.h"
#include "recorder.h"
#include "session_files.h"
#include "strbuf.h"
#include "utc.h"

#define INDEX_TMP ".elog-index.tmp"
#define LINE_MAX_BYTES 2048

struct entry {
	uint64_t seq, bytes;
	char *file;
	char *line; /* as written to the index, '\n' included */
};

struct elog_recorder {
	char *dir;
	int dirfd, lockfd, indexfd;
	struct elog_recorder_opts o;
	struct entry *e; /* listed files, by seq */
	size_t n, cap;
	uint64_t total, next_seq, removed_lines;
	int64_t boot_to_utc;
	struct elog_session_files *sf;
	struct elog_recorder_stats st;
};

/* ------------------------------------------------------------ the index */

/* A JSON string of untrusted bytes (a log id): quotes, backslashes and
 * anything not printable ASCII escaped (bytes >= 0x80 as their Latin-1
 * code point: not known to be UTF-8). */
static void j_str(struct strbuf *b, const char *s)
{
	sb_ch(b, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			sb_ch(b, '\\');
			sb_ch(b, (char)*p);
		} else if (*p >= 0x20 && *p < 0x7f) {
			sb_ch(b, (char)*p);
		} else {
			sb_str(b, "\\u00");
			sb_hex_w(b, *p, 2);
		}
	}
	sb_ch(b, '"');
}

static void j_time(struct strbuf *b, int64_t utc_us)
{
	sb_ch(b, '"');
	elog_put_utc(b, utc_us, 'T');
	sb_str(b, "Z\"");
}

static void j_endpoint(struct strbuf *b, bool known, const char *addr, uint16_t port)
{
	if (!known) {
		sb_str(b, "null");
		return;
	}
	sb_ch(b, '"');
	if (strchr(addr, ':')) {
		sb_ch(b, '[');
		sb_str(b, addr);
		sb_ch(b, ']');
	} else {
		sb_str(b, addr);
	}
	sb_ch(b, ':');
	sb_udec(b, port);
	sb_ch(b, '"');
}

/* The name the provider's schema gives value of BLACKBOX_DUMP's field
 * `field` (an ENUM), or NULL. */
static const char *enum_name(const char *provider, const char *field, uint64_t value)
{
	const struct elog_provider_desc *p = elog_schema_provider(provider);
	const struct elog_event_desc *ev = p ? elog_schema_event(p, ELOG_BB_DUMP_ID) : NULL;

	for (uint16_t i = 0; ev != NULL && i < ev->field_count; i++) {
		const struct elog_field_desc *f = &ev->fields[i];

		if (strcmp(f->name, field) != 0 || f->annot != ELOG_A_ENUM || f->values == NULL)
			continue;
		for (uint32_t k = 0; k < f->values->count; k++)
			if (f->values->values[k].value == value)
				return f->values->values[k].name;
	}
	return NULL;
}

static void j_enum(struct strbuf *b, const char *provider, const char *field, uint64_t value)
{
	const char *name = enum_name(provider, field, value);

	if (name != NULL)
		j_str(b, name);
	else
		sb_udec(b, value);
}

static size_t index_line(char *buf, size_t cap, const struct elog_sf_dump *d, const char *file,
			 uint64_t seq, int64_t boot_to_utc)
{
	struct strbuf b;
	bool ids = d->have_id && d->id.log_id[0] != '\0';

	sb_init(&b, buf, cap);
	sb_str(&b, "{\"time\":");
	j_time(&b, (int64_t)d->dump_ts + boot_to_utc);
	sb_str(&b, ",\"file\":");
	j_str(&b, file);
	sb_str(&b, ",\"seq\":");
	sb_udec(&b, seq);
	sb_str(&b, ",\"provider\":");
	j_str(&b, d->provider);
	sb_str(&b, ",\"session\":");
	sb_udec(&b, d->session);
	sb_str(&b, ",\"log_id\":");
	if (ids)
		j_str(&b, d->id.log_id);
	else
		sb_str(&b, "null");
	sb_str(&b, ",\"reason\":");
	j_enum(&b, d->provider, "reason", d->info.reason);
	sb_str(&b, ",\"reason_code\":");
	sb_udec(&b, d->info.reason);
	sb_str(&b, ",\"mode\":");
	j_enum(&b, d->provider, "mode", d->info.mode);
	sb_str(&b, ",\"local\":");
	j_endpoint(&b, d->have_id && d->id.have_addr, d->id.local, d->id.lport);
	sb_str(&b, ",\"remote\":");
	j_endpoint(&b, d->have_id && d->id.have_addr, d->id.remote, d->id.rport);
	sb_str(&b, ",\"records\":");
	sb_udec(&b, d->records);
	sb_str(&b, ",\"announced\":");
	sb_udec(&b, d->info.events);
	sb_str(&b, ",\"overwritten\":");
	sb_udec(&b, d->info.overwritten);
	sb_str(&b, ",\"first\":");
	if (d->records)
		j_time(&b, (int64_t)d->first_ts + boot_to_utc);
	else
		sb_str(&b, "null");
	sb_str(&b, ",\"last\":");
	if (d->records)
		j_time(&b, (int64_t)d->last_ts + boot_to_utc);
	else
		sb_str(&b, "null");
	sb_str(&b, ",\"duration_s\":");
	sb_udec(&b, (d->last_ts - d->first_ts) / 1000000);
	sb_ch(&b, '.');
	sb_udec_w(&b, (d->last_ts - d->first_ts) % 1000000, 6);
	sb_str(&b, ",\"ended\":");
	sb_str(&b, d->ended ? "true" : "false");
	sb_str(&b, ",\"bytes\":");
	sb_udec(&b, d->bytes);
	sb_str(&b, "}\n");
	return (size_t)(b.p - buf);
}

/* Appends one line to the index and syncs it. */
static int index_append(struct elog_recorder *r, const char *line, size_t n,
			struct elog_error *err)
{
	size_t off = 0;

	while (off < n) {
		ssize_t w = write(r->indexfd, line + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return elog_errorf(err, w < 0 ? errno : EIO, "%s/%s: %s", r->dir,
					   ELOG_RECORDER_INDEX, strerror(w < 0 ? errno : EIO));
		off += (size_t)w;
	}
	if (fsync(r->indexfd) < 0)
		return elog_errorf(err, errno, "%s/%s: %s", r->dir, ELOG_RECORDER_INDEX,
				   strerror(errno));
	return 0;
}

static int sync_dir(struct elog_recorder *r, struct elog_error *err)
{
	if (fsync(r->dirfd) < 0)
		return elog_errorf(err, errno, "%s: %s", r->dir, strerror(errno));
	return 0;
}

/* The string value of "key" in a line we wrote ("key":"value", no escapes
 * in the values looked up this way), into buf; false if absent. */
static bool field_str(const char *line, const char *key, char *buf, size_t cap)
{
	char pat[32];
	const char *p, *q;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	p = strstr(line, pat);
	if (p == NULL)
		return false;
	p += strlen(pat);
	q = strchr(p, '"');
	if (q == NULL || (size_t)(q - p) >= cap || q == p)
		return false;
	memcpy(buf, p, (size_t)(q - p));
	buf[q - p] = '\0';
	return true;
}

static bool field_u64(const char *line, const char *key, uint64_t *v)
{
	char pat[32];
	const char *p;
	char *end;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(line, pat);
	if (p == NULL)
		return false;
	p += strlen(pat);
	if (*p < '0' || *p > '9')
		return false;
	errno = 0;
	*v = strtoull(p, &end, 10);
	return errno == 0 && (*end == ',' || *end == '}');
}

/* A file name of ours: no directory, no dot first, nothing to escape. */
static bool plain_name(const char *s)
{
	if (s[0] == '\0' || s[0] == '.')
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == '"' || *s == '\\' || (unsigned char)*s < 0x20)
			return false;
	return true;
}

/* The <seq> of "<base>.<seq>.elog", or false. */
static bool name_seq(const char *name, uint64_t *seq)
{
	size_t n = strlen(name), k;
	uint64_t v = 0;

	if (n < 7 || strcmp(name + n - 5, ".elog") != 0)
		return false;
	k = n - 5;
	while (k > 0 && name[k - 1] >= '0' && name[k - 1] <= '9')
		k--;
	if (k == n - 5 || k == 0 || name[k - 1] != '.' || n - 5 - k > 19)
		return false;
	for (size_t i = k; i < n - 5; i++)
		v = v * 10 + (uint64_t)(name[i] - '0');
	*seq = v;
	return true;
}

static int push_entry(struct elog_recorder *r, uint64_t seq, uint64_t bytes, const char *file,
		      const char *line, size_t len, struct elog_error *err)
{
	struct entry *e;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct entry *p = realloc(r->e, cap * sizeof(*p));

		if (p == NULL)
			return elog_errorf(err, ENOMEM, "out of memory");
		r->e = p;
		r->cap = cap;
	}
	e = &r->e[r->n];
	e->seq = seq;
	e->bytes = bytes;
	e->file = strdup(file);
	e->line = malloc(len + 1);
	if (e->file == NULL || e->line == NULL) {
		free(e->file);
		free(e->line);
		return elog_errorf(err, ENOMEM, "out of memory");
	}
	memcpy(e->line, line, len);
	e->line[len] = '\0';
	r->n++;
	r->total += bytes;
	return 0;
}

static void drop_entry(struct elog_recorder *r, size_t i)
{
	r->total -= r->e[i].bytes;
	free(r->e[i].file);
	free(r->e[i].line);
	memmove(&r->e[i], &r->e[i + 1], (r->n - i - 1) * sizeof(*r->e));
	r->n--;
}

static ssize_t find_entry(const struct elog_recorder *r, const char *file)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->e[i].file, file) == 0)
			return (ssize_t)i;
	return -1;
}

static int64_t utc_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int removal_line(struct elog_recorder *r, const struct entry *e, bool missing,
			struct elog_error *err)
{
	char line[LINE_MAX_BYTES];
	struct strbuf b;

	sb_init(&b, line, sizeof(line));
	sb_str(&b, "{\"time\":");
	j_time(&b, utc_now_us());
	sb_str(&b, ",\"removed\":");
	j_str(&b, e->file);
	sb_str(&b, ",\"seq\":");
	sb_udec(&b, e->seq);
	if (missing)
		sb_str(&b, ",\"missing\":true");
	sb_str(&b, "}\n");
	r->removed_lines++;
	return index_append(r, line, (size_t)(b.p - line), err);
}

/* The index with the listed files' lines only: written aside, synced,
 * renamed over it. */
static int compact(struct elog_recorder *r, struct elog_error *err)
{
	int fd = openat(r->dirfd, INDEX_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int rc = 0;

	if (fd < 0)
		return elog_errorf(err, errno, "%s/%s: %s", r->dir, INDEX_TMP, strerror(errno));
	for (size_t i = 0; i < r->n && rc == 0; i++) {
		size_t len = strlen(r->e[i].line), off = 0;

		while (off < len && rc == 0) {
			ssize_t w = write(fd, r->e[i].line + off, len - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				rc = elog_errorf(err, w < 0 ? errno : EIO, "%s/%s: %s", r->dir,
						 INDEX_TMP, strerror(w < 0 ? errno : EIO));
			else
				off += (size_t)w;
		}
	}
	if (rc == 0 && fsync(fd) < 0)
		rc = elog_errorf(err, errno, "%s/%s: %s", r->dir, INDEX_TMP, strerror(errno));
	close(fd);
	if (rc == 0 && renameat(r->dirfd, INDEX_TMP, r->dirfd, ELOG_RECORDER_INDEX) < 0)
		rc = elog_errorf(err, errno, "%s/%s: %s", r->dir, ELOG_RECORDER_INDEX,
				 strerror(errno));
	if (rc < 0) {
		unlinkat(r->dirfd, INDEX_TMP, 0);
		return rc;
	}
	close(r->indexfd);
	r->indexfd = openat(r->dirfd, ELOG_RECORDER_INDEX, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (r->indexfd < 0)
		return elog_errorf(err, errno, "%s/%s: %s", r->dir, ELOG_RECORDER_INDEX,
				   strerror(errno));
	r->removed_lines = 0;
	return sync_dir(r, err);
}

/* Oldest first, the newest always kept; the line before the unlink, so a
 * file is never gone while still listed. */
static int retention(struct elog_recorder *r, struct elog_error *err)
{
	while (r->n > 1 && ((r->o.max_files && r->n > r->o.max_files) ||
			    (r->o.max_bytes && r->total > r->o.max_bytes))) {
		if (removal_line(r, &r->e[0], false, err) < 0)
			return -1;
		if (unlinkat(r->dirfd, r->e[0].file, 0) < 0 && errno != ENOENT)
			return elog_errorf(err, errno, "%s/%s: %s", r->dir, r->e[0].file,
					   strerror(errno));
		drop_entry(r, 0);
		r->st.removed++;
	}
	if (r->removed_lines > (r->o.compact_after ? r->o.compact_after : ELOG_RECORDER_COMPACT_AFTER) &&
	    r->removed_lines > r->n)
		return compact(r, err);
	return 0;
}

/* A done dump file at tmp (in DIR): named, listed, in place. */
static int commit(struct elog_recorder *r, const char *tmp, const struct elog_sf_dump *d,
		  int64_t boot_to_utc, struct elog_error *err)
{
	char file[NAME_MAX + 1], tmpname[NAME_MAX + 1], line[LINE_MAX_BYTES];
	const char *tmpbase = strrchr(tmp, '/') ? strrchr(tmp, '/') + 1 : tmp;
	uint64_t seq;
	size_t len;

	for (;;) {
		seq = r->next_seq++;
		if (snprintf(file, sizeof(file), "%s.%06llu.elog", d->base, (unsigned long long)seq) >=
			    (int)sizeof(file) ||
		    snprintf(tmpname, sizeof(tmpname), ELOG_SF_TMP_PREFIX "%s", file) >=
			    (int)sizeof(tmpname))
			return elog_errorf(err, ENAMETOOLONG, "%s: name too long", d->base);
		/* Never over anything: a number some file of DIR has is skipped. */
		if (faccessat(r->dirfd, file, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT &&
		    (strcmp(tmpbase, tmpname) == 0 ||
		     (faccessat(r->dirfd, tmpname, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)))
			break;
	}
	if (strcmp(tmpbase, tmpname) != 0 && renameat(r->dirfd, tmpbase, r->dirfd, tmpname) < 0)
		return elog_errorf(err, errno, "rename %s/%s: %s", r->dir, tmpbase, strerror(errno));
	len = index_line(line, sizeof(line), d, file, seq, boot_to_utc);
	if (index_append(r, line, len, err) < 0 || push_entry(r, seq, d->bytes, file, line, len, err) < 0)
		return -1;
	if (renameat(r->dirfd, tmpname, r->dirfd, file) < 0)
		return elog_errorf(err, errno, "rename %s/%s: %s", r->dir, tmpname, strerror(errno));
	if (sync_dir(r, err) < 0)
		return -1;
	return retention(r, err);
}

static int on_dump(void *arg, const char *tmp, const struct elog_sf_dump *d, struct elog_error *err)
{
	struct elog_recorder *r = arg;

	if (commit(r, tmp, d, r->boot_to_utc, err) < 0)
		return -1;
	r->st.written++;
	return 0;
}

/* ----------------------------------------------------------- on start */

static int load_index(struct elog_recorder *r, struct elog_error *err)
{
	struct stat st;
	char *buf, *p, *nl;
	size_t len, off = 0;
	char file[NAME_MAX + 1];
	uint64_t seq, bytes;

	if (fstat(r->indexfd, &st) < 0)
		return elog_errorf(err, errno, "%s/%s: %s", r->dir, ELOG_RECORDER_INDEX,
				   strerror(errno));
	len = (size_t)st.st_size;
	buf = malloc(len + 1);
	if (buf == NULL)
		return elog_errorf(err, ENOMEM, "out of memory");
	while (off < len) {
		ssize_t n = pread(r->indexfd, buf + off, len - off, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			return elog_errorf(err, n < 0 ? errno : EIO, "%s/%s: %s", r->dir,
					   ELOG_RECORDER_INDEX, strerror(n < 0 ? errno : EIO));
		}
		off += (size_t)n;
	}
	buf[len] = '\0';
	for (p = buf; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		if (!field_u64(p, "seq", &seq))
			continue;
		if (field_str(p, "removed", file, sizeof(file))) {
			ssize_t i = find_entry(r, file);

			if (i >= 0)
				drop_entry(r, (size_t)i);
			r->removed_lines++;
			/* Listed as removed, still there: the unlink to finish. */
			if (plain_name(file) && name_seq(file, &bytes) && i >= 0)
				unlinkat(r->dirfd, file, 0);
		} else if (field_str(p, "file", file, sizeof(file)) && plain_name(file) &&
			   field_u64(p, "bytes", &bytes) && find_entry(r, file) < 0) {
			*nl = '\n';
			if (push_entry(r, seq, bytes, file, p, (size_t)(nl - p) + 1, err) < 0) {
				free(buf);
				return -1;
			}
			*nl = '\0';
		}
		if (seq >= r->next_seq)
			r->next_seq = seq + 1;
	}
	/* A last line cut short (killed while appending it): ended, so the
	 * next line starts on a line of its own; what it named is found
	 * again below as a file not listed. */
	if (*p != '\0' && index_append(r, "\n", 1, err) < 0) {
		free(buf);
		return -1;
	}
	free(buf);
	return 0;
}

/* Listed files: there, or renamed into place now, or gone (listed as such). */
static int check_listed(struct elog_recorder *r, struct elog_error *err)
{
	char tmpname[NAME_MAX + 1];

	for (size_t i = 0; i < r->n;) {
		struct entry *e = &r->e[i];

		if (faccessat(r->dirfd, e->file, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
			i++;
			continue;
		}
		snprintf(tmpname, sizeof(tmpname), ELOG_SF_TMP_PREFIX "%s", e->file);
		if (renameat(r->dirfd, tmpname, r->dirfd, e->file) == 0) {
			i++;
			continue;
		}
		if (errno != ENOENT)
			return elog_errorf(err, errno, "rename %s/%s: %s", r->dir, tmpname,
					   strerror(errno));
		if (removal_line(r, e, true, err) < 0)
			return -1;
		drop_entry(r, i);
		r->st.missing++;
	}
	return sync_dir(r, err);
}

/* A temporary file left by a killed run: listed if it holds a whole dump
 * (its header's count rewritten, as at close, and every record there),
 * else deleted. */
static int salvage(struct elog_recorder *r, const char *name, struct elog_error *err)
{
	char path[PATH_MAX];
	struct elog_reader *rd = NULL;
	struct elog_record rec;
	struct elog_error e2 = { 0 };
	struct elog_sf_dump d;
	struct elog_conn_state st;
	const struct elog_conn_facts_ops *facts = NULL;
	const struct elog_file_hdr *h;
	bool whole = false, begun = false;
	int n;

	snprintf(path, sizeof(path), "%s/%s", r->dir, name);
	memset(&st, 0, sizeof(st));
	if (elog_reader_open(&rd, path, &e2) == 0) {
		while ((n = elog_reader_next(rd, &rec, &e2)) == 1) {
			unsigned char raw[ELOG_EVENT_HDR_SIZE + ELOG_PAYLOAD_MAX];
			size_t len = sizeof(rec.hdr) + rec.payload_len;

			memcpy(raw, &rec.hdr, sizeof(rec.hdr));
			memcpy(raw + sizeof(rec.hdr), rec.payload, rec.payload_len);
			if (!begun) {
				const char *pn = elog_reader_provider_name(rd, rec.hdr.provider_id);

				if (!elog_sf_dump_begin(&d, pn, raw, len))
					break;
				begun = true;
				facts = elog_conn_facts_find(pn);
				continue;
			}
			if (rec.hdr.session_id == d.session && rec.hdr.provider_id == d.provider_id)
				elog_sf_dump_record(&d, facts, &st, raw, len);
		}
		h = elog_reader_header(rd);
		whole = n == 0 && begun && !elog_reader_truncated(rd, NULL) &&
			h->event_count == elog_reader_event_count(rd) &&
			d.records + 1 == h->event_count;
		if (whole) {
			struct stat sb;

			d.bytes = stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
			elog_sf_dump_finish(&d, facts, facts ? &st : NULL);
			/* Its times as the file dates them. */
			n = commit(r, path, &d, (int64_t)(h->start_utc_us - h->capture_start), err);
		}
		elog_reader_close(rd);
		if (whole) {
			if (n < 0)
				return -1;
			r->st.salvaged++;
			return 0;
		}
	}
	if (unlinkat(r->dirfd, name, 0) < 0 && errno != ENOENT)
		return elog_errorf(err, errno, "%s: %s", path, strerror(errno));
	r->st.discarded++;
	return 0;
}

/* Temporary files (salvaged or deleted) and the highest number in DIR. */
static int scan_dir(struct elog_recorder *r, struct elog_error *err)
{
	char **tmps = NULL;
	size_t ntmp = 0, cap = 0;
	struct dirent *de;
	uint64_t seq;
	int fd = dup(r->dirfd), rc = 0;
	DIR *dp = fd < 0 ? NULL : fdopendir(fd);

	if (dp == NULL) {
		if (fd >= 0)
			close(fd);
		return elog_errorf(err, errno, "%s: %s", r->dir, strerror(errno));
	}
	rewinddir(dp);
	while ((de = readdir(dp)) != NULL) {
		const char *n = de->d_name;

		if (strncmp(n, ELOG_SF_TMP_PREFIX, strlen(ELOG_SF_TMP_PREFIX)) == 0) {
			if (ntmp == cap) {
				char **p = realloc(tmps, (cap = cap ? cap * 2 : 16) * sizeof(*p));

				if (p == NULL) {
					rc = elog_errorf(err, ENOMEM, "out of memory");
					break;
				}
				tmps = p;
			}
			if ((tmps[ntmp] = strdup(n)) == NULL) {
				rc = elog_errorf(err, ENOMEM, "out of memory");
				break;
			}
			ntmp++;
			continue; /* its number, if it has one, is taken back below */
		}
		if (name_seq(n, &seq) && seq >= r->next_seq && seq < UINT64_MAX)
			r->next_seq = seq + 1;
	}
	closedir(dp);
	unlinkat(r->dirfd, INDEX_TMP, 0);
	for (size_t i = 0; i < ntmp; i++) {
		if (rc == 0)
			rc = salvage(r, tmps[i], err);
		free(tmps[i]);
	}
	free(tmps);
	return rc;
}

int elog_recorder_open(struct elog_recorder **out, const char *dir,
		       const struct elog_recorder_opts *opts,
		       const struct elog_writer_provider *providers, uint32_t provider_count,
		       int64_t boot_to_utc_us, struct elog_error *err)
{
	struct elog_recorder *r;
	struct elog_error ignored;

	*out = NULL;
	if (elog_mkdir_p(dir, err) < 0)
		return -1;
	r = calloc(1, sizeof(*r));
	if (r == NULL || (r->dir = strdup(dir)) == NULL) {
		free(r);
		return elog_errorf(err, ENOMEM, "out of memory");
	}
	r->dirfd = r->lockfd = r->indexfd = -1;
	r->o = *opts;
	r->boot_to_utc = boot_to_utc_us;
	r->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->dirfd < 0) {
		elog_errorf(err, errno, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	r->lockfd = openat(r->dirfd, ELOG_RECORDER_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (r->lockfd < 0) {
		elog_errorf(err, errno, "%s/%s: %s", dir, ELOG_RECORDER_LOCK, strerror(errno));
		goto fail;
	}
	if (flock(r->lockfd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			elog_errorf(err, EBUSY, "%s: another recorder is writing there", dir);
		else
			elog_errorf(err, errno, "%s/%s: %s", dir, ELOG_RECORDER_LOCK, strerror(errno));
		goto fail;
	}
	r->indexfd = openat(r->dirfd, ELOG_RECORDER_INDEX, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC,
			    0600);
	if (r->indexfd < 0) {
		elog_errorf(err, errno, "%s/%s: %s", dir, ELOG_RECORDER_INDEX, strerror(errno));
		goto fail;
	}
	if (load_index(r, err) < 0 || check_listed(r, err) < 0 || scan_dir(r, err) < 0 ||
	    retention(r, err) < 0)
		goto fail;
	if (elog_sf_open_dumps(&r->sf, dir, providers, provider_count, boot_to_utc_us, on_dump, r,
			       err) < 0)
		goto fail;
	*out = r;
	return 0;
fail:
	elog_recorder_close(r, NULL, &ignored);
	return -1;
}

int elog_recorder_append(struct elog_recorder *r, const void *rec, size_t len,
			 struct elog_error *err)
{
	return elog_sf_append(r->sf, rec, len, err);
}

int elog_recorder_settle(struct elog_recorder *r, struct elog_error *err)
{
	return elog_sf_settle(r->sf, err);
}

void elog_recorder_stats(const struct elog_recorder *r, struct elog_recorder_stats *st)
{
	*st = r->st;
	st->files = r->n;
	st->bytes = r->total;
}

int elog_recorder_close(struct elog_recorder *r, struct elog_recorder_stats *st,
			struct elog_error *err)
{
	int rc = 0;

	if (r == NULL)
		return 0;
	if (r->sf != NULL && elog_sf_close(r->sf, 0, err) < 0)
		rc = -1;
	if (st != NULL)
		elog_recorder_stats(r, st);
	for (size_t i = 0; i < r->n; i++) {
		free(r->e[i].file);
		free(r->e[i].line);
	}
	free(r->e);
	if (r->indexfd >= 0)
		close(r->indexfd);
	if (r->lockfd >= 0)
		close(r->lockfd);
	if (r->dirfd >= 0)
		close(r->dirfd);
	free(r->dir);
	free(r);
	return rc;
}
