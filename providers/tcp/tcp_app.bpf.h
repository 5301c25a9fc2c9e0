/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP provider, BPF half: what the application does (USER_SEND, SENDFILE)
 * and the congestion control it picks (CC_ALGO_CHANGE).
 *
 * One send(2)/write(2)/sendmsg(2) is one sock_sendmsg(): sock_send_length
 * fires once at its end with the result, for every protocol and with flags
 * always 0, so tcp_sendmsg_locked (once per skb the call fills) records the
 * call's msg_flags first. A sendfile(2)/splice(2) reaches TCP as a series of
 * sock_sendmsg() calls with MSG_SPLICE_PAGES, one per chunk of up to a pipe
 * buffer (64 KiB): one SENDFILE each.
 */
#ifndef ELOG_TCP_APP_BPF_H
#define ELOG_TCP_APP_BPF_H

/* include/linux/socket.h (not in vmlinux.h). */
#define TCP_ELOG_MSG_OOB 0x1
#define TCP_ELOG_MSG_MORE 0x8000
#define TCP_ELOG_MSG_SPLICE_PAGES 0x8000000
/* The msg_flags bits USER_SEND and SENDFILE depend on: a send with none of
 * them is logged the same whether or not its flags were taken. */
#define TCP_ELOG_SEND_FLAGS_USED (TCP_ELOG_MSG_OOB | TCP_ELOG_MSG_MORE | TCP_ELOG_MSG_SPLICE_PAGES)
/* Marks send_flags as taken in this call (msg_flags never uses bit 31). */
#define TCP_ELOG_SEND_SEEN 0x80000000u

/* FreeBSD's PRUS_* (flag prus_flags) from Linux msg_flags. */
static __always_inline __u32 tcp_elog_prus(__u32 msg_flags)
{
	__u32 f = 0;

	if (msg_flags & TCP_ELOG_MSG_OOB)
		f |= TCP_EVENTLOG_FLAG_PRUS_OOB;
	if (msg_flags & TCP_ELOG_MSG_MORE)
		f |= TCP_EVENTLOG_FLAG_PRUS_MORETOCOME;
	return f;
}

static __noinline void tcp_elog_emit_send(struct tcp_elog_sk *v, struct tcp_sock *tp, int ret, __u32 msg_flags)
{
	struct sock *sk = (struct sock *)tp;

	if (!v || !tp)
		return;
	if (msg_flags & TCP_ELOG_MSG_SPLICE_PAGES) {
		if (!TCP_EVENTLOG_SENDFILE_ENABLED(&v->s))
			return;
		{
			TCP_EVENTLOG_SENDFILE_MSG(u);
			/* The file offset stays in the splice layer, above
			 * the socket: not known here. */
			u.ev.offset = 0;
			u.ev.length = ret > 0 ? ret : 0;
			TCP_EVENTLOG_SENDFILE_SEND(&v->s, u);
		}
		return;
	}
	if (!TCP_EVENTLOG_USER_SEND_ENABLED(&v->s))
		return;
	{
		TCP_EVENTLOG_USER_SEND_MSG(u);
		__u32 queued = tp->write_seq - tp->snd_una;
		int room = sk->sk_sndbuf - sk->sk_wmem_queued;

		u.ev.error = ret < 0 ? ret : 0;
		u.ev.flags = tcp_elog_prus(msg_flags);
		u.ev.state = tcp_elog_state(sk->__sk_common.skc_state);
		/* Bytes in the send buffer (sent or not, unacknowledged) and the
		 * room left in it, after the call. */
		u.ev.sndbuf_used = queued;
		u.ev.sndbuf_avail = room > 0 ? room : 0;
		u.ev.send_len = ret > 0 ? ret : 0;
		TCP_EVENTLOG_USER_SEND_SEND(&v->s, u);
	}
}

/*
 * Linux changes icsk_ca_ops in tcp_set_congestion_control, which nothing
 * here can hook; a change is reported at the next segment after it. The
 * first observation (CONN_PARAMS already names it) is not a change.
 */
static __noinline void tcp_elog_ca_changed(struct tcp_elog_sk *v, const struct tcp_congestion_ops *ca)
{
	__u64 old;

	if (!v || !ca)
		return;
	old = v->last_ca;
	v->last_ca = (__u64)ca;
	if (!old || !TCP_EVENTLOG_CC_ALGO_CHANGE_ENABLED(&v->s))
		return;
	{
		TCP_EVENTLOG_CC_ALGO_CHANGE_MSG(u);
		bpf_core_read_str(u.ev.cc_algo, sizeof(u.ev.cc_algo), &ca->name);
		TCP_EVENTLOG_CC_ALGO_CHANGE_SEND(&v->s, u);
	}
}

static __always_inline void tcp_elog_ca_check(struct tcp_elog_sk *v, struct tcp_sock *tp)
{
	const struct tcp_congestion_ops *ca = tp->inet_conn.icsk_ca_ops;

	if (ca && (__u64)ca != v->last_ca)
		tcp_elog_ca_changed(v, ca);
}

#endif /* ELOG_TCP_APP_BPF_H */
