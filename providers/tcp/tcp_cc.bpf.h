/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP provider, BPF half: congestion control, RTT and loss events
 * (CWND, ENTER/EXIT_RECOVERY, RTT, RTT_SAMPLE, RTO, RETRANSMIT_REASON).
 *
 * Units follow upstream, whose tcpcb counts bytes: cwnd, ssthresh and
 * inflight are Linux's segment counts times mss_cache; an ssthresh Linux
 * has not set yet (TCP_INFINITE_SSTHRESH) is reported as UINT32_MAX.
 *
 * RTT, RTO and RETRANSMIT_REASON come from sock_ops callbacks that Linux
 * only makes for sockets whose bpf_sock_ops_cb_flags ask for them. The
 * provider "arms" them only on enabled sessions and only while somebody
 * subscribes, so with nobody listening no TCP ACK pays for a callback.
 */
#ifndef ELOG_TCP_CC_BPF_H
#define ELOG_TCP_CC_BPF_H

#define TCP_ELOG_INFINITE_SSTHRESH 0x7fffffff
#define TCP_ELOG_CB_FLAGS \
	(BPF_SOCK_OPS_RTT_CB_FLAG | BPF_SOCK_OPS_RTO_CB_FLAG | BPF_SOCK_OPS_RETRANS_CB_FLAG)

/* flags (a socket's bpf_sock_ops_cb_flags) with the provider's callbacks
 * armed or not; arming takes the point RETRANS_CB counts from. */
static __always_inline int tcp_elog_cb_flags(struct tcp_elog_sk *v, const struct tcp_sock *tp, int flags,
					     int on)
{
	if (!on)
		return flags & ~TCP_ELOG_CB_FLAGS;
	tcp_elog_rtx_base(v, tp);
	return flags | TCP_ELOG_CB_FLAGS;
}

static __always_inline __u32 tcp_elog_bytes(__u32 segs, __u32 mss)
{
	__u64 b = (__u64)segs * mss;

	return b > 0xffffffffULL ? 0xffffffffU : (__u32)b;
}

static __always_inline __u32 tcp_elog_ssthresh(struct tcp_sock *tp, __u32 mss)
{
	__u32 s = tp->snd_ssthresh;

	return s >= TCP_ELOG_INFINITE_SSTHRESH ? 0xffffffffU : tcp_elog_bytes(s, mss);
}

/* Linux's tcp_packets_in_flight(), in bytes. */
static __always_inline __u32 tcp_elog_inflight(struct tcp_sock *tp, __u32 mss)
{
	__u32 out = tp->packets_out;
	__u32 left = tp->sacked_out + tp->lost_out;
	__u32 segs = (out > left ? out - left : 0) + tp->retrans_out;

	return tcp_elog_bytes(segs, mss);
}

/* The windowed minimum RTT Linux keeps (tcp_min_rtt()), in us. */
static __always_inline __u32 tcp_elog_min_rtt(struct tcp_sock *tp)
{
	return tp->rtt_min.s[0].v;
}

/*
 * The values last reported live in the session's value (v) and, mirrored,
 * in its tcp_elog_addr_map entry, which timer hooks (no sk_storage there)
 * compare with. A timer hook that reports a change bumps this generation;
 * a hook with v pulls the mirror back only when the generation moved (an
 * array read per check; a lookup only after such a report, which is rare:
 * idle expiries and fires).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} tcp_elog_state_gen SEC(".maps");

/* After v's values changed: the mirror follows (one lookup per change). */
static __noinline void tcp_elog_state_mirror(struct tcp_elog_sk *v)
{
	struct tcp_elog_by_addr *a;

	if (!v)
		return;
	a = bpf_map_lookup_elem(&tcp_elog_addr_map, &v->sk_addr);
	if (!a)
		return;
	a->last_cwnd = v->last_cwnd;
	a->last_ssthresh = v->last_ssthresh;
	a->last_srtt8 = v->last_srtt8;
}

static __noinline void tcp_elog_state_pull(struct tcp_elog_sk *v, __u64 gen)
{
	struct tcp_elog_by_addr *a;

	if (!v)
		return;
	v->state_gen = gen;
	a = bpf_map_lookup_elem(&tcp_elog_addr_map, &v->sk_addr);
	if (!a)
		return;
	v->last_cwnd = a->last_cwnd;
	v->last_ssthresh = a->last_ssthresh;
	v->last_srtt8 = a->last_srtt8;
}

static __always_inline void tcp_elog_state_sync(struct tcp_elog_sk *v)
{
	__u32 zero = 0;
	__u64 *gen = bpf_map_lookup_elem(&tcp_elog_state_gen, &zero);

	if (gen && *gen != v->state_gen)
		tcp_elog_state_pull(v, *gen);
}

/*
 * No hook inside cong_avoid (fentry is unavailable), so a change is noticed
 * at the next hook of the socket after it: one CWND per change.
 *
 * The per-segment checks (this one, RTT, CC_ALGO_CHANGE, DSACK, HYSTART)
 * compare inline and call out only for a change: a BPF call and its return
 * cost ~8 ns here (bench/prims.sh), and most segments change nothing.
 */
static __noinline void tcp_elog_cwnd_changed(struct tcp_elog_sk *v, __u32 cwnd, __u32 ssthresh)
{
	if (!v)
		return;
	v->last_cwnd = cwnd;
	v->last_ssthresh = ssthresh;
	tcp_elog_state_mirror(v);
	if (!TCP_EVENTLOG_CWND_ENABLED(&v->s))
		return;
	{
		TCP_EVENTLOG_CWND_MSG(u);
		u.ev.cwnd = cwnd;
		u.ev.ssthresh = ssthresh;
		TCP_EVENTLOG_CWND_SEND(&v->s, u);
	}
}

static __always_inline void tcp_elog_cwnd_check(struct tcp_elog_sk *v, struct tcp_sock *tp)
{
	__u32 mss = tp->mss_cache;
	__u32 cwnd = tcp_elog_bytes(tp->snd_cwnd, mss);
	__u32 ssthresh = tcp_elog_ssthresh(tp, mss);

	if (cwnd != v->last_cwnd || ssthresh != v->last_ssthresh)
		tcp_elog_cwnd_changed(v, cwnd, ssthresh);
}

/* tcp_cong_state_set(sk, new): icsk_ca_state still holds the old state. */
static __noinline void tcp_elog_emit_ca_state(struct tcp_elog_sk *v, struct tcp_sock *tp, __u8 new_state)
{
	__u8 old_state;
	__u32 mss;
	int enter, exit;

	if (!v || !tp)
		return;
	old_state = BPF_CORE_READ_BITFIELD(tp, inet_conn.icsk_ca_state);
	enter = new_state >= TCP_CA_Recovery && old_state < TCP_CA_Recovery;
	exit = old_state >= TCP_CA_Recovery && new_state < TCP_CA_Recovery;
	mss = tp->mss_cache;
	if (enter && TCP_EVENTLOG_ENTER_RECOVERY_ENABLED(&v->s)) {
		TCP_EVENTLOG_ENTER_RECOVERY_MSG(u);
		u.ev.cwnd = tcp_elog_bytes(tp->snd_cwnd, mss);
		u.ev.ssthresh = tcp_elog_ssthresh(tp, mss);
		TCP_EVENTLOG_ENTER_RECOVERY_SEND(&v->s, u);
	} else if (exit && TCP_EVENTLOG_EXIT_RECOVERY_ENABLED(&v->s)) {
		TCP_EVENTLOG_EXIT_RECOVERY_MSG(u);
		u.ev.cwnd = tcp_elog_bytes(tp->snd_cwnd, mss);
		u.ev.ssthresh = tcp_elog_ssthresh(tp, mss);
		TCP_EVENTLOG_EXIT_RECOVERY_SEND(&v->s, u);
	}
}

/*
 * GOODPUT once per round trip, from the RTT callback: Linux's delivery-rate
 * sample of the last ACK (tcp_rate_gen: rate_delivered segments over
 * rate_interval_us, what tcpi_delivery_rate reports). Linux keeps no
 * goodput average, so gp_bw is that sample too.
 */
static __always_inline void tcp_elog_emit_goodput(struct tcp_elog_sk *v, struct tcp_sock *tp, __u32 srtt8,
						  __u64 now_us)
{
	__u32 delivered = tp->rate_delivered;
	__u32 interval = tp->rate_interval_us;
	__u64 bps;

	if (!delivered || !interval || !TCP_EVENTLOG_GOODPUT_ENABLED(&v->s))
		return;
	bps = (__u64)delivered * tp->mss_cache * 8 * 1000000 / interval;
	{
		TCP_EVENTLOG_GOODPUT_MSG(u);
		u.ev.gp_bw = bps;
		u.ev.raw_bw = bps;
		u.ev.utim = interval;
		u.ev.gp_srtt = srtt8 >> 3;
		u.ev.lowest_rtt = tcp_elog_min_rtt(tp);
		u.hdr.timestamp = now_us;
		TCP_EVENTLOG_GOODPUT_SEND(&v->s, u);
	}
}

/* now_us: the record's timestamp; 0: read when it is written. */
static __always_inline void tcp_elog_emit_rtt_ev(struct tcp_elog_sk *v, struct tcp_sock *tp, __u32 rtt,
						  __u32 srtt8, __u64 now_us)
{
	TCP_EVENTLOG_RTT_MSG(u);

	u.ev.rtt = rtt;
	u.ev.srtt = srtt8 >> 3;
	u.ev.lowest_rtt = tcp_elog_min_rtt(tp);
	/* path_rtt, gp_filter_min, gp_srtt: RACK/BBR-stack state FreeBSD
	 * keeps and Linux does not: 0. */
	u.hdr.timestamp = now_us;
	TCP_EVENTLOG_RTT_SEND(&v->s, u);
}

/*
 * sock_ops RTT_CB: args[0] = the sample (us), args[1] = the updated srtt_us
 * (8x). Linux makes this callback once per round trip (tcp_rtt_estimator:
 * only when snd_una passed rtt_seq), not for every sample.
 */
static __noinline void tcp_elog_emit_rtt(struct tcp_elog_sk *v, struct tcp_sock *tp, __u32 mrtt_us, __u32 srtt8)
{
	__u64 now_us;

	if (!v || !tp)
		return;
	/* One clock read for the callback's three records (~40 ns each,
	 * bench/prims.sh). */
	now_us = bpf_ktime_get_boot_ns() / 1000;
	/* tcp_rtt_estimator stores max(1, srtt) right after the callback. */
	v->last_srtt8 = srtt8 ? srtt8 : 1;
	tcp_elog_state_mirror(v);
	if (TCP_EVENTLOG_RTT_ENABLED(&v->s))
		tcp_elog_emit_rtt_ev(v, tp, mrtt_us, v->last_srtt8, now_us);
	if (TCP_EVENTLOG_RTT_SAMPLE_ENABLED(&v->s)) {
		TCP_EVENTLOG_RTT_SAMPLE_MSG(u);
		u.ev.rtt = mrtt_us;
		u.hdr.timestamp = now_us;
		TCP_EVENTLOG_RTT_SAMPLE_SEND(&v->s, u);
	}
	tcp_elog_emit_goodput(v, tp, v->last_srtt8, now_us);
}

/*
 * The samples between two callbacks still move srtt: a change seen at a
 * segment is reported as an RTT whose rtt is the one sample that explains
 * it (srtt8' = srtt8 + m - srtt8/8, so m = srtt8' - srtt8 + srtt8/8; exact
 * for one sample, the equivalent single sample for several).
 */
static __noinline void tcp_elog_srtt_changed(struct tcp_elog_sk *v, struct tcp_sock *tp, __u32 srtt8)
{
	__u32 old;

	if (!v || !tp)
		return;
	old = v->last_srtt8;
	v->last_srtt8 = srtt8;
	tcp_elog_state_mirror(v);
	if (TCP_EVENTLOG_RTT_ENABLED(&v->s))
		tcp_elog_emit_rtt_ev(v, tp, old ? srtt8 - old + (old >> 3) : srtt8 >> 3, srtt8, 0);
}

static __always_inline void tcp_elog_srtt_check(struct tcp_elog_sk *v, struct tcp_sock *tp)
{
	__u32 srtt8 = tp->srtt_us;

	if (srtt8 != v->last_srtt8 && srtt8 != 0)
		tcp_elog_srtt_changed(v, tp, srtt8);
}

/*
 * cwnd, ssthresh and srtt at a hook of the socket other than a segment
 * (those run tcp_elog_seg_checks): a reader wakeup or a congestion-state
 * change comes after Linux processed an ACK, the end of a send call maybe
 * long after.
 */
static __always_inline void tcp_elog_state_checks(struct tcp_elog_sk *v, struct tcp_sock *tp)
{
	if (!tcp_elog_synchronized(((struct sock *)tp)->__sk_common.skc_state))
		return;
	tcp_elog_state_sync(v);
	tcp_elog_cwnd_check(v, tp);
	tcp_elog_srtt_check(v, tp);
}

/*
 * Linux counts the DSACKs a sender receives (dsack_dups) and adapts RACK's
 * reordering window to them the way upstream's RACK does (a round, a
 * persistence counter, steps); a new DSACK is reported at the next segment.
 */
static __noinline void tcp_elog_dsack_changed(struct tcp_elog_sk *v, struct tcp_sock *tp, __u32 n)
{
	if (!v || !tp)
		return;
	v->last_dsack = n;
	if (!TCP_EVENTLOG_DSACK_ENABLED(&v->s))
		return;
	{
		TCP_EVENTLOG_DSACK_MSG(u);
		u.ev.dsack_round_seen = BPF_CORE_READ_BITFIELD(tp, rack.dsack_seen);
		u.ev.dsack_round_end = tp->rack.last_delivered;
		u.ev.num_dsack = n;
		u.ev.dsack_persist = BPF_CORE_READ_BITFIELD(tp, rack.reo_wnd_persist);
		u.ev.round = tp->rack.reo_wnd_steps;
		TCP_EVENTLOG_DSACK_SEND(&v->s, u);
	}
}

static __always_inline void tcp_elog_dsack_check(struct tcp_elog_sk *v, struct tcp_sock *tp)
{
	__u32 n = tp->dsack_dups;

	if (n != v->last_dsack)
		tcp_elog_dsack_changed(v, tp, n);
}

/* include/net/tcp.h / tcp_input.c (not in vmlinux.h). */
#define TCP_ELOG_FLAG_SND_UNA_ADVANCED 0x400

/*
 * tp_btf/tcp_cwnd_reduction_tp fires at the top of tcp_cwnd_reduction, PRR
 * (RFC 6937) in Linux, before it updates anything: the state after this ACK
 * is computed here exactly as the function goes on to compute it (6.13+:
 * prr_delivered += newly_acked_sacked; sndcnt from ssthresh, prior_cwnd
 * (RecoverFS), prr_out; cwnd = in_flight + sndcnt). Bytes, as upstream.
 */
static __noinline void tcp_elog_emit_prr(struct tcp_elog_sk *v, struct tcp_sock *tp, int newly_acked_sacked,
					 int newly_lost, int flag)
{
	__u32 mss, prior_cwnd, prr_out, delivered, ssthresh, inflight_segs, out, left;
	int delta, sndcnt;

	if (!v || !tp || newly_acked_sacked <= 0 || !TCP_EVENTLOG_PRR_STATE_ENABLED(&v->s))
		return;
	prior_cwnd = tp->prior_cwnd;
	if (!prior_cwnd)
		return;
	mss = tp->mss_cache;
	prr_out = tp->prr_out;
	delivered = tp->prr_delivered + newly_acked_sacked;
	ssthresh = tp->snd_ssthresh;
	out = tp->packets_out;
	left = tp->sacked_out + tp->lost_out;
	inflight_segs = (out > left ? out - left : 0) + tp->retrans_out;
	delta = (int)ssthresh - (int)inflight_segs;
	if (delta < 0) {
		sndcnt = (int)(((__u64)ssthresh * delivered + prior_cwnd - 1) / prior_cwnd) - (int)prr_out;
	} else {
		sndcnt = (int)delivered - (int)prr_out;
		if (sndcnt < newly_acked_sacked)
			sndcnt = newly_acked_sacked;
		if ((flag & TCP_ELOG_FLAG_SND_UNA_ADVANCED) && !newly_lost)
			sndcnt++;
		if (sndcnt > delta)
			sndcnt = delta;
	}
	if (sndcnt < (prr_out ? 0 : 1))
		sndcnt = prr_out ? 0 : 1;
	{
		TCP_EVENTLOG_PRR_STATE_MSG(u);
		u.ev.prr_out = tcp_elog_bytes(prr_out, mss);
		u.ev.recovery_fs = tcp_elog_bytes(prior_cwnd, mss);
		u.ev.prr_sndcnt = tcp_elog_bytes(sndcnt, mss);
		u.ev.prr_delivered = tcp_elog_bytes(delivered, mss);
		u.ev.sacked = tcp_elog_bytes(tp->sacked_out, mss);
		u.ev.holes_rxt = tcp_elog_bytes(tp->retrans_out, mss);
		u.ev.inflight = tcp_elog_bytes(inflight_segs, mss);
		TCP_EVENTLOG_PRR_STATE_SEND(&v->s, u);
	}
}

extern const void cubictcp_cong_avoid __ksym;

/*
 * HyStart exists in Linux's cubic (in its private state, struct bictcp in
 * icsk_ca_priv): a round ends when an ACK passes end_seq, and `found` is set
 * when HyStart ends slow start. Each new round seen at a segment while in
 * slow start, and the exit, is a HYSTART (mod = found). Other algorithms
 * (BBR, the default here) have no HyStart.
 */
static __noinline void tcp_elog_hystart_cubic(struct tcp_elog_sk *v, struct tcp_sock *tp)
{
	struct bictcp *bc;
	__u32 end_seq;
	__u8 found;

	if (!v || !tp)
		return;
	bc = (struct bictcp *)&tp->inet_conn.icsk_ca_priv;
	end_seq = BPF_CORE_READ(bc, end_seq);
	found = BPF_CORE_READ(bc, found);
	if (end_seq == v->hs_end_seq && found == v->hs_found)
		return;
	/* Only slow start's rounds; the exit is reported even if just left. */
	if (found == v->hs_found && tp->snd_cwnd >= tp->snd_ssthresh) {
		v->hs_end_seq = end_seq;
		return;
	}
	if (end_seq != v->hs_end_seq)
		v->hs_round++;
	{
		TCP_EVENTLOG_HYSTART_MSG(u);
		u.ev.round = v->hs_round;
		u.ev.high_seq = v->hs_end_seq ? v->hs_end_seq : end_seq;
		u.ev.snd_max = tp->snd_nxt;
		u.ev.mod = found;
		v->hs_end_seq = end_seq;
		v->hs_found = found;
		if (TCP_EVENTLOG_HYSTART_ENABLED(&v->s))
			TCP_EVENTLOG_HYSTART_SEND(&v->s, u);
	}
}

static __always_inline void tcp_elog_hystart_check(struct tcp_elog_sk *v, struct tcp_sock *tp)
{
	const struct tcp_congestion_ops *ca = tp->inet_conn.icsk_ca_ops;

	if (ca && ca->cong_avoid == (void *)&cubictcp_cong_avoid)
		tcp_elog_hystart_cubic(v, tp);
}

/* sock_ops RTO_CB: args = icsk_retransmits, icsk_rto (jiffies), expired. */
static __noinline void tcp_elog_emit_rto(struct tcp_elog_sk *v, struct tcp_sock *tp, __u32 retransmits)
{
	__u32 mss;

	if (!v || !tp || !TCP_EVENTLOG_RTO_ENABLED(&v->s))
		return;
	mss = tp->mss_cache;
	{
		TCP_EVENTLOG_RTO_MSG(u);
		/* The callback runs before this timeout is counted. */
		u.ev.timeout_num = (__s32)retransmits + 1;
		u.ev.min_rtt = tcp_elog_min_rtt(tp);
		u.ev.rtt = tp->srtt_us >> 3;
		u.ev.segment_len = mss;
		u.ev.inflight = tcp_elog_inflight(tp, mss);
		u.ev.pkts_out = tp->packets_out;
		TCP_EVENTLOG_RTO_SEND(&v->s, u);
	}
}

/*
 * RETRANSMIT_REASON at the sock_ops RETRANS_CB, which __tcp_retransmit_skb
 * makes right after it counted and sent a retransmission (seq, segs, err).
 * Not the tcp_retransmit_skb tracepoint: on the kernel this was built on,
 * tracepoint programs sometimes do not run for a retransmission that the
 * callback, made a few instructions earlier, sees (docs/linux-mapping.md,
 * RETRANSMIT_REASON). The callback has no skb: its length is what
 * bytes_retrans (incremented by skb->len with total_retrans) moved since
 * the last callback, when total_retrans moved by this one's segs only;
 * otherwise (retransmissions while the callbacks were not armed) it is
 * segs × mss_cache, at most up to snd_nxt. A SYN or FIN counts one more
 * sequence number, as the skb's end_seq does.
 */
static __noinline void tcp_elog_emit_retransmit(struct tcp_elog_sk *v, struct tcp_sock *tp, __u32 seq,
						__u32 segs)
{
	__u64 bytes = tp->bytes_retrans, len = bytes - v->rtx_bytes;
	__u32 total = tp->total_retrans, mss = tp->mss_cache, end;
	int state = ((struct sock *)tp)->__sk_common.skc_state;

	if (total - v->rtx_total != segs) {
		len = (__u64)segs * mss;
		if ((__s32)(tp->snd_nxt - seq) > 0 && len > tp->snd_nxt - seq)
			len = tp->snd_nxt - seq;
	}
	v->rtx_bytes = bytes;
	v->rtx_total = total;
	end = seq + (__u32)len;
	if (state == TCP_SYN_SENT ||
	    ((state == TCP_FIN_WAIT1 || state == TCP_CLOSING || state == TCP_LAST_ACK) &&
	     end + 1 == tp->write_seq))
		end++;
	if (!TCP_EVENTLOG_RETRANSMIT_REASON_ENABLED(&v->s))
		return;
	{
		TCP_EVENTLOG_RETRANSMIT_REASON_MSG(u);
		/* Linux's duplicate-ACK threshold and its count of SACKed or
		 * dup-ACKed segments are FreeBSD's dupthresh and dupacks. */
		u.ev.threshold = tp->reordering;
		u.ev.dupack_count = tp->sacked_out;
		u.ev.rsm_start = seq;
		u.ev.rsm_end = end;
		u.ev.inflight = tcp_elog_inflight(tp, mss);
		TCP_EVENTLOG_RETRANSMIT_REASON_SEND(&v->s, u);
	}
}

#endif /* ELOG_TCP_CC_BPF_H */
