// SPDX-License-Identifier: BSD-2-Clause
/*
 * elog -c: live capture. One subscription (slot + ring) per -c provider,
 * all rings polled by one libbpf ring_buffer; records go through the
 * reorder window (lib/rt/reorder.h) to a binary capture (-o FILE, .gz/.zst
 * compressed by name, rotated into a numbered series with --rotate-*), or
 * to text lines (JSON Lines with --json) on stdout, until
 * SIGINT/SIGTERM/--duration.
 *
 * Exactness at the end: every subscription is released first (after which
 * no program can still write to its ring and its counters are final), then
 * the rings are drained, so the header's event_count is every delivered
 * record and dropped_events every record the kernel could not deliver.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "capture.h"
#include "export_json.h"
#include "recorder.h"
#include "session_files.h"
#include "zfile.h"
#include "rt/bb_block.h"
#include "rt/reorder.h"
#include "elog.h"
#include "format.h"
#include "rt/rt.h"
#include "select.h"
#include "sink_clickhouse.h"
#include "textline.h"

#define POLL_MS 50          /* wakeups are batched in the kernel: poll for the tail */
#define RECLAIM_EVERY_US 1000000
/* With nothing received this long and no session enabled: say how to
 * enable one, rather than wait in silence. */
#define HINT_AFTER_US 3000000

struct cap;

/* Files of a series still being written by their writer threads
 * (elog_writer_close_begin): closed once idle, so that moving on to the
 * next file does not wait for the disk. With this many, all are waited for. */
#define OUT_CLOSING_MAX 4

/*
 * The binary output: one file, or with --rotate-size/--rotate-events a
 * series NAME.000000.elog, NAME.000001.elog, ... (lib/series.h), each a
 * complete capture. A name ending in .gz or .zst is compressed through
 * lib/zfile.h. Drops cannot be attributed to the records of one file, so
 * each closed file gets the drops counted while it was open (sampled from
 * the live counters) and the last one the rest: the files' dropped_events
 * add up to the exact total.
 */
struct cap_out {
	struct elog_writer *w;
	struct elog_writer *closing[OUT_CLOSING_MAX];
	size_t nclosing;
	struct elog_zfile *z;     /* compressed file, else NULL */
	FILE *f;                  /* the stream under the writer when z */
	unsigned seq;             /* file number in the series */
	uint64_t bytes, events;   /* in the current file (bytes uncompressed) */
	uint64_t preamble;        /* header + provider table bytes */
	uint64_t dropped_before;  /* drops given to the files already closed */
};

/* One ring of a subscription: the dump it may be in the middle of. */
struct cap_ring {
	struct cap_sub *sub;
	struct elog_bb_block *bb;
};

struct cap_sub {
	struct cap *cap;
	struct cap_ring *rings; /* sub.nrings */
	unsigned tag; /* index in cap.subs */
	const struct elog_subscription *req;
	const struct elog_provider_desc *desc;
	struct elog_rt *rt;
	struct elog_rt_sub sub;
	uint16_t id;
	uint64_t delivered, dropped; /* final, after unsubscribe */
	uint64_t skipped0;           /* the provider's skipped runs when it began */
};

struct cap {
	const struct elog_options *o;
	struct cap_sub subs[ELOG_MAX_SUBSCRIPTIONS];
	size_t nsubs;
	struct ring_buffer *rb;
	struct elog_reorder *reorder;
	struct cap_out out;       /* -o FILE (a numbered series with --rotate-*) */
	struct elog_session_files *sf; /* -o dir=PATH: one file per session */
	struct elog_recorder *rec;     /* --record DIR: one file per black box dump */
	char *json;               /* --json line buffer */
	struct elog_ch *ch;       /* --clickhouse URL */
	struct elog_text_state text;
	int64_t boot_to_utc;
	uint64_t received;
	int failed;           /* a sink or callback error: stop */
	const char *gone;     /* provider unloaded under the capture: stopped */
	struct elog_error err;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* SA_RESTART so a signal during a write to a slow pipe does not fail
	 * it; epoll_wait is never restarted (signal(7)), so the loop still
	 * sees the flag at once. */
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL) ||
	    sigaction(SIGALRM, &sa, NULL))
		return -1;
	return 0;
}

static int out_rotate(struct cap *c);

/* One record out, to the file, as JSON or as a text line. */
static int sink_out(void *arg, unsigned tag, const void *rec, size_t len)
{
	struct cap *c = arg;
	struct cap_sub *s = &c->subs[tag];
	struct elog_event_hdr h;
	char line[ELOG_TEXTLINE_MAX];
	const void *payload = (const unsigned char *)rec + sizeof(h);
	int64_t utc;
	size_t n;

	if (c->ch) {
		memcpy(&h, rec, sizeof(h));
		return elog_ch_add(c->ch, &h, s->req->provider, s->desc,
				   (int64_t)h.timestamp + c->boot_to_utc, payload, len - sizeof(h),
				   &c->err);
	}
	if (c->sf)
		return elog_sf_append(c->sf, rec, len, &c->err);
	if (c->rec)
		return elog_recorder_append(c->rec, rec, len, &c->err);
	if (c->out.w) {
		const struct elog_options *o = c->o;
		uint64_t size = c->out.z ? elog_zfile_bytes(c->out.z) : c->out.bytes;

		if (c->out.events && ((o->rotate_events && c->out.events >= o->rotate_events) ||
				      (o->rotate_size && size + len > o->rotate_size)) &&
		    out_rotate(c))
			return -1;
		c->out.events++;
		c->out.bytes += len;
		return elog_writer_append(c->out.w, rec, len, &c->err);
	}
	memcpy(&h, rec, sizeof(h));
	utc = (int64_t)h.timestamp + c->boot_to_utc;
	if (c->json) {
		n = elog_json_format(c->json, ELOG_JSON_LINE_MAX, &h, s->req->provider, s->desc, utc,
				     payload, len - sizeof(h));
		/* As -r: a record no JSON line can hold stops the capture with
		 * an error rather than vanishing. */
		if (n == 0) {
			elog_errorf(&c->err, E2BIG, "%s event %u too large for a JSON line",
				    s->req->provider, h.event_id);
			return -1;
		}
		if (fwrite(c->json, 1, n, stdout) != n)
			goto write_error;
		return 0;
	}
	n = elog_textline_format(line, sizeof(line), &c->o->text, &c->text, &h, s->req->provider,
				 s->desc, utc, payload, len - sizeof(h));
	if (fwrite(line, 1, n, stdout) != n)
		goto write_error;
	return 0;
write_error:
	elog_errorf(&c->err, errno, "write to stdout: %s", strerror(errno));
	return -1;
}

/* Reorder sink: every record received, the selected ones out. */
static int sink(void *arg, unsigned tag, const void *rec, size_t len)
{
	struct cap *c = arg;
	struct cap_sub *s = &c->subs[tag];

	c->received++;
	if (c->o->sel == NULL)
		return sink_out(c, tag, rec, len);
	return elog_select_live_add(c->o->sel, tag, s->req->provider, s->desc, rec, len, sink_out,
				    c, &c->err);
}

/* Reorder run sink for a plain -o FILE (no rotation): records adjacent in
 * the window go to the writer in one call, one copy. */
static int run_sink(void *arg, const void *recs, size_t bytes, size_t count)
{
	struct cap *c = arg;

	c->received += count;
	c->out.events += count;
	c->out.bytes += bytes;
	return elog_writer_append_run(c->out.w, recs, bytes, count, &c->err);
}

/* ring_buffer callback (ctx: the ring): copy into the window, a black box
 * dump as one block (lib/rt/bb_block.h). */
static int on_record(void *ctx, void *data, size_t size)
{
	struct cap_ring *ring = ctx;
	struct cap_sub *s = ring->sub;
	struct cap *c = s->cap;

	if (elog_bb_block_add(ring->bb, c->reorder, s->tag, data, size)) {
		elog_errorf(&c->err, ENOMEM, "out of memory in the reorder window");
		c->failed = 1;
		return -ENOMEM;
	}
	return 0;
}

static int subscribe_all(struct cap *c)
{
	const struct elog_options *o = c->o;
	size_t i;
	int ret, r;

	for (i = 0; i < o->subscription_count; i++) {
		struct cap_sub *s = &c->subs[i];

		s->cap = c;
		s->tag = (unsigned)i;
		s->req = &o->subscriptions[i];
		elog_rt_sub_init(&s->sub);
		s->desc = elog_schema_provider(s->req->provider);
		ret = elog_rt_open(s->req->provider, ELOG_RT_LOAD, &s->rt, &c->err);
		if (ret)
			return ret;
		c->nsubs = i + 1;
		s->id = elog_rt_ops(s->rt)->id;
		ret = elog_rt_subscribe(s->rt, s->req->level, s->req->keywords, o->buffer_size,
					o->dump_state, &s->sub, &c->err);
		if (!ret)
			ret = elog_rt_skipped_runs(s->rt, &s->skipped0, &c->err);
		if (ret)
			return ret;
		s->rings = calloc((size_t)s->sub.nrings, sizeof(*s->rings));
		if (!s->rings)
			return elog_errorf(&c->err, ENOMEM, "out of memory");
		/* One ring per CPU; the reorder window merges them. */
		for (r = 0; r < s->sub.nrings; r++) {
			struct cap_ring *ring = &s->rings[r];

			ring->sub = s;
			ring->bb = elog_bb_block_new();
			if (!ring->bb)
				return elog_errorf(&c->err, ENOMEM, "out of memory");
			if (!c->rb)
				c->rb = ring_buffer__new(s->sub.ring_fd[r], on_record, ring, NULL);
			else if (ring_buffer__add(c->rb, s->sub.ring_fd[r], on_record, ring))
				ret = -1;
			if (!c->rb || ret)
				return elog_errorf(&c->err, errno, "%s: map ring buffer: %s",
						   s->req->provider, strerror(errno));
		}
	}
	return 0;
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

/* NAME.elog[.gz|.zst] -> NAME.<seq>.elog[...]; otherwise NAME.<seq>. */
static int series_name(char *buf, size_t size, const char *path, unsigned seq)
{
	const char *ext = series_ext(path);
	int n;

	n = snprintf(buf, size, "%.*s.%06u%s", (int)(ext - path), path, seq, ext);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* An output that exists is never replaced without --force: say how. */
static int out_open_failed(struct cap *c, const char *path)
{
	if (c->err.code == EEXIST)
		elog_errorf(&c->err, EEXIST, "%s exists: not overwritten (--force replaces it)",
			    path);
	return -1;
}

/*
 * A rotated series is checked whole before its first file: every name of
 * the form NAME.<digits>.elog[...] in its directory is one this capture
 * would write over (refused without --force, as a single file is), and
 * refusing at the start is better than stopping mid-capture at the first
 * number taken.
 */
static int series_check(struct cap *c)
{
	const char *path = c->o->output_path, *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path, *ext = series_ext(path);
	size_t pre_len = (size_t)(ext - base), ext_len = strlen(ext);
	char dir[4096];
	struct dirent *d;
	DIR *dp;

	if (c->o->force)
		return 0;
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
		elog_errorf(&c->err, EEXIST, "%.*s%s exists: not overwritten (--force replaces "
			    "the series' files)", (int)(base - path), path, n);
		closedir(dp);
		return -1;
	}
	closedir(dp);
	return 0;
}

static int out_open(struct cap *c)
{
	struct elog_writer_provider prov[ELOG_MAX_SUBSCRIPTIONS];
	const struct elog_options *o = c->o;
	char name[4096];
	const char *path = o->output_path;
	enum elog_zkind kind;
	size_t i;

	for (i = 0; i < c->nsubs; i++) {
		prov[i].id = c->subs[i].id;
		prov[i].name = c->subs[i].req->provider;
	}
	if (o->rotate_size || o->rotate_events) {
		if (series_name(name, sizeof(name), path, c->out.seq))
			return elog_errorf(&c->err, ENAMETOOLONG, "output name too long: %s", path);
		path = name;
	}
	c->out.preamble = ELOG_FILE_HDR_SIZE + 4 + ELOG_PROVIDER_ENTRY_SIZE * (uint64_t)c->nsubs;
	c->out.bytes = c->out.preamble;
	c->out.events = 0;
	kind = elog_zkind_of(path);
	if (o->output_kind == ELOG_OUT_STDOUT) {
		/* -o -: a pipe gets its header once (lib/capture.h); a regular
		 * file at its start gets it rewritten at the end as usual. */
		if (isatty(STDOUT_FILENO))
			return elog_errorf(&c->err, EINVAL, "-o -: standard output is a terminal; "
					   "a binary capture goes to a pipe or a file");
		setvbuf(stdout, NULL, _IOFBF, 1u << 20);
		if (elog_writer_open_stream(&c->out.w, stdout, prov, (uint32_t)c->nsubs,
					    c->boot_to_utc, &c->err))
			return -1;
	} else if (kind == ELOG_Z_NONE) {
		/* Past the page cache: see elog_writer_open_flags(). */
		if (elog_writer_open_flags(&c->out.w, path, prov, (uint32_t)c->nsubs, c->boot_to_utc,
					   ELOG_WRITER_DIRECT | (o->force ? 0 : ELOG_WRITER_NEW),
					   &c->err))
			return out_open_failed(c, path);
	} else {
		if (elog_zfile_open(&c->out.z, &c->out.f, path, kind, (size_t)c->out.preamble,
				    o->force, &c->err))
			return out_open_failed(c, path);
		if (elog_writer_open_stream(&c->out.w, c->out.f, prov, (uint32_t)c->nsubs,
					    c->boot_to_utc, &c->err))
			return -1;
	}
	/* The header and provider table go to disk at once: a capture killed
	 * before its first flush is still a valid file, not an empty one. */
	return elog_writer_flush(c->out.w, &c->err);
}

/* -o dir=PATH [-f tcp]: lib/session_files.h. */
static int sf_open(struct cap *c)
{
	struct elog_writer_provider prov[ELOG_MAX_SUBSCRIPTIONS];
	size_t i;

	if (c->o->rotate_size || c->o->rotate_events)
		return elog_errorf(&c->err, EINVAL,
				   "--rotate-size/--rotate-events apply to --output FILE, not dir=");
	for (i = 0; i < c->nsubs; i++) {
		prov[i].id = c->subs[i].id;
		prov[i].name = c->subs[i].req->provider;
	}
	return elog_sf_open(&c->sf, c->o->output_path, c->o->file_format == ELOG_FMT_TCP, prov,
			    (uint32_t)c->nsubs, c->boot_to_utc, &c->err);
}

/* --record DIR: lib/recorder.h; what its start found is said once. */
static int rec_open(struct cap *c)
{
	struct elog_writer_provider prov[ELOG_MAX_SUBSCRIPTIONS];
	struct elog_recorder_opts ro = { .max_bytes = c->o->record_max_bytes,
					 .max_files = c->o->record_max_files };
	struct elog_recorder_stats st;
	size_t i;

	for (i = 0; i < c->nsubs; i++) {
		prov[i].id = c->subs[i].id;
		prov[i].name = c->subs[i].req->provider;
	}
	if (elog_recorder_open(&c->rec, c->o->record_dir, &ro, prov, (uint32_t)c->nsubs,
			       c->boot_to_utc, &c->err))
		return -1;
	elog_recorder_stats(c->rec, &st);
	if (st.salvaged)
		fprintf(stderr, "elog: %s: %llu dump file(s) a killed recorder had written but not "
				"listed are listed now\n", c->o->record_dir,
			(unsigned long long)st.salvaged);
	if (st.discarded)
		fprintf(stderr, "elog: warning: %s: %llu dump file(s) a killed recorder was writing "
				"were incomplete and are deleted (those dumps are lost)\n",
			c->o->record_dir, (unsigned long long)st.discarded);
	if (st.missing)
		fprintf(stderr, "elog: warning: %s: %llu listed dump file(s) were removed by "
				"someone else\n", c->o->record_dir, (unsigned long long)st.missing);
	return 0;
}

/* Closes the files of the series whose writes are done (all of them when
 * wait). Returns 0, or -1 with the first failure in c->err. */
static int out_reap(struct cap *c, bool wait)
{
	struct elog_error e = { 0 };
	size_t i, n = 0;
	int ret = 0;

	for (i = 0; i < c->out.nclosing; i++) {
		struct elog_writer *w = c->out.closing[i];

		if (!wait && !elog_writer_idle(w)) {
			c->out.closing[n++] = w;
			continue;
		}
		if (elog_writer_close(w, &e) && !ret) {
			ret = -1;
			if (!c->err.msg[0])
				c->err = e;
		}
	}
	c->out.nclosing = n;
	return ret;
}

/* Closes the current file with `dropped` in its header; later: a plain
 * file is left to its writer thread and closed by out_reap(). */
static int out_close(struct cap *c, uint64_t dropped, bool later)
{
	struct elog_error e = { 0 }, e2;
	int ret = 0;

	if (!c->out.w && !c->out.z)
		return 0;
	if (c->out.w && later && !c->out.z) {
		elog_writer_set_dropped(c->out.w, dropped);
		if (c->out.nclosing == OUT_CLOSING_MAX && out_reap(c, true))
			ret = -1; /* c->err says why */
		if (elog_writer_close_begin(c->out.w, &e) == 0 && ret == 0) {
			c->out.closing[c->out.nclosing++] = c->out.w;
		} else {
			elog_writer_close(c->out.w, &e2); /* frees; e says why */
			if (!c->err.msg[0])
				c->err = e;
			ret = -1;
		}
		c->out.w = NULL;
		return ret;
	}
	if (c->out.w) {
		elog_writer_set_dropped(c->out.w, dropped);
		ret = elog_writer_close(c->out.w, &e);
		c->out.w = NULL;
	}
	if (c->out.z) {
		if (fclose(c->out.f) && !ret)
			ret = elog_errorf(&e, errno, "close %s: %s", c->o->output_path, strerror(errno));
		if (elog_zfile_finish(c->out.z, ret ? NULL : &e))
			ret = -1;
		c->out.z = NULL;
		c->out.f = NULL;
	}
	if (ret && !c->err.msg[0])
		c->err = e;
	return ret;
}

/* Next file of the series; the closed one gets the drops seen meanwhile. */
static int out_rotate(struct cap *c)
{
	uint64_t delivered, dropped, total = 0;
	size_t i;

	for (i = 0; i < c->nsubs; i++) {
		struct cap_sub *s = &c->subs[i];

		/* While draining at the end the slots are gone: final counts. */
		dropped = s->dropped;
		if (s->sub.slot >= 0 &&
		    elog_rt_sub_counts(s->rt, s->sub.slot, &delivered, &dropped, &c->err))
			return -1;
		total += dropped;
	}
	if (out_close(c, total - c->out.dropped_before, true))
		return -1;
	c->out.dropped_before = total;
	c->out.seq++;
	return out_open(c);
}

/* Dumps held back whose BLACKBOX_DUMP record is at or before limit: all of
 * them is in by now; into the window before it releases up to limit. */
static int flush_dumps(struct cap *c, uint64_t limit)
{
	size_t i;
	int r;

	for (i = 0; i < c->nsubs; i++)
		for (r = 0; c->subs[i].rings && r < c->subs[i].sub.nrings; r++)
			if (c->subs[i].rings[r].bb &&
			    elog_bb_block_flush(c->subs[i].rings[r].bb, c->reorder, limit)) {
				elog_errorf(&c->err, ENOMEM, "out of memory in the reorder window");
				return -1;
			}
	return 0;
}

static int release(struct cap *c, uint64_t limit)
{
	const struct elog_options *o = c->o;
	int ret;

	if (flush_dumps(c, limit))
		return -1;
	/* Rotation decides per record; the other outputs take one record at
	 * a time anyway. */
	if (c->out.w && !c->sf && !o->rotate_events && !o->rotate_size && o->sel == NULL)
		ret = elog_reorder_release_runs(c->reorder, limit, run_sink, c);
	else
		ret = elog_reorder_release(c->reorder, limit, sink, c);
	if (ret)
		return -1;
	/* Dumps come out of the window whole: the ones begun are complete. */
	if (c->rec && elog_recorder_settle(c->rec, &c->err))
		return -1;
	/* The sink sends its batch when it is old enough, and retries. */
	if (c->ch && elog_ch_poll(c->ch, &c->err))
		return -1;
	if (!c->out.w && !c->ch && !c->rec && fflush(stdout)) {
		elog_errorf(&c->err, errno, "write to stdout: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Nothing came for a while and no session of any subscribed provider is
 * enabled (and no default enables new ones): the capture would print
 * nothing forever. One line on stderr says how to enable logging.
 */
static void idle_hint(struct cap *c)
{
	const char *p = c->subs[0].req->provider;
	struct elog_error e = { 0 };
	struct elog_state st;
	struct elog_conf conf;
	size_t i;

	if (c->received)
		return;
	for (i = 0; i < c->nsubs; i++)
		if (elog_rt_read(c->subs[i].rt, &st, &conf, &e) || st.sessions_enabled ||
		    conf.default_on)
			return;
	fprintf(stderr, "elog: no %s session is enabled, so nothing is logged yet: "
			"`elogctl kern.eventlog.%s.default=1` enables new ones, =2 every one%s\n",
		p, p, strcmp(p, "tcp") == 0 ?
		", and a program can enable its socket with the TCP_EVENTLOG option" : "");
}

/* Everything released so far onto the disk (SIGKILL or power loss then
 * loses at most the last second): the binary file, the compressor of a
 * .gz/.zst one, the per-session files. */
static int flush_outputs(struct cap *c)
{
	if (c->out.w && elog_writer_flush(c->out.w, &c->err))
		return -1;
	if (c->out.z && elog_zfile_flush(c->out.z, &c->err))
		return -1;
	if (c->sf && elog_sf_flush(c->sf, &c->err))
		return -1;
	return 0;
}

static int loop(struct cap *c)
{
	uint64_t start = elog_rt_boot_us();
	uint64_t next_reclaim = start + RECLAIM_EVERY_US, hint_at = start + HINT_AFTER_US;
	size_t i;
	int n;

	while (!stop_requested && !c->failed) {
		/* Records stamped before now - window are all in the rings by
		 * now: read the clock before consuming. */
		uint64_t now = elog_rt_boot_us();

		n = ring_buffer__poll(c->rb, POLL_MS);
		/* epoll reports only the rings that were woken, and wakeups
		 * are batched (1/8 of a ring): read the quiet rings' tail too,
		 * or it waits for the next wakeup or the end of the capture. */
		if (n >= 0 || n == -EINTR)
			n = ring_buffer__consume(c->rb);
		if (n < 0 && n != -EINTR) {
			if (c->failed)
				break;
			return elog_errorf(&c->err, -n, "poll ring buffers: %s", strerror(-n));
		}
		if (c->out.nclosing && out_reap(c, false))
			return -1;
		if (now > ELOG_REORDER_WINDOW_US && release(c, now - ELOG_REORDER_WINDOW_US))
			return -1;
		/* The black box dumps triggers asked for go out from here
		 * (to every subscriber), and spent buffers are freed. */
		for (i = 0; i < c->nsubs; i++) {
			if (elog_rt_bb_service(c->subs[i].rt, now >= next_reclaim, &c->err) == 0)
				continue;
			/* Its pins removed under us (the dump program's
			 * first): stopped as below, not this error. */
			if (elog_rt_is_current(c->subs[i].rt) == 0) {
				c->gone = c->subs[i].req->provider;
				return 0;
			}
			return -1;
		}
		if (now >= next_reclaim) {
			/* Frees the slots of captures that died (SIGKILL). */
			for (i = 0; i < c->nsubs; i++) {
				if (elog_rt_reclaim(c->subs[i].rt, &c->err) < 0)
					return -1;
				/* Its pins removed under us: nothing more can
				 * come. Stop as on SIGINT, then say why. */
				if (elog_rt_is_current(c->subs[i].rt) == 0) {
					c->gone = c->subs[i].req->provider;
					return 0;
				}
			}
			/* What was released is on disk within a second, even
			 * when nothing more comes: a capture killed (SIGKILL,
			 * power loss) loses at most that, not a whole 1 MiB
			 * buffer or what a compressor holds. */
			if (flush_outputs(c))
				return -1;
			next_reclaim = now + RECLAIM_EVERY_US;
			if (hint_at && now >= hint_at) {
				idle_hint(c);
				hint_at = 0;
			}
		}
	}
	return c->failed ? -1 : 0;
}

/* What the selectors kept: said with -s; records let go unselected are
 * never silent; nothing kept at all is an error, as with -r. */
static int selection_end(struct cap *c, int ret)
{
	struct elog_select_live_stats ls;
	char what[512];

	elog_select_live_stats(c->o->sel, &ls);
	if (c->o->stats)
		fprintf(stderr, "  Selected: %llu events of %llu connections (%llu undecided at "
				"the end)\n", (unsigned long long)ls.emitted,
			(unsigned long long)ls.selected, (unsigned long long)ls.undecided);
	if (ls.discarded)
		fprintf(stderr, "elog: warning: %llu events of connections not yet identified "
				"were let go (more than 64 MiB held): %llu times, a connection "
				"selected later lacks its first events\n",
			(unsigned long long)ls.discarded, (unsigned long long)ls.discarded_sessions);
	if (ret || c->failed || c->gone || ls.emitted)
		return ret;
	elog_select_describe(c->o->sel, what, sizeof(what));
	elog_errorf(&c->err, ENOENT, "no %s matched %s during the capture",
		    elog_select_needs_learning(c->o->sel) || elog_select_has(c->o->sel, ELOG_SEL_SESSION)
			    ? "connection" : "event", what);
	return -1;
}

/* Unsubscribe (final counts), drain, release everything, close. */
static int finish(struct cap *c, int ret)
{
	struct elog_error e2 = { 0 };
	uint64_t dropped = 0, skipped = 0, now;
	size_t i;

	for (i = 0; i < c->nsubs; i++) {
		struct cap_sub *s = &c->subs[i];

		/* Before unsubscribing: the last one detaches the hot hooks. */
		if (s->rt && s->sub.slot >= 0 && !elog_rt_skipped_runs(s->rt, &now, &e2) &&
		    now > s->skipped0)
			skipped += now - s->skipped0;
		if (s->rt && s->sub.slot >= 0 &&
		    elog_rt_unsubscribe(s->rt, &s->sub, &s->delivered, &s->dropped, &e2) && !ret) {
			c->err = e2;
			ret = -1;
		}
		dropped += s->dropped;
	}
	if (c->rb) {
		if (ring_buffer__consume(c->rb) < 0 && !ret && !c->failed) {
			elog_errorf(&c->err, EIO, "drain ring buffers");
			ret = -1;
		}
		if (!ret && release(c, UINT64_MAX))
			ret = -1;
		ring_buffer__free(c->rb);
	}
	/* Every record the kernel half counted as delivered has been read. */
	if (!ret && !c->failed && !c->gone) {
		uint64_t delivered = 0;

		for (i = 0; i < c->nsubs; i++)
			delivered += c->subs[i].delivered;
		if (delivered != c->received) {
			elog_errorf(&c->err, EIO, "internal error: the kernel delivered %llu records "
				    "and %llu were read", (unsigned long long)delivered,
				    (unsigned long long)c->received);
			ret = -1;
		}
	}
	if (c->ch) {
		struct elog_ch_stats st;

		if (elog_ch_close(c->ch, &st, &e2)) {
			/* Its message names the spill files that hold what
			 * was not inserted: keep it with the first error. */
			if (!ret)
				c->err = e2;
			else if (strcmp(c->err.msg, e2.msg) &&
				 strlen(c->err.msg) + strlen(e2.msg) + 3 < sizeof(c->err.msg))
				snprintf(c->err.msg + strlen(c->err.msg),
					 sizeof(c->err.msg) - strlen(c->err.msg), "; %s", e2.msg);
			ret = -1;
		}
		c->ch = NULL;
		elog_clickhouse_report(&st, c->o->stats);
	}
	if (c->sf && elog_sf_close(c->sf, dropped, &e2) && !ret) {
		c->err = e2;
		ret = -1;
	}
	if (c->rec) {
		struct elog_recorder_stats rs;

		if (elog_recorder_close(c->rec, &rs, &e2) && !ret) {
			c->err = e2;
			ret = -1;
		}
		c->rec = NULL;
		if (c->o->stats)
			fprintf(stderr, "\n[Recorder]\n  Dumps recorded: %llu\n  Files listed: %llu "
					"(%llu bytes)\n  Removed by retention: %llu\n",
				(unsigned long long)rs.written, (unsigned long long)rs.files,
				(unsigned long long)rs.bytes, (unsigned long long)rs.removed);
	}
	if (c->out.w && out_close(c, dropped >= c->out.dropped_before ?
				       dropped - c->out.dropped_before : 0, false) && !ret)
		ret = -1;
	if (out_reap(c, true) && !ret)
		ret = -1;
	for (i = 0; i < c->nsubs; i++) {
		struct cap_sub *s = &c->subs[i];

		for (int r = 0; s->rings && r < s->sub.nrings; r++)
			elog_bb_block_free(s->rings[r].bb);
		free(s->rings);
		elog_rt_sub_close(&s->sub);
		elog_rt_close(s->rt);
	}
	/* Not an error: the records are all there, only their order is not
	 * what the file promises, and a reader should know. */
	if (c->reorder && elog_reorder_late(c->reorder))
		fprintf(stderr, "elog: warning: %llu of the events written are out of timestamp "
				"order: each reached elog more than %u ms after its timestamp\n",
			(unsigned long long)elog_reorder_late(c->reorder),
			ELOG_REORDER_WINDOW_US / 1000);
	if (c->o->stats)
		elog_print_stats(stderr, (uint32_t)c->nsubs, c->received, dropped);
	if (c->o->sel != NULL)
		ret = selection_end(c, ret);
	/* Never lost silently: with or without -s, in every output mode. */
	if (skipped)
		fprintf(stderr, "elog: warning: the kernel skipped %llu runs of the providers' "
				"programs during the capture (each was already running on that "
				"CPU): the events they would have written are lost\n",
			(unsigned long long)skipped);
	if (dropped)
		fprintf(stderr, "elog: warning: %llu events were dropped: the buffers were full "
				"(-b sets their size per CPU)\n", (unsigned long long)dropped);
	return ret;
}

int elog_capture_run(const struct elog_options *o)
{
	struct cap *c;
	const char *names[ELOG_MAX_SUBSCRIPTIONS];
	size_t i;
	int ret;

	c = calloc(1, sizeof(*c));
	if (!c) {
		fprintf(stderr, "elog: out of memory\n");
		return 1;
	}
	c->o = o;
	ret = elog_rt_check_privilege(&c->err);
	if (!ret && install_signals()) {
		elog_errorf(&c->err, errno, "sigaction: %s", strerror(errno));
		ret = -1;
	}
	c->reorder = elog_reorder_new();
	if (!ret && !c->reorder) {
		elog_errorf(&c->err, ENOMEM, "out of memory");
		ret = -1;
	}
	/* UTC of boot time 0: the live text and the capture header's base. */
	c->boot_to_utc = (int64_t)elog_rt_boot_to_utc_us(0);
	if (!ret)
		ret = subscribe_all(c);
	if (!ret && o->output_kind == ELOG_OUT_FILE && (o->rotate_size || o->rotate_events) &&
	    series_check(c))
		ret = -1;
	if (!ret && (o->output_kind == ELOG_OUT_FILE || o->output_kind == ELOG_OUT_STDOUT) &&
	    out_open(c))
		ret = -1;
	if (!ret && o->output_kind == ELOG_OUT_DIR && sf_open(c))
		ret = -1;
	if (!ret && o->record_dir && rec_open(c))
		ret = -1;
	if (!ret && o->clickhouse_url && elog_clickhouse_open(&c->ch, o, true, 0, &c->err))
		ret = -1;
	if (!ret && o->json && o->output_kind == ELOG_OUT_TEXT && !c->ch) {
		c->json = malloc(ELOG_JSON_LINE_MAX);
		if (!c->json) {
			elog_errorf(&c->err, ENOMEM, "out of memory");
			ret = -1;
		}
	}
	if (!ret && o->providers) {
		for (i = 0; i < c->nsubs; i++)
			names[i] = c->subs[i].req->provider;
		elog_print_providers(stderr, c->nsubs, names);
	}
	if (!ret && o->duration_s)
		alarm(o->duration_s);
	if (!ret)
		ret = loop(c);
	ret = finish(c, ret);
	if (!ret && c->gone) {
		elog_errorf(&c->err, ENODEV, "provider %s was unloaded: capture stopped", c->gone);
		ret = -1;
	}
	elog_reorder_free(c->reorder);
	free(c->json);
	if (ret)
		fprintf(stderr, "elog: %s\n", c->err.msg[0] ? c->err.msg :
			strerror(c->err.code ? c->err.code : EIO));
	free(c);
	return ret ? 1 : 0;
}
