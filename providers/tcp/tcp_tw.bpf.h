/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP provider, BPF half: a connection closed before its peer's FIN,
 * followed through its FIN_WAIT_2 minisocket.
 *
 * An orphaned socket (close() before the peer's FIN) is freed as soon as
 * the ACK of its FIN moves it to FIN_WAIT_2: tcp_time_wait() puts an
 * inet_timewait_sock in substate FIN_WAIT_2 in its place (it keeps the
 * socket cookie, the session id), arms the minisocket's timer for
 * tcp_fin_time() and destroys the socket. The session carries on in the
 * minisocket until it leaves FIN_WAIT_2, and ends there:
 *  - the peer's FIN: IN (state FIN_WAIT_2), the ACK Linux sends (OUT, state
 *    TIME_WAIT), SESSION_END at the move to TIME_WAIT, as for a socket that
 *    gets there itself;
 *  - an RST, or data or a SYN that the minisocket answers with an RST:
 *    IN, the RST if one is sent (OUT), TIMER_CANCEL, SESSION_END;
 *  - the FIN_WAIT_2 timeout: TIMER_FIRED, TIMER_PROCESSED, SESSION_END;
 *  - the namespace going away, or a connect() taking over the port:
 *    TIMER_CANCEL, SESSION_END.
 * Segments of a minisocket pass neither cgroup_skb hook (both need a full
 * socket; Linux sends its answers with the minisocket as skb->sk), so:
 *  - handover: the timer start of a FIN_WAIT_2 minisocket (tw_timer_handler)
 *    is noted per CPU; the socket's destruction, next in the same call of
 *    tcp_time_wait(), moves the session to tcp_elog_tw_map (by minisocket
 *    address) when the cookies agree, instead of ending it;
 *  - IN: tp_btf/kfree_skb, whose rx_sk is the minisocket for every segment
 *    it processed (tcp_v4/v6_rcv free them all through sk_skb_reason_drop);
 *    seen only after processing, so its substate then says whether the
 *    segment moved it to TIME_WAIT;
 *  - OUT: tp_btf/net_dev_queue, the packet's skb->sk being the minisocket;
 *    sent while Linux processes the segment it answers, it is held per CPU
 *    and written after that segment's IN, with its own time (the IN takes
 *    that time too: the segment arrived before its answer left);
 *  - the end: the timer tracepoints on the minisocket's timer. Linux stops
 *    it (inet_twsk_deschedule_put) for an RST, an answered RST, a netns
 *    purge or a connect() reusing the port; a stop inside segment
 *    processing is followed by that segment's IN on the same CPU, any other
 *    is settled at the next event of another minisocket's timer on the CPU,
 *    or of any timer once 10 ms have passed. A stop followed by a
 *    start of the same timer is a re-arm (the FIN's move to TIME_WAIT); a
 *    stop of an expired timer is its expiry (TIMER_FIRED follows).
 * Unrelated traffic pays no map lookup: kfree_skb and net_dev_queue look a
 * packet up only when its socket is a TIME_WAIT minisocket (two loads), the
 * timer hooks one per-CPU slot per timer event (bench/tw_hooks.sh).
 *
 * These hooks are the per-packet ones (attached while somebody captures):
 * the walk that arms the RTT/RTO callbacks at the first subscriber, or
 * disarms them after the last, ends every session still followed (and the
 * walk that disarms stops new handovers first), so none outlives its hooks.
 */
#ifndef ELOG_TCP_TW_BPF_H
#define ELOG_TCP_TW_BPF_H

extern const void tw_timer_handler __ksym;

/* A session followed in its FIN_WAIT_2 minisocket. */
struct tcp_elog_tw {
	struct elog_session s;
	__u32 cwnd;       /* bytes, as the socket last had it: OUT's cwnd */
	__u8 snd_wscale;  /* the peer's shift: IN's win (a minisocket keeps only ours) */
	__u8 rcv_wscale;  /* ours: OUT's win */
	__u8 pad[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);
	__type(key, __u64); /* the minisocket's address */
	__type(value, struct tcp_elog_tw);
} tcp_elog_tw_map SEC(".maps");

/* What the hooks of one kernel path hand each other on a CPU. */
struct tcp_elog_tw_cpu {
	/* The FIN_WAIT_2 minisocket whose timer was just armed, for the
	 * destruction of its socket that follows (tcp_time_wait). */
	__u64 born;
	__u64 born_cookie;
	__u64 born_timeout_us;
	__u64 adopted; /* handed over just now: checked by tcp_elog_tw_adopted */
	/* The minisocket timer whose callback runs on this CPU: at its exit
	 * the minisocket may be freed and its memory reused, so the exit is
	 * matched by address, not by reading timer->function. */
	__u64 running;
	/* Minisocket tw while Linux processes a segment for it: its answer
	 * (out, stamped as it left) and whether its timer was stopped. */
	__u64 tw;
	__u8 out_held;
	__u8 stopped;
	__u8 pad[6];
	__u64 stopped_ns; /* when (boot clock) */
	struct tcp_elog_msg out;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tcp_elog_tw_cpu);
} tcp_elog_tw_cpu SEC(".maps");

/* 1 while handovers may happen: set by the walk that arms, cleared by the
 * one that disarms (tcp_elog_iter). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} tcp_elog_tw_on SEC(".maps");

enum tcp_elog_tw_end { TCP_ELOG_TW_STOPPED, TCP_ELOG_TW_EXPIRED, TCP_ELOG_TW_TIME_WAIT };

static __always_inline struct tcp_elog_tw_cpu *tcp_elog_tw_slot(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&tcp_elog_tw_cpu, &zero);
}

/* The session's end, the timer's as `how` says it went. A global function:
 * verified once, whatever the number of callers (the iterator's sweep). */
__noinline int tcp_elog_tw_fini(struct elog_session *s, int how)
{
	if (!s)
		return 0;
	if (how == TCP_ELOG_TW_STOPPED && s->enabled && TCP_EVENTLOG_TIMER_CANCEL_ENABLED(s)) {
		TCP_EVENTLOG_TIMER_CANCEL_MSG(u);
		u.ev.reason = TCP_EVENTLOG_TIMER_REASON_TWOMSL;
		TCP_EVENTLOG_TIMER_CANCEL_SEND(s, u);
	}
	elog_session_fini(s);
	return 0;
}

static __noinline void tcp_elog_tw_end(__u64 tw, int how)
{
	struct tcp_elog_tw *t = bpf_map_lookup_elem(&tcp_elog_tw_map, &tw);

	if (!t)
		return;
	tcp_elog_tw_fini(&t->s, how);
	bpf_map_delete_elem(&tcp_elog_tw_map, &tw);
}

/* Writes what c holds for its minisocket: the answer, and the end when its
 * timer was stopped (a stop no segment of it followed: purge, reuse). */
static __noinline void tcp_elog_tw_settle(struct tcp_elog_tw_cpu *c)
{
	struct tcp_elog_tw *t;
	__u64 tw;

	if (!c || !c->tw)
		return;
	tw = c->tw;
	t = bpf_map_lookup_elem(&tcp_elog_tw_map, &tw);
	if (t && c->out_held && t->s.enabled)
		tcp_elog_emit(&t->s, &c->out, TCP_EVENTLOG_OUT_LEVEL, TCP_EVENTLOG_OUT_KEYWORDS,
			      sizeof(struct tcp_eventlog_out));
	c->tw = 0;
	c->out_held = 0;
	if (c->stopped) {
		c->stopped = 0;
		tcp_elog_tw_end(tw, TCP_ELOG_TW_STOPPED);
	}
}

/*
 * Whether the minisocket at tw no longer carries the session `cookie`:
 * its timer shut down (inet_twsk_deschedule_put: timer_shutdown_sync
 * clears the callback), disarmed (entry.pprev, as timer_pending()), or its
 * memory reused by another minisocket (another cookie).
 */
static __always_inline int tcp_elog_tw_gone(__u64 tw, __u64 cookie)
{
	struct inet_timewait_sock *itw =
		bpf_rdonly_cast((void *)tw, bpf_core_type_id_kernel(struct inet_timewait_sock));

	return itw->tw_timer.function != (void *)&tw_timer_handler || !itw->tw_timer.entry.pprev ||
	       itw->__tw_common.skc_cookie.counter != cookie;
}

/*
 * The IP and TCP headers of an skb a minisocket received or sent, from its
 * network and transport header offsets (set on both paths); the payload
 * length from the IP header's, whatever the skb's data pointer.
 */
static __always_inline int tcp_elog_tw_parse(struct sk_buff *skb, struct tcp_elog_seg *g)
{
	unsigned char *head = skb->head;
	__u16 nh = skb->network_header, th_at = skb->transport_header;
	struct tcp_elog_th th;
	__u8 ip[8];
	__u32 iplen;

	if (th_at <= nh || th_at - nh > 255 || bpf_probe_read_kernel(ip, sizeof(ip), head + nh))
		return -1;
	if ((ip[0] >> 4) == 4)
		iplen = (__u32)ip[2] << 8 | ip[3];
	else if ((ip[0] >> 4) == 6)
		iplen = 40 + ((__u32)ip[4] << 8 | ip[5]);
	else
		return -1;
	if (bpf_probe_read_kernel(&th, sizeof(th), head + th_at))
		return -1;
	tcp_elog_seg_fill(g, &th, th_at - nh, iplen);
	return 0;
}

static __always_inline void tcp_elog_tw_rst(struct tcp_elog_tw *t, __u16 flags)
{
	if ((flags & TCP_ELOG_TH_RST) && elog__bb_buffered(t->s.mode) && tcp_elog_knob(TCP_ELOG_KNOB_TRIG_RST))
		elog_bb_trigger(&t->s, TCP_EVENTLOG_BLACKBOX_REASON_RST);
}

/* A segment the minisocket sent (net_dev_queue): held until the IN of the
 * segment it answers. */
static __noinline void tcp_elog_tw_out(struct sk_buff *skb, struct sock *sk)
{
	struct inet_timewait_sock *itw;
	struct tcp_elog_tw_cpu *c;
	struct tcp_elog_tw *t;
	struct tcp_elog_seg g;
	__u64 tw = (__u64)sk;

	t = bpf_map_lookup_elem(&tcp_elog_tw_map, &tw);
	c = tcp_elog_tw_slot();
	if (!t || !c)
		return;
	if (c->tw != tw || c->out_held)
		tcp_elog_tw_settle(c);
	if (!t->s.enabled || !TCP_EVENTLOG_OUT_ENABLED(&t->s) || tcp_elog_tw_parse(skb, &g))
		return;
	itw = bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct inet_timewait_sock));
	__builtin_memset(&c->out, 0, sizeof(c->out));
	{
		struct tcp_eventlog_out *o = (void *)c->out.b;

		c->out.hdr.event_id = TCP_EVENTLOG_OUT_ID;
		c->out.hdr.timestamp = bpf_ktime_get_boot_ns() / 1000;
		o->seq = g.seq;
		o->ack = g.ack;
		o->flags = g.flags;
		o->win_raw = g.win_raw;
		o->win = tcp_elog_scaled(&g, t->rcv_wscale);
		o->len = g.len;
		/* A minisocket has no congestion window: the socket's last. */
		o->cwnd = t->cwnd;
		o->state = tcp_elog_state(itw->tw_substate);
		o->th_off = g.th_off;
		o->th_sum = g.th_sum;
		o->th_urp = g.th_urp;
	}
	c->tw = tw;
	c->out_held = 1;
	tcp_elog_tw_rst(t, g.flags);
}

/* A segment the minisocket processed (kfree_skb): its IN, its answer, and
 * the end if it took the minisocket out of FIN_WAIT_2. */
static __noinline void tcp_elog_tw_in(struct sk_buff *skb, struct sock *sk)
{
	struct inet_timewait_sock *itw;
	struct tcp_elog_tw_cpu *c;
	struct tcp_elog_tw *t;
	struct tcp_elog_seg g;
	__u64 tw = (__u64)sk, now_us;
	int stopped = 0;

	t = bpf_map_lookup_elem(&tcp_elog_tw_map, &tw);
	c = tcp_elog_tw_slot();
	if (!t || !c)
		return;
	if (c->tw && c->tw != tw)
		tcp_elog_tw_settle(c);
	now_us = bpf_ktime_get_boot_ns() / 1000;
	if (c->tw == tw && c->out_held)
		now_us = c->out.hdr.timestamp;
	if (t->s.enabled && TCP_EVENTLOG_IN_ENABLED(&t->s) && !tcp_elog_tw_parse(skb, &g)) {
		TCP_EVENTLOG_IN_MSG(u);

		u.ev.seq = g.seq;
		u.ev.ack = g.ack;
		u.ev.flags = g.flags;
		u.ev.win_raw = g.win_raw;
		u.ev.win = tcp_elog_scaled(&g, t->snd_wscale);
		u.ev.len = g.len;
		/* A followed minisocket is in FIN_WAIT_2 until a segment
		 * moves it on, and then its session ends. */
		u.ev.state = TCP_EVENTLOG_TCP_STATE_FIN_WAIT_2;
		u.ev.th_off = g.th_off;
		u.ev.th_sum = g.th_sum;
		u.ev.th_urp = g.th_urp;
		u.ev.rcv_time_us = now_us;
		u.hdr.timestamp = now_us;
		TCP_EVENTLOG_IN_SEND(&t->s, u);
		tcp_elog_tw_rst(t, g.flags);
	}
	if (c->tw == tw) {
		stopped = c->stopped;
		c->stopped = 0;
		tcp_elog_tw_settle(c);
	}
	if (stopped) {
		tcp_elog_tw_end(tw, TCP_ELOG_TW_STOPPED);
		return;
	}
	/* No stop seen on this CPU, yet the minisocket is dead: its stop came
	 * before the handover's insert (see tcp_elog_tw_adopt). */
	if (tcp_elog_tw_gone(tw, t->s.id)) {
		tcp_elog_tw_end(tw, TCP_ELOG_TW_STOPPED);
		return;
	}
	/* Alive: its substate is current. */
	itw = bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct inet_timewait_sock));
	if (itw->tw_substate != TCP_FIN_WAIT2)
		tcp_elog_tw_end(tw, TCP_ELOG_TW_TIME_WAIT);
}

/* A held stop older than this, met at another timer's event, had no
 * segment after it: the segment that causes one is freed microseconds
 * later, but a timer may be armed from a hard interrupt in between. */
#define TCP_ELOG_TW_STOP_SETTLE_NS 10000000ULL

/*
 * Every timer event of the host: a stop held on this CPU that no segment
 * followed is settled; the minisocket's own timer: a FIN_WAIT_2 one born
 * (noted for the handover), stopped (held), re-armed, or expiring.
 */
static __noinline void tcp_elog_tw_timer(struct timer_list *timer, int what)
{
	struct inet_timewait_sock *itw;
	struct tcp_elog_tw_cpu *c = tcp_elog_tw_slot();
	struct tcp_elog_tw *t;
	__u32 zero = 0, *on;
	__u64 tw, left;

	if (!c || !timer)
		return;
	tw = (__u64)timer - bpf_core_field_offset(struct inet_timewait_sock, tw_timer);
	if (what == TCP_ELOG_T_DONE) {
		if (c->running != tw)
			return;
		c->running = 0;
	} else if (timer->function != (void *)&tw_timer_handler) {
		if (c->stopped && bpf_ktime_get_boot_ns() - c->stopped_ns > TCP_ELOG_TW_STOP_SETTLE_NS)
			tcp_elog_tw_settle(c);
		return;
	}
	if (c->stopped && (c->tw != tw || what != TCP_ELOG_T_START))
		tcp_elog_tw_settle(c);
	t = bpf_map_lookup_elem(&tcp_elog_tw_map, &tw);
	switch (what) {
	case TCP_ELOG_T_START:
		if (t) {
			/* Stopped and started again: a re-arm. */
			if (c->tw == tw)
				c->stopped = 0;
			return;
		}
		itw = bpf_rdonly_cast((void *)tw, bpf_core_type_id_kernel(struct inet_timewait_sock));
		on = bpf_map_lookup_elem(&tcp_elog_tw_on, &zero);
		if (itw->tw_substate != TCP_FIN_WAIT2 || !on || !*on)
			return;
		c->born = tw;
		c->born_cookie = itw->__tw_common.skc_cookie.counter;
		left = timer->expires - bpf_jiffies64();
		c->born_timeout_us = (__s64)left > 0 && CONFIG_HZ ? left * 1000000 / CONFIG_HZ : 0;
		return;
	case TCP_ELOG_T_CANCEL:
		/* Detached to be run: the expiry follows. */
		if (!t || (__s64)(bpf_jiffies64() - timer->expires) >= 0)
			return;
		if (c->tw != tw)
			tcp_elog_tw_settle(c);
		c->tw = tw;
		c->stopped = 1;
		c->stopped_ns = bpf_ktime_get_boot_ns();
		return;
	case TCP_ELOG_T_FIRED:
		c->running = t ? tw : 0;
		if (t && t->s.enabled && TCP_EVENTLOG_TIMER_FIRED_ENABLED(&t->s)) {
			TCP_EVENTLOG_TIMER_FIRED_MSG(u);
			u.ev.reason = TCP_EVENTLOG_TIMER_REASON_TWOMSL;
			TCP_EVENTLOG_TIMER_FIRED_SEND(&t->s, u);
		}
		return;
	default:
		/* tw_timer_handler has killed the minisocket (its memory
		 * may be gone: only its address is used). */
		if (!t)
			return;
		if (t->s.enabled && TCP_EVENTLOG_TIMER_PROCESSED_ENABLED(&t->s)) {
			TCP_EVENTLOG_TIMER_PROCESSED_MSG(u);
			u.ev.reason = TCP_EVENTLOG_TIMER_REASON_TWOMSL;
			TCP_EVENTLOG_TIMER_PROCESSED_SEND(&t->s, u);
		}
		tcp_elog_tw_end(tw, TCP_ELOG_TW_EXPIRED);
		return;
	}
}

/*
 * At the destruction of v's socket (enabled session): when its FIN_WAIT_2
 * minisocket was just born on this CPU (same cookie), the session moves
 * there, with TIMER_START of the FIN_WAIT_2 timeout. 1: moved.
 */
static __noinline int tcp_elog_tw_adopt(struct tcp_elog_sk *v, struct sock *sk)
{
	struct tcp_elog_tw_cpu *c = tcp_elog_tw_slot();
	struct tcp_elog_tw t = {};
	struct tcp_sock *tp;
	__u64 tw;

	if (!v || !sk || !c || !c->born)
		return 0;
	tw = c->born;
	c->born = 0;
	if (c->born_cookie != v->s.id || !v->s.enabled)
		return 0;
	tp = bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct tcp_sock));
	t.s = v->s;
	t.s.target = -1;
	t.cwnd = tp->snd_cwnd * tp->mss_cache;
	t.snd_wscale = BPF_CORE_READ_BITFIELD(tp, rx_opt.snd_wscale);
	t.rcv_wscale = BPF_CORE_READ_BITFIELD(tp, rx_opt.rcv_wscale);
	/* Full (16384 followed): the session ends with its socket. */
	if (bpf_map_update_elem(&tcp_elog_tw_map, &tw, &t, BPF_NOEXIST))
		return 0;
	if (t.s.enabled && TCP_EVENTLOG_TIMER_START_ENABLED(&t.s)) {
		TCP_EVENTLOG_TIMER_START_MSG(u);
		u.ev.timeout_us = c->born_timeout_us;
		u.ev.reason = TCP_EVENTLOG_TIMER_REASON_TWOMSL;
		TCP_EVENTLOG_TIMER_START_SEND(&t.s, u);
	}
	c->adopted = tw;
	return 1;
}

/*
 * Right after a handover (tcp_elog_tw_adopt returned 1), in a call of its
 * own (the verifier's combined stack limit): the minisocket is hashed
 * before its socket is destroyed, so a segment processed on another CPU in
 * between (an RST) may already have stopped its timer, unseen (no entry
 * yet). Checked after the insert, so that a stop after it is met by the
 * timer hook instead; a stop whose hook ran before the insert but whose
 * effects are not visible yet is met by that segment's IN
 * (tcp_elog_tw_in).
 */
static __noinline void tcp_elog_tw_adopted(void)
{
	struct tcp_elog_tw_cpu *c = tcp_elog_tw_slot();
	struct tcp_elog_tw *t;
	__u64 tw;

	if (!c || !c->adopted)
		return;
	tw = c->adopted;
	c->adopted = 0;
	t = bpf_map_lookup_elem(&tcp_elog_tw_map, &tw);
	if (t && tcp_elog_tw_gone(tw, t->s.id))
		tcp_elog_tw_end(tw, TCP_ELOG_TW_STOPPED);
}

static long tcp_elog_tw_sweep_one(struct bpf_map *map, __u64 *key, struct tcp_elog_tw *t, void *ctx)
{
	if (*(int *)ctx)
		tcp_elog_tw_fini(&t->s, TCP_ELOG_TW_STOPPED);
	else
		elog_session_set_enabled(&t->s, 0);
	if (*(int *)ctx)
		bpf_map_delete_elem(map, key);
	return 0;
}

/*
 * From the iterator, once per walk: ARM and DISARM end every session
 * still followed (the hooks that follow them are attached from now on,
 * or go away: their minisockets were not or will not be watched), DISARM
 * stopping handovers first and ARM allowing them after; DISABLE_ALL
 * switches them off. A session ended here says TIMER_CANCEL: the log no
 * longer knows its timer.
 */
static __always_inline void tcp_elog_tw_walk(__u32 op, int done)
{
	__u32 zero = 0, *on = bpf_map_lookup_elem(&tcp_elog_tw_on, &zero);
	int end = 1, off = 0;

	if (!on)
		return;
	if (op == TCP_ELOG_ITER_DISARM)
		*on = 0;
	if (!done)
		return;
	if (op == TCP_ELOG_ITER_DISABLE_ALL)
		bpf_for_each_map_elem(&tcp_elog_tw_map, tcp_elog_tw_sweep_one, &off, 0);
	else if (op == TCP_ELOG_ITER_ARM || op == TCP_ELOG_ITER_DISARM)
		bpf_for_each_map_elem(&tcp_elog_tw_map, tcp_elog_tw_sweep_one, &end, 0);
	if (op == TCP_ELOG_ITER_ARM)
		*on = 1;
}

#endif /* ELOG_TCP_TW_BPF_H */
