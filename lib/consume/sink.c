/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The sink interface (sink.h), the text and JSON line sinks, and the
 * adapters for the per-session directory, the recorder and ClickHouse.
 *
 * Lines are formatted straight into one large buffer that is written with
 * write(2) when nearly full or when the sink is polled or flushed, so
 * decoding costs one system call per ~1 MiB of text.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export_json.h"
#include "recorder.h"
#include "series.h"
#include "session_files.h"
#include "sink_clickhouse.h"
#include "sink_internal.h"

#define LINES_BUF (1u << 20)

struct elog_sink *elog_sink_new(const struct elog_sink_ops *ops, void *impl, size_t payload_max)
{
	struct elog_sink *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->ops = ops;
	s->impl = impl;
	s->payload_max = payload_max;
	return s;
}

int elog_sink_write(struct elog_sink *s, const struct elog_sink_rec *r, struct elog_error *err)
{
	int rc;

	if (s->payload_max != 0 && r->payload_len > s->payload_max) {
		s->st.oversize++;
		return 0;
	}
	rc = s->ops->write(s, r, err);
	if (rc < 0)
		return -1;
	if (rc > 0)
		s->st.oversize++;
	else
		s->st.written++;
	return 0;
}

int elog_sink_write_series(struct elog_sink *s, const struct elog_series_record *sr,
			   struct elog_error *err)
{
	struct elog_sink_rec r = {
		.hdr = &sr->rec.hdr,
		.payload = sr->rec.payload,
		.payload_len = sr->rec.payload_len,
		.provider_name = sr->provider_name,
		.desc = sr->desc,
		.utc_us = sr->utc_us,
	};

	return elog_sink_write(s, &r, err);
}

bool elog_sink_takes_runs(const struct elog_sink *s)
{
	return s->ops->write_run != NULL;
}

int elog_sink_write_run(struct elog_sink *s, const void *recs, size_t bytes, size_t count,
			struct elog_error *err)
{
	if (s->ops->write_run(s, recs, bytes, count, err) < 0)
		return -1;
	s->st.written += count;
	return 0;
}

int elog_sink_poll(struct elog_sink *s, struct elog_error *err)
{
	return s->ops->poll ? s->ops->poll(s, err) : 0;
}

int elog_sink_flush(struct elog_sink *s, struct elog_error *err)
{
	return s->ops->flush ? s->ops->flush(s, err) : 0;
}

void elog_sink_stats(const struct elog_sink *s, struct elog_sink_stats *st)
{
	*st = s->st;
}

int elog_sink_close(struct elog_sink *s, uint64_t dropped, struct elog_error *err)
{
	int rc;

	if (s == NULL)
		return 0;
	rc = s->ops->close(s, dropped, err);
	free(s);
	return rc;
}

/* ------------------------------------------------------------ lines */

struct lines {
	int fd;
	bool json;
	size_t line_max;
	struct elog_text_opts o;
	struct elog_text_state st;
	char *buf; /* LINES_BUF + line_max */
	size_t len;
};

static int lines_out(struct lines *l, struct elog_error *err)
{
	size_t done = 0;

	while (done < l->len) {
		ssize_t n = write(l->fd, l->buf + done, l->len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* What could not be written is not tried again. */
			l->len = 0;
			return elog_errorf(err, errno, "write to %s: %s",
					   l->fd == STDOUT_FILENO ? "stdout" : "output",
					   strerror(errno));
		}
		done += (size_t)n;
	}
	l->len = 0;
	return 0;
}

static int lines_write(struct elog_sink *s, const struct elog_sink_rec *r, struct elog_error *err)
{
	struct lines *l = s->impl;
	size_t n;

	if (l->len > LINES_BUF && lines_out(l, err) < 0)
		return -1;
	if (l->json) {
		n = elog_json_format(l->buf + l->len, l->line_max, r->hdr, r->provider_name, r->desc,
				     r->utc_us, r->payload, r->payload_len);
		if (n == 0)
			return 1;
	} else {
		n = elog_textline_format(l->buf + l->len, l->line_max, &l->o, &l->st, r->hdr,
					 r->provider_name, r->desc, r->utc_us, r->payload,
					 r->payload_len);
	}
	l->len += n;
	return 0;
}

static int lines_flush(struct elog_sink *s, struct elog_error *err)
{
	return lines_out(s->impl, err);
}

static int lines_close(struct elog_sink *s, uint64_t dropped, struct elog_error *err)
{
	struct lines *l = s->impl;
	int rc = lines_out(l, err);

	(void)dropped;
	free(l->buf);
	free(l);
	return rc;
}

static const struct elog_sink_ops lines_ops = {
	.write = lines_write,
	.poll = lines_flush,
	.flush = lines_flush,
	.close = lines_close,
};

static int lines_open(struct elog_sink **out, int fd, bool json, size_t line_max,
		      const struct elog_text_opts *o, struct elog_error *err)
{
	struct lines *l = calloc(1, sizeof(*l));

	*out = NULL;
	if (l != NULL) {
		l->fd = fd;
		l->json = json;
		l->line_max = line_max;
		if (o != NULL)
			l->o = *o;
		l->buf = malloc(LINES_BUF + line_max);
	}
	if (l == NULL || l->buf == NULL || (*out = elog_sink_new(&lines_ops, l, 0)) == NULL) {
		if (l != NULL)
			free(l->buf);
		free(l);
		return elog_errorf(err, ENOMEM, "out of memory");
	}
	return 0;
}

int elog_sink_text_open(struct elog_sink **out, int fd, const struct elog_text_opts *o,
			struct elog_error *err)
{
	return lines_open(out, fd, false, ELOG_TEXTLINE_MAX, o, err);
}

int elog_sink_json_open(struct elog_sink **out, int fd, size_t line_max,
			struct elog_error *err)
{
	return lines_open(out, fd, true, line_max ? line_max : ELOG_JSON_LINE_MAX, NULL, err);
}

/* ------------------------------------------------------------ adapters */

/* An object with its own open function, and where its counts go at close. */
struct adapter {
	enum { AD_SESSIONS, AD_RECORDER, AD_CLICKHOUSE } kind;
	void *obj;
	void *st;
};

static int ad_write(struct elog_sink *s, const struct elog_sink_rec *r, struct elog_error *err)
{
	struct adapter *a = s->impl;
	size_t len = ELOG_EVENT_HDR_SIZE + r->payload_len;

	if (a->kind == AD_CLICKHOUSE)
		return elog_ch_add(a->obj, r->hdr, r->provider_name, r->desc, r->utc_us,
				   r->payload, r->payload_len, err);
	/* The files store the record as a capture holds it. */
	if (r->raw == NULL)
		return elog_errorf(err, EINVAL, "a capture file needs the record's bytes");
	if (a->kind == AD_SESSIONS)
		return elog_sf_append(a->obj, r->raw, len, err);
	return elog_recorder_append(a->obj, r->raw, len, err);
}

/* The recorder: dumps come out of the reorder window whole, so the ones
 * begun are complete. ClickHouse: the batch goes when it is old enough,
 * retries and replays when due. */
static int ad_poll(struct elog_sink *s, struct elog_error *err)
{
	struct adapter *a = s->impl;

	switch (a->kind) {
	case AD_RECORDER: return elog_recorder_settle(a->obj, err);
	case AD_CLICKHOUSE: return elog_ch_poll(a->obj, err);
	default: return 0;
	}
}

static int ad_flush(struct elog_sink *s, struct elog_error *err)
{
	struct adapter *a = s->impl;

	return a->kind == AD_SESSIONS ? elog_sf_flush(a->obj, err) : 0;
}

static int ad_close_obj(int kind, void *obj, void *st, uint64_t dropped, struct elog_error *err)
{
	switch (kind) {
	case AD_SESSIONS: return elog_sf_close(obj, dropped, err);
	case AD_RECORDER: return elog_recorder_close(obj, st, err);
	default: return elog_ch_close(obj, st, err);
	}
}

static int ad_close(struct elog_sink *s, uint64_t dropped, struct elog_error *err)
{
	struct adapter *a = s->impl;
	int rc = ad_close_obj(a->kind, a->obj, a->st, dropped, err);

	free(a);
	return rc;
}

static const struct elog_sink_ops adapter_ops = {
	.write = ad_write,
	.poll = ad_poll,
	.flush = ad_flush,
	.close = ad_close,
};

/* On failure obj is closed too: the sink owns it from the call on. */
static int adapter_open(struct elog_sink **out, int kind, void *obj, void *st,
			size_t payload_max, struct elog_error *err)
{
	struct adapter *a = calloc(1, sizeof(*a));

	*out = NULL;
	if (a != NULL) {
		a->kind = kind;
		a->obj = obj;
		a->st = st;
		*out = elog_sink_new(&adapter_ops, a, payload_max);
	}
	if (*out != NULL)
		return 0;
	free(a);
	ad_close_obj(kind, obj, st, 0, NULL);
	return elog_errorf(err, ENOMEM, "out of memory");
}

int elog_sink_sessions(struct elog_sink **out, struct elog_session_files *sf,
		       struct elog_error *err)
{
	return adapter_open(out, AD_SESSIONS, sf, NULL, ELOG_PAYLOAD_MAX, err);
}

int elog_sink_recorder(struct elog_sink **out, struct elog_recorder *r,
		       struct elog_recorder_stats *st, struct elog_error *err)
{
	return adapter_open(out, AD_RECORDER, r, st, ELOG_PAYLOAD_MAX, err);
}

/* No limit of its own: a row holds any record. */
int elog_sink_clickhouse(struct elog_sink **out, struct elog_ch *ch, struct elog_ch_stats *st,
			 struct elog_error *err)
{
	return adapter_open(out, AD_CLICKHOUSE, ch, st, 0, err);
}
