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

static int sf_write(struct elog_sink *s, const struct elog_sink_rec *r, struct elog_error *err)
{
	if (r->raw == NULL)
		return elog_errorf(err, EINVAL, "per-session files need the record's bytes");
	return elog_sf_append(s->impl, r->raw, ELOG_EVENT_HDR_SIZE + r->payload_len, err);
}

static int sf_flush(struct elog_sink *s, struct elog_error *err)
{
	return elog_sf_flush(s->impl, err);
}

static int sf_close(struct elog_sink *s, uint64_t dropped, struct elog_error *err)
{
	return elog_sf_close(s->impl, dropped, err);
}

static const struct elog_sink_ops sf_ops = {
	.write = sf_write,
	.flush = sf_flush,
	.close = sf_close,
};

int elog_sink_sessions(struct elog_sink **out, struct elog_session_files *sf,
		       struct elog_error *err)
{
	*out = elog_sink_new(&sf_ops, sf, ELOG_PAYLOAD_MAX);
	if (*out != NULL)
		return 0;
	elog_sf_close(sf, 0, NULL);
	return elog_errorf(err, ENOMEM, "out of memory");
}

struct rec_sink {
	struct elog_recorder *r;
	struct elog_recorder_stats *st;
};

static int rec_write(struct elog_sink *s, const struct elog_sink_rec *r, struct elog_error *err)
{
	struct rec_sink *rs = s->impl;

	if (r->raw == NULL)
		return elog_errorf(err, EINVAL, "the recorder needs the record's bytes");
	return elog_recorder_append(rs->r, r->raw, ELOG_EVENT_HDR_SIZE + r->payload_len, err);
}

/* Dumps come out of the reorder window whole: the ones begun are complete. */
static int rec_poll(struct elog_sink *s, struct elog_error *err)
{
	struct rec_sink *rs = s->impl;

	return elog_recorder_settle(rs->r, err);
}

static int rec_close(struct elog_sink *s, uint64_t dropped, struct elog_error *err)
{
	struct rec_sink *rs = s->impl;
	int rc = elog_recorder_close(rs->r, rs->st, err);

	(void)dropped;
	free(rs);
	return rc;
}

static const struct elog_sink_ops rec_ops = {
	.write = rec_write,
	.poll = rec_poll,
	.close = rec_close,
};

int elog_sink_recorder(struct elog_sink **out, struct elog_recorder *r,
		       struct elog_recorder_stats *st, struct elog_error *err)
{
	struct rec_sink *rs = calloc(1, sizeof(*rs));

	*out = NULL;
	if (rs != NULL) {
		rs->r = r;
		rs->st = st;
		*out = elog_sink_new(&rec_ops, rs, ELOG_PAYLOAD_MAX);
	}
	if (*out != NULL)
		return 0;
	free(rs);
	elog_recorder_close(r, st, NULL);
	return elog_errorf(err, ENOMEM, "out of memory");
}

struct ch_sink {
	struct elog_ch *ch;
	struct elog_ch_stats *st;
};

static int ch_write(struct elog_sink *s, const struct elog_sink_rec *r, struct elog_error *err)
{
	struct ch_sink *cs = s->impl;

	return elog_ch_add(cs->ch, r->hdr, r->provider_name, r->desc, r->utc_us, r->payload,
			   r->payload_len, err);
}

/* The batch goes when it is old enough; retries and replays when due. */
static int ch_poll(struct elog_sink *s, struct elog_error *err)
{
	struct ch_sink *cs = s->impl;

	return elog_ch_poll(cs->ch, err);
}

static int ch_close(struct elog_sink *s, uint64_t dropped, struct elog_error *err)
{
	struct ch_sink *cs = s->impl;
	int rc = elog_ch_close(cs->ch, cs->st, err);

	(void)dropped;
	free(cs);
	return rc;
}

static const struct elog_sink_ops ch_ops = {
	.write = ch_write,
	.poll = ch_poll,
	.close = ch_close,
};

int elog_sink_clickhouse(struct elog_sink **out, struct elog_ch *ch, struct elog_ch_stats *st,
			 struct elog_error *err)
{
	struct ch_sink *cs = calloc(1, sizeof(*cs));

	*out = NULL;
	if (cs != NULL) {
		cs->ch = ch;
		cs->st = st;
		*out = elog_sink_new(&ch_ops, cs, 0);
	}
	if (*out != NULL)
		return 0;
	free(cs);
	elog_ch_close(ch, st, NULL);
	return elog_errorf(err, ENOMEM, "out of memory");
}
