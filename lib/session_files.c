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
	char path[PATH_MAX];
	/* connection names: the provider's connection facts */
	const struct elog_conn_facts_ops *facts;
	struct elog_conn_state st;
};

struct elog_session_files {
	char *dir;
	bool conn_names;
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

static int create_file(struct elog_session_files *sf, struct sess *s, struct elog_error *err)
{
	char base[96];
	const char *pn = provider_name(sf, s->provider);
	int fd = -1;

	if (pn != NULL)
		snprintf(base, sizeof(base), "%s_%llu.elog", pn, (unsigned long long)s->id);
	else
		snprintf(base, sizeof(base), "provider%u_%llu.elog", s->provider,
			 (unsigned long long)s->id);
	for (unsigned n = 0; n < MAX_SUFFIX && fd < 0; n++) {
		if (suffixed(s->path, sizeof(s->path), sf->dir, base, n) < 0)
			return elog_errorf(err, ENAMETOOLONG, "path too long");
		/* 0600: captures hold addresses, ports and kernel pointers. */
		fd = open(s->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			return elog_errorf(err, errno, "%s: %s", s->path, strerror(errno));
	}
	if (fd < 0)
		return elog_errorf(err, EEXIST, "%s/%s: no free name", sf->dir, base);
	s->f = fdopen(fd, "wb");
	if (s->f == NULL) {
		close(fd);
		return elog_errorf(err, errno, "fdopen: %s", strerror(errno));
	}
	if (elog_writer_open_stream(&s->w, s->f, sf->prov, sf->nprov, sf->boot_to_utc, err) < 0) {
		fclose(s->f);
		s->f = NULL;
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

static int close_sess(struct elog_session_files *sf, struct sess *s, uint64_t dropped,
		      struct elog_error *err)
{
	int rc = 0;

	if (s->w != NULL) {
		elog_writer_set_dropped(s->w, dropped);
		rc = elog_writer_close(s->w, err);
	}
	if (s->f != NULL && fclose(s->f) != 0 && rc == 0)
		rc = elog_errorf(err, errno, "%s: %s", s->path, strerror(errno));
	if (rc == 0 && s->w != NULL && sf->conn_names && s->facts != NULL)
		rc = rename_conn(sf, s, err);
	sf->open--;
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
			if (elog_writer_flush(s->w, err) < 0)
				return -1;
	return 0;
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
