/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP provider, BPF half: the TCP_EVENTLOG socket option (docs/linux-mapping.md, "TCP_EVENTLOG (81)").
 *
 * setsockopt(fd, IPPROTO_TCP, TCP_EVENTLOG, &int, 4) enables (non-zero) or
 * disables the socket's session and returns 0; getsockopt returns 0 or 1.
 * TCP_EVENTLOG_LOG_ID (82) names the connection (LOG_ID, upstream's
 * TCP_LOGID); with the default 0, naming also enables an unlogged
 * connection while net.inet.tcp.eventlog.log_id_limit (elog_knobs) allows.
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
#define TCP_ELOG_EPERM 1
#define TCP_ELOG_ENODATA 61

/* The session of a sockopt's socket; 0 when it is not a TCP socket. */
static __always_inline int tcp_elog_sockopt_tcp(struct bpf_sockopt *ctx)
{
	struct bpf_sock *bsk = ctx->sk;

	/* optlen -1: an earlier program in the cgroup chain already answered
	 * the call and told the kernel to skip it; leave it alone. */
	return ctx->level == TCP_ELOG_SOL_TCP && ctx->optlen != -1 &&
	       ctx->optname >= TCP_EVENTLOG && ctx->optname <= TCP_EVENTLOG_APP && bsk &&
	       bsk->protocol == TCP_ELOG_IPPROTO_TCP && bsk->type == TCP_ELOG_SOCK_STREAM;
}

/* The RTT/RTO/RETRANS callback bits (tcp_cc.bpf.h) of the option's socket. */
static __always_inline void tcp_elog_sockopt_cb(struct bpf_sockopt *ctx, struct tcp_elog_sk *v,
						struct tcp_sock *tp, int on)
{
	int flags = tcp_elog_cb_flags(v, tp, tp->bpf_sock_ops_cb_flags, on);

	bpf_setsockopt(ctx->sk, TCP_ELOG_SOL_TCP, TCP_BPF_SOCK_OPS_CB_FLAGS, &flags, sizeof(flags));
}

/*
 * The option's socket and its session (created for a socket older than the
 * provider). 0, or a negative errno for the caller.
 */
static __always_inline int tcp_elog_sockopt_session(struct bpf_sockopt *ctx, struct tcp_sock **tpp,
						    struct tcp_elog_sk **vp)
{
	struct tcp_elog_sk *v;
	struct tcp_sock *tp;
	__u64 cookie;

	tp = bpf_rdonly_cast(ctx->sk, bpf_core_type_id_kernel(struct tcp_sock));
	/* Generated at socket(2) by tcp_elog_sock_create for every socket
	 * born since the provider loaded; sockopt programs cannot generate
	 * one, so an older socket nobody ever asked the cookie of has none. */
	cookie = ((struct sock *)tp)->__sk_common.skc_cookie.counter;
	if (!cookie)
		return -TCP_ELOG_EOPNOTSUPP;
	v = bpf_sk_storage_get(&tcp_elog_sk_map, ctx->sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!v)
		return -TCP_ELOG_ENOMEM;
	if (v->s.id != cookie) {
		/* Older than the provider: its session starts now, creator unknown. */
		tcp_elog_sk_init(v, cookie, (__u64)tp, 0);
		tcp_elog_filter_hold(v, v->s.enabled);
	}
	if (v->finished)
		return -TCP_ELOG_EINVAL;
	*tpp = tp;
	*vp = v;
	return 0;
}

/* Enabled late: SESSION_CREATE and whatever state exists now (addresses
 * once bound, parameters once synchronized), RTT/RTO armed if captured. */
static __always_inline void tcp_elog_sockopt_enable(struct bpf_sockopt *ctx, struct tcp_elog_sk *v,
						    struct tcp_sock *tp)
{
	/* Asked for on the socket itself: no filter overrules it. */
	v->app_set = 1;
	v->held = 0;
	if (!v->s.enabled)
		tcp_elog_set_enabled(v, 1);
	tcp_elog_emit_state(&v->s, v, tp);
	if (elog_would_log(&v->s, 0, 0xffffffff))
		tcp_elog_sockopt_cb(ctx, v, tp, 1);
}

static __always_inline void tcp_elog_sockopt_disable(struct bpf_sockopt *ctx, struct tcp_elog_sk *v,
						     struct tcp_sock *tp)
{
	v->app_set = 1;
	v->held = 0;
	if (v->s.enabled) {
		tcp_elog_set_enabled(v, 0);
		tcp_elog_sockopt_cb(ctx, v, tp, 0);
	}
}

/* What tcp_elog_sockopt_bb asks of its caller. */
#define TCP_ELOG_BB_NOTHING 0
#define TCP_ELOG_BB_ENABLE 1
#define TCP_ELOG_BB_DISABLE 2

/*
 * The black box's share of a set: TCP_EVENTLOG_MODE (a mode switches the
 * session on, OFF off), TCP_EVENTLOG_DUMP / _DUMP_ID (the dump goes out with
 * a consumer's poll), and after a TCP_EVENTLOG_LOG_ID the session's group
 * and auto_ratio's verdict on it (all connections of one log id in or out
 * together, in auto_mode when picked). Returns TCP_ELOG_BB_* or -errno; the
 * caller switches the session, so that the state it emits then does not
 * stack this function's frame on the emit chain (512-byte combined stack).
 */
static __noinline int tcp_elog_sockopt_bb(struct bpf_sockopt *ctx, struct tcp_elog_sk *v, int val)
{
	__u64 group;
	__s64 am;

	if (!v)
		return -TCP_ELOG_EINVAL;
	group = tcp_elog_group_hash(v->log_id);
	switch (ctx->optname) {
	case TCP_EVENTLOG_MODE:
		if (val < 0 || val > ELOG_BB_MODE_MAX)
			return -TCP_ELOG_EINVAL;
		tcp_elog_set_mode(v, (__u8)val);
		elog_bb_set_group(&v->s, group);
		return val == ELOG_BB_OFF ? TCP_ELOG_BB_DISABLE : TCP_ELOG_BB_ENABLE;
	case TCP_EVENTLOG_DUMP:
	case TCP_EVENTLOG_DUMP_ID:
		if (!tcp_elog_knob(ELOG_KNOB_BB_TRIG_REQUEST))
			return -TCP_ELOG_EPERM;
		if (ctx->optname == TCP_EVENTLOG_DUMP)
			return elog_bb_trigger(&v->s, ELOG_BB_REASON_REQUEST) ? TCP_ELOG_BB_NOTHING
									     : -TCP_ELOG_ENODATA;
		if (!group)
			return -TCP_ELOG_ENODATA;
		elog_bb_dump_group(group, ELOG_BB_REASON_GROUP);
		return TCP_ELOG_BB_NOTHING;
	case TCP_EVENTLOG_LOG_ID:
		elog_bb_set_group(&v->s, group);
		if (!group || tcp_elog_knob(ELOG_KNOB_BB_AUTO_RATIO) <= 1)
			return TCP_ELOG_BB_NOTHING;
		if (!elog_bb_picked(group))
			return TCP_ELOG_BB_DISABLE;
		am = tcp_elog_knob(ELOG_KNOB_BB_AUTO_MODE);
		if (am >= 0 && am <= ELOG_BB_MODE_MAX) {
			tcp_elog_set_mode(v, (__u8)am);
			elog_bb_set_group(&v->s, group);
		}
		return TCP_ELOG_BB_ENABLE;
	default:
		return TCP_ELOG_BB_NOTHING;
	}
}

/* log_id_limit: -1 always, 0 never, N > 0 N more times (counts down). */
static __always_inline int tcp_elog_log_id_allowed(void)
{
	__u32 key = TCP_ELOG_KNOB_LOG_ID_LIMIT;
	__s64 *limit = bpf_map_lookup_elem(&elog_knobs, &key);
	__s64 old;
	int i;

	if (!limit)
		return 0;
	for (i = 0; i < 16; i++) {
		old = *limit;
		if (old < 0)
			return 1;
		if (old == 0)
			return 0;
		if (__sync_val_compare_and_swap(limit, old, old - 1) == old)
			return 1;
	}
	return 0; /* lost the race 16 times: treat as used up */
}

/* Upstream's tcp_eventlog_on_log_id_set / _clear. */
static __always_inline int tcp_elog_set_log_id(struct bpf_sockopt *ctx, struct tcp_elog_sk *v,
					       struct tcp_sock *tp)
{
	char *src = ctx->optval;
	int len = ctx->optlen, i;

	if (len < 0 || len > TCP_EVENTLOG_LOG_ID_MAX - 1)
		return -TCP_ELOG_EINVAL;
	__builtin_memset(v->log_id, 0, sizeof(v->log_id));
	for (i = 0; i < TCP_EVENTLOG_LOG_ID_MAX - 1; i++) {
		if (i >= len)
			break;
		if ((void *)(src + i + 1) > ctx->optval_end)
			return -TCP_ELOG_EINVAL;
		if (!src[i])
			break;
		v->log_id[i] = src[i];
	}
	if (!v->log_id[0]) {
		tcp_elog_sockopt_bb(ctx, v, 0); /* no group any more */
		if (!elog_default())
			tcp_elog_sockopt_disable(ctx, v, tp);
		return 0;
	}
	switch (tcp_elog_sockopt_bb(ctx, v, 0)) {
	case TCP_ELOG_BB_DISABLE: /* auto_ratio did not pick the name */
		tcp_elog_sockopt_disable(ctx, v, tp);
		return 0;
	case TCP_ELOG_BB_ENABLE: /* it did */
		if (v->s.enabled)
			tcp_elog_emit_state(&v->s, v, tp);
		else
			tcp_elog_sockopt_enable(ctx, v, tp);
		return 0;
	}
	/* A session already logged (by TCP_EVENTLOG or the default) dumps its
	 * state again, the new LOG_ID in it, whatever log_id_limit says: the
	 * limit only decides whether naming turns logging on (default 0). */
	if (v->s.enabled)
		tcp_elog_emit_state(&v->s, v, tp);
	else if (!elog_default() && tcp_elog_log_id_allowed())
		tcp_elog_sockopt_enable(ctx, v, tp);
	return 0;
}

/* TCP_EVENTLOG_APP: the application's own record, in its own connection. */
static __noinline int tcp_elog_sockopt_app(struct bpf_sockopt *ctx, struct tcp_elog_sk *v)
{
	TCP_EVENTLOG_APP_LOG_MSG(u);
	__u8 *src = ctx->optval;
	int len = ctx->optlen, i;

	if (!v || len < 4 || len > (int)sizeof(struct tcp_eventlog_app) ||
	    (void *)(src + 4) > ctx->optval_end)
		return -TCP_ELOG_EINVAL;
	u.ev.tag = *(__u32 *)src;
	for (i = 0; i < TCP_EVENTLOG_APP_TEXT_MAX - 1; i++) {
		if (4 + i >= len || (void *)(src + 4 + i + 1) > ctx->optval_end)
			break;
		if (!src[4 + i])
			break;
		u.ev.text[i] = src[4 + i];
	}
	if (TCP_EVENTLOG_APP_LOG_ENABLED(&v->s))
		TCP_EVENTLOG_APP_LOG_SEND(&v->s, u);
	return 0;
}

static __always_inline int tcp_elog_sockopt_set(struct bpf_sockopt *ctx)
{
	struct tcp_elog_sk *v = 0;
	struct tcp_sock *tp = 0;
	int *val = ctx->optval;
	int ret;

	if ((ctx->optname == TCP_EVENTLOG || ctx->optname == TCP_EVENTLOG_MODE ||
	     ctx->optname == TCP_EVENTLOG_DUMP || ctx->optname == TCP_EVENTLOG_DUMP_ID) &&
	    (ctx->optlen < (int)sizeof(int) || (void *)(val + 1) > ctx->optval_end)) {
		bpf_set_retval(-TCP_ELOG_EINVAL);
		return 0;
	}
	ret = tcp_elog_sockopt_session(ctx, &tp, &v);
	if (!ret && (!v || !tp))
		ret = -TCP_ELOG_EINVAL;
	if (!ret && ctx->optname == TCP_EVENTLOG_LOG_ID) {
		ret = tcp_elog_set_log_id(ctx, v, tp);
	} else if (!ret && ctx->optname == TCP_EVENTLOG_APP) {
		ret = tcp_elog_sockopt_app(ctx, v);
	} else if (!ret && ctx->optname != TCP_EVENTLOG) {
		val = ctx->optval; /* checked again: the verifier forgets */
		if ((void *)(val + 1) > ctx->optval_end)
			ret = -TCP_ELOG_EINVAL;
		else
			ret = tcp_elog_sockopt_bb(ctx, v, *val);
		if (ret == TCP_ELOG_BB_ENABLE)
			tcp_elog_sockopt_enable(ctx, v, tp);
		else if (ret == TCP_ELOG_BB_DISABLE)
			tcp_elog_sockopt_disable(ctx, v, tp);
		if (ret > 0)
			ret = 0;
	} else if (!ret) {
		val = ctx->optval; /* checked again: the verifier forgets */
		if ((void *)(val + 1) > ctx->optval_end)
			ret = -TCP_ELOG_EINVAL;
		else if (*val)
			tcp_elog_sockopt_enable(ctx, v, tp);
		else
			tcp_elog_sockopt_disable(ctx, v, tp);
	}
	if (ret) {
		bpf_set_retval(ret);
		return 0;
	}
	ctx->optlen = -1; /* handled: the kernel does not see it, caller gets 0 */
	return 1;
}

static __always_inline int tcp_elog_sockopt_get(struct bpf_sockopt *ctx)
{
	struct tcp_elog_sk *v;
	struct tcp_sock *tp;
	char *dst = ctx->optval;
	__u64 cookie;
	int i, ok;

	tp = bpf_rdonly_cast(ctx->sk, bpf_core_type_id_kernel(struct tcp_sock));
	cookie = ((struct sock *)tp)->__sk_common.skc_cookie.counter;
	v = bpf_sk_storage_get(&tcp_elog_sk_map, ctx->sk, 0, 0);
	ok = v && cookie && v->s.id == cookie && !v->finished;
	if (ctx->optname == TCP_EVENTLOG_LOG_ID) {
		/* The name and its NUL, as much as the caller's buffer holds. */
		for (i = 0; i < TCP_EVENTLOG_LOG_ID_MAX; i++) {
			if ((void *)(dst + i + 1) > ctx->optval_end)
				break;
			dst[i] = ok && v ? v->log_id[i] : 0;
			if (!dst[i]) {
				i++;
				break;
			}
		}
		ctx->optlen = i;
		ctx->retval = 0;
		return 1;
	}
	if (ctx->optname != TCP_EVENTLOG && ctx->optname != TCP_EVENTLOG_MODE) {
		ctx->retval = -TCP_ELOG_EOPNOTSUPP; /* set only */
		return 1;
	}
	if ((void *)(dst + sizeof(int)) > ctx->optval_end) {
		ctx->retval = -TCP_ELOG_EINVAL;
		return 1;
	}
	if (ctx->optname == TCP_EVENTLOG_MODE)
		*(int *)dst = ok && v ? v->s.mode : (int)tcp_elog_knob(ELOG_KNOB_BB_MODE);
	else
		*(int *)dst = ok && v && v->s.enabled;
	ctx->optlen = sizeof(int);
	ctx->retval = 0;
	return 1;
}

/* Linux TCP option numbers (linux/tcp.h) upstream's schema has a name for. */
static __always_inline __u32 tcp_elog_freebsd_opt(int linux_opt)
{
	switch (linux_opt) {
	case 1: return TCP_EVENTLOG_SOCKET_OPTION_TCP_NODELAY;
	case 2: return TCP_EVENTLOG_SOCKET_OPTION_TCP_MAXSEG;
	case 3: return TCP_EVENTLOG_SOCKET_OPTION_TCP_NOPUSH;    /* TCP_CORK */
	case 4: return TCP_EVENTLOG_SOCKET_OPTION_TCP_KEEPIDLE;
	case 5: return TCP_EVENTLOG_SOCKET_OPTION_TCP_KEEPINTVL;
	case 6: return TCP_EVENTLOG_SOCKET_OPTION_TCP_KEEPCNT;
	case 23: return TCP_EVENTLOG_SOCKET_OPTION_TCP_FASTOPEN;
	default: return 0x10000 | (__u32)linux_opt; /* no FreeBSD name: 65536 + N */
	}
}

/*
 * Linux IPPROTO_TCP options whose value is an int (linux/tcp.h): the others
 * (TCP_CONGESTION, TCP_ULP, TCP_MD5SIG, TCP_FASTOPEN_KEY, TCP_REPAIR_OPTIONS,
 * TCP_REPAIR_WINDOW, TCP_AO_*, ...) carry strings or structures.
 */
#define TCP_ELOG_INT_OPTS                                                                 \
	((1ULL << 1) | (1ULL << 2) | (1ULL << 3) | (1ULL << 4) | (1ULL << 5) | (1ULL << 6) |  \
	 (1ULL << 7) | (1ULL << 8) | (1ULL << 9) | (1ULL << 10) | (1ULL << 12) | (1ULL << 16) | \
	 (1ULL << 17) | (1ULL << 18) | (1ULL << 19) | (1ULL << 20) | (1ULL << 21) |            \
	 (1ULL << 23) | (1ULL << 24) | (1ULL << 25) | (1ULL << 27) | (1ULL << 30) |            \
	 (1ULL << 34) | (1ULL << 36) | (1ULL << 44) | (1ULL << 45) | (1ULL << 46))

/*
 * SOCKET_OPT_UINT32 for an integer IPPROTO_TCP option of an enabled session.
 * cgroup/setsockopt runs before Linux applies the option and nothing runs
 * after, so this is the value the application asked for.
 */
static __always_inline void tcp_elog_sockopt_log(struct bpf_sockopt *ctx)
{
	struct bpf_sock *bsk = ctx->sk;
	int *val = ctx->optval;
	struct tcp_elog_sk *v;
	struct tcp_sock *tp;
	__u64 cookie;

	if (ctx->level != TCP_ELOG_SOL_TCP || ctx->optname < 0 || ctx->optname > 63 ||
	    !((TCP_ELOG_INT_OPTS >> ctx->optname) & 1) ||
	    ctx->optlen == -1 || !bsk || bsk->protocol != TCP_ELOG_IPPROTO_TCP ||
	    bsk->type != TCP_ELOG_SOCK_STREAM || ctx->optlen < (int)sizeof(int) ||
	    (void *)(val + 1) > ctx->optval_end)
		return;
	tp = bpf_rdonly_cast(ctx->sk, bpf_core_type_id_kernel(struct tcp_sock));
	cookie = ((struct sock *)tp)->__sk_common.skc_cookie.counter;
	v = bpf_sk_storage_get(&tcp_elog_sk_map, ctx->sk, 0, 0);
	if (!v || !cookie || v->s.id != cookie || v->finished || !TCP_EVENTLOG_SOCKET_OPT_UINT32_ENABLED(&v->s))
		return;
	{
		TCP_EVENTLOG_SOCKET_OPT_UINT32_MSG(u);
		u.ev.option_num = tcp_elog_freebsd_opt(ctx->optname);
		u.ev.option_val = (__u32)*val;
		TCP_EVENTLOG_SOCKET_OPT_UINT32_SEND(&v->s, u);
	}
}

#endif /* ELOG_TCP_SOCKOPT_BPF_H */
