/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP provider, BPF half: the per-socket session (sk_storage) and its life.
 *
 * A session is created for every TCP socket that appears while the provider
 * is loaded (user sockets at socket(), accepted children when the listener
 * clones them, older sockets when the iterator enables them) and finished
 * exactly once, in tcp_destroy_sock, which Linux runs once for every full
 * socket whatever way it dies (close, RST, failed handshake, orphan timeout),
 * or, when an orphan's FIN_WAIT_2 minisocket takes its place, where that
 * leaves FIN_WAIT_2 (tcp_tw.bpf.h).
 *
 * The map has BPF_F_CLONE so a child inherits its listener's value; the
 * socket address kept in the value (and the session id, the socket cookie,
 * where a session starts) tells an inherited copy from the child's own
 * session, and the copy gives the child its owner pid and enabled state.
 */
#ifndef ELOG_TCP_SESSION_BPF_H
#define ELOG_TCP_SESSION_BPF_H

/* A kfunc the verifier inlines: a kernel pointer typed as btf_id, read only
 * (probe reads). Used where a helper would cost a call, or is not allowed. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

struct tcp_elog_sk {
	struct elog_session s;  /* first: the framework's part */
	__u64 sk_addr;          /* kernel struct sock address (SESSION_CREATE) */
	__s32 owner_pid;        /* creator's pid; 0 when unknown (socket older than the provider) */
	__u32 iss;              /* reconstructed, see tcp_state.bpf.h */
	__u32 last_mss;         /* mss_cache last reported by MSS/CONN_PARAMS */
	__u32 last_cwnd;        /* cwnd and ssthresh (bytes) last reported by CWND */
	__u32 last_ssthresh;
	__u32 last_srtt8;       /* srtt_us (8x) last reported by RTT */
	__u32 send_flags;       /* msg_flags of the send in progress (tcp_app.bpf.h) */
	__u64 last_ca;          /* icsk_ca_ops last seen (CC_ALGO_CHANGE) */
	/* Highest ACK seen arriving (ACK/SACK acked bytes), 0 for none; 64
	 * bits for the compare-and-swap that updates it (tcp_ack.bpf.h). */
	__u64 high_ack;
	__u32 last_dsack;       /* dsack_dups last reported by DSACK */
	/* bytes_retrans and total_retrans at the last RETRANS_CB or when the
	 * callbacks were armed (tcp_cc.bpf.h, tcp_elog_emit_retransmit). */
	__u64 rtx_bytes;
	__u32 rtx_total;
	__u32 hs_end_seq;       /* cubic HyStart round end last seen (HYSTART) */
	__u32 hs_round;         /* HyStart rounds seen */
	__u8 hs_found;          /* cubic's HyStart exit flag last seen */
	__u8 bb_rxt_done;       /* trigger.retransmits fired (tcp_blackbox.bpf.h) */
	__u8 pad3[6];
	/* Expiry of the delayed-ACK [0] and retransmit [1] timer last found
	 * stopped lazily (tcp_timer.bpf.h): one session lookup per arming. */
	__u64 lazy_exp[2];
	/* tcp_elog_state_gen when last_cwnd/last_ssthresh/last_srtt8 were
	 * last brought in step with the mirror (tcp_cc.bpf.h). */
	__u64 state_gen;
	char log_id[64];        /* TCP_EVENTLOG_LOG_ID; "" when unnamed */
	__u8 iss_known;         /* iss was taken at TCP_CONNECT_CB (active open) */
	__u8 finished;          /* elog_session_fini already ran */
	/* The application switched the session on or off itself
	 * (TCP_EVENTLOG, TCP_EVENTLOG_MODE, a LOG_ID that switched it): the
	 * filters leave it alone. */
	__u8 app_set;
	/* The default (and auto_ratio) wanted it while a filter was set:
	 * disabled until its 4-tuple is known and the filters decide
	 * (tcp_filter.bpf.h). */
	__u8 held;
};

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct tcp_elog_sk);
} tcp_elog_sk_map SEC(".maps");

/*
 * Sessions by kernel socket address, for hooks that only get a pointer the
 * verifier does not trust as a socket (a timer inside it) and so cannot
 * reach sk_storage: a copy of the session, kept in step with the value by
 * tcp_elog_sk_init / tcp_elog_set_enabled / tcp_elog_sk_fini. A socket that
 * does not fit (65536 live sessions) simply has no timer events.
 */
struct tcp_elog_by_addr {
	struct elog_session s;
	/* Per timer of the socket (retransmit, delayed ACK, keepalive; index
	 * tcp_elog_timer_of()), tcp_timer.bpf.h: the reason it was last started
	 * for; whether it runs (started, not fired or cancelled since); and
	 * the reason and time of its last logged start (timer_restart_us). */
	__u8 timer_reason[4];
	__u8 running[4];
	__u8 logged_reason[4];
	__u8 pad[4];
	__u64 start_logged_us[4];
	/* cwnd, ssthresh (bytes) and srtt_us (8x) last reported, mirrored
	 * from the session's value (tcp_cc.bpf.h) so that timer hooks can
	 * report a change too. */
	__u32 last_cwnd;
	__u32 last_ssthresh;
	__u32 last_srtt8;
	__u32 pad2;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct tcp_elog_by_addr);
} tcp_elog_addr_map SEC(".maps");

/* Linux states (include/net/tcp_states.h) to the schema's FreeBSD numbers. */
static __always_inline __u8 tcp_elog_state(int linux_state)
{
	switch (linux_state) {
	case TCP_ESTABLISHED: return TCP_EVENTLOG_TCP_STATE_ESTABLISHED;
	case TCP_SYN_SENT: return TCP_EVENTLOG_TCP_STATE_SYN_SENT;
	case TCP_SYN_RECV: return TCP_EVENTLOG_TCP_STATE_SYN_RECEIVED;
	case TCP_FIN_WAIT1: return TCP_EVENTLOG_TCP_STATE_FIN_WAIT_1;
	case TCP_FIN_WAIT2: return TCP_EVENTLOG_TCP_STATE_FIN_WAIT_2;
	case TCP_TIME_WAIT: return TCP_EVENTLOG_TCP_STATE_TIME_WAIT;
	case TCP_CLOSE_WAIT: return TCP_EVENTLOG_TCP_STATE_CLOSE_WAIT;
	case TCP_LAST_ACK: return TCP_EVENTLOG_TCP_STATE_LAST_ACK;
	case TCP_LISTEN: return TCP_EVENTLOG_TCP_STATE_LISTEN;
	case TCP_CLOSING: return TCP_EVENTLOG_TCP_STATE_CLOSING;
	/* A request socket is what FreeBSD calls SYN_RECEIVED. */
	case TCP_NEW_SYN_RECV: return TCP_EVENTLOG_TCP_STATE_SYN_RECEIVED;
	/* TCP_CLOSE, TCP_BOUND_INACTIVE */
	default: return TCP_EVENTLOG_TCP_STATE_CLOSED;
	}
}

/*
 * The session of a socket, or NULL when the socket has none or only carries
 * an inherited copy of its listener's value (not yet its own session: the
 * copy names the listener's address). sk is anything bpf_sk_storage_get
 * accepts in the calling program type. The address, not the socket cookie:
 * asking for the cookie is one more helper call per packet (bench/prims.sh).
 */
static __always_inline struct tcp_elog_sk *tcp_elog_sk_get(void *sk)
{
	struct tcp_elog_sk *v = bpf_sk_storage_get(&tcp_elog_sk_map, sk, 0, 0);

	if (!v || v->sk_addr != (__u64)sk || v->finished)
		return 0;
	return v;
}

/* Where RETRANS_CB counts from (tcp_cc.bpf.h, tcp_elog_emit_retransmit):
 * at the session's start and whenever the callbacks are armed. */
static __always_inline void tcp_elog_rtx_base(struct tcp_elog_sk *v, const struct tcp_sock *tp)
{
	v->rtx_bytes = tp->bytes_retrans;
	v->rtx_total = tp->total_retrans;
}

/* Make v (fresh or an inherited copy) the session of the socket `cookie`. */
static __always_inline void tcp_elog_sk_init(struct tcp_elog_sk *v, __u64 cookie,
					     __u64 sk_addr, __s32 owner_pid)
{
	v->sk_addr = sk_addr;
	v->owner_pid = owner_pid;
	v->iss = 0;
	v->last_mss = 0;
	v->last_cwnd = 0;
	v->last_ssthresh = 0;
	v->last_srtt8 = 0;
	v->send_flags = 0;
	v->last_ca = 0;
	v->high_ack = 0;
	v->last_dsack = 0;
	/* 0 for a new socket; a socket older than the provider has its own. */
	tcp_elog_rtx_base(v, bpf_rdonly_cast((void *)sk_addr, bpf_core_type_id_kernel(struct tcp_sock)));
	v->hs_end_seq = 0;
	v->hs_round = 0;
	v->hs_found = 0;
	v->bb_rxt_done = 0;
	v->lazy_exp[0] = 0;
	v->lazy_exp[1] = 0;
	v->state_gen = 0;
	/* A child does not inherit its listener's name. */
	__builtin_memset(v->log_id, 0, sizeof(v->log_id));
	v->iss_known = 0;
	v->finished = 0;
	v->app_set = 0;
	v->held = 0;
	elog_session_init(&v->s, cookie);
	{
		struct tcp_elog_by_addr a = { .s = v->s };

		bpf_map_update_elem(&tcp_elog_addr_map, &v->sk_addr, &a, BPF_ANY);
	}
}

/* The only way sessions are switched on and off (keeps the copy in step). */
static __always_inline void tcp_elog_set_enabled(struct tcp_elog_sk *v, int on)
{
	struct tcp_elog_by_addr *a;

	elog_session_set_enabled(&v->s, on);
	a = bpf_map_lookup_elem(&tcp_elog_addr_map, &v->sk_addr);
	if (a)
		a->s.enabled = v->s.enabled;
}

/* The only way a session's black box mode changes (keeps the copy in step). */
static __always_inline void tcp_elog_set_mode(struct tcp_elog_sk *v, __u8 mode)
{
	struct tcp_elog_by_addr *a;

	elog_bb_set_mode(&v->s, mode);
	a = bpf_map_lookup_elem(&tcp_elog_addr_map, &v->sk_addr);
	if (a)
		a->s.mode = v->s.mode;
}

/* The socket no longer carries its session: ended, or handed on to its
 * FIN_WAIT_2 minisocket (tcp_tw.bpf.h). */
static __always_inline void tcp_elog_sk_release(struct tcp_elog_sk *v)
{
	v->finished = 1;
	bpf_map_delete_elem(&tcp_elog_addr_map, &v->sk_addr);
}

static __always_inline void tcp_elog_sk_fini(struct tcp_elog_sk *v)
{
	tcp_elog_sk_release(v);
	elog_session_fini(&v->s);
}

#endif /* ELOG_TCP_SESSION_BPF_H */
