// SPDX-License-Identifier: BSD-2-Clause
/*
 * elog -c: live capture. One subscription (slot + ring) per -c provider,
 * all rings polled by one libbpf ring_buffer; records go through the
 * reorder window (lib/rt/reorder.h) to one sink (lib/consume/sink.h) until
 * SIGINT/SIGTERM/--duration: a binary capture (-o FILE, .gz/.zst compressed
 * by name, rotated into a numbered series with --rotate-*), per-session
 * files (-o dir=), the black box recorder (--record), ClickHouse, or text
 * lines (JSON Lines with --json) on stdout. This file only maps the options
 * to the sink.
 *
 * Exactness at the end: every subscription is released first (after which
 * no program can still write to its ring and its counters are final), then
 * the rings are drained, so the header's event_count is every delivered
 * record and dropped_events every record the kernel could not deliver.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "capture.h"
#include "recorder.h"
#include "session_files.h"
#include "sink.h"
#include "rt/bb_block.h"
#include "rt/reorder.h"
#include "elog.h"
#include "format.h"
#include "rt/rt.h"
#include "select.h"
#include "sink_clickhouse.h"

#define POLL_MS 50          /* wakeups are batched in the kernel: poll for the tail */
#define RECLAIM_EVERY_US 1000000
#define BB_HELD_MS 5        /* a dump held back whole: look again this soon */
/* With nothing received this long and no session enabled: say how to
 * enable one, rather than wait in silence. */
#define HINT_AFTER_US 3000000

struct cap;

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
	struct elog_sink *sink;   /* where the records go */
	struct elog_recorder_stats rec_st; /* --record: its counts at the end */
	struct elog_ch_stats ch_st;        /* --clickhouse: its counts at the end */
	int64_t boot_to_utc;
	uint64_t received;
	uint64_t read;        /* records read from the rings */
	bool asleep;          /* the subscriptions are marked asleep */
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

/* One record out, to the sink. */
static int sink_out(void *arg, unsigned tag, const void *rec, size_t len)
{
	struct cap *c = arg;
	struct cap_sub *s = &c->subs[tag];
	struct elog_event_hdr h;
	struct elog_sink_rec r;

	memcpy(&h, rec, sizeof(h));
	r.raw = rec;
	r.hdr = &h;
	r.payload = (const unsigned char *)rec + sizeof(h);
	r.payload_len = len - sizeof(h);
	r.provider_name = s->req->provider;
	r.desc = s->desc;
	r.utc_us = (int64_t)h.timestamp + c->boot_to_utc;
	return elog_sink_write(c->sink, &r, &c->err);
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

/* Reorder run sink for a sink that takes runs (a plain -o FILE): records
 * adjacent in the window go to the writer in one call, one copy. */
static int run_sink(void *arg, const void *recs, size_t bytes, size_t count)
{
	struct cap *c = arg;

	c->received += count;
	return elog_sink_write_run(c->sink, recs, bytes, count, &c->err);
}

/* ring_buffer callback (ctx: the ring): copy into the window, a black box
 * dump as one block (lib/rt/bb_block.h). */
static int on_record(void *ctx, void *data, size_t size)
{
	struct cap_ring *ring = ctx;
	struct cap_sub *s = ring->sub;
	struct cap *c = s->cap;

	c->read++;
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

/* The drops counted so far (live counters; final ones once a slot is
 * given back): what a file of a series rotated out gets in its header. */
static int dropped_now(void *arg, uint64_t *total, struct elog_error *err)
{
	struct cap *c = arg;
	uint64_t delivered, dropped, sum = 0;
	size_t i;

	for (i = 0; i < c->nsubs; i++) {
		struct cap_sub *s = &c->subs[i];

		dropped = s->dropped;
		if (s->sub.slot >= 0 &&
		    elog_rt_sub_counts(s->rt, s->sub.slot, &delivered, &dropped, err))
			return -1;
		sum += dropped;
	}
	*total = sum;
	return 0;
}

/* -o FILE, -o -: a capture file (a series with --rotate-*). An output that
 * exists is never replaced without --force: the message says how. */
static int open_file_sink(struct cap *c, const struct elog_writer_provider *prov)
{
	const struct elog_options *o = c->o;
	struct elog_sink_file_opts fo = {
		.providers = prov, .provider_count = (uint32_t)c->nsubs,
		.boot_to_utc_us = c->boot_to_utc, .force = o->force,
		.rotate_size = o->rotate_size, .rotate_events = o->rotate_events,
		.dropped_now = dropped_now, .arg = c,
	};
	size_t n;

	if (o->output_kind == ELOG_OUT_STDOUT) {
		if (isatty(STDOUT_FILENO))
			return elog_errorf(&c->err, EINVAL, "-o -: standard output is a terminal; "
					   "a binary capture goes to a pipe or a file");
		setvbuf(stdout, NULL, _IOFBF, 1u << 20);
		fo.stream = stdout;
	} else {
		fo.path = o->output_path;
	}
	if (elog_sink_file_open(&c->sink, &fo, &c->err) == 0)
		return 0;
	n = strlen(c->err.msg);
	if (c->err.code == EEXIST && n + 48 < sizeof(c->err.msg))
		snprintf(c->err.msg + n, sizeof(c->err.msg) - n, " (--force replaces %s)",
			 o->rotate_size || o->rotate_events ? "the series' files" : "it");
	return -1;
}

/* --record DIR: lib/export/recorder.h; what its start found is said once. */
static int open_recorder_sink(struct cap *c, const struct elog_writer_provider *prov)
{
	struct elog_recorder_opts ro = { .max_bytes = c->o->record_max_bytes,
					 .max_files = c->o->record_max_files };
	struct elog_recorder_stats st;
	struct elog_recorder *rec;

	if (elog_recorder_open(&rec, c->o->record_dir, &ro, prov, (uint32_t)c->nsubs,
			       c->boot_to_utc, &c->err))
		return -1;
	elog_recorder_stats(rec, &st);
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
	return elog_sink_recorder(&c->sink, rec, &c->rec_st, &c->err);
}

/* The options' output as a sink. */
static int open_sink(struct cap *c)
{
	struct elog_writer_provider prov[ELOG_MAX_SUBSCRIPTIONS];
	const struct elog_options *o = c->o;
	struct elog_session_files *sf;
	struct elog_ch *ch;
	size_t i;

	for (i = 0; i < c->nsubs; i++) {
		prov[i].id = c->subs[i].id;
		prov[i].name = c->subs[i].req->provider;
	}
	if (o->clickhouse_url != NULL) {
		if (elog_clickhouse_open(&ch, o, true, 0, &c->err))
			return -1;
		return elog_sink_clickhouse(&c->sink, ch, &c->ch_st, &c->err);
	}
	if (o->record_dir != NULL)
		return open_recorder_sink(c, prov);
	switch (o->output_kind) {
	case ELOG_OUT_FILE:
	case ELOG_OUT_STDOUT:
		return open_file_sink(c, prov);
	case ELOG_OUT_DIR:
		/* -o dir=PATH [-f tcp]: lib/session_files.h. */
		if (o->rotate_size || o->rotate_events)
			return elog_errorf(&c->err, EINVAL, "--rotate-size/--rotate-events apply "
					   "to --output FILE, not dir=");
		if (elog_sf_open(&sf, o->output_path, o->file_format == ELOG_FMT_TCP, prov,
				 (uint32_t)c->nsubs, c->boot_to_utc, &c->err))
			return -1;
		return elog_sink_sessions(&c->sink, sf, &c->err);
	case ELOG_OUT_TEXT:
		break;
	}
	if (o->json)
		return elog_sink_json_open(&c->sink, STDOUT_FILENO, 0, &c->err);
	return elog_sink_text_open(&c->sink, STDOUT_FILENO, &o->text, &c->err);
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
	int ret;

	if (flush_dumps(c, limit))
		return -1;
	/* A selection decides per record. */
	if (elog_sink_takes_runs(c->sink) && c->o->sel == NULL)
		ret = elog_reorder_release_runs(c->reorder, limit, run_sink, c);
	else
		ret = elog_reorder_release(c->reorder, limit, sink, c);
	if (ret)
		return -1;
	/* Lines out, finished dumps listed, a batch sent, rotated files
	 * collected. */
	if (elog_sink_poll(c->sink, &c->err))
		return -1;
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

/* Marks every subscription asleep or awake (elog_rt_sub_asleep). */
static int set_asleep(struct cap *c, bool asleep)
{
	size_t i;

	for (i = 0; i < c->nsubs; i++)
		if (elog_rt_sub_asleep(c->subs[i].rt, &c->subs[i].sub, asleep, &c->err))
			return -1;
	c->asleep = asleep;
	return 0;
}

/* A dump is held back whole in some ring (rt/bb_block.h). */
static bool dumps_held(const struct cap *c)
{
	size_t i;
	int r;

	for (i = 0; i < c->nsubs; i++)
		for (r = 0; c->subs[i].rings && r < c->subs[i].sub.nrings; r++)
			if (c->subs[i].rings[r].bb && elog_bb_block_pending(c->subs[i].rings[r].bb))
				return true;
	return false;
}

/*
 * How long the next poll may wait. Dumps just made: not at all (their
 * records are in the rings, unannounced). Records in the window: until
 * the oldest may go (at most POLL_MS). Records flowing: POLL_MS, for the
 * rings' quiet tails (wakeups are batched). Nothing read, held or asked
 * for: the subscriptions are marked asleep (the next record wakes us, and
 * so does a black box trigger) and the wait lasts until the next
 * once-a-second chore, so an idle capture or recorder costs next to
 * nothing. Returns -1 on error.
 */
static int next_timeout(struct cap *c, bool busy, int dumps, uint64_t next_reclaim)
{
	uint64_t now = elog_rt_boot_us(), oldest;
	int n;

	if (dumps > 0)
		return 0;
	if (elog_reorder_oldest(c->reorder, &oldest)) {
		uint64_t due = oldest + ELOG_REORDER_WINDOW_US;

		if (due <= now)
			return 1;
		return due - now >= (uint64_t)POLL_MS * 1000 ? POLL_MS : (int)((due - now) / 1000) + 1;
	}
	if (dumps_held(c))
		return BB_HELD_MS;
	if (busy)
		return POLL_MS;
	if (!c->asleep) {
		if (set_asleep(c, true))
			return -1;
		/* A record written before the mark went unannounced: read it
		 * now rather than after the long wait. */
		n = ring_buffer__consume(c->rb);
		if (n < 0)
			return elog_errorf(&c->err, -n, "poll ring buffers: %s", strerror(-n));
		if (n > 0)
			return 0;
	}
	return next_reclaim > now ? (int)((next_reclaim - now) / 1000) + 1 : 0;
}

static int loop(struct cap *c)
{
	uint64_t start = elog_rt_boot_us();
	uint64_t next_reclaim = start + RECLAIM_EVERY_US, hint_at = start + HINT_AFTER_US;
	size_t i;
	int n, timeout = POLL_MS, dumps;

	while (!stop_requested && !c->failed) {
		/* Records stamped before now - window are all in the rings by
		 * now: read the clock before consuming. */
		uint64_t now = elog_rt_boot_us(), read0 = c->read;

		n = ring_buffer__poll(c->rb, timeout);
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
		/* Woken before the timeout (a record, a trigger's dump to
		 * make): awake again, or each record of what follows would
		 * wake us. */
		if (c->asleep && (c->read != read0 || elog_rt_boot_us() - now < (uint64_t)timeout * 1000) &&
		    set_asleep(c, false))
			return -1;
		if (now > ELOG_REORDER_WINDOW_US && release(c, now - ELOG_REORDER_WINDOW_US))
			return -1;
		/* The black box dumps triggers asked for go out from here
		 * (to every subscriber), and spent buffers are freed. */
		dumps = 0;
		for (i = 0; i < c->nsubs; i++) {
			n = elog_rt_bb_service(c->subs[i].rt, now >= next_reclaim, &c->err);
			if (n >= 0) {
				dumps += n;
				continue;
			}
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
			if (elog_sink_flush(c->sink, &c->err))
				return -1;
			next_reclaim = now + RECLAIM_EVERY_US;
			if (hint_at && now >= hint_at) {
				idle_hint(c);
				hint_at = 0;
			}
		}
		timeout = next_timeout(c, c->read != read0, dumps, next_reclaim);
		if (timeout < 0)
			return -1;
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
	struct elog_sink_stats sst = { 0 };
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
	if (c->sink) {
		elog_sink_stats(c->sink, &sst);
		if (elog_sink_close(c->sink, dropped, &e2)) {
			/* ClickHouse's message names the spill files that hold
			 * what was not inserted: keep it with the first error. */
			if (!ret)
				c->err = e2;
			else if (c->o->clickhouse_url && strcmp(c->err.msg, e2.msg) &&
				 strlen(c->err.msg) + strlen(e2.msg) + 3 < sizeof(c->err.msg))
				snprintf(c->err.msg + strlen(c->err.msg),
					 sizeof(c->err.msg) - strlen(c->err.msg), "; %s", e2.msg);
			ret = -1;
		}
		c->sink = NULL;
		if (c->o->clickhouse_url)
			elog_clickhouse_report(&c->ch_st, c->o->stats);
		if (c->o->record_dir && c->o->stats)
			fprintf(stderr, "\n[Recorder]\n  Dumps recorded: %llu\n  Files listed: %llu "
					"(%llu bytes)\n  Removed by retention: %llu\n",
				(unsigned long long)c->rec_st.written,
				(unsigned long long)c->rec_st.files,
				(unsigned long long)c->rec_st.bytes,
				(unsigned long long)c->rec_st.removed);
	}
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
	elog_warn_oversize(&sst);
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
	if (!ret && open_sink(c))
		ret = -1;
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
	if (ret)
		fprintf(stderr, "elog: %s\n", c->err.msg[0] ? c->err.msg :
			strerror(c->err.code ? c->err.code : EIO));
	free(c);
	return ret ? 1 : 0;
}
