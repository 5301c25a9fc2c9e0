/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP provider, BPF half: segments Linux sends from its control socket.
 *
 * RSTs that tcp_v4/v6_send_reset() sends and the ACKs that request and
 * TIME_WAIT sockets send (tcp_v4/v6_send_ack) leave through a per-namespace
 * raw socket (net->ipv4.tcp_sk, net->ipv6.tcp_sk), so the egress hook sees
 * that socket, not the connection's. When such a segment passes, the
 * connection it answers is looked up by its 4-tuple: a full socket with a
 * session logs it as its own OUT; a request socket's goes to its listener's
 * session, like the SYN-ACK; a TIME_WAIT socket has no session any more.
 * Only control-socket segments pay for the lookup (they are rare: resets,
 * duplicate-SYN and TIME_WAIT ACKs); every other packet pays one compare.
 */
#ifndef ELOG_TCP_CTL_BPF_H
#define ELOG_TCP_CTL_BPF_H

#define TCP_ELOG_SOCK_RAW 3

/*
 * The lookup key, from the point of view of the socket that answers: the
 * segment's destination is that socket's remote end.
 */
static __always_inline int tcp_elog_ctl_tuple(struct __sk_buff *skb, struct bpf_sock_tuple *t, __u32 *len)
{
	__u8 b[40];
	__be16 ports[2];
	__u32 iphl;

	if (skb->protocol == bpf_htons(TCP_ELOG_ETH_P_IP)) {
		if (bpf_skb_load_bytes(skb, 0, b, 20) || b[9] != TCP_ELOG_IPPROTO_TCP)
			return -1;
		iphl = (b[0] & 0xf) * 4;
		if (iphl < 20 || iphl > 60 || bpf_skb_load_bytes(skb, iphl, ports, sizeof(ports)))
			return -1;
		__builtin_memcpy(&t->ipv4.saddr, &b[16], 4);
		__builtin_memcpy(&t->ipv4.daddr, &b[12], 4);
		t->ipv4.sport = ports[1];
		t->ipv4.dport = ports[0];
		*len = sizeof(t->ipv4);
		return 0;
	}
	if (skb->protocol == bpf_htons(TCP_ELOG_ETH_P_IPV6)) {
		if (bpf_skb_load_bytes(skb, 0, b, 40) || b[6] != TCP_ELOG_IPPROTO_TCP ||
		    bpf_skb_load_bytes(skb, 40, ports, sizeof(ports)))
			return -1;
		__builtin_memcpy(t->ipv6.saddr, &b[24], 16);
		__builtin_memcpy(t->ipv6.daddr, &b[8], 16);
		t->ipv6.sport = ports[1];
		t->ipv6.dport = ports[0];
		*len = sizeof(t->ipv6);
		return 0;
	}
	return -1;
}

/* Logs a control-socket segment as an OUT of the session it belongs to. */
static __noinline void tcp_elog_ctl_out(struct __sk_buff *skb)
{
	struct bpf_sock_tuple t;
	struct bpf_sock *owner, *full;
	struct tcp_elog_sk *v;
	struct tcp_sock *tp;
	__u32 len = 0;

	__builtin_memset(&t, 0, sizeof(t));
	if (tcp_elog_ctl_tuple(skb, &t, &len))
		return;
	owner = bpf_skc_lookup_tcp(skb, &t, len, BPF_F_CURRENT_NETNS, 0);
	if (!owner)
		return;
	/* A request socket answers for its listener; TIME_WAIT has no session. */
	if (owner->state == TCP_NEW_SYN_RECV)
		full = bpf_get_listener_sock(owner);
	else
		full = bpf_sk_fullsock(owner);
	if (full) {
		/* (cgroup_skb can only take the cookie of skb->sk, the control
		 * socket; a child's value is its own from inet_csk_clone_lock
		 * on, long before anything answers for it.) */
		v = bpf_sk_storage_get(&tcp_elog_sk_map, full, 0, 0);
		tp = bpf_skc_to_tcp_sock(full);
		if (v && tp && !v->finished && v->s.enabled)
			tcp_elog_emit_out(v, tp, skb);
	}
	bpf_sk_release(owner);
}

#endif /* ELOG_TCP_CTL_BPF_H */
