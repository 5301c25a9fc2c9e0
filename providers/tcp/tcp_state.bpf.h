/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP provider, BPF half: the connection-state events (SESSION_CREATE,
 * CONN_SET_IP_V4/V6, CONN_PARAMS, MSS, CONN_OWNER) and the state dump that
 * strings them together.
 *
 * Every emitter takes the session to emit on separately from the socket's
 * stored value, so a state dump can pass a stack copy whose target is one
 * subscriber slot while the stored session stays addressed to everybody.
 */
#ifndef ELOG_TCP_STATE_BPF_H
#define ELOG_TCP_STATE_BPF_H

#define TCP_ELOG_AF_INET 2
#define TCP_ELOG_AF_INET6 10

/* include/net/tcp.h (not in vmlinux.h): low bits of tcp_sock.ecn_flags. */
#define TCP_ELOG_ECN_MODE_RFC3168 0x01
#define TCP_ELOG_ECN_MODE_ACCECN 0x10 /* 6.18+; unused bit on older kernels */

static __always_inline void tcp_elog_emit_session_create(const struct elog_session *s,
							 const struct tcp_elog_sk *v)
{
	TCP_EVENTLOG_SESSION_CREATE_MSG(u);

	if (!TCP_EVENTLOG_SESSION_CREATE_ENABLED(s))
		return;
	u.ev.tp = v->sk_addr;
	TCP_EVENTLOG_SESSION_CREATE_SEND(s, u);
}

static __always_inline void tcp_elog_emit_owner(const struct elog_session *s,
						const struct tcp_elog_sk *v)
{
	TCP_EVENTLOG_CONN_OWNER_MSG(u);

	/* 0: the socket predates the provider, nobody recorded its creator. */
	if (v->owner_pid == 0 ||
	    !TCP_EVENTLOG_CONN_OWNER_ENABLED(s))
		return;
	u.ev.pid = v->owner_pid;
	TCP_EVENTLOG_CONN_OWNER_SEND(s, u);
}

/* An IPv6 socket talking to an IPv4 peer holds ::ffff:a.b.c.d addresses. */
static __always_inline int tcp_elog_v4mapped(const struct in6_addr *a)
{
	return a->in6_u.u6_addr32[0] == 0 && a->in6_u.u6_addr32[1] == 0 &&
	       a->in6_u.u6_addr32[2] == bpf_htonl(0xffff);
}

/*
 * Local address/port first, as FreeBSD's inp_laddr/inp_lport. Like upstream,
 * nothing is emitted before a local port is bound, so a socket enabled early
 * does not log an all-zero 4-tuple and then the real one.
 */
static __noinline void tcp_elog_emit_addrs(const struct elog_session *s, struct tcp_sock *tp)
{
	struct sock *sk = (struct sock *)tp;
	__u16 family, lport;
	struct in6_addr daddr6, saddr6;

	if (!s || !tp)
		return;
	family = sk->__sk_common.skc_family;
	lport = sk->__sk_common.skc_num;
	if (lport == 0)
		return;
	BPF_CORE_READ_INTO(&daddr6, sk, __sk_common.skc_v6_daddr);
	BPF_CORE_READ_INTO(&saddr6, sk, __sk_common.skc_v6_rcv_saddr);
	/* Mapped on either end (a listener bound to ::ffff:a.b.c.d has ::
	 * as its peer): the socket speaks IPv4 only. */
	if (family == TCP_ELOG_AF_INET ||
	    (family == TCP_ELOG_AF_INET6 && (tcp_elog_v4mapped(&daddr6) || tcp_elog_v4mapped(&saddr6)))) {
		TCP_EVENTLOG_CONN_SET_IP_V4_MSG(u);

		if (!TCP_EVENTLOG_CONN_SET_IP_V4_ENABLED(s))
			return;
		u.ev.src_addr = sk->__sk_common.skc_rcv_saddr;
		u.ev.src_port = bpf_htons(lport);
		u.ev.dst_addr = sk->__sk_common.skc_daddr;
		u.ev.dst_port = sk->__sk_common.skc_dport;
		TCP_EVENTLOG_CONN_SET_IP_V4_SEND(s, u);
	} else if (family == TCP_ELOG_AF_INET6) {
		TCP_EVENTLOG_CONN_SET_IP_V6_MSG(u);

		if (!TCP_EVENTLOG_CONN_SET_IP_V6_ENABLED(s))
			return;
		__builtin_memcpy(&u.ev.src_addr, &saddr6, sizeof(u.ev.src_addr));
		u.ev.src_port = bpf_htons(lport);
		__builtin_memcpy(&u.ev.dst_addr, &daddr6, sizeof(u.ev.dst_addr));
		u.ev.dst_port = sk->__sk_common.skc_dport;
		TCP_EVENTLOG_CONN_SET_IP_V6_SEND(s, u);
	}
}

static __always_inline void tcp_elog_emit_log_id(const struct elog_session *s, const struct tcp_elog_sk *v)
{
	if (!v->log_id[0] || !TCP_EVENTLOG_LOG_ID_ENABLED(s))
		return;
	{
		TCP_EVENTLOG_LOG_ID_MSG(u);
		__builtin_memcpy(u.ev.log_id, v->log_id, sizeof(u.ev.log_id));
		u.ev.log_id[sizeof(u.ev.log_id) - 1] = 0;
		TCP_EVENTLOG_LOG_ID_SEND(s, u);
	}
}

/*
 * Linux keeps neither iss nor irs. irs = rcv_nxt - 1 - bytes_received on both
 * sides (the SYN advanced rcv_nxt, data advanced bytes_received). iss: the
 * active side records write_seq at TCP_CONNECT_CB; otherwise
 * snd_una - 1 - bytes_acked, exact for a passive socket (its snd_una starts
 * at iss + 1 and bytes_acked does not count the SYN), one too low for an
 * active socket older than the provider (there bytes_acked counts the SYN).
 */
static __always_inline __u32 tcp_elog_iss(const struct tcp_elog_sk *v, struct tcp_sock *tp)
{
	if (v->iss_known)
		return v->iss;
	return tp->snd_una - 1 - (__u32)tp->bytes_acked;
}

static __noinline void tcp_elog_emit_params(const struct elog_session *s, const struct tcp_elog_sk *v,
					    struct tcp_sock *tp)
{
	TCP_EVENTLOG_CONN_PARAMS_MSG(u);
	const struct tcp_congestion_ops *ca;
	__u8 ecn;

	if (!s || !v || !tp ||
	    !TCP_EVENTLOG_CONN_PARAMS_ENABLED(s))
		return;
	u.ev.iss = tcp_elog_iss(v, tp);
	u.ev.irs = tp->rcv_nxt - 1 - (__u32)tp->bytes_received;
	u.ev.mss = tp->mss_cache;
	/* Root-relative bitfield reads: (tp, rx_opt.x), never (&tp->rx_opt, x). */
	if (BPF_CORE_READ_BITFIELD(tp, rx_opt.wscale_ok)) {
		u.ev.snd_wscale = BPF_CORE_READ_BITFIELD(tp, rx_opt.snd_wscale);
		u.ev.rcv_wscale = BPF_CORE_READ_BITFIELD(tp, rx_opt.rcv_wscale);
		u.ev.flags |= TCP_EVENTLOG_FLAG_CP_WINDOW_SCALE;
	}
	if (BPF_CORE_READ_BITFIELD(tp, rx_opt.sack_ok))
		u.ev.flags |= TCP_EVENTLOG_FLAG_CP_SACK_PERMIT;
	if (BPF_CORE_READ_BITFIELD(tp, rx_opt.tstamp_ok))
		u.ev.flags |= TCP_EVENTLOG_FLAG_CP_TIMESTAMPS;
	ecn = tp->ecn_flags;
	if (bpf_core_field_exists(tp->accecn_fail_mode) &&
	    (ecn & (TCP_ELOG_ECN_MODE_RFC3168 | TCP_ELOG_ECN_MODE_ACCECN)) == TCP_ELOG_ECN_MODE_ACCECN)
		u.ev.flags |= TCP_EVENTLOG_FLAG_CP_ACE;
	else if (ecn & TCP_ELOG_ECN_MODE_RFC3168)
		u.ev.flags |= TCP_EVENTLOG_FLAG_CP_ECN;
	if (BPF_CORE_READ_BITFIELD(tp, syn_fastopen))
		u.ev.flags |= TCP_EVENTLOG_FLAG_CP_FASTOPEN;
	ca = tp->inet_conn.icsk_ca_ops;
	if (ca)
		bpf_core_read_str(u.ev.cc_algo, sizeof(u.ev.cc_algo), &ca->name);
	__builtin_memcpy(u.ev.tcp_stack, "linux", 6);
	TCP_EVENTLOG_CONN_PARAMS_SEND(s, u);
}

/*
 * Linux recomputes mss_cache in tcp_sync_mss, which no hook here can see, so
 * the provider reports a change the first time it sees a segment or a
 * handshake step after it.
 */
static __always_inline void tcp_elog_mss_check(struct tcp_elog_sk *v, struct tcp_sock *tp)
{
	__u32 mss = tp->mss_cache;

	if (mss == v->last_mss)
		return;
	v->last_mss = mss;
	if (!TCP_EVENTLOG_MSS_ENABLED(&v->s))
		return;
	{
		/* Declared here: zeroing a message costs, and most segments
		 * bring no change. */
		TCP_EVENTLOG_MSS_MSG(u);
		u.ev.mss = mss;
		TCP_EVENTLOG_MSS_SEND(&v->s, u);
	}
}

/* Past the handshake: iss, irs and the negotiated options mean something. */
static __always_inline int tcp_elog_synchronized(int linux_state)
{
	return linux_state != TCP_LISTEN && linux_state != TCP_SYN_SENT &&
	       linux_state != TCP_CLOSE && linux_state != TCP_NEW_SYN_RECV;
}

/*
 * The context a subscriber needs to read a session's later events: what
 * upstream's tcp_eventlog_dump_session emits.
 */
static __noinline void tcp_elog_emit_state(const struct elog_session *s, const struct tcp_elog_sk *v,
					   struct tcp_sock *tp)
{
	if (!s || !v || !tp)
		return;
	tcp_elog_emit_session_create(s, v);
	tcp_elog_emit_addrs(s, tp);
	tcp_elog_emit_log_id(s, v);
	if (tcp_elog_synchronized(((struct sock *)tp)->__sk_common.skc_state))
		tcp_elog_emit_params(s, v, tp);
	tcp_elog_emit_owner(s, v);
}

#endif /* ELOG_TCP_STATE_BPF_H */
