// SPDX-License-Identifier: BSD-2-Clause
/*
 * What a TCP session's events say about its connection, for `elog
 * --summary`: one row of figures, each computed from the events that carry
 * it (docs/linux-mapping.md says where each comes from in the kernel):
 *
 *   bytes/segs out, in   Σ len and count of OUT / IN (skbs as TCP hands
 *                        them to IP, retransmissions included)
 *   bytes_acked          Σ acked of ACK and SACK without the FIN: the data
 *                        the peer acknowledged (tcpi_bytes_acked counts the
 *                        SYN and FIN too)
 *   retrans_segs         Σ over RETRANSMIT_REASON of its segments at the MSS
 *                        of the time (what tcpi_total_retrans and
 *                        RetransSegs count), split by why: inside an RXT or
 *                        TLP timer's run or a loss episode an RTO began (rto,
 *                        tlp), in fast recovery (fast), else other (e.g. a
 *                        RACK reordering timeout)
 *   rtos, tlps           RTO events, TLP timer fires
 *   recoveries           ENTER_RECOVERY events, and the time until EXIT
 *   rtt_*                RTT samples (the rtt of each RTT event, where it
 *                        is one: not a negative equivalent of several), the
 *                        last srtt, the last windowed minimum Linux reported
 *   cwnd_*               CWND events (bytes)
 *   zero_window_s        time the peer advertised a zero window
 *   app_limited_s,       what held the sender back, from the first data the
 *   cwnd_limited_s,      application wrote until our FIN (or RST, or the
 *   rwnd_limited_s,      session's end, or its last event): decided anew
 *   other_limited_s      after each event and held until the next (LIMITS
 *                        below); unknown for an end that never sent data
 *   goodput_bps          bytes_acked over the time from the first data
 *                        sent to the last ACK
 *   end                  fin, rst-in, rst-out, timeout (the session ended
 *                        with RTOs after the last ACK and no FIN or RST),
 *                        closed (ended otherwise) or open (no SESSION_END)
 *
 * LIMITS. Linux has no hook that says why tcp_write_xmit stopped (and
 * OUTPUT_DECISION is n/a), so the reason is worked out from three numbers:
 *   written  the sequence number after the last byte the application
 *            handed over: ISS + 1 + the bytes of every USER_SEND and
 *            SENDFILE, and at least snd_una + sndbuf_used at a USER_SEND
 *   sent     the highest end of the data of an OUT
 *   snd_una  the highest ACK received (IN, ACK, SACK)
 * and the windows: cwnd (the last OUT or CWND) against bytes in flight
 * (sent - snd_una - the last sacked), and the peer's window (ack + win of
 * the last IN). Then, in the order tcp_write_xmit tests them:
 *   app    nothing unsent: written <= sent. A send call reports its
 *          length when it returns, so sent > written means a call that has
 *          not returned is still handing data over: not app-limited
 *   cwnd   data unsent and the flight fills cwnd (less than one MSS left,
 *          counted in segments as Linux does)
 *   rwnd   data unsent, cwnd open, and the next segment (up to an MSS of the
 *          unsent data) would pass the peer's window
 *   other  data unsent and both windows open: pacing, TCP small queues,
 *          Nagle or cork, and the moment between an ACK and the segments
 *          it lets out
 * A receive-only end is app-limited throughout, which says nothing: its
 * figures are unknown (no data written or sent), and so are those of a
 * capture without USER_SEND/SENDFILE or without OUT (filtered out).
 *
 * For `elog --report` the same reading plots the graphs below (GRAPHS):
 * sequence numbers relative to the ISS (unwrapped to 64 bits), one marker
 * per retransmitted segment (so the markers add up to retrans_segs), and
 * recovery episodes, RTOs and TLPs as shaded spans.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_facts.h"
#include "tcp_eventlog.h"
#include "tcp_summary.h"


enum { EP_NONE, EP_FAST, EP_LOSS };

/* The report's graphs; the G_/S_ indices below follow this order. */
enum { G_TSEQ, G_CWND, G_RTT, G_RATE };
enum { S_DATA, S_RETRANS, S_ACK, S_RWIN, S_SACK };
enum { S_CWND, S_SSTHRESH, S_INFLIGHT };
enum { S_RTT, S_SRTT, S_MINRTT };
enum { S_ACKRATE, S_DELIVERY };

static const struct elog_plot_series tseq_series[] = {
	[S_DATA] = { "data sent", ELOG_PLOT_RANGE, "#1f5fbf" },
	[S_RETRANS] = { "retransmitted segment", ELOG_PLOT_MARK, "#d62728" },
	[S_ACK] = { "ACK", ELOG_PLOT_STEP, "#2ca02c" },
	[S_RWIN] = { "receive window", ELOG_PLOT_STEP, "#ff7f0e" },
	[S_SACK] = { "SACK block", ELOG_PLOT_RANGE, "#9467bd" },
};
static const struct elog_plot_series cwnd_series[] = {
	[S_CWND] = { "cwnd", ELOG_PLOT_STEP, "#1f5fbf" },
	[S_SSTHRESH] = { "ssthresh", ELOG_PLOT_STEP, "#d62728" },
	[S_INFLIGHT] = { "bytes in flight", ELOG_PLOT_POINTS, "#2ca02c" },
};
static const struct elog_plot_series rtt_series[] = {
	[S_RTT] = { "RTT sample", ELOG_PLOT_POINTS, "#1f5fbf" },
	[S_SRTT] = { "srtt", ELOG_PLOT_LINE, "#ff7f0e" },
	[S_MINRTT] = { "min RTT", ELOG_PLOT_STEP, "#2ca02c" },
};
static const struct elog_plot_series rate_series[] = {
	[S_ACKRATE] = { "acknowledged (goodput)", ELOG_PLOT_LINE, "#1f5fbf" },
	[S_DELIVERY] = { "kernel delivery rate", ELOG_PLOT_POINTS, "#ff7f0e" },
};
#define N(a) (unsigned)(sizeof(a) / sizeof((a)[0]))
static const struct elog_plot_graph tcp_graphs[] = {
	[G_TSEQ] = { "Time-sequence (relative to the ISS)", "bytes", tseq_series, N(tseq_series) },
	[G_CWND] = { "Congestion window, ssthresh, bytes in flight", "bytes", cwnd_series,
		     N(cwnd_series) },
	[G_RTT] = { "RTT samples, srtt, min RTT", "us", rtt_series, N(rtt_series) },
	[G_RATE] = { "Throughput", "bit/s", rate_series, N(rate_series) },
};

/* What holds the sender back (LIMITS above); L_NONE outside the span. */
enum { L_APP, L_CWND, L_RWND, L_OTHER, L_COUNT, L_NONE = L_COUNT };

/* The acknowledged rate is plotted over intervals of at least this. */
#define RATE_INTERVAL_US 10000

struct tcp_analysis {
	struct elog_conn_state facts;
	bool have_time, ended, in_zero_window, fin_sent, fin_recv, fin_acked, rst_in, rst_out;
	uint64_t first_ts, last_ts; /* earliest and latest timestamps seen */
	int64_t first_utc, last_utc;
	uint64_t bytes_out, segs_out, bytes_in, segs_in, acked;
	uint32_t fin_end; /* sequence number after our FIN */
	uint32_t mss;
	uint64_t retrans[4], retrans_total; /* rto, tlp, fast, other */
	uint64_t rtos, rtos_since_ack, tlps;
	uint64_t recoveries, recovery_us, recovery_start;
	int episode;
	int timer_running; /* reason of the write timer being run, -1 none */
	bool pending_rto;
	uint32_t *rtt;
	size_t nrtt, caprtt;
	bool have_srtt, have_min_rtt, have_cwnd;
	uint32_t srtt, min_rtt, cwnd_min, cwnd_max;
	uint64_t zero_window_us, zero_window_start;
	bool have_data_ts;
	uint64_t first_data_ts, last_ack_ts;

	/* LIMITS: positions relative to the ISS, as the plots. */
	bool have_written, have_una, have_wnd, span_done;
	bool seen_app_bytes, seen_out_data; /* what the rule needs is in the capture */
	int64_t written, sent, una, wnd_end;
	uint32_t cwnd, sacked;
	int limit;            /* L_*, L_NONE before the span or after it */
	uint64_t limit_since; /* when `limit` began */
	uint64_t limit_us[L_COUNT];

	struct elog_plot *plot;
	bool have_base;
	uint32_t base32;  /* sequence number of relative 0 (the ISS) */
	int64_t top;      /* highest relative sequence number seen */
	uint64_t rate_ts, rate_acked;
	uint64_t tlp_ts;
};

/* A sequence number relative to the ISS, unwrapped around the highest one
 * seen so far (every number the events carry is within 2 GiB of it). */
static double rel(struct tcp_analysis *a, uint32_t seq)
{
	int64_t r;

	if (!a->have_base) {
		a->have_base = true;
		a->base32 = seq;
		a->top = 0;
	}
	r = a->top + (int32_t)(seq - (uint32_t)(a->base32 + (uint32_t)a->top));
	if (r > a->top)
		a->top = r;
	return (double)r;
}

/* Size-aware: a short payload reads as zero-filled. */
static void copy_payload(void *dst, size_t size, const void *payload, size_t len)
{
	memset(dst, 0, size);
	if (payload != NULL)
		memcpy(dst, payload, len < size ? len : size);
}

static void *tcp_open(void)
{
	struct tcp_analysis *a = calloc(1, sizeof(*a));

	if (a != NULL) {
		a->timer_running = -1;
		a->limit = L_NONE;
	}
	return a;
}

static void tcp_close(void *p)
{
	struct tcp_analysis *a = p;

	if (a == NULL)
		return;
	free(a->rtt);
	free(a);
}

static void rtt_sample(struct tcp_analysis *a, uint32_t rtt)
{
	if (a->nrtt == a->caprtt) {
		size_t nc = a->caprtt ? a->caprtt * 2 : 64;
		uint32_t *n = realloc(a->rtt, nc * sizeof(*n));

		if (n == NULL)
			return; /* the percentiles then describe the samples kept */
		a->rtt = n;
		a->caprtt = nc;
	}
	a->rtt[a->nrtt++] = rtt;
}

static void cwnd_seen(struct tcp_analysis *a, uint32_t cwnd)
{
	if (cwnd == 0)
		return;
	if (!a->have_cwnd || cwnd < a->cwnd_min)
		a->cwnd_min = cwnd;
	if (!a->have_cwnd || cwnd > a->cwnd_max)
		a->cwnd_max = cwnd;
	a->have_cwnd = true;
}

static bool synchronized(uint8_t state)
{
	return state >= TCP_EVENTLOG_TCP_STATE_ESTABLISHED;
}

static void snd_una_seen(struct tcp_analysis *a, uint32_t ack)
{
	int64_t r;

	if (!a->have_base)
		return;
	r = (int64_t)rel(a, ack);
	if (!a->have_una || r > a->una) {
		a->una = r;
		a->have_una = true;
	}
}

static void segment_in(struct tcp_analysis *a, const struct elog_event_hdr *h,
		       const struct tcp_eventlog_in *e)
{
	a->segs_in++;
	a->bytes_in += e->len;
	if (e->flags & TCP_EVENTLOG_FLAG_RST)
		a->rst_in = true;
	if (e->flags & TCP_EVENTLOG_FLAG_FIN)
		a->fin_recv = true;
	if (a->plot != NULL && a->have_base && (e->flags & TCP_EVENTLOG_FLAG_ACK) &&
	    synchronized(e->state)) {
		double ack = rel(a, e->ack);

		elog_plot_point(a->plot, G_TSEQ, S_ACK, h->timestamp, ack, 0);
		elog_plot_point(a->plot, G_TSEQ, S_RWIN, h->timestamp, ack + e->win, 0);
	}
	if ((e->flags & TCP_EVENTLOG_FLAG_ACK) && synchronized(e->state) &&
	    !(e->flags & (TCP_EVENTLOG_FLAG_SYN | TCP_EVENTLOG_FLAG_RST))) {
		snd_una_seen(a, e->ack);
		if (a->have_base) {
			a->wnd_end = (int64_t)rel(a, e->ack) + e->win;
			a->have_wnd = true;
		}
		if (e->win == 0 && !a->in_zero_window) {
			a->in_zero_window = true;
			a->zero_window_start = h->timestamp;
		} else if (e->win != 0 && a->in_zero_window) {
			a->in_zero_window = false;
			a->zero_window_us += h->timestamp - a->zero_window_start;
		}
	}
}

static void segment_out(struct tcp_analysis *a, const struct elog_event_hdr *h,
			const struct tcp_eventlog_out *e)
{
	a->segs_out++;
	a->bytes_out += e->len;
	if (e->len != 0 && !a->have_data_ts) {
		a->have_data_ts = true;
		a->first_data_ts = h->timestamp;
	}
	if (e->flags & TCP_EVENTLOG_FLAG_RST)
		a->rst_out = true;
	if ((e->flags & TCP_EVENTLOG_FLAG_FIN) && !a->fin_sent) {
		a->fin_sent = true;
		a->fin_end = e->seq + e->len + 1;
	}
	if (e->cwnd != 0)
		a->cwnd = e->cwnd;
	if (e->len != 0)
		a->seen_out_data = true;
	if (e->len != 0 && a->have_base) {
		double y = rel(a, e->seq);

		if ((int64_t)y + e->len > a->sent)
			a->sent = (int64_t)y + e->len;
		elog_plot_point(a->plot, G_TSEQ, S_DATA, h->timestamp, y, y + e->len);
	}
}

static void acked(struct tcp_analysis *a, const struct elog_event_hdr *h, uint32_t bytes,
		  uint32_t snd_una)
{
	a->acked += bytes;
	snd_una_seen(a, snd_una);
	if (bytes != 0) {
		a->last_ack_ts = h->timestamp;
		a->rtos_since_ack = 0;
	}
	if (a->fin_sent && !a->fin_acked && snd_una == a->fin_end)
		a->fin_acked = true;
	if (a->plot == NULL)
		return;
	if (a->rate_ts == 0) {
		a->rate_ts = h->timestamp;
		a->rate_acked = a->acked;
	} else if (h->timestamp - a->rate_ts >= RATE_INTERVAL_US) {
		elog_plot_point(a->plot, G_RATE, S_ACKRATE, h->timestamp,
				(double)(a->acked - a->rate_acked) * 8e6 /
					(double)(h->timestamp - a->rate_ts), 0);
		a->rate_ts = h->timestamp;
		a->rate_acked = a->acked;
	}
}

static void in_flight(struct tcp_analysis *a, const struct elog_event_hdr *h, uint32_t inflight)
{
	elog_plot_point(a->plot, G_CWND, S_INFLIGHT, h->timestamp, inflight, 0);
}

static void retransmit(struct tcp_analysis *a, const struct elog_event_hdr *h,
		       const struct tcp_eventlog_retransmit_reason *e)
{
	uint32_t bytes = e->rsm_end - e->rsm_start;
	uint64_t segs = a->mss ? (bytes + a->mss - 1) / a->mss : 1;
	int why;

	if (segs == 0)
		segs = 1;
	if (a->timer_running == TCP_EVENTLOG_TIMER_REASON_TLP)
		why = 1;
	else if (a->timer_running == TCP_EVENTLOG_TIMER_REASON_RXT || a->episode == EP_LOSS ||
		 a->pending_rto)
		why = 0;
	else if (a->episode == EP_FAST)
		why = 2;
	else
		why = 3;
	a->retrans[why] += segs;
	a->retrans_total += segs;
	/* One marker per segment, as the kernel counts them. */
	if (a->plot != NULL && a->have_base) {
		double y = rel(a, e->rsm_start);

		for (uint64_t k = 0; k < segs; k++)
			elog_plot_point(a->plot, G_TSEQ, S_RETRANS, h->timestamp,
					y + (double)(k * a->mss), 0);
	}
}

/* LIMITS: what holds the sender back now. */
static int limit_now(const struct tcp_analysis *a)
{
	uint32_t mss = a->mss ? a->mss : 1;
	int64_t unsent = a->written - a->sent, next;
	int64_t flight = a->sent - a->una - (int64_t)a->sacked;

	if (a->sent <= a->written && unsent <= 0)
		return L_APP;
	/* In segments, as tcp_cwnd_test counts them. */
	if (a->cwnd != 0 && flight > 0 &&
	    (uint64_t)(flight + mss - 1) / mss >= a->cwnd / mss)
		return L_CWND;
	/* A call still handing data over: at least one segment's worth. */
	next = unsent > 0 && unsent < (int64_t)mss ? unsent : (int64_t)mss;
	if (a->have_wnd && a->sent + next > a->wnd_end)
		return L_RWND;
	return L_OTHER;
}

/* The time since the last change goes to the reason that held; then the
 * reason is decided anew (or the span ends). */
static void limit_step(struct tcp_analysis *a, uint64_t now, bool end)
{
	int next;

	if (a->limit != L_NONE) {
		a->limit_us[a->limit] += now - a->limit_since;
		a->limit_since = now;
	}
	if (a->span_done || !a->have_written)
		return;
	if (end) {
		a->span_done = a->limit != L_NONE;
		a->limit = L_NONE;
		return;
	}
	/* The span begins with the first data written or sent. */
	if (a->limit == L_NONE && a->written <= 1 && a->sent <= 1)
		return;
	next = limit_now(a);
	if (a->limit == L_NONE)
		a->limit_since = now;
	a->limit = next;
}

/* Bytes the application handed over; at a USER_SEND, at least what the
 * send buffer holds beyond snd_una (a capture that began late). */
static void app_wrote(struct tcp_analysis *a, uint32_t bytes, uint32_t sndbuf_used)
{
	if (bytes != 0)
		a->seen_app_bytes = true;
	if (!a->have_written)
		return;
	a->written += bytes;
	if (a->have_una && a->una + (int64_t)sndbuf_used > a->written)
		a->written = a->una + (int64_t)sndbuf_used;
}

static void tcp_event(void *p, const struct elog_event_hdr *hdr, int64_t utc_us,
		      const void *payload, size_t len)
{
	struct tcp_analysis *a = p;
	uint32_t id = hdr->event_id;
	struct elog_event_hdr clamped = *hdr;
	const struct elog_event_hdr *h = &clamped;

	tcp_conn_facts.learn(&a->facts, id, payload, len);
	if (!a->have_time || hdr->timestamp < a->first_ts) {
		a->first_ts = hdr->timestamp;
		a->first_utc = utc_us;
	}
	/* Time never runs back here: a record older than one already read
	 * (a black box dump repeats a connection's identity records, records
	 * of several CPUs meet late) counts at the latest time seen. */
	if (!a->have_time || hdr->timestamp >= a->last_ts) {
		a->last_ts = hdr->timestamp;
		a->last_utc = utc_us;
	} else {
		clamped.timestamp = a->last_ts;
	}
	a->have_time = true;

#define EV(type, var) struct tcp_eventlog_##type var; copy_payload(&var, sizeof(var), payload, len)
	switch (id) {
	case TCP_EVENTLOG_IN_ID: {
		EV(in, e);
		segment_in(a, h, &e);
		break;
	}
	case TCP_EVENTLOG_OUT_ID: {
		EV(out, e);
		segment_out(a, h, &e);
		break;
	}
	case TCP_EVENTLOG_ACK_ID: {
		EV(ack, e);
		a->sacked = e.sacked;
		acked(a, h, e.acked, e.snd_una);
		in_flight(a, h, e.inflight);
		break;
	}
	case TCP_EVENTLOG_SACK_ID: {
		EV(sack, e);
		const uint32_t blk[4][2] = { { e.blk1_start, e.blk1_end }, { e.blk2_start, e.blk2_end },
					     { e.blk3_start, e.blk3_end }, { e.blk4_start, e.blk4_end } };

		a->sacked = e.sacked;
		acked(a, h, e.acked, e.snd_una);
		in_flight(a, h, e.inflight);
		for (unsigned k = 0; a->plot != NULL && a->have_base && k < e.num_blocks && k < 4; k++) {
			double y = rel(a, blk[k][0]);

			elog_plot_point(a->plot, G_TSEQ, S_SACK, h->timestamp, y,
					y + (uint32_t)(blk[k][1] - blk[k][0]));
		}
		break;
	}
	case TCP_EVENTLOG_CONN_PARAMS_ID: {
		EV(conn_params, e);
		if (a->mss == 0)
			a->mss = e.mss;
		/* Sequence numbers are plotted from the ISS on. */
		if (!a->have_base) {
			a->have_base = true;
			a->base32 = e.iss;
			a->top = 0;
			/* Data begins after the SYN; established, the SYN is acked. */
			a->have_written = a->have_una = true;
			a->written = a->sent = a->una = 1;
		}
		break;
	case TCP_EVENTLOG_USER_SEND_ID: {
		EV(user_send, e);
		app_wrote(a, e.send_len, e.sndbuf_used);
		break;
	}
	case TCP_EVENTLOG_SENDFILE_ID: {
		EV(sendfile, e);
		app_wrote(a, (uint32_t)e.length, 0);
		break;
	}
	}
	case TCP_EVENTLOG_GOODPUT_ID: {
		EV(goodput, e);
		elog_plot_point(a->plot, G_RATE, S_DELIVERY, h->timestamp, (double)e.raw_bw, 0);
		break;
	}
	case TCP_EVENTLOG_MSS_ID: {
		EV(mss, e);
		a->mss = e.mss;
		break;
	}
	case TCP_EVENTLOG_CWND_ID: {
		EV(cwnd, e);
		cwnd_seen(a, e.cwnd);
		if (e.cwnd != 0)
			a->cwnd = e.cwnd;
		elog_plot_point(a->plot, G_CWND, S_CWND, h->timestamp, e.cwnd, 0);
		/* An unset ssthresh (UINT32_MAX) is not a value to draw. */
		if (e.ssthresh != UINT32_MAX)
			elog_plot_point(a->plot, G_CWND, S_SSTHRESH, h->timestamp, e.ssthresh, 0);
		break;
	}
	case TCP_EVENTLOG_ENTER_RECOVERY_ID:
		a->recoveries++;
		a->recovery_start = h->timestamp;
		a->episode = (a->pending_rto || a->timer_running == TCP_EVENTLOG_TIMER_REASON_RXT)
				     ? EP_LOSS : EP_FAST;
		a->pending_rto = false;
		break;
	case TCP_EVENTLOG_EXIT_RECOVERY_ID:
		if (a->episode != EP_NONE) {
			a->recovery_us += h->timestamp - a->recovery_start;
			elog_plot_span(a->plot, a->recovery_start, h->timestamp,
				       a->episode == EP_LOSS ? "loss recovery (after an RTO)"
							     : "fast recovery");
		}
		a->episode = EP_NONE;
		break;
	case TCP_EVENTLOG_RTT_ID: {
		EV(rtt, e);
		/* Between two reports Linux may take several samples, and the one
		 * sample that would explain the change of srtt can then be
		 * negative (it wraps): not a sample. */
		if ((int32_t)e.rtt > 0) {
			rtt_sample(a, e.rtt);
			elog_plot_point(a->plot, G_RTT, S_RTT, h->timestamp, e.rtt, 0);
		}
		elog_plot_point(a->plot, G_RTT, S_SRTT, h->timestamp, e.srtt, 0);
		if (e.lowest_rtt != 0)
			elog_plot_point(a->plot, G_RTT, S_MINRTT, h->timestamp, e.lowest_rtt, 0);
		a->have_srtt = true;
		a->srtt = e.srtt;
		if (e.lowest_rtt != 0) {
			a->have_min_rtt = true;
			a->min_rtt = e.lowest_rtt;
		}
		break;
	}
	case TCP_EVENTLOG_RTO_ID: {
		EV(rto, e);
		a->rtos++;
		elog_plot_span(a->plot, h->timestamp, h->timestamp, "RTO");
		a->rtos_since_ack++;
		/* Linux moves to Loss after the RTO callback; an RTO inside a
		 * fast recovery turns that episode into a loss episode. */
		if (a->episode == EP_FAST)
			a->episode = EP_LOSS;
		else if (a->episode == EP_NONE)
			a->pending_rto = true;
		if (e.min_rtt != 0) {
			a->have_min_rtt = true;
			a->min_rtt = e.min_rtt;
		}
		break;
	}
	case TCP_EVENTLOG_RETRANSMIT_REASON_ID: {
		EV(retransmit_reason, e);
		retransmit(a, h, &e);
		break;
	}
	case TCP_EVENTLOG_TIMER_FIRED_ID: {
		EV(timer_fired, e);
		if (e.reason == TCP_EVENTLOG_TIMER_REASON_TLP) {
			a->tlps++;
			elog_plot_span(a->plot, h->timestamp, h->timestamp, "TLP");
		}
		if (e.reason == TCP_EVENTLOG_TIMER_REASON_TLP ||
		    e.reason == TCP_EVENTLOG_TIMER_REASON_RXT ||
		    e.reason == TCP_EVENTLOG_TIMER_REASON_RACK)
			a->timer_running = e.reason;
		break;
	}
	case TCP_EVENTLOG_TIMER_PROCESSED_ID:
		a->timer_running = -1;
		a->pending_rto = false;
		break;
	case TCP_EVENTLOG_SESSION_END_ID:
		a->ended = true;
		break;
	default:
		break;
	}
#undef EV
	/* The span ends with our FIN or either RST, or the session. */
	limit_step(a, h->timestamp, a->fin_sent || a->rst_in || a->rst_out || a->ended);
}

static bool tcp_is_connection(const void *p)
{
	const struct tcp_analysis *a = p;
	struct elog_conn_id id;

	tcp_conn_facts.identify(&a->facts, &id);
	return id.have_addr && id.rport != 0;
}

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

/* Nearest rank: the smallest sample with at least q of them at or below. */
static uint32_t quantile(const uint32_t *v, size_t n, unsigned pct)
{
	size_t rank = (n * pct + 99) / 100;

	return v[rank ? rank - 1 : 0];
}

struct row {
	struct elog_sum_field *f;
	size_t n, max;
};

static struct elog_sum_field *put(struct row *r, const char *name, enum elog_sum_kind kind,
				  bool known)
{
	static struct elog_sum_field spare;
	struct elog_sum_field *f;

	if (r->n == r->max) {
		memset(&spare, 0, sizeof(spare));
		return &spare;
	}
	f = &r->f[r->n++];
	memset(f, 0, sizeof(*f));
	f->name = name;
	f->kind = kind;
	f->known = known;
	return f;
}

static void put_u(struct row *r, const char *name, bool known, uint64_t v)
{
	put(r, name, ELOG_SUM_UINT, known)->u = v;
}

static void put_d(struct row *r, const char *name, bool known, double v)
{
	put(r, name, ELOG_SUM_REAL, known)->d = v;
}

static void put_endpoint(struct row *r, const char *name, bool known, const char *addr,
			 uint16_t port)
{
	struct elog_sum_field *f = put(r, name, ELOG_SUM_TEXT, known);

	snprintf(f->text, sizeof(f->text), strchr(addr, ':') ? "[%s]:%u" : "%s:%u", addr, port);
}

static size_t tcp_summary(void *p, struct elog_sum_field *fields, size_t max)
{
	struct tcp_analysis *a = p;
	struct row r = { fields, 0, max };
	struct elog_conn_id id;
	uint64_t end_ts = a->last_ts, recovery = a->recovery_us, zw = a->zero_window_us;
	uint64_t bytes_acked = a->acked - (a->fin_acked ? 1 : 0);
	const char *how;
	struct elog_sum_field *f;

	tcp_conn_facts.identify(&a->facts, &id);
	if (a->nrtt)
		qsort(a->rtt, a->nrtt, sizeof(*a->rtt), cmp_u32);
	/* An episode or zero window still open at the end lasts until then. */
	if (a->episode != EP_NONE)
		recovery += end_ts - a->recovery_start;
	if (a->in_zero_window)
		zw += end_ts - a->zero_window_start;
	if (a->rst_in)
		how = "rst-in";
	else if (a->rst_out)
		how = "rst-out";
	else if (!a->ended)
		how = "open";
	else if (a->fin_sent || a->fin_recv)
		how = "fin";
	else if (a->rtos_since_ack > 0)
		how = "timeout";
	else
		how = "closed";

	put_endpoint(&r, "local", id.have_addr, id.local, id.lport);
	put_endpoint(&r, "remote", id.have_addr, id.remote, id.rport);
	f = put(&r, "log_id", ELOG_SUM_TEXT, id.log_id[0] != '\0');
	snprintf(f->text, sizeof(f->text), "%s", id.log_id);
	put(&r, "start", ELOG_SUM_TIME, a->have_time)->i = a->first_utc;
	put(&r, "end", ELOG_SUM_TIME, a->have_time)->i = a->last_utc;
	put_d(&r, "duration_s", a->have_time, (double)(a->last_ts - a->first_ts) / 1e6);
	put_u(&r, "bytes_out", true, a->bytes_out);
	put_u(&r, "segs_out", true, a->segs_out);
	put_u(&r, "bytes_in", true, a->bytes_in);
	put_u(&r, "segs_in", true, a->segs_in);
	put_u(&r, "bytes_acked", true, bytes_acked);
	put_u(&r, "retrans_segs", true, a->retrans_total);
	put_u(&r, "retrans_rto", true, a->retrans[0]);
	put_u(&r, "retrans_tlp", true, a->retrans[1]);
	put_u(&r, "retrans_fast", true, a->retrans[2]);
	put_u(&r, "retrans_other", true, a->retrans[3]);
	put_u(&r, "rtos", true, a->rtos);
	put_u(&r, "tlps", true, a->tlps);
	put_u(&r, "recoveries", true, a->recoveries);
	put_d(&r, "recovery_s", true, (double)recovery / 1e6);
	put_u(&r, "rtt_min_us", a->have_min_rtt, a->min_rtt);
	put_u(&r, "rtt_median_us", a->nrtt != 0, a->nrtt ? quantile(a->rtt, a->nrtt, 50) : 0);
	put_u(&r, "rtt_p99_us", a->nrtt != 0, a->nrtt ? quantile(a->rtt, a->nrtt, 99) : 0);
	put_u(&r, "srtt_us", a->have_srtt, a->srtt);
	put_u(&r, "cwnd_min", a->have_cwnd, a->cwnd_min);
	put_u(&r, "cwnd_max", a->have_cwnd, a->cwnd_max);
	put_d(&r, "zero_window_s", true, (double)zw / 1e6);
	{
		static const char *const names[L_COUNT] = {
			[L_APP] = "app_limited_s", [L_CWND] = "cwnd_limited_s",
			[L_RWND] = "rwnd_limited_s", [L_OTHER] = "other_limited_s",
		};
		uint64_t open = a->limit != L_NONE ? end_ts - a->limit_since : 0;
		/* A capture without the application's writes or without the
		 * segments (a level or keyword filter) cannot tell. */
		bool known = (a->limit != L_NONE || a->span_done) && a->seen_app_bytes &&
			     a->seen_out_data;

		for (int k = 0; k < L_COUNT; k++)
			put_d(&r, names[k], known,
			      (double)(a->limit_us[k] + (k == a->limit ? open : 0)) / 1e6);
	}
	put_u(&r, "goodput_bps", a->have_data_ts && a->last_ack_ts > a->first_data_ts,
	      a->last_ack_ts > a->first_data_ts
		      ? (uint64_t)((double)bytes_acked * 8e6 / (double)(a->last_ack_ts - a->first_data_ts))
		      : 0);
	f = put(&r, "end_reason", ELOG_SUM_TEXT, true);
	snprintf(f->text, sizeof(f->text), "%s", how);
	return r.n;
}

static void tcp_plot_to(void *p, struct elog_plot *plot)
{
	((struct tcp_analysis *)p)->plot = plot;
}

/* RTOs first, then retransmitted segments, then time in recovery. */
static double tcp_trouble(const void *p)
{
	const struct tcp_analysis *a = p;
	double recovery_ms = (double)a->recovery_us / 1e3;

	return (double)a->rtos * 1e12 + (double)a->retrans_total * 1e6 +
	       (recovery_ms < 1e6 ? recovery_ms : 1e6 - 1);
}

const struct elog_conn_analysis_ops elog_tcp_analysis = {
	.open = tcp_open,
	.event = tcp_event,
	.is_connection = tcp_is_connection,
	.summary = tcp_summary,
	.close = tcp_close,
	.graphs = tcp_graphs,
	.ngraphs = N(tcp_graphs),
	.plot_to = tcp_plot_to,
	.trouble = tcp_trouble,
};
