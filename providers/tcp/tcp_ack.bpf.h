/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP provider, BPF half: ACK and SACK, from the segment that carries them.
 *
 * Upstream logs ACK when an ACK advances snd_una (in cc_ack_received) and
 * SACK when it also carries SACK blocks. The ingress hook sees the segment
 * as it arrives, before Linux processes it: acked (the advance over the
 * highest ACK so far) and the blocks are exact; inflight and sacked are the
 * sender's state as the ACK arrives (Linux has not applied it yet).
 */
#ifndef ELOG_TCP_ACK_BPF_H
#define ELOG_TCP_ACK_BPF_H

#define TCP_ELOG_TH_ACK 0x10
#define TCP_ELOG_TCPOPT_EOL 0
#define TCP_ELOG_TCPOPT_NOP 1
#define TCP_ELOG_TCPOPT_SACK 5
#define TCP_ELOG_OPT_MAX 40

struct tcp_elog_sack_blocks {
	__u32 n;
	__u32 b[8]; /* start, end, ... host order */
};

/* State of the option walk, one step per bpf_loop() iteration. */
struct tcp_elog_optwalk {
	__u8 o[64];   /* the options (40 at most); indexes masked with 63 */
	__u32 len;    /* bytes of options */
	__u32 i;      /* next option */
	__u32 sack_at; /* offset of the SACK option's first block, 0: none */
	__u32 nblk;
};

/* One option per call: 1 stops the walk. bpf_loop verifies it once. */
static int tcp_elog_optstep(__u32 index, void *data)
{
	struct tcp_elog_optwalk *w = data;
	__u32 i = w->i, len;
	__u8 kind;

	if (i >= w->len || i >= TCP_ELOG_OPT_MAX - 1)
		return 1;
	kind = w->o[i & 63];
	if (kind == TCP_ELOG_TCPOPT_EOL)
		return 1;
	if (kind == TCP_ELOG_TCPOPT_NOP) {
		w->i = i + 1;
		return 0;
	}
	len = w->o[(i + 1) & 63];
	if (len < 2 || i + len > w->len)
		return 1;
	if (kind == TCP_ELOG_TCPOPT_SACK) {
		w->sack_at = i + 2;
		w->nblk = (len - 2) / 8;
		return 1;
	}
	w->i = i + len;
	return 0;
}

/*
 * Finds the SACK option among the segment's options: returns the number of
 * blocks, written to out in host order. (The caller must use the result:
 * clang leaves r0 undefined in a static function whose value is ignored,
 * and the verifier refuses a subprogram exit with a stack pointer in r0.)
 */
static __noinline int tcp_elog_sack_parse(struct __sk_buff *skb, __u32 opt_off, __u32 opt_len,
					  struct tcp_elog_sack_blocks *out)
{
	struct tcp_elog_optwalk w;
	__be32 blk[2];
	__u32 k, n;

	if (!out || opt_len == 0 || opt_len > TCP_ELOG_OPT_MAX)
		return 0;
	__builtin_memset(&w, 0, sizeof(w));
	w.len = opt_len;
	/* Options come in 32-bit words: constant-size loads keep the verifier
	 * sure of every length. */
	for (k = 0; k < TCP_ELOG_OPT_MAX / 4; k++) {
		if (k * 4 >= opt_len)
			break;
		if (bpf_skb_load_bytes(skb, opt_off + k * 4, &w.o[(k * 4) & 0x3c], 4))
			return 0;
	}
	bpf_loop(TCP_ELOG_OPT_MAX, tcp_elog_optstep, &w, 0);
	if (!w.sack_at)
		return 0;
	n = w.nblk > 4 ? 4 : w.nblk;
	for (k = 0; k < 4 && k < n; k++) {
		if (bpf_skb_load_bytes(skb, opt_off + w.sack_at + k * 8, blk, sizeof(blk)))
			return 0;
		out->b[(k * 2) & 7] = bpf_ntohl(blk[0]);
		out->b[(k * 2 + 1) & 7] = bpf_ntohl(blk[1]);
	}
	return n;
}

/*
 * Options that are only the timestamp, as Linux aligns it (NOP, NOP,
 * TIMESTAMP 10): what almost every segment of a connection carries, and no
 * SACK, without walking the options.
 */
#define TCP_ELOG_TSOPT_ALIGNED 0x0101080a
#define TCP_ELOG_TSOPT_LEN 12

static __always_inline int tcp_elog_opts_only_ts(struct __sk_buff *skb, __u32 opt_off, __u32 opt_len)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	const __u8 *o = data + (opt_off & 0x7f); /* at most 100: the mask tells the verifier */
	__be32 w;

	if (opt_len != TCP_ELOG_TSOPT_LEN || opt_off > 0x7f)
		return 0;
	if ((void *)(o + 4) <= end) /* in the linear data: read in place */
		__builtin_memcpy(&w, o, sizeof(w));
	else if (bpf_skb_load_bytes(skb, opt_off, &w, sizeof(w)))
		return 0;
	return w == bpf_htonl(TCP_ELOG_TSOPT_ALIGNED);
}

/*
 * The bytes an arriving ACK acknowledges for the first time, counted from
 * snd_una or from the highest ACK already seen (ACKs queued to the backlog
 * while the owner holds the socket all meet the same snd_una), which it
 * then becomes; *una gets the point counted from. The ingress hook runs
 * before the socket lock, so two CPUs can count ACKs of one socket at
 * once: the compare-and-swap lets exactly one of them count each byte.
 * Each lost race means another CPU moved high_ack forward; losing it 16
 * times in a row counts the ACK as acknowledging nothing new.
 */
static __always_inline __u32 tcp_elog_ack_advance(struct tcp_elog_sk *v, __u32 snd_una, __u32 ack,
						   __u32 *una)
{
	__u64 old = v->high_ack, prev;
	int i;

	for (i = 0; i < 16; i++) {
		*una = old && (__s32)((__u32)old - snd_una) > 0 ? (__u32)old : snd_una;
		if ((__s32)(ack - *una) <= 0)
			return 0;
		prev = __sync_val_compare_and_swap(&v->high_ack, old, ack);
		if (prev == old)
			return ack - *una;
		old = prev;
	}
	return 0;
}

/* After IN, from the ingress program itself, for the segment it parsed (g)
 * at now_us (a separate call keeps the nested BPF stack frames under the
 * 512-byte limit). */
static __noinline void tcp_elog_emit_ack(struct tcp_elog_sk *v, struct tcp_sock *tp, struct __sk_buff *skb,
					 const struct tcp_elog_seg *g, __u64 now_us)
{
	struct tcp_elog_sack_blocks sb;
	__u32 una, acked, mss, nsegs, opt_len, opt_off;
	int state;

	if (!v || !tp || !g)
		return;
	state = ((struct sock *)tp)->__sk_common.skc_state;
	if (!tcp_elog_synchronized(state) ||
	    (!TCP_EVENTLOG_ACK_ENABLED(&v->s) && !TCP_EVENTLOG_SACK_ENABLED(&v->s)) ||
	    !(g->flags & TCP_ELOG_TH_ACK))
		return;
	acked = tcp_elog_ack_advance(v, tp->snd_una, g->ack, &una);
	__builtin_memset(&sb, 0, sizeof(sb));
	opt_len = g->th_off > 5 ? (g->th_off - 5) * 4 : 0;
	opt_off = g->th_at + 20;
	if (opt_len && BPF_CORE_READ_BITFIELD(tp, rx_opt.sack_ok) && TCP_EVENTLOG_SACK_ENABLED(&v->s) &&
	    !tcp_elog_opts_only_ts(skb, opt_off, opt_len))
		sb.n = tcp_elog_sack_parse(skb, opt_off, opt_len, &sb) & 7;
	if (!acked && !sb.n)
		return; /* a duplicate or window update without news: IN says it all */
	mss = tp->mss_cache;
	nsegs = skb->gso_segs ? skb->gso_segs : 1;
	if (!sb.n) {
		if (!TCP_EVENTLOG_ACK_ENABLED(&v->s))
			return;
		{
			TCP_EVENTLOG_ACK_MSG(u);
			u.ev.acked = acked;
			u.ev.snd_una = g->ack;
			u.ev.inflight = tcp_elog_inflight(tp, mss);
			u.ev.sacked = tcp_elog_bytes(tp->sacked_out, mss);
			u.ev.nsegs = nsegs;
			u.ev.rcv_time_us = now_us;
			u.hdr.timestamp = now_us;
			TCP_EVENTLOG_ACK_SEND(&v->s, u);
		}
		return;
	}
	{
		TCP_EVENTLOG_SACK_MSG(u);
		u.ev.acked = acked;
		u.ev.snd_una = acked ? g->ack : una;
		u.ev.inflight = tcp_elog_inflight(tp, mss);
		u.ev.sacked = tcp_elog_bytes(tp->sacked_out, mss);
		u.ev.nsegs = nsegs;
		u.ev.rcv_time_us = now_us;
		u.hdr.timestamp = now_us;
		u.ev.num_blocks = (__u8)sb.n;
		u.ev.blk1_start = sb.b[0];
		u.ev.blk1_end = sb.b[1];
		u.ev.blk2_start = sb.b[2];
		u.ev.blk2_end = sb.b[3];
		u.ev.blk3_start = sb.b[4];
		u.ev.blk3_end = sb.b[5];
		u.ev.blk4_start = sb.b[6];
		u.ev.blk4_end = sb.b[7];
		TCP_EVENTLOG_SACK_SEND(&v->s, u);
	}
}

#endif /* ELOG_TCP_ACK_BPF_H */
