/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP provider, BPF half: TCP timers (TIMER_START, TIMER_CANCEL,
 * TIMER_FIRED, TIMER_PROCESSED) from the kernel's timer tracepoints.
 *
 * Those tracepoints see every timer of the host; a TCP one is told apart by
 * its callback (tcp_write_timer: retransmit, persist, loss probe, RACK
 * reordering, as icsk_pending says; tcp_delack_timer; tcp_keepalive_timer,
 * which Linux also uses for the FIN_WAIT_2 timeout) and its socket is the
 * timer's container. A timer pointer is not a socket the verifier trusts,
 * so the session comes from tcp_elog_addr_map and the socket is read through
 * bpf_rdonly_cast().
 *
 * Volume: Linux re-arms the retransmit timer on almost every ACK, and the
 * timer core traces a re-arm of a pending timer as a cancel and a start and
 * an expiry as a cancel and a fire: most timer events were cancels that say
 * nothing the next event does not. So:
 *  - the cancel of an expiry is not emitted: a timer whose expiry time has
 *    passed is being run, and TIMER_FIRED follows;
 *  - any other cancel is held in a per-CPU slot: if the same timer starts
 *    next on that CPU (mod_timer does both under the timer base lock, with
 *    interrupts off, so nothing comes between), it was a re-arm and only
 *    TIMER_START is emitted, which on a running timer means "restarted";
 *    otherwise it is a real cancel, emitted at the next timer event of the
 *    CPU (any timer of the host: usually within microseconds to a few
 *    milliseconds), stamped then. A held cancel is only looked up in
 *    tcp_elog_addr_map when it turns out real: re-arms, nearly all of
 *    them, cost no session lookup.
 * Nothing is lost: START, START means restarted; START, CANCEL stopped;
 * START, FIRED ran.
 *
 * Stopped without a cancel: Linux stops the retransmit and delayed-ACK
 * timers lazily, clearing icsk_pending (icsk_ack.pending) and leaving the
 * timer armed; when it expires the callback returns without work. Such a
 * timer is logged as stopped (TIMER_CANCEL, reason of its last logged start)
 * at the first hook that sees the cleared flag while the log has it running:
 * a segment of the socket in or out, a reader wakeup, the end of a send
 * call, and at the latest its expiry, which is then not a TIMER_FIRED (nor
 * TIMER_PROCESSED). An expiry is a fire exactly when the callback will do
 * the work Linux counts (tcp_elog_timer_work).
 *
 * Unless asked: with net.inet.tcp.eventlog.timer_restart_us = N > 0, a
 * restart of a running timer is not logged while that timer's last logged
 * TIMER_START is less than N us old. Linux restarts the retransmit timer on
 * nearly every ACK (RXT) and send (TLP), so this removes most TIMER_STARTs
 * of a busy connection (a quarter of a bulk transfer's events), at the
 * price of the restarts' times and reasons in between. The stream stays
 * consistent: a fire for another reason than the last logged start's gets a
 * start of its own reason for 0 us just before it (as for the untraced
 * re-arm below), and a cancel names the last logged start's reason. Fires,
 * cancels and the start of a stopped timer are always logged. 0, the
 * default, logs every start.
 */
#ifndef ELOG_TCP_TIMER_BPF_H
#define ELOG_TCP_TIMER_BPF_H

#define TCP_ELOG_ICSK_TIME_RETRANS 1
#define TCP_ELOG_ICSK_TIME_PROBE0 3
#define TCP_ELOG_ICSK_TIME_LOSS_PROBE 5
#define TCP_ELOG_ICSK_TIME_REO_TIMEOUT 6
/* icsk_ack.pending bits (include/net/inet_connection_sock.h). */
#define TCP_ELOG_ICSK_ACK_SCHED 1
#define TCP_ELOG_ICSK_ACK_TIMER 2

extern const void tcp_write_timer __ksym;
extern const void tcp_delack_timer __ksym;
extern const void tcp_keepalive_timer __ksym;
extern unsigned int CONFIG_HZ __kconfig;

/*
 * Which TCP timer this is: 1 retransmit, 2 delayed ACK, 3 keepalive (0: not
 * TCP's), its socket's address and the reason it would be started for now.
 */
static __always_inline int tcp_elog_timer_of(struct timer_list *timer, __u64 *sk_addr, __u8 *reason)
{
	void *fn = timer->function;
	struct inet_connection_sock *icsk;
	__u8 pending;

	if (fn == (void *)&tcp_write_timer) {
		*sk_addr = (__u64)timer - bpf_core_field_offset(struct inet_connection_sock, icsk_retransmit_timer);
		icsk = bpf_rdonly_cast((void *)*sk_addr, bpf_core_type_id_kernel(struct inet_connection_sock));
		pending = icsk->icsk_pending;
		switch (pending) {
		case TCP_ELOG_ICSK_TIME_PROBE0: *reason = TCP_EVENTLOG_TIMER_REASON_PERSIST; break;
		case TCP_ELOG_ICSK_TIME_LOSS_PROBE: *reason = TCP_EVENTLOG_TIMER_REASON_TLP; break;
		case TCP_ELOG_ICSK_TIME_REO_TIMEOUT: *reason = TCP_EVENTLOG_TIMER_REASON_RACK; break;
		default: *reason = TCP_EVENTLOG_TIMER_REASON_RXT; break;
		}
		return 1;
	}
	if (fn == (void *)&tcp_delack_timer) {
		*sk_addr = (__u64)timer - bpf_core_field_offset(struct inet_connection_sock, icsk_delack_timer);
		*reason = TCP_EVENTLOG_TIMER_REASON_DELAYACK;
		return 2;
	}
	if (fn == (void *)&tcp_keepalive_timer) {
		struct sock *sk;

		*sk_addr = (__u64)timer - bpf_core_field_offset(struct sock, sk_timer);
		sk = bpf_rdonly_cast((void *)*sk_addr, bpf_core_type_id_kernel(struct sock));
		*reason = sk->__sk_common.skc_state == TCP_FIN_WAIT2 ?
			  TCP_EVENTLOG_TIMER_REASON_TWOMSL : TCP_EVENTLOG_TIMER_REASON_KEEPALIVE;
		return 3;
	}
	return 0;
}

/* Non-zero while the retransmit timer of the socket at sk_addr has work. */
static __always_inline int tcp_elog_write_timer_pending(__u64 sk_addr)
{
	struct inet_connection_sock *icsk =
		bpf_rdonly_cast((void *)sk_addr, bpf_core_type_id_kernel(struct inet_connection_sock));

	return icsk->icsk_pending != 0;
}

/*
 * Whether the expiry of timer `kind` (tcp_elog_timer_of) of the socket at
 * sk_addr does work, as the callbacks decide (tcp_timer.c): none in CLOSE
 * or LISTEN; the write timer none without icsk_pending, an RTO none
 * without packets out, a probe none while one is outstanding
 * (tlp_high_seq: only re-armed as an RTO), a window probe none with data
 * in flight or nothing to send; the delayed-ACK timer sends (and Linux
 * counts in DelayedACKs) only with an ACK both scheduled and timed, or
 * flushes a compressed SACK ACK. Read before the callback takes the socket
 * lock: a socket owned by the application defers the callback's work to
 * release_sock, which decides again (DelayedACKLocked counts those).
 */
static __always_inline int tcp_elog_timer_work(int kind, __u64 sk_addr)
{
	struct tcp_sock *tp;
	struct sock *sk;
	__u8 pending;
	int state;

	if (kind == 3)
		return 1;
	tp = bpf_rdonly_cast((void *)sk_addr, bpf_core_type_id_kernel(struct tcp_sock));
	sk = (struct sock *)tp;
	state = sk->__sk_common.skc_state;
	if (state == TCP_CLOSE || state == TCP_LISTEN)
		return 0;
	if (kind == 2) {
		if (tp->compressed_ack)
			return 1;
		pending = tp->inet_conn.icsk_ack.pending;
		return (pending & (TCP_ELOG_ICSK_ACK_SCHED | TCP_ELOG_ICSK_ACK_TIMER)) ==
		       (TCP_ELOG_ICSK_ACK_SCHED | TCP_ELOG_ICSK_ACK_TIMER);
	}
	pending = tp->inet_conn.icsk_pending;
	switch (pending) {
	case 0:
		return 0;
	case TCP_ELOG_ICSK_TIME_RETRANS:
		return tp->packets_out != 0;
	case TCP_ELOG_ICSK_TIME_LOSS_PROBE:
		return tp->tlp_high_seq == 0;
	case TCP_ELOG_ICSK_TIME_PROBE0:
		/* tcp_send_head(): the write queue is not empty. */
		return tp->packets_out == 0 &&
		       (__u64)sk->sk_write_queue.next != sk_addr + bpf_core_field_offset(struct sock, sk_write_queue);
	}
	return 1;
}

/* net.inet.tcp.eventlog.timer_restart_us; 0: log every start. */
static __always_inline __u64 tcp_elog_timer_restart_us(void)
{
	__u32 key = TCP_ELOG_KNOB_TIMER_RESTART_US;
	__s64 *v = bpf_map_lookup_elem(&elog_knobs, &key);

	return v && *v > 0 ? (__u64)*v : 0;
}

/* Before a session's SESSION_END: its cancel, if this CPU still holds one. */
static __always_inline void tcp_elog_timer_flush(const struct tcp_elog_sk *v);

enum tcp_elog_timer_ev { TCP_ELOG_T_START, TCP_ELOG_T_CANCEL, TCP_ELOG_T_FIRED, TCP_ELOG_T_DONE };

/* A cancel waiting to learn whether a start of the same timer follows. */
struct tcp_elog_held_cancel {
	__u64 timer;
	__u8 kind;       /* tcp_elog_timer_of() */
	__u8 reason;     /* as tcp_elog_timer_of() saw it at the cancel */
	__u8 held;
	/* The reason a running callback fired for: the callback may change
	 * icsk_pending (a probe that re-arms as a retransmit) before exit. */
	__u8 fired_reason;
	__u8 pad[4];
	__u64 fired_timer;
	__u64 sk_addr;   /* of the held cancel's socket */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tcp_elog_held_cancel);
} tcp_elog_held SEC(".maps");

/*
 * Emits the cancel h holds (and lets it go), if its session still exists
 * and is enabled: nothing follows SESSION_END. The reason is the one the
 * timer was last started for, as for every cancel.
 */
static __always_inline void tcp_elog_emit_held_cancel(struct tcp_elog_held_cancel *h)
{
	struct tcp_elog_by_addr *a;
	struct elog_session s;
	__u8 reason;

	h->held = 0;
	a = bpf_map_lookup_elem(&tcp_elog_addr_map, &h->sk_addr);
	/* Not running in the log (already logged as stopped, or started
	 * before the session was enabled): nothing to cancel. */
	if (!a || !a->running[h->kind & 3])
		return;
	a->running[h->kind & 3] = 0;
	if (!a->s.enabled)
		return;
	s = a->s;
	s.target = -1;
	if (!TCP_EVENTLOG_TIMER_CANCEL_ENABLED(&s))
		return;
	/* The reason of its last logged start (with timer_restart_us,
	 * restarts in between may have changed timer_reason). */
	reason = a->logged_reason[h->kind & 3];
	if (!reason)
		reason = a->timer_reason[h->kind & 3];
	{
		TCP_EVENTLOG_TIMER_CANCEL_MSG(u);
		u.ev.reason = reason ? reason : h->reason;
		TCP_EVENTLOG_TIMER_CANCEL_SEND(&s, u);
	}
}

/*
 * A timer of a's socket that the log has running is stopped: TIMER_CANCEL,
 * for the reason of its last logged start, stamped now.
 */
static __noinline void tcp_elog_timer_stopped_at(struct tcp_elog_by_addr *a, int kind)
{
	struct elog_session s;
	__u8 reason;

	if (!a || !a->running[kind & 3])
		return;
	a->running[kind & 3] = 0;
	s = a->s;
	s.target = -1;
	if (!s.enabled || !TCP_EVENTLOG_TIMER_CANCEL_ENABLED(&s))
		return;
	reason = a->logged_reason[kind & 3];
	if (!reason)
		reason = a->timer_reason[kind & 3];
	if (!reason)
		return;
	{
		TCP_EVENTLOG_TIMER_CANCEL_MSG(u);
		u.ev.reason = reason;
		TCP_EVENTLOG_TIMER_CANCEL_SEND(&s, u);
	}
}

/* The lazy stop of timer `kind` (armed to `expires`) seen from a hook of
 * the socket's own (v): looked up once per arming. */
static __noinline void tcp_elog_timer_stopped(struct tcp_elog_sk *v, int kind, __u64 expires)
{
	struct tcp_elog_by_addr *a;

	if (!v)
		return;
	v->lazy_exp[kind & 1] = expires;
	a = bpf_map_lookup_elem(&tcp_elog_addr_map, &v->sk_addr);
	if (a)
		tcp_elog_timer_stopped_at(a, kind);
}

/*
 * At a hook of the socket (segment in or out, reader wakeup, end of a send
 * call): a retransmit or delayed-ACK timer still armed although Linux has
 * cleared its pending flag is stopped (see the top of this file). Inline
 * loads; a call only once per arming found stopped (lazy_exp).
 */
static __always_inline void tcp_elog_timer_lazy(struct tcp_elog_sk *v, struct tcp_sock *tp)
{
	struct inet_connection_sock *icsk = &tp->inet_conn;
	__u64 exp;

	/* timer_pending(): entry.pprev is set while the timer is armed. */
	if (!icsk->icsk_pending && icsk->icsk_retransmit_timer.entry.pprev) {
		exp = icsk->icsk_retransmit_timer.expires;
		if (exp != v->lazy_exp[1])
			tcp_elog_timer_stopped(v, 1, exp);
	}
	if (!(icsk->icsk_ack.pending & TCP_ELOG_ICSK_ACK_TIMER) && icsk->icsk_delack_timer.entry.pprev) {
		exp = icsk->icsk_delack_timer.expires;
		if (exp != v->lazy_exp[0])
			tcp_elog_timer_stopped(v, 2, exp);
	}
}

/*
 * cwnd, ssthresh and srtt compared with the last reported (the mirror in
 * a) at a timer's expiry: after a pure ACK no hook runs, and the expiry of
 * the retransmit timer that ACK stopped is often the socket's next event.
 */
static __noinline void tcp_elog_timer_state(struct tcp_elog_by_addr *a, __u64 sk_addr)
{
	struct elog_session s;
	struct tcp_sock *tp;
	__u32 mss, cwnd, ssthresh, srtt8, old, zero = 0;
	__u64 *gen;
	int changed = 0;

	if (!a)
		return;
	tp = bpf_rdonly_cast((void *)sk_addr, bpf_core_type_id_kernel(struct tcp_sock));
	if (!tcp_elog_synchronized(((struct sock *)tp)->__sk_common.skc_state))
		return;
	s = a->s;
	s.target = -1;
	mss = tp->mss_cache;
	cwnd = tcp_elog_bytes(tp->snd_cwnd, mss);
	ssthresh = tcp_elog_ssthresh(tp, mss);
	srtt8 = tp->srtt_us;
	if (cwnd != a->last_cwnd || ssthresh != a->last_ssthresh) {
		a->last_cwnd = cwnd;
		a->last_ssthresh = ssthresh;
		changed = 1;
		if (TCP_EVENTLOG_CWND_ENABLED(&s)) {
			TCP_EVENTLOG_CWND_MSG(u);
			u.ev.cwnd = cwnd;
			u.ev.ssthresh = ssthresh;
			TCP_EVENTLOG_CWND_SEND(&s, u);
		}
	}
	if (srtt8 && srtt8 != a->last_srtt8) {
		old = a->last_srtt8;
		a->last_srtt8 = srtt8;
		changed = 1;
		if (TCP_EVENTLOG_RTT_ENABLED(&s)) {
			/* The one sample that explains the change, as
			 * tcp_elog_srtt_changed. */
			TCP_EVENTLOG_RTT_MSG(u);
			u.ev.rtt = old ? srtt8 - old + (old >> 3) : srtt8 >> 3;
			u.ev.srtt = srtt8 >> 3;
			u.ev.lowest_rtt = tcp_elog_min_rtt(tp);
			TCP_EVENTLOG_RTT_SEND(&s, u);
		}
	}
	/* The session's own hooks take the mirror back before comparing. */
	gen = bpf_map_lookup_elem(&tcp_elog_state_gen, &zero);
	if (changed && gen)
		__sync_fetch_and_add(gen, 1);
}

static __noinline void tcp_elog_timer_event(struct timer_list *timer, int what)
{
	struct tcp_elog_by_addr *a;
	struct elog_session s;
	__u64 sk_addr = 0, now, expires;
	__u8 reason = 0;
	int kind;

	struct tcp_elog_held_cancel *h;
	__u32 zero = 0;

	if (!timer)
		return;
	h = bpf_map_lookup_elem(&tcp_elog_held, &zero);
	if (!h)
		return;
	/* Any other timer event on this CPU: a held cancel was a real one. */
	if (h->held && h->timer != (__u64)timer)
		tcp_elog_emit_held_cancel(h);
	/* Every timer of the host comes here: with no session enabled there is
	 * nothing below to do (it all needs an enabled session). */
	if (!elog_any_enabled())
		return;
	kind = tcp_elog_timer_of(timer, &sk_addr, &reason);
	if (!kind)
		return;
	if (what == TCP_ELOG_T_CANCEL) {
		/* Detached to be run: TIMER_FIRED says it. */
		if ((__s64)(bpf_jiffies64() - timer->expires) >= 0)
			return;
		if (h->held) /* the same timer cancelled twice: the first was real */
			tcp_elog_emit_held_cancel(h);
		h->timer = (__u64)timer;
		h->sk_addr = sk_addr;
		h->kind = (__u8)kind;
		h->reason = reason;
		h->held = 1;
		return;
	}
	a = bpf_map_lookup_elem(&tcp_elog_addr_map, &sk_addr);
	if (!a || !a->s.enabled)
		return;
	if (what == TCP_ELOG_T_FIRED)
		tcp_elog_timer_state(a, sk_addr);
	if (what == TCP_ELOG_T_FIRED && !tcp_elog_timer_work(kind, sk_addr)) {
		/* Stopped lazily and expiring idle: the stop, if not yet logged,
		 * and no TIMER_PROCESSED at the exit. */
		h->fired_timer = 0;
		tcp_elog_timer_stopped_at(a, kind);
		return;
	}
	/* A timer is cancelled, fires and is processed for the reason it was
	 * started for: icsk_pending is cleared before a cancel and the socket
	 * state moves on (keepalive vs FIN_WAIT_2) while a timer runs. */
	/* ... except the retransmit timer when it fires: it runs for what
	 * icsk_pending says then, and that can differ from its last traced
	 * start. A tail-loss probe capped to the pending RTO re-arms the timer
	 * with an unchanged expiry, which mod_timer does without a trace. */
	__u8 rearmed = 0; /* that untraced re-arm, seen at the fire */

	__u8 restart = 0; /* a start of a running timer */

	if (what == TCP_ELOG_T_FIRED && kind == 1 && tcp_elog_write_timer_pending(sk_addr)) {
		rearmed = a->timer_reason[1] && a->timer_reason[1] != reason;
		a->timer_reason[1] = reason;
	} else if (what == TCP_ELOG_T_START) {
		restart = a->running[kind & 3];
		a->timer_reason[kind & 3] = reason;
	} else if (a->timer_reason[kind & 3])
		reason = a->timer_reason[kind & 3];
	s = a->s;
	s.target = -1;
	now = bpf_jiffies64();
	expires = timer->expires;
	if (what == TCP_ELOG_T_START) {
		/* Held cancel of this timer + start = a re-arm: the start says it. */
		h->held = 0;
		a->running[kind & 3] = 1;
		if (!TCP_EVENTLOG_TIMER_START_ENABLED(&s))
			return;
		{
			/* Decided before the record is built: with
			 * timer_restart_us most starts end here. The last
			 * logged start is kept whatever the knob, so changing it
			 * leaves cancels and fires consistent. */
			__u64 now_us = bpf_ktime_get_boot_ns() / 1000;
			__u64 restart_us = tcp_elog_timer_restart_us();

			if (restart && restart_us && now_us - a->start_logged_us[kind & 3] < restart_us)
				return;
			a->start_logged_us[kind & 3] = now_us;
			a->logged_reason[kind & 3] = reason;
		}
		{
			TCP_EVENTLOG_TIMER_START_MSG(u);
			__u64 left = (__s64)(expires - now) > 0 ? expires - now : 0;

			u.hdr.timestamp = a->start_logged_us[kind & 3];
			u.ev.timeout_us = CONFIG_HZ ? left * 1000000 / CONFIG_HZ : 0;
			u.ev.reason = reason;
			TCP_EVENTLOG_TIMER_START_SEND(&s, u);
		}
	} else if (what == TCP_ELOG_T_FIRED) {
		/* Logged as stopped, then re-armed to the same expiry (untraced):
		 * its start is only seen now. */
		if (!a->running[kind & 3])
			rearmed = 1;
		a->running[kind & 3] = 0;
		h->fired_timer = (__u64)timer;
		h->fired_reason = reason;
		/* Restarts left out (timer_restart_us) may have changed the
		 * reason since the last logged start. */
		if (a->logged_reason[kind & 3] && a->logged_reason[kind & 3] != reason)
			rearmed = 1;
		/* Reported as a start for 0 us just before its fire, so every
		 * fire follows a start of its own reason. */
		if (rearmed && TCP_EVENTLOG_TIMER_START_ENABLED(&s)) {
			TCP_EVENTLOG_TIMER_START_MSG(u);

			u.ev.timeout_us = 0;
			u.ev.reason = reason;
			TCP_EVENTLOG_TIMER_START_SEND(&s, u);
			a->logged_reason[kind & 3] = reason;
		}
		if (!TCP_EVENTLOG_TIMER_FIRED_ENABLED(&s))
			return;
		{
			TCP_EVENTLOG_TIMER_FIRED_MSG(u);
			u.ev.reason = reason;
			TCP_EVENTLOG_TIMER_FIRED_SEND(&s, u);
		}
	} else {
		/* Only an expiry logged as a fire is processed. */
		if (h->fired_timer != (__u64)timer)
			return;
		reason = h->fired_reason;
		h->fired_timer = 0;
		if (!TCP_EVENTLOG_TIMER_PROCESSED_ENABLED(&s))
			return;
		{
			TCP_EVENTLOG_TIMER_PROCESSED_MSG(u);
			u.ev.reason = reason;
			TCP_EVENTLOG_TIMER_PROCESSED_SEND(&s, u);
		}
	}
}

static __always_inline void tcp_elog_timer_flush(const struct tcp_elog_sk *v)
{
	__u32 zero = 0;
	struct tcp_elog_held_cancel *h = bpf_map_lookup_elem(&tcp_elog_held, &zero);

	if (h && h->held && h->sk_addr == v->sk_addr)
		tcp_elog_emit_held_cancel(h);
}

#endif /* ELOG_TCP_TIMER_BPF_H */
