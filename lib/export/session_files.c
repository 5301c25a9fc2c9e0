/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One capture file per session (see session_files.h). Sessions live in a
 * chained hash table keyed by (provider id, session id); an entry goes away
 * at SESSION_END, so a session seen again gets a new file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <eventlog/schema.h>

#include "conn_facts.h"
#include "session_files.h"

#define NBUCKETS 4096
#define MAX_SUFFIX 100000 /* .1 ... before giving up on a name */

struct sess {
	struct sess *next;
	uint16_t provider;
	uint64_t id;
	FILE *f;
	struct elog_writer *w;
	char *path; /* of the open file */
	/* connection names: the provider's connection facts */
	const struct elog_conn_facts_ops *facts;
	struct elog_conn_state st;
	/* dump mode: the dump being written (w open), and what came live */
	struct elog_sf_dump *dump;
	bool ended;
};

struct elog_session_files {
	char *dir;
	bool conn_names;
	/* dump mode */
	elog_sf_dump_done_fn done;
	void *done_arg;
	uint64_t dumps_open, tmp_seq;
	struct elog_writer_provider prov[ELOG_MAX_PROVIDERS];
	char names[ELOG_MAX_PROVIDERS][ELOG_PROVIDER_NAME_MAX];
	uint32_t nprov;
	int64_t boot_to_utc;
	struct sess *b[NBUCKETS];
	uint64_t created, open;
};

int elog_mkdir_p(const char *dir, struct elog_error *err)
{
	char p[PATH_MAX];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(p))
		return elog_errorf(err, ENAMETOOLONG, "path too long");
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		char c = p[i];

		p[i] = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return elog_errorf(err, errno, "mkdir(%s): %s", p, strerror(errno));
		p[i] = c;
	}
	struct stat st;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return elog_errorf(err, ENOTDIR, "mkdir(%s): %s", dir, strerror(ENOTDIR));
	return 0;
}

int elog_sf_conn_name(char *buf, size_t cap, const char *log_id, bool have_addr, uint16_t lport,
		      const char *rip, uint16_t rport)
{
	char id[65];
	size_t k = 0;
	int w;

	for (size_t i = 0; log_id != NULL && log_id[i] != '\0' && k < sizeof(id) - 1; i++) {
		char c = log_id[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';

		id[k++] = ok ? c : '_';
	}
	id[k] = '\0';
	/* "." and ".." must never be a name component's start of trouble. */
	if (id[0] == '.')
		id[0] = '_';
	if (have_addr && rip != NULL)
		w = snprintf(buf, cap, "%s_%u_%s_%u.elog", k ? id : "unknown", lport, rip, rport);
	else
		w = snprintf(buf, cap, "%s_unknown_unknown_unknown.elog", k ? id : "unknown");
	return (w < 0 || (size_t)w >= cap) ? -1 : 0;
}

static const char *provider_name(const struct elog_session_files *sf, uint16_t id)
{
	for (uint32_t i = 0; i < sf->nprov; i++)
		if (sf->prov[i].id == id)
			return sf->prov[i].name;
	return NULL;
}

/* base "x.elog" -> "x.elog", "x.1.elog", ... ; -1 when out of names. */
static int suffixed(char *buf, size_t cap, const char *dir, const char *base, unsigned n)
{
	size_t bl = strlen(base);
	int w;

	if (bl >= 5 && strcmp(base + bl - 5, ".elog") == 0)
		bl -= 5;
	if (n == 0)
		w = snprintf(buf, cap, "%s/%.*s.elog", dir, (int)bl, base);
	else
		w = snprintf(buf, cap, "%s/%.*s.%u.elog", dir, (int)bl, base, n);
	return (w < 0 || (size_t)w >= cap) ? -1 : 0;
}

/* "<provider>_<session>", or "provider<id>_<session>" for one not in the table. */
static void session_name(const struct elog_session_files *sf, const struct sess *s, char *buf,
			 size_t cap)
{
	const char *pn = provider_name(sf, s->provider);

	if (pn != NULL)
		snprintf(buf, cap, "%s_%llu", pn, (unsigned long long)s->id);
	else
		snprintf(buf, cap, "provider%u_%llu", s->provider, (unsigned long long)s->id);
}

static int create_file(struct elog_session_files *sf, struct sess *s, struct elog_error *err)
{
	char base[128], path[PATH_MAX];
	int fd = -1;

	session_name(sf, s, base, sizeof(base) - 48);
	/* Dump mode: a temporary name the caller moves once the file is done. */
	if (sf->done != NULL) {
		memmove(base + strlen(ELOG_SF_TMP_PREFIX), base, strlen(base) + 1);
		memcpy(base, ELOG_SF_TMP_PREFIX, strlen(ELOG_SF_TMP_PREFIX));
		snprintf(base + strlen(base), sizeof(base) - strlen(base), ".%llu",
			 (unsigned long long)sf->tmp_seq++);
	}
	strcat(base, ".elog");
	for (unsigned n = 0; n < MAX_SUFFIX && fd < 0; n++) {
		if (suffixed(path, sizeof(path), sf->dir, base, n) < 0)
			return elog_errorf(err, ENAMETOOLONG, "path too long");
		/* 0600: captures hold addresses, ports and kernel pointers. */
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			return elog_errorf(err, errno, "%s: %s", path, strerror(errno));
	}
	if (fd < 0)
		return elog_errorf(err, EEXIST, "%s/%s: no free name", sf->dir, base);
	s->path = strdup(path);
	s->f = s->path == NULL ? NULL : fdopen(fd, "wb");
	if (s->f == NULL) {
		int e = s->path == NULL ? ENOMEM : errno;

		close(fd);
		unlink(path);
		free(s->path);
		s->path = NULL;
		return elog_errorf(err, e, "fdopen: %s", strerror(e));
	}
	if (elog_writer_open_stream(&s->w, s->f, sf->prov, sf->nprov, sf->boot_to_utc, err) < 0) {
		fclose(s->f);
		s->f = NULL;
		unlink(s->path);
		free(s->path);
		s->path = NULL;
		return -1;
	}
	sf->created++;
	return 0;
}

/* Move a finished file to its connection name without replacing anything. */
static int rename_conn(struct elog_session_files *sf, struct sess *s, struct elog_error *err)
{
	char base[200], to[PATH_MAX];
	struct elog_conn_id id;

	s->facts->identify(&s->st, &id);
	if (!id.have_addr && id.log_id[0] == '\0')
		return 0;
	if (elog_sf_conn_name(base, sizeof(base), id.log_id, id.have_addr, id.lport, id.remote,
			      id.rport) < 0)
		return elog_errorf(err, ENAMETOOLONG, "path too long");
	for (unsigned n = 0; n < MAX_SUFFIX; n++) {
		if (suffixed(to, sizeof(to), sf->dir, base, n) < 0)
			return elog_errorf(err, ENAMETOOLONG, "path too long");
		if (strcmp(to, s->path) == 0)
			return 0;
		/* link + unlink: fails with EEXIST instead of replacing. */
		if (link(s->path, to) == 0) {
			if (unlink(s->path) < 0)
				return elog_errorf(err, errno, "unlink(%s): %s", s->path,
						   strerror(errno));
			return 0;
		}
		if (errno != EEXIST)
			return elog_errorf(err, errno, "rename(%s, %s): %s", s->path, to,
					   strerror(errno));
	}
	return elog_errorf(err, EEXIST, "%s: no free name", base);
}

/*
 * Dump mode: the dump being written is done. Its file is completed (header
 * rewritten), synced and closed, and handed to the callback; the session
 * stays, with its facts, for the next dump.
 */
static int finish_dump(struct elog_session_files *sf, struct sess *s, struct elog_error *err)
{
	struct elog_sf_dump *d = s->dump;
	struct stat st;
	int rc;

	s->dump = NULL;
	sf->dumps_open--;
	rc = elog_writer_close(s->w, err);
	s->w = NULL;
	if (fflush(s->f) != 0 || fsync(fileno(s->f)) != 0 || fstat(fileno(s->f), &st) != 0) {
		if (rc == 0)
			rc = elog_errorf(err, errno, "%s: %s", s->path, strerror(errno));
	}
	if (fclose(s->f) != 0 && rc == 0)
		rc = elog_errorf(err, errno, "%s: %s", s->path, strerror(errno));
	s->f = NULL;
	if (rc == 0) {
		d->bytes = (uint64_t)st.st_size;
		elog_sf_dump_finish(d, s->facts, s->facts ? &s->st : NULL);
		rc = sf->done(sf->done_arg, s->path, d, err);
	}
	free(s->path);
	s->path = NULL;
	free(d);
	return rc;
}

static int close_sess(struct elog_session_files *sf, struct sess *s, uint64_t dropped,
		      struct elog_error *err)
{
	int rc = 0;

	if (s->dump != NULL) {
		rc = finish_dump(sf, s, err);
		sf->open--;
		free(s);
		return rc;
	}
	if (s->w != NULL) {
		elog_writer_set_dropped(s->w, dropped);
		rc = elog_writer_close(s->w, err);
	}
	if (s->f != NULL && fclose(s->f) != 0 && rc == 0)
		rc = elog_errorf(err, errno, "%s: %s", s->path, strerror(errno));
	if (rc == 0 && s->w != NULL && sf->conn_names && s->facts != NULL)
		rc = rename_conn(sf, s, err);
	sf->open--;
	free(s->path);
	free(s);
	return rc;
}

int elog_sf_open(struct elog_session_files **out, const char *dir, bool conn_names,
		 const struct elog_writer_provider *providers, uint32_t provider_count,
		 int64_t boot_to_utc_us, struct elog_error *err)
{
	struct elog_session_files *sf;
	struct rlimit rl;

	*out = NULL;
	if (provider_count > ELOG_MAX_PROVIDERS)
		return elog_errorf(err, EINVAL, "too many providers for a capture file: %u (max %d)",
				   provider_count, ELOG_MAX_PROVIDERS);
	if (elog_mkdir_p(dir, err) < 0)
		return -1;
	sf = calloc(1, sizeof(*sf));
	if (sf == NULL || (sf->dir = strdup(dir)) == NULL) {
		free(sf);
		return elog_errorf(err, ENOMEM, "out of memory");
	}
	for (uint32_t i = 0; i < provider_count; i++) {
		if (strlen(providers[i].name) >= ELOG_PROVIDER_NAME_MAX) {
			free(sf->dir);
			free(sf);
			return elog_errorf(err, EINVAL, "provider name too long");
		}
		strcpy(sf->names[i], providers[i].name);
		sf->prov[i].id = providers[i].id;
		sf->prov[i].name = sf->names[i];
	}
	sf->nprov = provider_count;
	sf->conn_names = conn_names;
	sf->boot_to_utc = boot_to_utc_us;
	/* One descriptor per live session: allow as many as the hard limit. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	*out = sf;
	return 0;
}

/*
 * The writer fixes a file's time base at its first event but writes the
 * header only at close; put it on disk now (header bytes 8..23), so that
 * the files of a capture killed mid-way still decode with the right times.
 */
static int persist_time_base(const struct elog_session_files *sf, const struct sess *s,
			     const struct elog_event_hdr *h, struct elog_error *err)
{
	__u64 base[2] = { h->timestamp, h->timestamp + (__u64)sf->boot_to_utc };

	if (fflush(s->f) != 0 ||
	    pwrite(fileno(s->f), base, sizeof(base), offsetof(struct elog_file_hdr, capture_start)) !=
		    (ssize_t)sizeof(base))
		return elog_errorf(err, errno, "write %s: %s", s->path, strerror(errno));
	return 0;
}

/* Dump mode: s's dump is done; a session whose SESSION_END it held is
 * forgotten (*pp unlinked and freed, *gone set). */
static int end_dump(struct elog_session_files *sf, struct sess **pp, bool *gone,
		    struct elog_error *err)
{
	struct sess *s = *pp;

	s->ended = s->dump->ended;
	*gone = false;
	if (finish_dump(sf, s, err) < 0)
		return -1;
	if (s->ended) {
		*pp = s->next;
		sf->open--;
		free(s);
		*gone = true;
	}
	return 0;
}

/* Dump mode: one record (see session_files.h). */
static int append_dumps(struct elog_session_files *sf, struct sess **pp, const void *rec,
			size_t len, const struct elog_event_hdr *h, struct elog_error *err)
{
	struct sess *s = *pp;
	bool opener = h->event_id == ELOG_BB_DUMP_ID && len >= sizeof(*h) + sizeof(struct elog_bb_dump);

	if (s == NULL) {
		const char *pn = provider_name(sf, h->provider_id);

		/* Live records of more sessions than that are not followed. */
		if (!opener && (h->event_id == ELOG_SESSION_END_ID || sf->open >= ELOG_SF_TRACK_MAX))
			return 0;
		s = calloc(1, sizeof(*s));
		if (s == NULL)
			return elog_errorf(err, ENOMEM, "out of memory");
		s->provider = h->provider_id;
		s->id = h->session_id;
		s->facts = elog_conn_facts_find(pn);
		sf->open++;
		*pp = s;
	}
	/* The dump being written ends with its last record, or at a record of
	 * the session that cannot be one of its records. */
	if (s->dump != NULL && (opener || h->timestamp > s->dump->dump_ts)) {
		bool gone;

		if (end_dump(sf, pp, &gone, err) < 0)
			return -1;
		if (gone) /* looked up again: a new entry, if it is to have one */
			return elog_sf_append(sf, rec, len, err);
	}
	if (opener) {
		struct elog_sf_dump *d = calloc(1, sizeof(*d));

		if (d == NULL)
			return elog_errorf(err, ENOMEM, "out of memory");
		elog_sf_dump_begin(d, provider_name(sf, h->provider_id), rec, len);
		d->ended = s->ended;
		if (create_file(sf, s, err) < 0) {
			free(d);
			return -1;
		}
		s->dump = d;
		sf->dumps_open++;
		if (elog_writer_append(s->w, rec, len, err) < 0 ||
		    persist_time_base(sf, s, h, err) < 0)
			return -1;
		if (d->info.events == 0 && finish_dump(sf, s, err) < 0)
			return -1;
		return 0;
	}
	if (s->dump == NULL) {
		/* Live: only what it says of the connection. */
		if (s->facts != NULL)
			s->facts->learn(&s->st, h->event_id, (const uint8_t *)rec + sizeof(*h),
					len - sizeof(*h));
		if (h->event_id == ELOG_SESSION_END_ID) {
			*pp = s->next;
			sf->open--;
			free(s);
		}
		return 0;
	}
	elog_sf_dump_record(s->dump, s->facts, s->facts ? &s->st : NULL, rec, len);
	if (elog_writer_append(s->w, rec, len, err) < 0)
		return -1;
	if (s->dump->records < s->dump->info.events)
		return 0;
	bool gone;

	return end_dump(sf, pp, &gone, err);
}

int elog_sf_append(struct elog_session_files *sf, const void *rec, size_t len,
		   struct elog_error *err)
{
	struct elog_event_hdr h;
	struct sess **pp, *s;
	size_t bucket;

	if (len < sizeof(h))
		return elog_errorf(err, EINVAL, "record too short: %zu bytes", len);
	memcpy(&h, rec, sizeof(h));
	if (h.session_id == ELOG_SESSION_ID_NONE)
		return 0;
	bucket = (size_t)((h.session_id * 0x9E3779B97F4A7C15ull) >> 52) ^ h.provider_id;
	bucket &= NBUCKETS - 1;
	for (pp = &sf->b[bucket]; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->id == h.session_id && (*pp)->provider == h.provider_id)
			break;
	if (sf->done != NULL)
		return append_dumps(sf, pp, rec, len, &h, err);
	s = *pp;
	if (s == NULL) {
		const char *pn = provider_name(sf, h.provider_id);

		s = calloc(1, sizeof(*s));
		if (s == NULL)
			return elog_errorf(err, ENOMEM, "out of memory");
		s->provider = h.provider_id;
		s->id = h.session_id;
		s->facts = sf->conn_names ? elog_conn_facts_find(pn) : NULL;
		sf->open++;
		if (create_file(sf, s, err) < 0) {
			sf->open--;
			free(s);
			return -1;
		}
		*pp = s;
	}
	if (s->facts != NULL)
		s->facts->learn(&s->st, h.event_id, (const uint8_t *)rec + sizeof(h), len - sizeof(h));
	bool first = elog_writer_event_count(s->w) == 0;

	if (elog_writer_append(s->w, rec, len, err) < 0)
		return -1;
	if (first && persist_time_base(sf, s, &h, err) < 0)
		return -1;
	if (h.event_id == ELOG_SESSION_END_ID) {
		*pp = s->next;
		return close_sess(sf, s, 0, err);
	}
	return 0;
}

int elog_sf_flush(struct elog_session_files *sf, struct elog_error *err)
{
	for (size_t i = 0; i < NBUCKETS; i++)
		for (struct sess *s = sf->b[i]; s != NULL; s = s->next)
			if (s->w != NULL && elog_writer_flush(s->w, err) < 0)
				return -1;
	return 0;
}

int elog_sf_settle(struct elog_session_files *sf, struct elog_error *err)
{
	for (size_t i = 0; i < NBUCKETS && sf->dumps_open > 0; i++) {
		for (struct sess **pp = &sf->b[i]; *pp != NULL;) {
			struct sess *s = *pp;

			bool gone = false;

			if (s->dump != NULL && end_dump(sf, pp, &gone, err) < 0)
				return -1;
			if (!gone)
				pp = &s->next;
		}
	}
	return 0;
}

int elog_sf_open_dumps(struct elog_session_files **out, const char *dir,
		       const struct elog_writer_provider *providers, uint32_t provider_count,
		       int64_t boot_to_utc_us, elog_sf_dump_done_fn done, void *arg,
		       struct elog_error *err)
{
	if (elog_sf_open(out, dir, true, providers, provider_count, boot_to_utc_us, err) < 0)
		return -1;
	(*out)->done = done;
	(*out)->done_arg = arg;
	return 0;
}

bool elog_sf_dump_begin(struct elog_sf_dump *d, const char *provider, const void *rec, size_t len)
{
	struct elog_event_hdr h;

	memset(d, 0, sizeof(*d));
	if (len < sizeof(h) + sizeof(d->info))
		return false;
	memcpy(&h, rec, sizeof(h));
	if (h.event_id != ELOG_BB_DUMP_ID)
		return false;
	memcpy(&d->info, (const uint8_t *)rec + sizeof(h), sizeof(d->info));
	if (provider != NULL)
		snprintf(d->provider, sizeof(d->provider), "%s", provider);
	else
		snprintf(d->provider, sizeof(d->provider), "provider%u", h.provider_id);
	d->provider_id = h.provider_id;
	d->session = h.session_id;
	d->dump_ts = h.timestamp;
	return true;
}

void elog_sf_dump_record(struct elog_sf_dump *d, const struct elog_conn_facts_ops *facts,
			 struct elog_conn_state *st, const void *rec, size_t len)
{
	struct elog_event_hdr h;

	if (len < sizeof(h))
		return;
	memcpy(&h, rec, sizeof(h));
	if (facts != NULL && st != NULL)
		facts->learn(st, h.event_id, (const uint8_t *)rec + sizeof(h), len - sizeof(h));
	if (d->records == 0 || h.timestamp < d->first_ts)
		d->first_ts = h.timestamp;
	if (d->records == 0 || h.timestamp > d->last_ts)
		d->last_ts = h.timestamp;
	if (h.event_id == ELOG_SESSION_END_ID)
		d->ended = true;
	d->records++;
}

void elog_sf_dump_finish(struct elog_sf_dump *d, const struct elog_conn_facts_ops *facts,
			 const struct elog_conn_state *st)
{
	struct elog_conn_id *id = &d->id;
	char name[256];

	memset(id, 0, sizeof(*id));
	d->have_id = false;
	if (facts != NULL && st != NULL) {
		facts->identify(st, id);
		d->have_id = id->have_addr || id->log_id[0] != '\0';
	}
	if (d->have_id && elog_sf_conn_name(name, sizeof(name), id->log_id, id->have_addr, id->lport,
					    id->remote, id->rport) == 0 &&
	    strlen(name) - 5 < sizeof(d->base)) {
		snprintf(d->base, sizeof(d->base), "%.*s", (int)(strlen(name) - 5), name);
		return;
	}
	snprintf(d->base, sizeof(d->base), "%s_%llu", d->provider, (unsigned long long)d->session);
}

uint64_t elog_sf_files_created(const struct elog_session_files *sf)
{
	return sf->created;
}

uint64_t elog_sf_open_sessions(const struct elog_session_files *sf)
{
	return sf->open;
}

int elog_sf_close(struct elog_session_files *sf, uint64_t dropped, struct elog_error *err)
{
	int rc = 0;

	if (sf == NULL)
		return 0;
	for (size_t i = 0; i < NBUCKETS; i++) {
		while (sf->b[i] != NULL) {
			struct sess *s = sf->b[i];

			sf->b[i] = s->next;
			/* Keep closing the others after a failure; report the first. */
			if (close_sess(sf, s, dropped, rc < 0 ? NULL : err) < 0)
				rc = -1;
		}
	}
	free(sf->dir);
	free(sf);
	return rc;
}
