/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP provider, BPF half: socket-buffer wakeups (SB_WAKE).
 *
 * Linux wakes a reader through sk->sk_data_ready (sock_def_readable for a
 * plain TCP socket), which TCP calls once queued data reaches SO_RCVLOWAT
 * or a FIN arrives (tcp_data_ready); the tracepoint sock:sk_data_ready
 * (Linux 6.3) fires at its top, before the wakeup. That is FreeBSD's
 * sorwakeup: SB_WAKE type RCV. A listener's sk_data_ready announces a new
 * connection in the accept queue (FreeBSD's solisten_wakeup, no sockbuf
 * wakeup) and is not logged. Writers are woken through sk_write_space,
 * which has no tracepoint: no SB_WAKE type SND.
 */
#ifndef ELOG_TCP_SBWAKE_BPF_H
#define ELOG_TCP_SBWAKE_BPF_H

/* include/net/sock.h (macros, not in vmlinux.h). */
#define TCP_ELOG_RCV_SHUTDOWN 1
#define TCP_ELOG_SEND_SHUTDOWN 2
#define TCP_ELOG_SOCK_RCVBUF_LOCK 2

/*
 * FreeBSD sb_flags a Linux receive queue can honestly claim:
 *   SB_WAIT     somebody sleeps on the socket's wait queue (skwq_has_sleeper:
 *               a blocked read, but also a poll/select/epoll registration,
 *               which Linux keeps on the same queue: SB_SEL is never set)
 *   SB_ASYNC    O_ASYNC (a fasync entry: SIGIO on wakeup)
 *   SB_AUTOSIZE receive buffer autotuning is on (no SO_RCVBUF lock)
 */
static __always_inline __u32 tcp_elog_sb_flags(const struct sock *sk)
{
	struct socket_wq *wq = sk->sk_wq;
	__u32 f = 0;

	if (wq) {
		struct list_head *head = &wq->wait.head;

		if (wq->wait.head.next != head)
			f |= TCP_EVENTLOG_FLAG_SB_WAIT;
		if (wq->fasync_list)
			f |= TCP_EVENTLOG_FLAG_SB_ASYNC;
	}
	if (!(sk->sk_userlocks & TCP_ELOG_SOCK_RCVBUF_LOCK))
		f |= TCP_EVENTLOG_FLAG_SB_AUTOSIZE;
	return f;
}

static __noinline void tcp_elog_emit_sb_wake(struct tcp_elog_sk *v, struct tcp_sock *tp)
{
	struct sock *sk = (struct sock *)tp;
	__u8 shut;
	__u32 len;

	if (!v || !tp || !TCP_EVENTLOG_SB_WAKE_ENABLED(&v->s))
		return;
	{
		TCP_EVENTLOG_SB_WAKE_MSG(u);

		/* Bytes readable, as tcp_inq() (FIONREAD) counts them: the
		 * FIN takes a sequence number but is not data. */
		len = tp->rcv_nxt - tp->copied_seq;
		if (len && (sk->__sk_common.skc_flags & (1UL << SOCK_DONE)))
			len--;
		shut = sk->sk_shutdown;
		u.ev.sb_flags = tcp_elog_sb_flags(sk);
		u.ev.len = len;
		if (shut & TCP_ELOG_RCV_SHUTDOWN)
			u.ev.sb_state |= TCP_EVENTLOG_FLAG_SBS_CANTRCVMORE;
		if (shut & TCP_ELOG_SEND_SHUTDOWN)
			u.ev.sb_state |= TCP_EVENTLOG_FLAG_SBS_CANTSENDMORE;
		u.ev.type = TCP_EVENTLOG_SB_WAKE_TYPE_RCV;
		TCP_EVENTLOG_SB_WAKE_SEND(&v->s, u);
	}
}

#endif /* ELOG_TCP_SBWAKE_BPF_H */
