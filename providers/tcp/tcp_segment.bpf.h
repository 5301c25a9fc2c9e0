/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP provider, BPF half: IN and OUT from the segments themselves.
 *
 * cgroup_skb programs see every segment a full socket sends or receives, in
 * every state, with the IP and TCP headers as they are on the wire (the skb
 * data starts at the network header). Values go out in host order, as
 * upstream logs them. Linux hands the stack GSO/GRO aggregates, so one record
 * is one skb (len is its payload, which on loopback is also what the peer
 * receives), except for an skb too large for one IP packet, which the stack
 * cuts after this hook and which is logged as those segments.
 */
#ifndef ELOG_TCP_SEGMENT_BPF_H
#define ELOG_TCP_SEGMENT_BPF_H

#define TCP_ELOG_ETH_P_IP 0x0800
#define TCP_ELOG_ETH_P_IPV6 0x86DD
#define TCP_ELOG_IPPROTO_TCP 6
#define TCP_ELOG_NEXTHDR_HOP 0
#define TCP_ELOG_SOCK_STREAM 1
#define TCP_ELOG_TH_FIN 0x01
#define TCP_ELOG_TH_SYN 0x02
#define TCP_ELOG_TH_RST 0x04
#define TCP_ELOG_TH_PSH 0x08
#define TCP_ELOG_TH_CWR 0x80
/* Beyond this an skb goes out as several segments (see tcp_elog_emit_out). */
#define TCP_ELOG_GSO_LEGACY_MAX 65535
#define TCP_ELOG_GSO_SPLIT_MAX 64

/* The fixed 20 bytes of a TCP header, byte-exact. */
struct tcp_elog_th {
	__be16 sport;
	__be16 dport;
	__be32 seq;
	__be32 ack;
	__u8 off_ae;  /* data offset << 4 | reserved | AE */
	__u8 flags;   /* CWR ECE URG ACK PSH RST SYN FIN */
	__be16 win;
	__be16 sum;
	__be16 urp;
};

struct tcp_elog_seg {
	__u32 seq, ack, win, len;
	__u16 flags, win_raw, th_sum, th_urp;
	__u8 th_off;
	__u32 th_at; /* offset of the TCP header in the skb */
};

/* g from a TCP header at offset iphl of an skb of skb_len bytes. */
static __always_inline void tcp_elog_seg_fill(struct tcp_elog_seg *g, const struct tcp_elog_th *th,
					      __u32 iphl, __u32 skb_len)
{
	__u32 thl;

	g->seq = bpf_ntohl(th->seq);
	g->ack = bpf_ntohl(th->ack);
	g->flags = th->flags | ((__u16)(th->off_ae & 1) << 8);
	g->win_raw = bpf_ntohs(th->win);
	g->th_sum = bpf_ntohs(th->sum);
	g->th_urp = bpf_ntohs(th->urp);
	g->th_off = th->off_ae >> 4;
	g->th_at = iphl;
	thl = g->th_off * 4;
	g->len = skb_len > iphl + thl ? skb_len - iphl - thl : 0;
}

/*
 * The usual case without a helper call: IPv4, or IPv6 with TCP right after
 * the fixed header, and both headers in the skb's linear data (what Linux
 * TCP builds, and what it receives on loopback), read in place. 0: parsed;
 * 1: not that case, take tcp_elog_parse's way; -1: not a TCP segment.
 */
static __always_inline int tcp_elog_parse_direct(struct __sk_buff *skb, struct tcp_elog_seg *g)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	const struct tcp_elog_th *th;
	const __u8 *ip = data;
	__u32 iphl;

	if (skb->protocol == bpf_htons(TCP_ELOG_ETH_P_IP)) {
		if (data + 20 > end)
			return 1;
		if (ip[9] != TCP_ELOG_IPPROTO_TCP)
			return -1;
		iphl = (ip[0] & 0xf) * 4;
		if (iphl < 20)
			return -1;
	} else if (skb->protocol == bpf_htons(TCP_ELOG_ETH_P_IPV6)) {
		if (data + 40 > end || ip[6] != TCP_ELOG_IPPROTO_TCP)
			return 1;
		iphl = 40;
	} else {
		return -1;
	}
	th = data + (iphl & 0x3c); /* 20..60: the mask only tells the verifier */
	if ((void *)(th + 1) > end)
		return 1;
	tcp_elog_seg_fill(g, th, iphl, skb->len);
	return 0;
}

/* Parse the skb's IP and TCP headers; 0 on success. */
static __always_inline int tcp_elog_parse(struct __sk_buff *skb, struct tcp_elog_seg *g)
{
	struct tcp_elog_th th;
	__u32 iphl;
	__u8 b[10];
	int r = tcp_elog_parse_direct(skb, g);

	if (r <= 0)
		return r;
	if (skb->protocol == bpf_htons(TCP_ELOG_ETH_P_IP)) {
		if (bpf_skb_load_bytes(skb, 0, b, 10))
			return -1;
		if (b[9] != TCP_ELOG_IPPROTO_TCP)
			return -1;
		iphl = (b[0] & 0xf) * 4;
	} else if (skb->protocol == bpf_htons(TCP_ELOG_ETH_P_IPV6)) {
		/*
		 * Linux TCP adds one extension header of its own: the 8-byte
		 * hop-by-hop jumbo option of an IPv6 BIG TCP skb beyond 64 KiB
		 * (ip6_xmit), which GSO removes again before the wire.
		 */
		if (bpf_skb_load_bytes(skb, 0, b, 8))
			return -1;
		iphl = 40;
		if (b[6] == TCP_ELOG_NEXTHDR_HOP) {
			if (bpf_skb_load_bytes(skb, 40, b + 6, 2))
				return -1;
			iphl += (b[7] + 1) * 8;
		}
		if (b[6] != TCP_ELOG_IPPROTO_TCP)
			return -1;
	} else {
		return -1;
	}
	if (iphl < 20 || iphl > 60 || bpf_skb_load_bytes(skb, iphl, &th, sizeof(th)))
		return -1;
	tcp_elog_seg_fill(g, &th, iphl, skb->len);
	return 0;
}

/* The window in a SYN is never scaled (RFC 7323 2.2). */
static __always_inline __u32 tcp_elog_scaled(const struct tcp_elog_seg *g, __u8 shift)
{
	if (g->flags & TCP_ELOG_TH_SYN)
		return g->win_raw;
	return (__u32)g->win_raw << (shift & 15);
}

/* The socket and session of a cgroup_skb context, or 0 to stay silent. */
static __always_inline struct tcp_sock *tcp_elog_skb_sock(struct __sk_buff *skb, struct tcp_elog_sk **vp)
{
	struct bpf_sock *bsk = skb->sk;
	struct tcp_elog_sk *v;

	if (!bsk)
		return 0;
	bsk = bpf_sk_fullsock(bsk);
	if (!bsk || bsk->protocol != TCP_ELOG_IPPROTO_TCP)
		return 0;
	v = tcp_elog_sk_get(bsk);
	if (!v || !v->s.enabled)
		return 0;
	*vp = v;
	/* A session is only ever made for a TCP stream socket (sock_create),
	 * so the socket is a tcp_sock: a cast the verifier inlines (probe
	 * reads), where bpf_skc_to_tcp_sock() is a helper call per packet. */
	return bpf_rdonly_cast(bsk, bpf_core_type_id_kernel(struct tcp_sock));
}

/*
 * What segments reveal about state Linux changes where nothing can hook
 * (MSS, CWND, RTT, CC_ALGO_CHANGE, DSACK, HYSTART), reported before the
 * segment's own record. Inline comparisons; each check calls out only for
 * a change, to a function whose frame holds the record.
 */
static __always_inline void tcp_elog_seg_checks(struct tcp_elog_sk *v, struct tcp_sock *tp)
{
	int state;

	state = ((struct sock *)tp)->__sk_common.skc_state;
	/* A listener's mss_cache is a default nothing uses: not an MSS. */
	if (state != TCP_LISTEN)
		tcp_elog_mss_check(v, tp);
	if (tcp_elog_synchronized(state)) {
		tcp_elog_state_sync(v);
		tcp_elog_cwnd_check(v, tp);
		tcp_elog_srtt_check(v, tp);
		tcp_elog_ca_check(v, tp);
		tcp_elog_dsack_check(v, tp);
		tcp_elog_hystart_check(v, tp);
	}
}

/*
 * IN for a segment parsed by the caller (g), stamped now_us: the ingress
 * program reads the headers and the clock once for IN and ACK.
 */
static __noinline void tcp_elog_emit_in(struct tcp_elog_sk *v, struct tcp_sock *tp, const struct tcp_elog_seg *g,
					__u64 now_us)
{
	TCP_EVENTLOG_IN_MSG(u);

	if (!v || !tp || !g || !TCP_EVENTLOG_IN_ENABLED(&v->s))
		return;
	u.ev.seq = g->seq;
	u.ev.ack = g->ack;
	u.ev.flags = g->flags;
	u.ev.win_raw = g->win_raw;
	/* The peer's shift, as upstream's th_win << snd_scale. */
	u.ev.win = tcp_elog_scaled(g, BPF_CORE_READ_BITFIELD(tp, rx_opt.snd_wscale));
	u.ev.len = g->len;
	u.ev.state = tcp_elog_state(((struct sock *)tp)->__sk_common.skc_state);
	u.ev.th_off = g->th_off;
	u.ev.th_sum = g->th_sum;
	u.ev.th_urp = g->th_urp;
	/* Before TCP processes the segment: the time and state it meets. */
	u.ev.rcv_time_us = now_us;
	u.hdr.timestamp = now_us;
	TCP_EVENTLOG_IN_SEND(&v->s, u);
	if (g->flags & TCP_ELOG_TH_RST)
		tcp_elog_bb_trigger(v, TCP_ELOG_KNOB_TRIG_RST, TCP_EVENTLOG_BLACKBOX_REASON_RST);
}

static __noinline void tcp_elog_emit_out(struct tcp_elog_sk *v, struct tcp_sock *tp, struct __sk_buff *skb)
{
	TCP_EVENTLOG_OUT_MSG(u);
	struct tcp_elog_seg g;
	__u32 gso, i;
	int state;

	if (!v || !tp)
		return;
	state = ((struct sock *)tp)->__sk_common.skc_state;
	if (!TCP_EVENTLOG_OUT_ENABLED(&v->s) ||
	    tcp_elog_parse(skb, &g))
		return;
	u.ev.seq = g.seq;
	u.ev.ack = g.ack;
	u.ev.flags = g.flags;
	u.ev.win_raw = g.win_raw;
	/* Our own shift, as upstream's th_win << rcv_scale. */
	u.ev.win = tcp_elog_scaled(&g, BPF_CORE_READ_BITFIELD(tp, rx_opt.rcv_wscale));
	u.ev.len = g.len;
	/* Upstream's snd_cwnd is in bytes; Linux counts segments of mss_cache. */
	u.ev.cwnd = tp->snd_cwnd * tp->mss_cache;
	u.ev.state = tcp_elog_state(state);
	u.ev.th_off = g.th_off;
	/* With checksum offload (always on loopback) only the pseudo-header sum. */
	u.ev.th_sum = g.th_sum;
	u.ev.th_urp = g.th_urp;
	gso = skb->gso_size;
	if (skb->len <= TCP_ELOG_GSO_LEGACY_MAX || !gso || g.len <= gso) {
		TCP_EVENTLOG_OUT_SEND(&v->s, u);
		if (g.flags & TCP_ELOG_TH_RST)
			tcp_elog_bb_trigger(v, TCP_ELOG_KNOB_TRIG_RST,
					    TCP_EVENTLOG_BLACKBOX_REASON_RST);
		return;
	}
	/*
	 * Larger than an IP packet can say (tot_len is 16 bits): the stack
	 * cuts it into gso_size segments after this hook (software GSO; on
	 * loopback too), each with the header tcp_gso_segment gives it: CWR
	 * on the first only, FIN and PUSH on the last only. One OUT each, as
	 * they leave.
	 */
	for (i = 0; i < TCP_ELOG_GSO_SPLIT_MAX; i++) {
		__u32 done = i * gso;

		if (done >= g.len)
			break;
		u.ev.seq = g.seq + done;
		u.ev.len = g.len - done > gso ? gso : g.len - done;
		u.ev.flags = g.flags;
		if (i > 0)
			u.ev.flags &= ~TCP_ELOG_TH_CWR;
		if (done + u.ev.len < g.len)
			u.ev.flags &= ~(TCP_ELOG_TH_FIN | TCP_ELOG_TH_PSH);
		TCP_EVENTLOG_OUT_SEND(&v->s, u);
	}
}

#endif /* ELOG_TCP_SEGMENT_BPF_H */
