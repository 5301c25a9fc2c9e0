/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP provider, BPF half: the session filters (net.inet.tcp.eventlog.filter.*,
 * written by tcp_filter.c; encodings in tcp_provider.h).
 *
 * They narrow what the default enables, to connections whose local and
 * remote ports, local and remote addresses, cgroup and network namespace
 * match every filter that is set. A socket gets its session at socket(2),
 * before any of that is known, so while a filter is set a new session is
 * held: created disabled (nothing emitted), and decided when its 4-tuple is
 * known, at connect (TCP_CONNECT_CB) or, for an accepted child, when its
 * handshake completes (PASSIVE_ESTABLISHED_CB). A listener is not a
 * connection and is never selected. What the application asked for on its
 * own socket (TCP_EVENTLOG, or a LOG_ID that enabled it) is not filtered,
 * nor are the children of a listener it enabled.
 */
#ifndef ELOG_TCP_FILTER_BPF_H
#define ELOG_TCP_FILTER_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, TCP_ELOG_PFX_ENTRIES);
	__type(key, struct tcp_elog_pfx_key);
	__type(value, __u32); /* position in the list as written (for reading it back) */
} tcp_filter_pfx SEC(".maps");

/* Whether any filter is set (a prefix knob keeps its generation at 0 prefixes). */
static __always_inline int tcp_elog_filtered(void)
{
	return tcp_elog_knob(TCP_ELOG_KNOB_FILTER_LPORT) || tcp_elog_knob(TCP_ELOG_KNOB_FILTER_RPORT) ||
	       (__u32)tcp_elog_knob(TCP_ELOG_KNOB_FILTER_LPFX) ||
	       (__u32)tcp_elog_knob(TCP_ELOG_KNOB_FILTER_RPFX) ||
	       tcp_elog_knob(TCP_ELOG_KNOB_FILTER_CGROUP) || tcp_elog_knob(TCP_ELOG_KNOB_FILTER_NETNS);
}

static __always_inline int tcp_elog_port_ok(__s64 f, __u32 port)
{
	return !f || (port >= (((__u64)f >> 16) & 0xffff) && port <= ((__u64)f & 0xffff));
}

/* k->addr holds the address; is it in list `side` (when that list is set)? */
static __always_inline int tcp_elog_pfx_ok(__s64 f, __u32 side, struct tcp_elog_pfx_key *k)
{
	if (!(__u32)f)
		return 1;
	k->prefixlen = 8 + 128;
	k->list = TCP_ELOG_PFX_LIST(side, (__u64)f >> 32);
	return bpf_map_lookup_elem(&tcp_filter_pfx, k) != 0;
}

/* One end's address as IPv6, IPv4 as ::ffff:a.b.c.d (a mapped one already is). */
static __always_inline void tcp_elog_pfx_addr(struct sock *sk, int remote, struct tcp_elog_pfx_key *k)
{
	__u32 a4;

	__builtin_memset(k, 0, sizeof(*k));
	if (sk->__sk_common.skc_family == TCP_ELOG_AF_INET6) {
		if (remote)
			BPF_CORE_READ_INTO(&k->addr, sk, __sk_common.skc_v6_daddr);
		else
			BPF_CORE_READ_INTO(&k->addr, sk, __sk_common.skc_v6_rcv_saddr);
		return;
	}
	a4 = remote ? sk->__sk_common.skc_daddr : sk->__sk_common.skc_rcv_saddr;
	k->addr[10] = 0xff;
	k->addr[11] = 0xff;
	__builtin_memcpy(&k->addr[12], &a4, sizeof(a4));
}

/*
 * The socket's cgroup is the filter's or below it: its ancestor at the
 * filter's level has the filter's id. Probe reads: the ancestor is picked
 * by a variable index, which the verifier refuses on a BTF pointer.
 */
static __always_inline int tcp_elog_cgroup_ok(struct sock *sk, __s64 f)
{
	__u64 want = (__u64)f & TCP_ELOG_CGROUP_ID_MASK;
	__u32 level = (__u64)f >> 56;
	struct cgroup *cg, *anc = 0;

	if (!f)
		return 1;
	cg = BPF_CORE_READ(sk, sk_cgrp_data.cgroup);
	if (!cg || BPF_CORE_READ(cg, level) < (int)level)
		return 0;
	if (bpf_probe_read_kernel(&anc, sizeof(anc),
				  (void *)cg + bpf_core_field_offset(struct cgroup, ancestors) +
					  (__u64)level * sizeof(anc)) ||
	    !anc)
		return 0;
	return BPF_CORE_READ(anc, kn, id) == want;
}

/* Does a connection match every filter that is set? A listener, or a
 * socket with no peer yet, is no connection. */
static __noinline int tcp_elog_filter_match(struct tcp_sock *tp)
{
	struct sock *sk = (struct sock *)tp;
	struct tcp_elog_pfx_key k;
	__s64 f;

	if (!tp || sk->__sk_common.skc_state == TCP_LISTEN || !sk->__sk_common.skc_dport)
		return 0;
	if (!tcp_elog_port_ok(tcp_elog_knob(TCP_ELOG_KNOB_FILTER_LPORT), sk->__sk_common.skc_num) ||
	    !tcp_elog_port_ok(tcp_elog_knob(TCP_ELOG_KNOB_FILTER_RPORT),
			      bpf_ntohs(sk->__sk_common.skc_dport)))
		return 0;
	f = tcp_elog_knob(TCP_ELOG_KNOB_FILTER_LPFX);
	if ((__u32)f) {
		tcp_elog_pfx_addr(sk, 0, &k);
		if (!tcp_elog_pfx_ok(f, 0, &k))
			return 0;
	}
	f = tcp_elog_knob(TCP_ELOG_KNOB_FILTER_RPFX);
	if ((__u32)f) {
		tcp_elog_pfx_addr(sk, 1, &k);
		if (!tcp_elog_pfx_ok(f, 1, &k))
			return 0;
	}
	f = tcp_elog_knob(TCP_ELOG_KNOB_FILTER_NETNS);
	if (f && BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum) != (__u32)f)
		return 0;
	return tcp_elog_cgroup_ok(sk, tcp_elog_knob(TCP_ELOG_KNOB_FILTER_CGROUP));
}

/*
 * A new session (socket(2), an accepted child, an older socket) that the
 * default wants (enabled by the default and auto_ratio at creation, or by
 * listener inheritance): while a filter is set it is held instead,
 * disabled until decided, so that nothing of a connection the filters
 * leave out is ever emitted. Returns whether it was held.
 */
static __always_inline int tcp_elog_filter_hold(struct tcp_elog_sk *v, int wanted)
{
	if (!wanted || !tcp_elog_filtered())
		return 0;
	v->held = 1;
	if (v->s.enabled)
		tcp_elog_set_enabled(v, 0);
	return 1;
}

/*
 * The decision, once the 4-tuple is known: 1 enable, 0 disable, -1 leave
 * the session as it is. A held session is enabled if the filters select it
 * (or were all cleared meanwhile); one the default enabled before any
 * filter was set is switched off if a filter set since leaves it out; what
 * the application chose is left alone.
 */
static __always_inline int tcp_elog_filter_decide(struct tcp_elog_sk *v, struct tcp_sock *tp)
{
	int held = v->held;

	v->held = 0;
	if (v->app_set)
		return -1;
	if (held)
		return !tcp_elog_filtered() || tcp_elog_filter_match(tp);
	if (v->s.enabled && tcp_elog_filtered() && !tcp_elog_filter_match(tp))
		return 0;
	return -1;
}

#endif /* ELOG_TCP_FILTER_BPF_H */
