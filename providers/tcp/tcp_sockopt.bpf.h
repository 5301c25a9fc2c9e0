/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP provider, BPF half: the TCP_EVENTLOG socket option (SPEC §5).
 *
 * setsockopt(fd, IPPROTO_TCP, TCP_EVENTLOG, &int, 4) enables (non-zero) or
 * disables the socket's session and returns 0; getsockopt returns 0 or 1.
 * cgroup sockopt programs on the cgroup2 root answer it for every process,
 * unprivileged ones included, before (set) or after (get) the kernel, which
 * would say ENOPROTOOPT: without the provider, that is what callers get.
 *
 * bpf_skc_to_tcp_sock() is not allowed in sockopt programs; the socket is
 * read through bpf_rdonly_cast() instead (read-only, probe reads only).
 */
#ifndef ELOG_TCP_SOCKOPT_BPF_H
#define ELOG_TCP_SOCKOPT_BPF_H

#define TCP_ELOG_SOL_TCP 6
#define TCP_ELOG_EINVAL 22
#define TCP_ELOG_ENOMEM 12
#define TCP_ELOG_EOPNOTSUPP 95

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/* The session of a sockopt's socket; 0 when it is not a TCP socket. */
static __always_inline int tcp_elog_sockopt_tcp(struct bpf_sockopt *ctx)
{
	struct bpf_sock *bsk = ctx->sk;

	return ctx->level == TCP_ELOG_SOL_TCP && ctx->optname == TCP_EVENTLOG && bsk &&
	       bsk->protocol == TCP_ELOG_IPPROTO_TCP && bsk->type == TCP_ELOG_SOCK_STREAM;
}

/* The RTT/RTO callback bits (tcp_cc.bpf.h) of the option's socket. */
static __always_inline void tcp_elog_sockopt_cb(struct bpf_sockopt *ctx, struct tcp_sock *tp, int on)
{
	int flags = BPF_CORE_READ(tp, bpf_sock_ops_cb_flags);

	flags = on ? flags | TCP_ELOG_CB_FLAGS : flags & ~TCP_ELOG_CB_FLAGS;
	bpf_setsockopt(ctx->sk, TCP_ELOG_SOL_TCP, TCP_BPF_SOCK_OPS_CB_FLAGS, &flags, sizeof(flags));
}

static __always_inline int tcp_elog_sockopt_set(struct bpf_sockopt *ctx)
{
	int *val = ctx->optval;
	struct tcp_elog_sk *v;
	struct tcp_sock *tp;
	__u64 cookie;

	if (ctx->optlen < (int)sizeof(int) || (void *)(val + 1) > ctx->optval_end) {
		bpf_set_retval(-TCP_ELOG_EINVAL);
		return 0;
	}
	tp = bpf_rdonly_cast(ctx->sk, bpf_core_type_id_kernel(struct tcp_sock));
	/* Generated at socket(2) by tcp_elog_sock_create for every socket
	 * born since the provider loaded; sockopt programs cannot generate
	 * one, so an older socket nobody ever asked the cookie of has none. */
	cookie = BPF_CORE_READ((struct sock *)tp, __sk_common.skc_cookie.counter);
	if (!cookie) {
		bpf_set_retval(-TCP_ELOG_EOPNOTSUPP);
		return 0;
	}
	v = bpf_sk_storage_get(&tcp_elog_sk_map, ctx->sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!v) {
		bpf_set_retval(-TCP_ELOG_ENOMEM);
		return 0;
	}
	if (v->s.id != cookie)
		/* Older than the provider: its session starts now, creator unknown. */
		tcp_elog_sk_init(v, cookie, (__u64)tp, 0);
	if (v->finished) {
		bpf_set_retval(-TCP_ELOG_EINVAL);
		return 0;
	}
	if (*val && !v->s.enabled) {
		elog_session_set_enabled(&v->s, 1);
		/* Enabled late: SESSION_CREATE and whatever state exists now
		 * (addresses once bound, parameters once synchronized). */
		tcp_elog_emit_state(&v->s, v, tp);
		if (elog_would_log(&v->s, 0, 0xffffffff))
			tcp_elog_sockopt_cb(ctx, tp, 1);
	} else if (!*val && v->s.enabled) {
		elog_session_set_enabled(&v->s, 0);
		tcp_elog_sockopt_cb(ctx, tp, 0);
	}
	ctx->optlen = -1; /* handled: the kernel does not see it, caller gets 0 */
	return 1;
}

static __always_inline int tcp_elog_sockopt_get(struct bpf_sockopt *ctx)
{
	int *val = ctx->optval;
	struct tcp_elog_sk *v;
	struct tcp_sock *tp;
	__u64 cookie;

	if ((void *)(val + 1) > ctx->optval_end) {
		ctx->retval = -TCP_ELOG_EINVAL;
		return 1;
	}
	tp = bpf_rdonly_cast(ctx->sk, bpf_core_type_id_kernel(struct tcp_sock));
	cookie = BPF_CORE_READ((struct sock *)tp, __sk_common.skc_cookie.counter);
	v = bpf_sk_storage_get(&tcp_elog_sk_map, ctx->sk, 0, 0);
	*val = v && cookie && v->s.id == cookie && !v->finished && v->s.enabled;
	ctx->optlen = sizeof(int);
	ctx->retval = 0;
	return 1;
}

#endif /* ELOG_TCP_SOCKOPT_BPF_H */
