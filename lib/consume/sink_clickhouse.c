/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The ClickHouse sink (sink_clickhouse.h): a Native block per event table
 * (ch_block.h), sent with libcurl; spill files and an exact replay while the server is
 * away. Values come from the field reader (payload.h), column names and
 * types from include/eventlog/clickhouse.h and the schema tables.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include <eventlog/clickhouse.h>

#include "capture.h"
#include "ch_block.h"
#include "conn_facts.h"
#include "format.h"
#include "payload.h"
#include "sink_clickhouse.h"

#define BATCH_BYTES_DEFAULT (8u << 20)
#define BATCH_MS_DEFAULT 1000u
#define GIVE_UP_S_DEFAULT 30u
#define BACKOFF_MIN_MS 250u
#define BACKOFF_MAX_MS 8000u
#define ERR_BODY_MAX 4096
#define MAX_SLOTS ELOG_MAX_PROVIDERS
#define MAX_SPILLS 4096
#define INSERT_WAIT_S 60u
#define QID_MAX 96

/* ------------------------------------------------------------ buffers */

struct buf {
	uint8_t *p;
	size_t len, cap;
	size_t limit; /* 0: none; the curl sink stops (and fails) past it */
};

/* ch_block's growth rule; struct buf adds only its limit. */
static int buf_reserve(struct buf *b, size_t more)
{
	struct ch_buf c = { .p = b->p, .len = b->len, .cap = b->cap };

	if (ch_buf_reserve(&c, more))
		return -1;
	b->p = c.p;
	b->cap = c.cap;
	return 0;
}

static void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Assumes room was reserved. */
static inline void put(struct buf *b, const void *s, size_t n)
{
	if (n == 0) /* s may be NULL then (an empty string or payload) */
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* ------------------------------------------------------------ state */

/* One HTTP connection (libcurl handle) and its last exchange. */
struct conn {
	CURL *curl;
	struct buf resp;
	long http_status;
	char down_msg[160];
	/* The request body, read by libcurl (on_read), and whether the next
	 * request must open a connection of its own. */
	const uint8_t *up_p;
	size_t up_len, up_off;
	bool fresh;
};

/* One table's insert of a batch: its URL (with its query_id) and block. */
struct part {
	char *url;
	char qid[QID_MAX];
	struct ch_buf body;
	uint64_t rows;
	unsigned slot, ev;
};

/*
 * A batch handed to the sender thread: its inserts, in order, and the raw
 * records they came from (for a spill, should it not get through). The
 * thread sets `sent` (inserts acknowledged, in order) and `r` (of the
 * first one that was not).
 */
struct job {
	struct part *parts;
	unsigned nparts, cap_parts, sent;
	struct buf raw;
	uint64_t first_seq, last_seq;
	int r; /* enum http_result */
};

struct table {
	struct ch_block blk; /* this batch's rows, columns once the table is checked */
	char *insert_url;
};

struct slot {
	char name[ELOG_PROVIDER_NAME_MAX];
	uint16_t file_id; /* the provider id in the records */
	const struct elog_provider_desc *desc;
	const struct elog_conn_facts_ops *facts;
	struct table *tables; /* one per desc->events[i] */
	bool checked;
};

/* One session's connection facts (hash chained by session id). */
struct sess {
	struct sess *next;
	uint64_t session;
	unsigned slot;
	bool ended;
	uint64_t end_seq; /* of its SESSION_END */
	struct elog_conn_state st;
	struct elog_conn_id id;
};

struct spill {
	char *path;
	uint64_t first_seq, count;
	/* Its first `acked` records are on the server (a replay cut later
	 * resumes after them); all of them: the file is removed. */
	uint64_t acked;
	bool removed;
};

enum ch_state { CH_UP, CH_DOWN };

struct elog_ch {
	struct elog_ch_config cfg;
	struct conn q;  /* queries, and inserts of a replay: this thread's */
	struct conn in; /* inserts: the sender thread's while a job is out */
	struct curl_slist *headers;
	char *base_url;   /* the URL with settings, ending in '?' or '&' */
	char *url_shown;  /* for messages */
	struct buf host_enc; /* the host column's value (its bytes) */
	uint8_t boot_enc[16];
	char *host_sql;   /* the host as a SQL literal */

	struct slot slots[MAX_SLOTS];
	unsigned nslots;

	struct sess **sess_hash;
	size_t sess_buckets, nsess, nended;

	/* The batch: rows per table, and the raw records they came from. */
	struct buf raw;
	/* A replayed batch skips what the server holds: its seqs have gaps. */
	uint64_t batch_rows, batch_first_seq, batch_last_seq;
	size_t batch_bytes;
	uint64_t batch_started_ms;
	uint64_t next_seq;

	enum ch_state state;
	bool replaying;
	bool failed;      /* the server refused data: everything else is spilled */
	char fail_msg[ELOG_ERROR_MSG_MAX];
	/* Spilled: events from spill_base on; sent before: up to sent_end. */
	uint64_t spill_base, sent_end;
	struct spill spills[MAX_SPILLS];
	unsigned nspills;
	struct elog_writer *sw; /* open spill file, its boot-to-UTC offset and providers */
	int64_t sw_base;
	struct elog_writer_provider sw_prov[MAX_SLOTS];
	unsigned sw_nprov;
	uint64_t retry_at_ms;
	uint32_t backoff_ms;
	const char *down_why;
	char down_msg[160];
	/* The query_id of the insert whose exchange failed last: it may still
	 * run on the server (wait_gone()); empty: none. */
	char wait_qid[QID_MAX];
	uint64_t host_hash;

	/* The sender thread: one job at a time; `busy` from its hand-over
	 * until reap() has taken its result. */
	pthread_t thread;
	bool thread_up, busy;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool job_ready, job_done, quit; /* under mu */
	struct job job;
	uint64_t adds;
	struct elog_ch_stats st;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------ config */

int elog_ch_config_from_env(struct elog_ch_config *cfg, char *buf, size_t size,
			    struct elog_error *err)
{
	const char *pw = getenv("ELOG_CLICKHOUSE_PASSWORD");
	const char *file = getenv("ELOG_CLICKHOUSE_PASSWORD_FILE");
	const char *user = getenv("ELOG_CLICKHOUSE_USER");

	cfg->user = user && *user ? user : NULL;
	cfg->password = NULL;
	if (pw && file)
		return elog_errorf(err, EINVAL, "ELOG_CLICKHOUSE_PASSWORD and "
				   "ELOG_CLICKHOUSE_PASSWORD_FILE are both set: use one");
	if (pw) {
		if (strlen(pw) >= size)
			return elog_errorf(err, E2BIG, "ELOG_CLICKHOUSE_PASSWORD is too long");
		strcpy(buf, pw);
		cfg->password = buf;
	} else if (file) {
		FILE *f = fopen(file, "r");
		size_t n;

		if (f == NULL)
			return elog_errorf(err, errno, "ELOG_CLICKHOUSE_PASSWORD_FILE %s: %s", file,
					   strerror(errno));
		n = fread(buf, 1, size - 1, f);
		if (ferror(f)) {
			fclose(f);
			return elog_errorf(err, EIO, "ELOG_CLICKHOUSE_PASSWORD_FILE %s: read error",
					   file);
		}
		fclose(f);
		buf[n] = '\0';
		buf[strcspn(buf, "\r\n")] = '\0';
		if (n == size - 1 && strlen(buf) == n)
			return elog_errorf(err, E2BIG, "ELOG_CLICKHOUSE_PASSWORD_FILE %s: password "
					   "too long", file);
		cfg->password = buf;
	}
	return 0;
}

int elog_ch_local_boot_id(uint8_t out[16], struct elog_error *err)
{
	char text[64];
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	size_t n = 0;

	memset(out, 0, 16);
	if (f == NULL)
		return elog_errorf(err, errno, "/proc/sys/kernel/random/boot_id: %s", strerror(errno));
	if (fgets(text, sizeof(text), f) == NULL) {
		fclose(f);
		return elog_errorf(err, EIO, "/proc/sys/kernel/random/boot_id: empty");
	}
	fclose(f);
	for (const char *p = text; *p && *p != '\n' && n < 32; p++) {
		int v;

		if (*p == '-')
			continue;
		if (!isxdigit((unsigned char)*p))
			return elog_errorf(err, EINVAL, "/proc/sys/kernel/random/boot_id: not a UUID");
		v = isdigit((unsigned char)*p) ? *p - '0' : (tolower((unsigned char)*p) - 'a' + 10);
		out[n / 2] |= (uint8_t)(n % 2 ? v : v << 4);
		n++;
	}
	if (n != 32)
		return elog_errorf(err, EINVAL, "/proc/sys/kernel/random/boot_id: not a UUID");
	return 0;
}

uint64_t elog_ch_stream_of(const void *bytes, size_t n)
{
	const uint8_t *p = bytes;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* ------------------------------------------------------------ HTTP */

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t n = size * nmemb;

	if (b->limit && b->len + n > b->limit) {
		/* Only error texts are capped: keep their start. */
		size_t room = b->limit > b->len ? b->limit - b->len : 0;

		if (room && buf_reserve(b, room) == 0)
			put(b, data, room);
		return n;
	}
	if (buf_reserve(b, n + 1))
		return 0;
	put(b, data, n);
	return n;
}

/* The exception text of a ClickHouse error body, on one line. */
static const char *server_text(struct conn *c)
{
	char *s, *e;

	if (buf_reserve(&c->resp, 1))
		return "";
	c->resp.p[c->resp.len] = '\0';
	s = (char *)c->resp.p;
	/* "Code: 60, e.displayText() = DB::Exception: Table x doesn't exist., e.what() = ..." */
	if ((e = strstr(s, "e.displayText() = ")) != NULL) {
		char *end = strstr(e, ", e.what()");

		if (end)
			*end = '\0';
		s = e + strlen("e.displayText() = ");
		if (strncmp(s, "DB::Exception: ", 15) == 0)
			s += 15;
	}
	for (e = s; *e; e++)
		if (*e == '\n' || *e == '\r')
			*e = ' ';
	while (e > s && e[-1] == ' ')
		*--e = '\0';
	return s;
}

static size_t on_read(char *out, size_t size, size_t nmemb, void *arg)
{
	struct conn *ch = arg;
	size_t n = size * nmemb;

	if (n > ch->up_len - ch->up_off)
		n = ch->up_len - ch->up_off;
	memcpy(out, ch->up_p + ch->up_off, n);
	ch->up_off += n;
	return n;
}

/*
 * libcurl rewinds a body it has begun to send only to send the request
 * again by itself: when a reused connection dies before any answer, it
 * retries on a fresh one. The server may have executed the first copy
 * (only its answer lost), and an INSERT sent twice is stored twice under
 * one identity. Refused: the attempt fails, and the caller reads back
 * what arrived before sending the rest. (A rewind before the first byte
 * sends nothing twice.)
 */
static int on_seek(void *arg, curl_off_t offset, int origin)
{
	struct conn *ch = arg;

	return origin == SEEK_SET && offset == 0 && ch->up_off == 0 ? CURL_SEEKFUNC_OK
								  : CURL_SEEKFUNC_FAIL;
}

enum http_result { HTTP_OK, HTTP_DOWN, HTTP_REFUSED };

/*
 * POST body to url. HTTP_DOWN: the server could not be reached or the
 * exchange was cut (c->down_msg says how); HTTP_REFUSED: it answered
 * with an error (c->http_status, server_text(c)).
 */
static enum http_result http_post(struct conn *ch, const char *url, const void *body, size_t len,
				  size_t resp_limit)
{
	CURLcode rc;

	ch->resp.len = 0;
	ch->resp.limit = resp_limit;
	ch->up_p = body;
	ch->up_len = body ? len : 0;
	ch->up_off = 0;
	curl_easy_setopt(ch->curl, CURLOPT_URL, url);
	curl_easy_setopt(ch->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)ch->up_len);
	/* After a failure, not the connection it happened on (nor one
	 * opened before it). */
	curl_easy_setopt(ch->curl, CURLOPT_FRESH_CONNECT, ch->fresh ? 1L : 0L);
	rc = curl_easy_perform(ch->curl);
	ch->fresh = true;
	if (rc != CURLE_OK) {
		snprintf(ch->down_msg, sizeof(ch->down_msg), "%s", curl_easy_strerror(rc));
		return HTTP_DOWN;
	}
	curl_easy_getinfo(ch->curl, CURLINFO_RESPONSE_CODE, &ch->http_status);
	if (ch->http_status != 200) {
		/* The server is there but cannot serve: shutting down or
		 * overloaded. Worth retrying, not a verdict on the data. */
		if (ch->http_status == 502 || ch->http_status == 503 || ch->http_status == 504) {
			snprintf(ch->down_msg, sizeof(ch->down_msg), "HTTP %ld", ch->http_status);
			return HTTP_DOWN;
		}
		ch->fresh = false;
		return HTTP_REFUSED;
	}
	ch->fresh = false;
	return HTTP_OK;
}

static char *url_query(struct elog_ch *ch, const char *sql)
{
	char *esc = curl_easy_escape(ch->q.curl, sql, 0);
	char *url;

	if (esc == NULL)
		return NULL;
	if (asprintf(&url, "%squery=%s", ch->base_url, esc) < 0)
		url = NULL;
	curl_free(esc);
	return url;
}

/* A query whose answer goes to ch->q.resp. */
static enum http_result query(struct elog_ch *ch, const char *sql, size_t resp_limit)
{
	enum http_result r;

	/* The statement goes in the body: no length limit from the URL. */
	r = http_post(&ch->q, ch->base_url, sql, strlen(sql), resp_limit);
	if (r == HTTP_DOWN)
		memcpy(ch->down_msg, ch->q.down_msg, sizeof(ch->down_msg));
	return r;
}

/* ------------------------------------------------------------ tables */

static void lower_name(char *out, size_t cap, const char *provider, const char *event)
{
	size_t n = (size_t)snprintf(out, cap, "%s_", provider);

	for (const char *p = event; *p && n + 1 < cap; p++)
		out[n++] = (char)tolower((unsigned char)*p);
	out[n < cap ? n : cap - 1] = '\0';
}

static const char *field_type(const struct elog_field_desc *f, char *buf, size_t cap)
{
	const char *t = elog_ch_scalar_type(f->type);

	if (f->count_field >= 0 && elog_ch_tail_is_text(f->type, f->size))
		return "String";
	if (f->count_field >= 0) {
		snprintf(buf, cap, "Array(%s)", t);
		return buf;
	}
	return t;
}

/* "table\tname\ttype" lines of the server's answer: the type of a column,
 * NULL if absent. */
static const char *server_column(const char *tsv, const char *table, const char *name, char *out,
				 size_t cap)
{
	size_t tl = strlen(table), nl = strlen(name);

	for (const char *l = tsv; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (strncmp(l, table, tl) == 0 && l[tl] == '\t' && strncmp(l + tl + 1, name, nl) == 0 &&
		    l[tl + 1 + nl] == '\t') {
			const char *t = l + tl + nl + 2;
			size_t n = strcspn(t, "\n");

			if (n >= cap)
				n = cap - 1;
			memcpy(out, t, n);
			out[n] = '\0';
			return out;
		}
	}
	return NULL;
}

static bool server_table(const char *tsv, const char *table)
{
	size_t tl = strlen(table);

	for (const char *l = tsv; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (strncmp(l, table, tl) == 0 && l[tl] == '\t')
			return true;
	return false;
}

static int expect_column(const char *tsv, const char *table, const char *name, const char *type,
			 struct elog_error *err)
{
	char got[128];

	if (server_column(tsv, table, name, got, sizeof(got)) == NULL)
		return elog_errorf(err, EINVAL, "ClickHouse table %s has no column %s (%s): create "
				   "the tables with elog-schemac --clickhouse", table, name, type);
	if (strcmp(got, type) != 0)
		return elog_errorf(err, EINVAL, "ClickHouse table %s: column %s is %s, the schema "
				   "says %s: create the tables with elog-schemac --clickhouse",
				   table, name, got, type);
	return 0;
}

/* The INSERT of one event's table: every sent column, named. */
static char *insert_url(struct elog_ch *ch, const char *table, const struct elog_event_desc *ev)
{
	struct buf q = { 0 };
	char *url = NULL;
	size_t need = 64 + strlen(table);

	for (int i = 0; i < ELOG_CH_COMMON_COUNT; i++)
		need += strlen(elog_ch_common[i].name) + 2;
	for (uint16_t i = 0; i < ev->field_count; i++)
		need += strlen(ev->fields[i].name) + 10;
	if (buf_reserve(&q, need + 1))
		return NULL;
	q.len = (size_t)sprintf((char *)q.p, "INSERT INTO %s (", table);
	for (int i = 0; i < ELOG_CH_COMMON_COUNT; i++)
		if (elog_ch_common[i].fill == ELOG_CH_SENT)
			q.len += (size_t)sprintf((char *)q.p + q.len, "%s%s", i ? "," : "",
						 elog_ch_common[i].name);
	for (uint16_t i = 0; i < ev->field_count; i++)
		q.len += (size_t)sprintf((char *)q.p + q.len, ",`%s%s`",
					 elog_ch_field_prefix(ev->fields[i].name), ev->fields[i].name);
	q.len += (size_t)sprintf((char *)q.p + q.len, ") FORMAT Native");
	url = url_query(ch, (const char *)q.p);
	/* One block is one part: the server's squashing of small blocks
	 * into bigger ones would only copy it once more. */
	if (url != NULL) {
		char *u = url;

		if (asprintf(&url, "%s&min_insert_block_size_rows=0&min_insert_block_size_bytes=0",
			     u) < 0)
			url = NULL;
		free(u);
	}
	buf_free(&q);
	return url;
}

/* How a column of this type is laid out in a Native block. */
static void column_kind(const char *type, enum ch_kind *kind, unsigned *size)
{
	static const struct { const char *type; unsigned size; } fixed[] = {
		{ "UInt8", 1 }, { "Int8", 1 }, { "UInt16", 2 }, { "Int16", 2 },
		{ "UInt32", 4 }, { "Int32", 4 }, { "UInt64", 8 }, { "Int64", 8 },
		{ "UUID", 16 }, { "FixedString(16)", 16 },
	};

	*size = 0;
	*kind = strncmp(type, "Array(", 6) == 0 ? CH_ARRAY : CH_STRING;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(type, fixed[i].type) == 0) {
			*kind = CH_FIXED;
			*size = fixed[i].size;
		}
}

/* The block of an event's table: the columns of its INSERT, in order. */
static int table_columns(struct ch_block *b, const struct elog_event_desc *ev)
{
	unsigned n = 0, i = 0;
	enum ch_kind kind;
	unsigned size;
	char tb[64], col[96];

	if (b->cols != NULL)
		return 0;
	for (int c = 0; c < ELOG_CH_COMMON_COUNT; c++)
		n += elog_ch_common[c].fill == ELOG_CH_SENT;
	if (ch_block_init(b, n + ev->field_count))
		return -1;
	for (int c = 0; c < ELOG_CH_COMMON_COUNT; c++) {
		if (elog_ch_common[c].fill != ELOG_CH_SENT)
			continue;
		column_kind(elog_ch_common[c].type, &kind, &size);
		if (ch_block_col(b, i++, elog_ch_common[c].name, elog_ch_common[c].type, kind, size))
			return -1;
	}
	for (uint16_t f = 0; f < ev->field_count; f++) {
		const char *type = field_type(&ev->fields[f], tb, sizeof(tb));

		snprintf(col, sizeof(col), "%s%s", elog_ch_field_prefix(ev->fields[f].name),
			 ev->fields[f].name);
		column_kind(type, &kind, &size);
		if (ch_block_col(b, i++, col, type, kind, size))
			return -1;
	}
	return 0;
}

/*
 * A provider's tables on the server hold the schema's columns, with the
 * schema's types; its INSERTs are prepared. HTTP_DOWN leaves it for later.
 */
static int check_slot(struct elog_ch *ch, struct slot *s, enum http_result *hr,
		      struct elog_error *err)
{
	const struct elog_provider_desc *d = s->desc;
	char sql[256], table[128], tb[64], col[96];
	const char *tsv;

	snprintf(sql, sizeof(sql), "SELECT table, name, type FROM system.columns WHERE database = "
		 "currentDatabase() AND startsWith(table, '%s_') FORMAT TabSeparated", s->name);
	*hr = query(ch, sql, 0);
	if (*hr == HTTP_DOWN)
		return 0;
	if (*hr == HTTP_REFUSED)
		return elog_errorf(err, EIO, "ClickHouse at %s: cannot list the %s tables: %s",
				   ch->url_shown, s->name, server_text(&ch->q));
	if (buf_reserve(&ch->q.resp, 1))
		return elog_errorf(err, ENOMEM, "out of memory");
	ch->q.resp.p[ch->q.resp.len] = '\0';
	tsv = (const char *)ch->q.resp.p;
	snprintf(table, sizeof(table), "%s_events", s->name);
	if (!server_table(tsv, table))
		return elog_errorf(err, ENOENT, "ClickHouse has no table %s (database of %s): create "
				   "the tables with elog-schemac --clickhouse", table, ch->url_shown);
	for (uint32_t e = 0; e < d->event_count; e++) {
		const struct elog_event_desc *ev = &d->events[e];

		lower_name(table, sizeof(table), s->name, ev->name);
		if (!server_table(tsv, table))
			return elog_errorf(err, ENOENT, "ClickHouse has no table %s (database of %s): "
					   "create the tables with elog-schemac --clickhouse", table,
					   ch->url_shown);
		for (int i = 0; i < ELOG_CH_COMMON_COUNT; i++)
			if (expect_column(tsv, table, elog_ch_common[i].name, elog_ch_common[i].type, err))
				return -1;
		for (uint16_t i = 0; i < ev->field_count; i++) {
			const struct elog_field_desc *f = &ev->fields[i];

			snprintf(col, sizeof(col), "%s%s", elog_ch_field_prefix(f->name), f->name);
			if (expect_column(tsv, table, col, field_type(f, tb, sizeof(tb)), err))
				return -1;
		}
		free(s->tables[e].insert_url);
		s->tables[e].insert_url = insert_url(ch, table, ev);
		if (s->tables[e].insert_url == NULL || table_columns(&s->tables[e].blk, ev))
			return elog_errorf(err, ENOMEM, "out of memory");
	}
	s->checked = true;
	return 0;
}

/* ------------------------------------------------------------ sessions */

static struct sess *sess_get(struct elog_ch *ch, unsigned slot, uint64_t session)
{
	size_t h;
	struct sess *e;

	if (ch->nsess >= ch->sess_buckets) {
		size_t nb = ch->sess_buckets ? ch->sess_buckets * 2 : 1024;
		struct sess **t = calloc(nb, sizeof(*t));

		if (t == NULL)
			return NULL;
		for (size_t i = 0; i < ch->sess_buckets; i++)
			while ((e = ch->sess_hash[i]) != NULL) {
				ch->sess_hash[i] = e->next;
				h = (size_t)((e->session * 0x9e3779b97f4a7c15ull + e->slot) >> 20) & (nb - 1);
				e->next = t[h];
				t[h] = e;
			}
		free(ch->sess_hash);
		ch->sess_hash = t;
		ch->sess_buckets = nb;
	}
	h = (size_t)((session * 0x9e3779b97f4a7c15ull + slot) >> 20) & (ch->sess_buckets - 1);
	for (e = ch->sess_hash[h]; e; e = e->next)
		if (e->session == session && e->slot == slot)
			return e;
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->session = session;
	e->slot = slot;
	e->next = ch->sess_hash[h];
	ch->sess_hash[h] = e;
	ch->nsess++;
	return e;
}

/* Ended sessions are forgotten only when nothing may be replayed: a
 * replay re-reads events of sessions that ended meanwhile. So only those
 * that ended before seq `before` (acknowledged, with no spill). */
static void sess_sweep(struct elog_ch *ch, bool all, uint64_t before)
{
	for (size_t i = 0; i < ch->sess_buckets; i++) {
		struct sess **pp = &ch->sess_hash[i], *e;

		while ((e = *pp) != NULL) {
			if (all || (e->ended && e->end_seq < before)) {
				*pp = e->next;
				free(e);
				ch->nsess--;
				if (!all)
					ch->nended--;
			} else {
				pp = &e->next;
			}
		}
	}
	if (all)
		ch->nended = 0;
}

/* ------------------------------------------------------------ encoding */

/* One field's value: a column's (elem false) or an Array element. */
static inline void put_value(struct ch_block *b, const struct payload *pl,
			     const struct elog_field_desc *f, size_t off, bool elem)
{
	struct elog_value v;

	switch (f->type) {
	case ELOG_T_IN_ADDR: {
		uint32_t a;

		field_bytes(pl, off, 4, &a);
		if (elem)
			ch_elem_le(b, ntohl(a), 4);
		else
			ch_le(b, ntohl(a), 4);
		return;
	}
	case ELOG_T_IN6_ADDR: {
		uint8_t a[16];

		field_bytes(pl, off, 16, a);
		if (elem)
			ch_elem_fixed(b, a, 16);
		else
			ch_fixed(b, a, 16);
		return;
	}
	default:
		break;
	}
	elog_field_value(pl, f, off, &v);
	if (v.kind == ELOG_VAL_TEXT) {
		/* As every other output: the text ends at the first NUL. */
		size_t n = v.text ? strnlen((const char *)v.text, v.text_len) : 0;

		if (elem)
			ch_elem_string(b, v.text, n);
		else
			ch_string(b, v.text, n);
		return;
	}
	if (elem)
		ch_elem_le(b, v.kind == ELOG_VAL_INT ? (uint64_t)v.i : v.u,
			   type_size(f->type, f->size));
	else
		ch_le(b, v.kind == ELOG_VAL_INT ? (uint64_t)v.i : v.u, type_size(f->type, f->size));
}

/* The most bytes one event may add to a String or Array column (room is
 * reserved before encoding): the host, a log id, or a tail of at most the
 * payload with its count and lengths. */
static size_t var_bound(const struct elog_ch *ch, size_t plen)
{
	return ch->host_enc.len + 2 * plen + 128;
}

/* The table's sort key (ELOG_CH_ORDER_BY): the hour, then the session,
 * the time and the sequence (host and stream are the same on every row of
 * a batch). Signed values are offset to compare as unsigned. A row out of
 * the server's order is only sorted there. */
static void row_key(uint64_t key[CH_KEYS], int64_t utc_us, uint64_t session, uint64_t seq)
{
	int64_t hour = utc_us / 3600000000 - (utc_us % 3600000000 < 0);

	key[0] = (uint64_t)hour ^ (1ull << 63);
	key[1] = session;
	key[2] = (uint64_t)utc_us ^ (1ull << 63);
	key[3] = seq;
}

static int encode(struct elog_ch *ch, unsigned si, const struct elog_event_desc *ev,
		  const struct elog_event_hdr *hdr, int64_t utc_us, const void *payload,
		  size_t plen, uint64_t seq, struct elog_error *err)
{
	struct slot *s = &ch->slots[si];
	struct table *t = &s->tables[ev - s->desc->events];
	struct ch_block *b = &t->blk;
	struct payload pl = { payload, payload ? plen : 0 };
	struct sess *se = NULL;
	uint64_t key[CH_KEYS];
	size_t before;

	if (s->facts && hdr->session_id != ELOG_SESSION_ID_NONE) {
		se = sess_get(ch, si, hdr->session_id);
		if (se == NULL)
			return elog_errorf(err, ENOMEM, "out of memory");
		{
			struct elog_conn_state old = se->st;

			s->facts->learn(&se->st, hdr->event_id, payload, plen);
			if (memcmp(&old, &se->st, sizeof(old)) != 0)
				s->facts->identify(&se->st, &se->id);
		}
		if (hdr->event_id == ELOG_SESSION_END_ID && !se->ended) {
			se->ended = true;
			se->end_seq = seq;
			ch->nended++;
		}
	}
	row_key(key, utc_us, hdr->session_id, seq);
	before = b->bytes;
	if (ch_row(b, key, var_bound(ch, plen)))
		return elog_errorf(err, ENOMEM, "out of memory");
	/* The columns of table_columns(), in order. */
	ch_string(b, ch->host_enc.p, ch->host_enc.len);
	ch_fixed(b, ch->boot_enc, 16);
	ch_le(b, ch->cfg.stream, 8);
	ch_le(b, seq, 8);
	ch_le(b, (uint64_t)utc_us, 8);
	ch_le(b, hdr->timestamp, 8);
	ch_le(b, hdr->cpu, 2);
	ch_le(b, (uint32_t)hdr->thread_id, 4);
	ch_le(b, hdr->session_id, 8);
	if (se != NULL) {
		ch_string(b, se->id.log_id, strnlen(se->id.log_id, sizeof(se->id.log_id)));
		ch_fixed(b, se->id.local16, 16);
		ch_le(b, se->id.lport, 2);
		ch_fixed(b, se->id.remote16, 16);
		ch_le(b, se->id.rport, 2);
	} else {
		static const uint8_t zero[16];

		ch_string(b, NULL, 0);
		ch_fixed(b, zero, 16);
		ch_le(b, 0, 2);
		ch_fixed(b, zero, 16);
		ch_le(b, 0, 2);
	}
	for (uint16_t i = 0; i < ev->field_count; i++) {
		const struct elog_field_desc *f = &ev->fields[i];

		if (f->count_field < 0) {
			put_value(b, &pl, f, f->offset, false);
			continue;
		}
		uint64_t n = elog_tail_count(&pl, ev, f);

		if (elog_tail_is_text(f)) {
			ch_string(b, pl.p + f->offset, n ? strnlen((const char *)pl.p + f->offset, n) : 0);
			continue;
		}
		ch_array(b, (uint32_t)n);
		for (uint64_t k = 0; k < n; k++)
			put_value(b, &pl, f, f->offset + (size_t)k * type_size(f->type, f->size), true);
		ch_array_end(b);
	}
	ch->batch_bytes += b->bytes - before;
	if (ch->batch_rows++ == 0) {
		ch->batch_first_seq = seq;
		ch->batch_started_ms = now_ms();
	}
	ch->batch_last_seq = seq;
	return 0;
}

/* ------------------------------------------------------------ spill */

static int spill_close(struct elog_ch *ch, struct elog_error *err)
{
	struct elog_error e;
	int rc = 0;

	if (ch->sw == NULL)
		return 0;
	if (elog_writer_close(ch->sw, &e) < 0)
		rc = elog_errorf(err, e.code, "spill file %s: %s", ch->spills[ch->nspills - 1].path,
				 e.msg);
	ch->sw = NULL;
	return rc;
}

/* A new spill file, created (never an existing one) for this event's time
 * base and the providers seen so far. */
static int spill_open(struct elog_ch *ch, int64_t base, struct elog_error *err)
{
	const char *dir = ch->cfg.spill_dir;
	struct spill *sp;
	char *path;
	int fd;

	if (spill_close(ch, err))
		return -1;
	if (ch->nspills == MAX_SPILLS)
		return elog_errorf(err, E2BIG, "too many spill files (%u)", MAX_SPILLS);
	if (dir == NULL)
		dir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/var/tmp";
	if (asprintf(&path, "%s/elog-clickhouse-%016" PRIx64 "-%u.elog", dir, ch->cfg.stream,
		     ch->nspills) < 0)
		return elog_errorf(err, ENOMEM, "out of memory");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		elog_errorf(err, errno, "spill file %s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	close(fd);
	ch->sw_nprov = 0;
	for (unsigned i = 0; i < ch->nslots; i++) {
		ch->sw_prov[ch->sw_nprov].id = ch->slots[i].file_id;
		ch->sw_prov[ch->sw_nprov++].name = ch->slots[i].name;
	}
	if (elog_writer_open(&ch->sw, path, ch->sw_prov, ch->sw_nprov, base, err) < 0) {
		unlink(path);
		free(path);
		return -1;
	}
	sp = &ch->spills[ch->nspills++];
	sp->path = path;
	sp->first_seq = ch->next_seq;
	sp->count = 0;
	sp->acked = 0;
	sp->removed = false;
	ch->sw_base = base;
	return 0;
}

/* One event (numbered ch->next_seq) into the spill file. */
static int spill_add(struct elog_ch *ch, unsigned si, const struct elog_event_hdr *hdr,
		     int64_t utc_us, const void *payload, size_t plen, struct elog_error *err)
{
	int64_t base = utc_us - (int64_t)hdr->timestamp;
	bool listed = false;

	for (unsigned i = 0; ch->sw && i < ch->sw_nprov; i++)
		if (ch->sw_prov[i].id == hdr->provider_id)
			listed = strcmp(ch->sw_prov[i].name, ch->slots[si].name) == 0;
	/* A file's records share one time base and one provider table. */
	if ((ch->sw == NULL || base != ch->sw_base || !listed) && spill_open(ch, base, err))
		return -1;
	if (elog_writer_append2(ch->sw, hdr, payload, plen, err) < 0)
		return -1;
	ch->spills[ch->nspills - 1].count++;
	ch->next_seq++;
	ch->st.spilled++;
	return 0;
}

static void batch_clear(struct elog_ch *ch)
{
	for (unsigned i = 0; i < ch->nslots; i++)
		for (uint32_t e = 0; ch->slots[i].tables && e < ch->slots[i].desc->event_count; e++) {
			ch_block_clear(&ch->slots[i].tables[e].blk);
		}
	ch->raw.len = 0;
	ch->batch_rows = 0;
	ch->batch_bytes = 0;
}

/* The raw records of the batch, as kept for a spill. */
struct raw_hdr {
	uint16_t slot;
	uint16_t len;
	int64_t utc_us;
	struct elog_event_hdr hdr;
};

/* The server is away: spill from `first` on (the first seq not known to
 * be on the server) and retry with backoff. */
static void go_down_from(struct elog_ch *ch, uint64_t first)
{
	if (ch->state == CH_UP && ch->nspills == 0 && !ch->replaying) {
		ch->spill_base = first;
		ch->sent_end = 0;
		ch->backoff_ms = BACKOFF_MIN_MS;
	} else if (ch->backoff_ms < BACKOFF_MIN_MS) {
		ch->backoff_ms = BACKOFF_MIN_MS;
	} else if (ch->backoff_ms < BACKOFF_MAX_MS) {
		ch->backoff_ms *= 2;
	}
	ch->state = CH_DOWN;
	ch->retry_at_ms = now_ms() + ch->backoff_ms;
	ch->st.retries++;
}

/* (With no job out: reap() first.) */
static void go_down(struct elog_ch *ch)
{
	go_down_from(ch, ch->batch_rows ? ch->batch_first_seq : ch->next_seq);
}

/* Raw records (a batch's, as kept) into spill files, numbered from first. */
static int spill_raw(struct elog_ch *ch, const struct buf *raw, uint64_t first,
		     struct elog_error *err)
{
	size_t off = 0;
	uint64_t seq = ch->next_seq;

	ch->next_seq = first;
	while (off < raw->len) {
		struct raw_hdr rh;

		memcpy(&rh, raw->p + off, sizeof(rh));
		if (spill_add(ch, rh.slot, &rh.hdr, rh.utc_us, raw->p + off + sizeof(rh), rh.len,
			      err) < 0) {
			ch->next_seq = seq;
			return -1;
		}
		off += sizeof(rh) + rh.len;
	}
	ch->next_seq = seq;
	return 0;
}

/* The batch being filled into spill files, numbered from its first seq. */
static int spill_batch(struct elog_ch *ch, struct elog_error *err)
{
	return spill_raw(ch, &ch->raw, ch->batch_first_seq, err);
}

/* ------------------------------------------------------------ sending */

/*
 * An insert that cannot be made (no memory for its block) or was refused:
 * the sink fails with err, and nothing is lost: a replayed batch is in its
 * spill file still, a live one goes there (rows the server took before are
 * in it too).
 */
static int insert_failed(struct elog_ch *ch, struct elog_error *err)
{
	snprintf(ch->fail_msg, sizeof(ch->fail_msg), "%s", err ? err->msg : "");
	ch->failed = true;
	if (!ch->replaying)
		spill_batch(ch, NULL);
	batch_clear(ch);
	return -1;
}

/*
 * The query_id of one insert (part: its table): from the host, the stream,
 * the batch's first seq and the attempt, so that a failed exchange's insert
 * can be found on the server (wait_gone()) and no two inserts running at
 * once share one (the server refuses a second).
 */
static void insert_qid(const struct elog_ch *ch, char out[QID_MAX], uint64_t first_seq,
		       unsigned part)
{
	snprintf(out, QID_MAX, "elog-%016" PRIx64 "-%016" PRIx64 "-%" PRIu64 "-%u-%" PRIu64,
		 ch->host_hash, ch->cfg.stream, first_seq, part, ch->st.retries);
}

/* The sender thread: a job's inserts in order, up to the first that fails. */
static void *sender(void *arg)
{
	struct elog_ch *ch = arg;

	pthread_mutex_lock(&ch->mu);
	for (;;) {
		struct job *j = &ch->job;

		while (!ch->job_ready && !ch->quit)
			pthread_cond_wait(&ch->cv, &ch->mu);
		if (!ch->job_ready)
			break;
		pthread_mutex_unlock(&ch->mu);
		j->sent = 0;
		j->r = HTTP_OK;
		for (unsigned k = 0; k < j->nparts; k++) {
			struct part *pt = &j->parts[k];

			j->r = http_post(&ch->in, pt->url, pt->body.p, pt->body.len, ERR_BODY_MAX);
			if (j->r != HTTP_OK)
				break;
			j->sent++;
		}
		pthread_mutex_lock(&ch->mu);
		ch->job_ready = false;
		ch->job_done = true;
		pthread_cond_broadcast(&ch->cv);
	}
	pthread_mutex_unlock(&ch->mu);
	return NULL;
}

/*
 * The job out, if any, waited for and its result taken: what the server
 * acknowledged is counted (and sessions ended before it forgotten when
 * nothing may be replayed). An exchange that failed (the server away)
 * spills the job's records, then the batch being filled, in seq order;
 * a refused insert fails the sink (the records spilled likewise).
 */
static int reap(struct elog_ch *ch, struct elog_error *err)
{
	struct job *j = &ch->job;
	struct part *pt;

	if (!ch->busy)
		return 0;
	pthread_mutex_lock(&ch->mu);
	while (!ch->job_done)
		pthread_cond_wait(&ch->cv, &ch->mu);
	pthread_mutex_unlock(&ch->mu);
	ch->busy = false;
	for (unsigned k = 0; k < j->sent; k++)
		ch->st.inserted += j->parts[k].rows;
	if (j->r == HTTP_OK) {
		if (!ch->replaying && ch->nspills == 0 && ch->nended > 4096)
			sess_sweep(ch, false, j->last_seq + 1);
		return 0;
	}
	pt = &j->parts[j->sent];
	if (j->r == HTTP_REFUSED) {
		char name[128];
		struct slot *s = &ch->slots[pt->slot];

		lower_name(name, sizeof(name), s->name, s->desc->events[pt->ev].name);
		elog_errorf(err, EIO, "ClickHouse refused the insert into %s (HTTP %ld): %s", name,
			    ch->in.http_status, server_text(&ch->in));
		snprintf(ch->fail_msg, sizeof(ch->fail_msg), "%s", err ? err->msg : "");
		ch->failed = true;
		if (!ch->replaying) {
			spill_raw(ch, &j->raw, j->first_seq, NULL);
			spill_batch(ch, NULL);
		}
		batch_clear(ch);
		return -1;
	}
	/* It may still run on the server: the read-back waits for it. */
	memcpy(ch->wait_qid, pt->qid, sizeof(pt->qid));
	memcpy(ch->down_msg, ch->in.down_msg, sizeof(ch->down_msg));
	if (ch->replaying) {
		go_down(ch);
		batch_clear(ch);
		return 0;
	}
	go_down_from(ch, j->first_seq);
	ch->sent_end = j->last_seq + 1;
	if (spill_raw(ch, &j->raw, j->first_seq, err) || spill_batch(ch, err))
		return -1;
	batch_clear(ch);
	return 0;
}

/* reap() if the job out is done: acknowledgements as they come. */
static int try_reap(struct elog_ch *ch, struct elog_error *err)
{
	bool done;

	if (!ch->busy)
		return 0;
	pthread_mutex_lock(&ch->mu);
	done = ch->job_done;
	pthread_mutex_unlock(&ch->mu);
	return done ? reap(ch, err) : 0;
}

/*
 * The batch to the server: each table's block (rows in key order) made
 * here, then sent by the sender thread while the next batch is encoded.
 * So at most two batches are in memory: this one's blocks as sent and its
 * raw records, and the next one's values, keys and records. A replay
 * waits for each (replay() goes on from what was acknowledged).
 */
static int send_batch(struct elog_ch *ch, struct elog_error *err)
{
	struct job *j = &ch->job;
	struct buf swap;

	if (ch->batch_rows == 0)
		return 0;
	if (ch->state == CH_DOWN && !ch->replaying) {
		/* Not sent at all: straight to the spill. */
		if (spill_batch(ch, err))
			return -1;
		batch_clear(ch);
		return 0;
	}
	if (ch->replaying && ch->batch_last_seq + 1 > ch->sent_end)
		ch->sent_end = ch->batch_last_seq + 1;
	/* The one before: its result decides where this one goes. */
	if (reap(ch, err) < 0)
		return -1;
	if (ch->state == CH_DOWN && !ch->replaying)
		return 0; /* reap() spilled this batch after it */
	j->nparts = 0;
	for (unsigned i = 0; i < ch->nslots; i++) {
		struct slot *s = &ch->slots[i];

		for (uint32_t e = 0; s->tables && e < s->desc->event_count; e++) {
			struct table *t = &s->tables[e];
			struct part *pt;

			if (t->blk.rows == 0)
				continue;
			if (j->nparts == j->cap_parts) {
				unsigned n = j->cap_parts ? 2 * j->cap_parts : 16;
				struct part *np = realloc(j->parts, n * sizeof(*np));

				if (np == NULL)
					goto nomem;
				memset(np + j->cap_parts, 0, (n - j->cap_parts) * sizeof(*np));
				j->parts = np;
				j->cap_parts = n;
			}
			pt = &j->parts[j->nparts];
			pt->body.len = 0;
			free(pt->url);
			insert_qid(ch, pt->qid, ch->batch_first_seq, i * 65536 + e);
			if (asprintf(&pt->url, "%s&query_id=%s", t->insert_url, pt->qid) < 0) {
				pt->url = NULL;
				goto nomem;
			}
			if (ch_block_native(&t->blk, &pt->body))
				goto nomem;
			pt->rows = t->blk.rows;
			pt->slot = i;
			pt->ev = e;
			j->nparts++;
		}
	}
	/* The records go with the job; the next batch takes its buffer. */
	swap = j->raw;
	j->raw = ch->raw;
	ch->raw = swap;
	j->first_seq = ch->batch_first_seq;
	j->last_seq = ch->batch_last_seq;
	batch_clear(ch);
	pthread_mutex_lock(&ch->mu);
	ch->job_done = false;
	ch->job_ready = true;
	pthread_cond_broadcast(&ch->cv);
	pthread_mutex_unlock(&ch->mu);
	ch->busy = true;
	return ch->replaying ? reap(ch, err) : 0;
nomem:
	elog_errorf(err, ENOMEM, "ClickHouse sink: out of memory for an insert");
	return insert_failed(ch, err);
}

/* ------------------------------------------------------------ replay */

static int slot_of(struct elog_ch *ch, const char *name, uint16_t file_id,
		   const struct elog_provider_desc *desc, struct elog_error *err)
{
	struct slot *s;

	for (unsigned i = 0; i < ch->nslots; i++)
		if (ch->slots[i].desc == desc && ch->slots[i].file_id == file_id)
			return (int)i;
	for (unsigned i = 0; i < ch->nslots; i++)
		if (ch->slots[i].desc == desc) {
			/* Another file numbered the provider otherwise. */
			ch->slots[i].file_id = file_id;
			return (int)i;
		}
	if (ch->nslots == MAX_SLOTS)
		return elog_errorf(err, E2BIG, "too many providers");
	s = &ch->slots[ch->nslots];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->file_id = file_id;
	s->desc = desc;
	s->facts = elog_conn_facts_find(name);
	s->tables = calloc(desc->event_count, sizeof(*s->tables));
	if (s->tables == NULL)
		return elog_errorf(err, ENOMEM, "out of memory");
	return (int)ch->nslots++;
}

/* Which sequence numbers in [lo, hi] the server holds, as a bitmap. */
static int present_seqs(struct elog_ch *ch, uint64_t lo, uint64_t hi, uint8_t **bits,
			enum http_result *hr, struct elog_error *err)
{
	size_t nbits = (size_t)(hi - lo + 1);

	*bits = calloc(nbits / 8 + 1, 1);
	if (*bits == NULL)
		return elog_errorf(err, ENOMEM, "out of memory");
	*hr = HTTP_OK;
	for (unsigned i = 0; i < ch->nslots; i++) {
		char *sql;

		if (asprintf(&sql, "SELECT ins_seq FROM %s_events WHERE host = %s AND ins_stream = "
			     "%" PRIu64 " AND ins_seq >= %" PRIu64 " AND ins_seq <= %" PRIu64
			     " FORMAT RowBinary", ch->slots[i].name, ch->host_sql, ch->cfg.stream,
			     lo, hi) < 0)
			return elog_errorf(err, ENOMEM, "out of memory");
		*hr = query(ch, sql, 0);
		free(sql);
		if (*hr == HTTP_DOWN)
			return 0;
		if (*hr == HTTP_REFUSED)
			return elog_errorf(err, EIO, "ClickHouse at %s: cannot read back %s_events: %s",
					   ch->url_shown, ch->slots[i].name, server_text(&ch->q));
		for (size_t off = 0; off + 8 <= ch->q.resp.len; off += 8) {
			uint64_t v;

			memcpy(&v, ch->q.resp.p + off, 8);
			if (v >= lo && v <= hi)
				(*bits)[(v - lo) / 8] |= (uint8_t)(1u << ((v - lo) % 8));
		}
	}
	return 0;
}

/* Every spilled record before `seq` of file f is on the server (sent in a
 * batch it acknowledged, or read back as held): a later attempt resumes
 * there, and earlier files are removed now (an elog killed later leaves
 * nothing behind that the server has whole). */
static void replay_acked(struct elog_ch *ch, unsigned f, uint64_t seq)
{
	for (unsigned i = 0; i < f; i++)
		if (!ch->spills[i].removed) {
			unlink(ch->spills[i].path);
			ch->spills[i].removed = true;
			ch->spills[i].acked = ch->spills[i].count;
		}
	ch->spills[f].acked = seq - ch->spills[f].first_seq;
	/* Nothing below is read back again. */
	if (seq > ch->spill_base)
		ch->spill_base = seq;
}

/*
 * An insert whose exchange failed (connection cut or timed out after the
 * server had its whole body, or its answer lost) may still be running:
 * rows it stores after the read-back would be inserted again by the
 * replay. So the read-back waits until its query_id is gone from
 * system.processes (INSERT_WAIT_S at most: then a clear error, the events
 * stay in the spill files). HTTP_DOWN: to be done on the next attempt.
 */
static int wait_gone(struct elog_ch *ch, enum http_result *hr, struct elog_error *err)
{
	uint64_t deadline = now_ms() + INSERT_WAIT_S * 1000;
	char sql[256];

	*hr = HTTP_OK;
	if (ch->wait_qid[0] == '\0')
		return 0;
	snprintf(sql, sizeof(sql), "SELECT count() FROM system.processes WHERE query_id = '%s'",
		 ch->wait_qid);
	for (;;) {
		*hr = query(ch, sql, ERR_BODY_MAX);
		if (*hr == HTTP_DOWN)
			return 0;
		if (*hr == HTTP_REFUSED)
			return elog_errorf(err, EIO, "ClickHouse at %s: cannot list its running "
					   "queries: %s", ch->url_shown, server_text(&ch->q));
		if (ch->q.resp.len == 2 && memcmp(ch->q.resp.p, "0\n", 2) == 0) {
			ch->wait_qid[0] = '\0';
			return 0;
		}
		if (now_ms() >= deadline)
			return elog_errorf(err, ETIMEDOUT, "ClickHouse at %s: an insert whose answer "
					   "was lost (query_id %s) still runs after %u s, so which of "
					   "its rows the server holds cannot be told: not replayed",
					   ch->url_shown, ch->wait_qid, INSERT_WAIT_S);
		usleep(20000);
	}
}

/* Every spilled event the server does not hold yet, then the spill files
 * removed. Leaves the state DOWN if the server goes away meanwhile, with
 * what got through remembered, so the next attempt goes on from there. */
static int replay(struct elog_ch *ch, struct elog_error *err)
{
	uint8_t *bits = NULL;
	uint64_t lo = ch->spill_base, hi = ch->sent_end ? ch->sent_end - 1 : 0;
	enum http_result hr;
	int rc = 0;

	if (spill_close(ch, err))
		return -1;
	if (ch->sent_end > lo) {
		if (wait_gone(ch, &hr, err) < 0)
			return -1;
		if (hr == HTTP_DOWN) {
			go_down(ch);
			return 0;
		}
		if (present_seqs(ch, lo, hi, &bits, &hr, err) < 0) {
			free(bits);
			return -1;
		}
		if (hr == HTTP_DOWN) {
			free(bits);
			go_down(ch);
			return 0;
		}
	} else {
		hi = 0;
		lo = 1;
	}
	ch->state = CH_UP;
	ch->replaying = true;
	for (unsigned f = 0; f < ch->nspills && rc == 0; f++) {
		struct elog_reader *r;
		struct elog_record rec;
		struct spill *sp = &ch->spills[f];
		uint64_t seq = sp->first_seq;

		if (sp->removed)
			continue;
		if (elog_reader_open(&r, sp->path, err) < 0) {
			rc = -1;
			break;
		}
		while (rc == 0 && ch->state == CH_UP && (rc = elog_reader_next(r, &rec, err)) == 1) {
			const char *name = elog_reader_provider_name(r, rec.hdr.provider_id);
			const struct elog_provider_desc *desc = elog_schema_provider(name ? name : "");
			const struct elog_event_desc *ev = desc ? elog_schema_event(desc, rec.hdr.event_id)
				: NULL;
			int si;
			uint64_t this = seq++;

			rc = 0;
			/* Acknowledged by an earlier attempt. */
			if (this < sp->first_seq + sp->acked)
				continue;
			if (bits && this >= lo && this <= hi &&
			    (bits[(this - lo) / 8] & (1u << ((this - lo) % 8))))
				continue;
			/* Spill files only hold events of known tables. */
			if (ev == NULL)
				continue;
			si = slot_of(ch, name, rec.hdr.provider_id, desc, err);
			if (si < 0) {
				rc = -1;
				break;
			}
			if (!ch->slots[si].checked) {
				if (check_slot(ch, &ch->slots[si], &hr, err) < 0) {
					rc = -1;
					break;
				}
				if (hr == HTTP_DOWN) {
					go_down(ch);
					break;
				}
			}
			rc = encode(ch, (unsigned)si, ev, &rec.hdr,
				    elog_record_utc_us(elog_reader_header(r), rec.hdr.timestamp),
				    rec.payload, rec.payload_len, this, err);
			if (rc == 0 && ch->batch_bytes >= ch->cfg.batch_bytes) {
				rc = send_batch(ch, err);
				if (rc == 0 && ch->state == CH_UP)
					replay_acked(ch, f, seq);
			}
		}
		elog_reader_close(r);
		if (rc > 0)
			rc = 0;
	}
	if (rc == 0 && ch->state == CH_UP)
		rc = send_batch(ch, err);
	ch->replaying = false;
	free(bits);
	if (rc < 0)
		return -1;
	if (ch->state == CH_DOWN) {
		/* Everything stays spilled; the next attempt starts over. */
		batch_clear(ch);
		return 0;
	}
	for (unsigned f = 0; f < ch->nspills; f++) {
		if (!ch->spills[f].removed)
			unlink(ch->spills[f].path);
		free(ch->spills[f].path);
	}
	ch->nspills = 0;
	ch->backoff_ms = 0;
	return 0;
}

/* A retry when due: is the server back? then replay. */
static int try_recover(struct elog_ch *ch, struct elog_error *err)
{
	enum http_result hr;

	if (ch->state != CH_DOWN || now_ms() < ch->retry_at_ms)
		return 0;
	hr = query(ch, "SELECT 1", ERR_BODY_MAX);
	if (hr == HTTP_DOWN) {
		go_down(ch);
		return 0;
	}
	if (hr == HTTP_REFUSED)
		return elog_errorf(err, EIO, "ClickHouse at %s: %s", ch->url_shown, server_text(&ch->q));
	return replay(ch, err);
}

/* ------------------------------------------------------------ API */

static int check_url(struct elog_ch *ch, const char *url, struct elog_error *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *user = NULL, *pw = NULL, *host = NULL, *q = NULL, *frag = NULL;
	int rc = 0;

	if (u == NULL)
		return elog_errorf(err, ENOMEM, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0') {
		rc = elog_errorf(err, EINVAL, "--clickhouse: not a URL: %s (use http://HOST:PORT/ or "
				 "https://...)", url);
		goto out;
	}
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		rc = elog_errorf(err, EINVAL, "--clickhouse: %s: the scheme must be http or https",
				 url);
		goto out;
	}
	curl_url_get(u, CURLUPART_USER, &user, 0);
	curl_url_get(u, CURLUPART_PASSWORD, &pw, 0);
	if (user || pw) {
		rc = elog_errorf(err, EINVAL, "--clickhouse: credentials in the URL are refused: set "
				 "ELOG_CLICKHOUSE_USER and ELOG_CLICKHOUSE_PASSWORD_FILE instead");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0) == CURLUE_OK) {
		rc = elog_errorf(err, EINVAL, "--clickhouse: %s: a URL fragment (#...) means nothing "
				 "here", url);
		goto out;
	}
	curl_url_get(u, CURLUPART_QUERY, &q, 0);
	/* Inserts through a Distributed table are stored on the shards
	 * before the answer: a replay's read-back must see them. */
	if (asprintf(&ch->base_url, "%s%sinsert_distributed_sync=1&", url,
		     q ? (url[strlen(url) - 1] == '&' || url[strlen(url) - 1] == '?' ? "" : "&")
		       : (strchr(url, '?') ? "" : "?")) < 0)
		rc = elog_errorf(err, ENOMEM, "out of memory");
	else
		ch->url_shown = strdup(url);
out:
	curl_free(scheme);
	curl_free(user);
	curl_free(pw);
	curl_free(host);
	curl_free(q);
	curl_free(frag);
	curl_url_cleanup(u);
	return rc;
}

static int set_host(struct elog_ch *ch, struct elog_error *err)
{
	char name[256];
	const char *h = ch->cfg.host;
	size_t n;

	if (h == NULL) {
		if (gethostname(name, sizeof(name)) < 0)
			return elog_errorf(err, errno, "gethostname: %s", strerror(errno));
		name[sizeof(name) - 1] = '\0';
		h = name;
	}
	n = strlen(h);
	if (buf_reserve(&ch->host_enc, n + 10))
		return elog_errorf(err, ENOMEM, "out of memory");
	put(&ch->host_enc, h, n);
	ch->host_hash = elog_ch_stream_of(h, n);
	ch->host_sql = malloc(2 * n + 3);
	if (ch->host_sql == NULL)
		return elog_errorf(err, ENOMEM, "out of memory");
	{
		char *q = ch->host_sql;

		*q++ = '\'';
		for (size_t i = 0; i < n; i++) {
			if (h[i] == '\'' || h[i] == '\\')
				*q++ = '\\';
			*q++ = h[i];
		}
		*q++ = '\'';
		*q = '\0';
	}
	return 0;
}

static int conn_init(struct elog_ch *ch, struct conn *c)
{
	const struct elog_ch_config *cfg = &ch->cfg;

	c->curl = curl_easy_init();
	if (c->curl == NULL)
		return -1;
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &c->resp);
	/* Bodies through a read callback, not CURLOPT_POSTFIELDS, whose
	 * rewind libcurl does without asking (on_seek says why). */
	curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(c->curl, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(c->curl, CURLOPT_READDATA, c);
	curl_easy_setopt(c->curl, CURLOPT_SEEKFUNCTION, on_seek);
	curl_easy_setopt(c->curl, CURLOPT_SEEKDATA, c);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
	/* A server that stops answering (not only one that is gone). */
	curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_TIME, 30L);
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, ch->headers);
	if (cfg->user || cfg->password) {
		curl_easy_setopt(c->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c->curl, CURLOPT_USERNAME, cfg->user ? cfg->user : "default");
		curl_easy_setopt(c->curl, CURLOPT_PASSWORD, cfg->password ? cfg->password : "");
	}
	return 0;
}

static void conn_free(struct conn *c)
{
	if (c->curl)
		curl_easy_cleanup(c->curl);
	buf_free(&c->resp);
}

static void ch_free(struct elog_ch *ch)
{
	if (ch == NULL)
		return;
	if (ch->sw)
		elog_writer_close(ch->sw, NULL);
	for (unsigned i = 0; i < ch->nslots; i++) {
		for (uint32_t e = 0; ch->slots[i].tables && e < ch->slots[i].desc->event_count; e++) {
			ch_block_free(&ch->slots[i].tables[e].blk);
			free(ch->slots[i].tables[e].insert_url);
		}
		free(ch->slots[i].tables);
	}
	for (unsigned f = 0; f < ch->nspills; f++)
		free(ch->spills[f].path);
	sess_sweep(ch, true, 0);
	free(ch->sess_hash);
	if (ch->thread_up) {
		/* A job still out (elog failing) is finished first. */
		pthread_mutex_lock(&ch->mu);
		while (ch->job_ready)
			pthread_cond_wait(&ch->cv, &ch->mu);
		ch->quit = true;
		pthread_cond_broadcast(&ch->cv);
		pthread_mutex_unlock(&ch->mu);
		pthread_join(ch->thread, NULL);
		pthread_mutex_destroy(&ch->mu);
		pthread_cond_destroy(&ch->cv);
	}
	for (unsigned k = 0; k < ch->job.cap_parts; k++) {
		free(ch->job.parts[k].url);
		free(ch->job.parts[k].body.p);
	}
	free(ch->job.parts);
	buf_free(&ch->job.raw);
	buf_free(&ch->raw);
	buf_free(&ch->host_enc);
	free(ch->host_sql);
	free(ch->base_url);
	free(ch->url_shown);
	conn_free(&ch->q);
	conn_free(&ch->in);
	curl_slist_free_all(ch->headers);
	free(ch);
	curl_global_cleanup();
}

int elog_ch_open(struct elog_ch **out, const struct elog_ch_config *cfg, struct elog_error *err)
{
	struct elog_ch *ch;
	enum http_result hr;

	*out = NULL;
	if (cfg->url == NULL || cfg->url[0] == '\0')
		return elog_errorf(err, EINVAL, "--clickhouse: no URL");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return elog_errorf(err, EIO, "libcurl: initialisation failed");
	ch = calloc(1, sizeof(*ch));
	if (ch == NULL) {
		curl_global_cleanup();
		return elog_errorf(err, ENOMEM, "out of memory");
	}
	ch->cfg = *cfg;
	if (!ch->cfg.batch_bytes)
		ch->cfg.batch_bytes = BATCH_BYTES_DEFAULT;
	if (!ch->cfg.batch_ms)
		ch->cfg.batch_ms = BATCH_MS_DEFAULT;
	if (!ch->cfg.give_up_s)
		ch->cfg.give_up_s = GIVE_UP_S_DEFAULT;
	if (check_url(ch, cfg->url, err) || set_host(ch, err)) {
		ch_free(ch);
		return -1;
	}
	/* A UUID value (Native as RowBinary): two little-endian 64-bit
	 * halves, high first. */
	for (int i = 0; i < 8; i++) {
		ch->boot_enc[i] = cfg->boot_id[7 - i];
		ch->boot_enc[8 + i] = cfg->boot_id[15 - i];
	}
	/* No "Expect: 100-continue": the server does not answer it, and
	 * curl would wait a second before every large batch. */
	ch->headers = curl_slist_append(NULL, "Expect:");
	if (ch->headers == NULL) {
		ch_free(ch);
		return elog_errorf(err, ENOMEM, "out of memory");
	}
	if (conn_init(ch, &ch->q) || conn_init(ch, &ch->in)) {
		ch_free(ch);
		return elog_errorf(err, ENOMEM, "libcurl: cannot create a handle");
	}
	pthread_mutex_init(&ch->mu, NULL);
	pthread_cond_init(&ch->cv, NULL);
	if (pthread_create(&ch->thread, NULL, sender, ch) != 0) {
		ch_free(ch);
		return elog_errorf(err, EAGAIN, "ClickHouse sink: cannot start its sender thread");
	}
	ch->thread_up = true;
	hr = query(ch, "SELECT 1", ERR_BODY_MAX);
	if (hr == HTTP_DOWN) {
		elog_errorf(err, ECONNREFUSED, "cannot reach ClickHouse at %s: %s", ch->url_shown,
			    ch->down_msg);
		ch_free(ch);
		return -1;
	}
	if (hr == HTTP_REFUSED) {
		if (ch->q.http_status == 401 || ch->q.http_status == 403 ||
		    strstr(server_text(&ch->q), "password") || strstr(server_text(&ch->q), "user"))
			elog_errorf(err, EACCES, "ClickHouse at %s refused the credentials%s: %s",
				    ch->url_shown, cfg->user || cfg->password ? "" :
				    " (none given: set ELOG_CLICKHOUSE_USER and "
				    "ELOG_CLICKHOUSE_PASSWORD_FILE)", server_text(&ch->q));
		else
			elog_errorf(err, EIO, "ClickHouse at %s (HTTP %ld): %s", ch->url_shown,
				    ch->q.http_status, server_text(&ch->q));
		ch_free(ch);
		return -1;
	}
	if (ch->q.resp.len < 1 || ch->q.resp.p[0] != '1') {
		elog_errorf(err, EPROTO, "%s does not answer as a ClickHouse server", ch->url_shown);
		ch_free(ch);
		return -1;
	}
	ch->state = CH_UP;
	*out = ch;
	return 0;
}

int elog_ch_add(struct elog_ch *ch, const struct elog_event_hdr *hdr, const char *provider_name,
		const struct elog_provider_desc *desc, int64_t utc_us, const void *payload,
		size_t payload_len, struct elog_error *err)
{
	const struct elog_event_desc *ev = desc ? elog_schema_event(desc, hdr->event_id) : NULL;
	struct raw_hdr rh;
	int si;

	if (ev == NULL || provider_name == NULL) {
		ch->st.unknown++;
		return 0;
	}
	if (payload_len > ELOG_PAYLOAD_MAX)
		payload_len = ELOG_PAYLOAD_MAX;
	si = slot_of(ch, provider_name, hdr->provider_id, desc, err);
	if (si < 0)
		return -1;
	/* Now and then: the clock, for batch age and retries. */
	if ((++ch->adds & 1023) == 0 && elog_ch_poll(ch, err) < 0)
		return -1;
	if (ch->state == CH_DOWN || ch->failed)
		return spill_add(ch, (unsigned)si, hdr, utc_us, payload, payload_len, err);
	if (!ch->slots[si].checked) {
		enum http_result hr;

		/* Its failure would spill: after the job out, if it failed. */
		if (reap(ch, err) < 0)
			return -1;
		if (ch->state == CH_DOWN || ch->failed)
			return spill_add(ch, (unsigned)si, hdr, utc_us, payload, payload_len, err);
		if (check_slot(ch, &ch->slots[si], &hr, err) < 0)
			return -1;
		if (hr == HTTP_DOWN) {
			/* What is batched waits in the spill with this event. */
			go_down(ch);
			if (spill_batch(ch, err))
				return -1;
			batch_clear(ch);
			return spill_add(ch, (unsigned)si, hdr, utc_us, payload, payload_len, err);
		}
	}
	if (encode(ch, (unsigned)si, ev, hdr, utc_us, payload, payload_len, ch->next_seq, err) < 0)
		return -1;
	/* Kept for a spill, should this batch not get through. */
	if (buf_reserve(&ch->raw, sizeof(rh) + payload_len))
		return elog_errorf(err, ENOMEM, "out of memory");
	rh.slot = (uint16_t)si;
	rh.len = (uint16_t)payload_len;
	rh.utc_us = utc_us;
	rh.hdr = *hdr;
	put(&ch->raw, &rh, sizeof(rh));
	put(&ch->raw, payload, payload_len);
	ch->next_seq++;
	if (ch->batch_bytes >= ch->cfg.batch_bytes)
		return send_batch(ch, err);
	return 0;
}

int elog_ch_poll(struct elog_ch *ch, struct elog_error *err)
{
	if (ch->failed)
		return 0;
	if (ch->state == CH_DOWN)
		return try_recover(ch, err);
	if (try_reap(ch, err) < 0)
		return -1;
	if (ch->state == CH_DOWN || ch->failed)
		return 0;
	if (ch->batch_rows && now_ms() - ch->batch_started_ms >= ch->cfg.batch_ms)
		return send_batch(ch, err);
	return 0;
}

int elog_ch_close(struct elog_ch *ch, struct elog_ch_stats *st, struct elog_error *err)
{
	uint64_t deadline;
	int rc = 0;

	if (ch == NULL)
		return 0;
	if (!ch->failed && ch->state == CH_UP)
		rc = send_batch(ch, err);
	if (rc == 0)
		rc = reap(ch, err);
	if (rc == 0 && ch->failed)
		rc = elog_errorf(err, EIO, "%s", ch->fail_msg);
	deadline = now_ms() + (uint64_t)ch->cfg.give_up_s * 1000;
	while (rc == 0 && ch->state == CH_DOWN && now_ms() < deadline) {
		uint64_t t = now_ms();

		if (t < ch->retry_at_ms) {
			uint64_t ms = ch->retry_at_ms - t;

			usleep((useconds_t)(ms > 1000 ? 1000 : ms) * 1000);
			continue;
		}
		rc = try_recover(ch, err);
	}
	if (spill_close(ch, rc ? NULL : err) < 0)
		rc = -1;
	for (unsigned f = 0; f < ch->nspills; f++)
		ch->st.kept += ch->spills[f].count - ch->spills[f].acked;
	if (ch->nspills) {
		/* Nothing is lost: say where it is. */
		char files[ELOG_ERROR_MSG_MAX] = "";
		size_t n = 0;

		for (unsigned f = 0; f < ch->nspills && n + 2 < sizeof(files); f++)
			if (!ch->spills[f].removed)
				n += (size_t)snprintf(files + n, sizeof(files) - n, "%s%s",
						      n ? " " : "", ch->spills[f].path);
		if (rc == 0)
			elog_errorf(err, EHOSTUNREACH, "ClickHouse at %s unreachable (%s): %" PRIu64
				    " events kept in %s", ch->url_shown, ch->down_msg, ch->st.kept,
				    files);
		else if (err && strlen(err->msg) + strlen(files) + 40 < sizeof(err->msg))
			snprintf(err->msg + strlen(err->msg), sizeof(err->msg) - strlen(err->msg),
				 "; %" PRIu64 " events kept in %s", ch->st.kept, files);
		rc = -1;
	}
	if (st)
		*st = ch->st;
	ch_free(ch);
	return rc;
}
