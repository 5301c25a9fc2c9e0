// SPDX-License-Identifier: BSD-2-Clause
/*
 * TCP provider, BPF half: the programs. Where each attaches and when
 * (lifecycle hooks from load to unload, which keep sessions exact;
 * per-packet hooks only while somebody subscribes; the iterator read on
 * demand) is the hook table in tcp.c, which the runtime loads from and
 * docs/linux-mapping.md shows; a program missing from it fails the load.
 * sockops RTT_CB/RTO_CB fire only on armed sockets: enabled sessions while
 * somebody subscribes (ARM/DISARM iterator commands, tcp_elog_want_cb).
 *
 * fentry/fexit and kprobes are not available on the target kernels; every
 * hook here is a tracepoint or a networking hook (docs/linux-mapping.md, "Hooks of the provider").
 *
 * Kernel structures are read with plain loads through the BTF pointers the
 * hooks have (tracepoint arguments, bpf_skc_to_tcp_sock(), bpf_rdonly_cast()):
 * CO-RE relocated like BPF_CORE_READ, fault-safe, one instruction each,
 * where BPF_CORE_READ costs a bpf_probe_read_kernel() call per field; only
 * memory that is not a typed field (cubic's private state inside
 * icsk_ca_priv, skb->cb) still goes through it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
/* Every record the generated macros build leaves through one global
 * function, tcp_elog_emit (tcp_emit.bpf.h). */
#define ELOG_EMIT_REC(s, level, keywords, rec, len, room) \
	tcp_elog_emit((s), (struct tcp_elog_msg *)(rec), (level), (keywords), (len))
#include "eventlog.bpf.h"
#include "tcp_eventlog.h"
#include "eventlog/tcp.h"
#include "tcp_provider.h"
#include "tcp_session.bpf.h"
#include "tcp_emit.bpf.h"
#include "tcp_blackbox.bpf.h"
#include "tcp_state.bpf.h"
#include "tcp_filter.bpf.h"
#include "tcp_cc.bpf.h"
#include "tcp_app.bpf.h"
#include "tcp_segment.bpf.h"
#include "tcp_ack.bpf.h"
#include "tcp_ctl.bpf.h"
#include "tcp_sockopt.bpf.h"
#include "tcp_timer.bpf.h"
#include "tcp_tw.bpf.h"
#include "tcp_sbwake.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tcp_elog_iter_cmd);
} tcp_iter_cmd SEC(".maps");

/*
 * RTT/RTO callbacks are wanted for an enabled session while somebody
 * subscribes (level 0 and every keyword: any subscriber at all).
 */
static __always_inline int tcp_elog_want_cb(const struct tcp_elog_sk *v)
{
	return elog_would_log(&v->s, 0, 0xffffffff);
}

/* Sets or clears the provider's callback bits on a locked socket. */
static __always_inline void tcp_elog_set_cb(struct tcp_elog_sk *v, struct tcp_sock *tp, int on)
{
	int flags = tcp_elog_cb_flags(v, tp, tp->bpf_sock_ops_cb_flags, on);

	bpf_setsockopt(tp, TCP_ELOG_SOL_TCP, TCP_BPF_SOCK_OPS_CB_FLAGS, &flags, sizeof(flags));
}

/* Turn a live session on and give every subscriber its context. */
static __always_inline void tcp_elog_enable(struct tcp_elog_sk *v, struct tcp_sock *tp)
{
	if (!v->s.enabled)
		tcp_elog_set_enabled(v, 1);
	tcp_elog_emit_state(&v->s, v, tp);
	if (tcp_elog_want_cb(v))
		tcp_elog_set_cb(v, tp, 1);
}

SEC("cgroup/sock_create")
int tcp_elog_sock_create(struct bpf_sock *ctx)
{
	struct tcp_elog_sk *v;

	/* SOCK_RAW with IPPROTO_TCP is not a TCP socket: it never reaches
	 * tcp_destroy_sock, so a session for it would never end. */
	if (ctx->protocol != TCP_ELOG_IPPROTO_TCP || ctx->type != TCP_ELOG_SOCK_STREAM)
		return 1;
	v = bpf_sk_storage_get(&tcp_elog_sk_map, ctx, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!v)
		return 1; /* out of memory: the socket goes unobserved, never refused */
	/* Runs in socket(2), so the current task is the creator. */
	tcp_elog_sk_init(v, bpf_get_socket_cookie(ctx), (__u64)ctx,
			 (__s32)(bpf_get_current_pid_tgid() >> 32));
	tcp_elog_filter_hold(v, v->s.enabled);
	if (v->s.enabled) {
		tcp_elog_emit_session_create(&v->s, v);
		tcp_elog_emit_owner(&v->s, v);
	}
	return 1;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcp_elog_set_state, const struct sock *sk, const int oldstate, const int newstate)
{
	struct tcp_elog_sk *v;
	struct tcp_sock *tp;
	__u64 cookie;

	if (sk->sk_protocol != TCP_ELOG_IPPROTO_TCP)
		return 0;
	cookie = bpf_get_socket_cookie((void *)sk);
	if (oldstate == TCP_LISTEN && newstate == TCP_SYN_RECV) {
		/*
		 * inet_csk_clone_lock: the child carries a BPF_F_CLONE copy of
		 * its listener's value. None: the listener has no session (it
		 * predates us, or lives outside the cgroup the provider is
		 * attached to, which this host-wide tracepoint cannot tell);
		 * the child's session then starts at PASSIVE_ESTABLISHED_CB,
		 * which runs only for sockets of that cgroup.
		 */
		__s32 owner;
		__u8 inherit, app;

		v = bpf_sk_storage_get(&tcp_elog_sk_map, (void *)sk, 0, 0);
		if (!v || v->s.id == cookie)
			return 0;
		owner = v->owner_pid;
		/* Accepted on an enabled listener: enabled, unless auto_ratio
		 * samples new connections (then each gets its own verdict) or
		 * a filter is set (then it is held for the filters, unless the
		 * listener's enabling was the application's). */
		inherit = v->s.enabled && !v->finished && elog__knob(ELOG_KNOB_BB_AUTO_RATIO) <= 1;
		app = inherit && v->app_set;
		tcp_elog_sk_init(v, cookie, (__u64)sk, owner);
		if (app) {
			v->app_set = 1;
			if (!v->s.enabled)
				tcp_elog_set_enabled(v, 1);
		} else if (!tcp_elog_filter_hold(v, v->s.enabled || inherit) && inherit &&
			   !v->s.enabled) {
			tcp_elog_set_enabled(v, 1);
		}
		/* Addresses and parameters follow at PASSIVE_ESTABLISHED_CB,
		 * when Linux has written the child's 4-tuple. */
		if (v->s.enabled)
			tcp_elog_emit_session_create(&v->s, v);
		return 0;
	}
	if (newstate == TCP_LISTEN) {
		v = tcp_elog_sk_get((void *)sk);
		tp = bpf_skc_to_tcp_sock((void *)sk);
		if (v && tp && v->s.enabled)
			tcp_elog_emit_addrs(&v->s, tp);
	}
	return 0;
}

SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(tcp_elog_destroy, struct sock *sk)
{
	struct tcp_elog_sk *v = tcp_elog_sk_get(sk);

	if (v) {
		/* A timer cancel held back (tcp_timer.bpf.h) belongs before
		 * the end; cancels after it find no session and are dropped. */
		tcp_elog_timer_flush(v);
		if (tcp_elog_tw_adopt(v, sk)) {
			tcp_elog_sk_release(v);
			tcp_elog_tw_adopted();
		} else
			tcp_elog_sk_fini(v);
	}
	return 0;
}

SEC("sockops")
int tcp_elog_sockops(struct bpf_sock_ops *skops)
{
	struct bpf_sock *bsk = skops->sk;
	struct tcp_elog_sk *v;
	struct tcp_sock *tp;
	__u32 op = skops->op;
	int want;

	if (op != BPF_SOCK_OPS_TCP_CONNECT_CB && op != BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB &&
	    op != BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB && op != BPF_SOCK_OPS_RTT_CB &&
	    op != BPF_SOCK_OPS_RTO_CB && op != BPF_SOCK_OPS_RETRANS_CB)
		return 1;
	if (!bsk)
		return 1;
	v = tcp_elog_sk_get(bsk);
	tp = bpf_skc_to_tcp_sock(bsk);
	if (!tp)
		return 1;
	if (!v && op == BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB) {
		/* A child of a listener without a session (see
		 * tcp_elog_set_state): its own session starts here, with
		 * the default's verdict, and nobody recorded its creator. */
		v = bpf_sk_storage_get(&tcp_elog_sk_map, bsk, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (!v)
			return 1;
		tcp_elog_sk_init(v, bpf_get_socket_cookie(skops), (__u64)tp, 0);
		tcp_elog_filter_hold(v, v->s.enabled);
		if (v->s.enabled)
			tcp_elog_emit_session_create(&v->s, v);
	}
	if (!v)
		return 1;
	switch (op) {
	case BPF_SOCK_OPS_RTT_CB:
		if (v->s.enabled)
			tcp_elog_emit_rtt(v, tp, skops->args[0], skops->args[1]);
		break;
	case BPF_SOCK_OPS_RETRANS_CB:
		/* args: seq, segs, err. A failed attempt (e.g. the original
		 * still in a queue) sent nothing; it is not counted here. */
		if (v->s.enabled && !skops->args[2]) {
			tcp_elog_emit_retransmit(v, tp, skops->args[0], skops->args[1]);
			tcp_elog_bb_retrans(v, tp);
		}
		break;
	case BPF_SOCK_OPS_RTO_CB:
		if (v->s.enabled) {
			tcp_elog_emit_rto(v, tp, skops->args[0]);
			tcp_elog_bb_trigger(v, TCP_ELOG_KNOB_TRIG_RTO,
					    TCP_EVENTLOG_BLACKBOX_REASON_RTO);
		}
		break;
	case BPF_SOCK_OPS_TCP_CONNECT_CB:
		/* secure_tcp_seq() has set write_seq; the SYN is not built yet. */
		v->iss = tp->write_seq;
		v->iss_known = 1;
		/* The 4-tuple is known: the filters decide, before the SYN. */
		want = tcp_elog_filter_decide(v, tp);
		if (want == 1 && !v->s.enabled) {
			tcp_elog_set_enabled(v, 1);
			tcp_elog_emit_state(&v->s, v, tp);
			break;
		}
		if (want == 0 && v->s.enabled) {
			tcp_elog_set_enabled(v, 0);
			bpf_sock_ops_cb_flags_set(skops, tcp_elog_cb_flags(v, tp, skops->bpf_sock_ops_cb_flags, 0));
		}
		if (v->s.enabled) {
			tcp_elog_emit_addrs(&v->s, tp);
			/* Armed before the SYN: its retransmissions and
			 * timeouts are RETRANSMIT_REASON and RTO too. */
			if (tcp_elog_want_cb(v))
				bpf_sock_ops_cb_flags_set(skops, tcp_elog_cb_flags(v, tp, skops->bpf_sock_ops_cb_flags, 1));
		}
		break;
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
		/* The child's 4-tuple is known now (not at the clone). */
		want = tcp_elog_filter_decide(v, tp);
		if (want == 0 && v->s.enabled) {
			tcp_elog_set_enabled(v, 0);
			bpf_sock_ops_cb_flags_set(skops, tcp_elog_cb_flags(v, tp, skops->bpf_sock_ops_cb_flags, 0));
		} else if (want == 1 && !v->s.enabled) {
			tcp_elog_set_enabled(v, 1);
			tcp_elog_emit_session_create(&v->s, v);
		}
		if (v->s.enabled) {
			tcp_elog_emit_addrs(&v->s, tp);
			tcp_elog_emit_owner(&v->s, v);
		}
		/* fall through */
	default:
		if (v->s.enabled) {
			tcp_elog_mss_check(v, tp);
			tcp_elog_ca_check(v, tp); /* first sight: CONN_PARAMS names it */
			tcp_elog_emit_params(&v->s, v, tp);
			if (tcp_elog_want_cb(v))
				bpf_sock_ops_cb_flags_set(skops, tcp_elog_cb_flags(v, tp, skops->bpf_sock_ops_cb_flags, 1));
		}
		break;
	}
	return 1;
}

SEC("cgroup_skb/ingress")
int tcp_elog_ingress(struct __sk_buff *skb)
{
	struct tcp_elog_sk *v = 0;
	struct tcp_elog_seg g;
	struct tcp_sock *tp;
	__u64 now_us;

	if (!elog_any_enabled())
		return 1;
	tp = tcp_elog_skb_sock(skb, &v);
	if (!tp)
		return 1;
	/* The state the previous segment's processing left. */
	tcp_elog_timer_lazy(v, tp);
	tcp_elog_seg_checks(v, tp);
	/* One parse and one clock read for IN and ACK. */
	if (tcp_elog_parse(skb, &g))
		return 1;
	now_us = bpf_ktime_get_boot_ns() / 1000;
	tcp_elog_emit_in(v, tp, &g, now_us);
	tcp_elog_emit_ack(v, tp, skb, &g, now_us);
	return 1;
}

SEC("cgroup_skb/egress")
int tcp_elog_egress(struct __sk_buff *skb)
{
	struct tcp_elog_sk *v = 0;
	struct bpf_sock *bsk;
	struct tcp_sock *tp;

	/* Nothing enabled: no segment to log, no control-socket reply either
	 * (those are logged in the session they answer). */
	if (!elog_any_enabled())
		return 1;
	tp = tcp_elog_skb_sock(skb, &v);

	if (tp) {
		/* An ACK going out has already stopped the delayed-ACK timer
		 * (tcp_event_ack_sent runs before the IP layer). */
		tcp_elog_timer_lazy(v, tp);
		tcp_elog_seg_checks(v, tp);
		tcp_elog_emit_out(v, tp, skb);
		return 1;
	}
	/* No session: is it a reset or ACK from the control socket? */
	bsk = skb->sk;
	if (bsk)
		bsk = bpf_sk_fullsock(bsk);
	if (bsk && bsk->type == TCP_ELOG_SOCK_RAW && bsk->protocol == TCP_ELOG_IPPROTO_TCP)
		tcp_elog_ctl_out(skb);
	return 1;
}

/* Per-event hooks, attached with the per-packet ones (only while somebody
 * subscribes): congestion state, retransmissions, cwnd reductions. */
SEC("tp_btf/tcp_cong_state_set")
int BPF_PROG(tcp_elog_ca_state, struct sock *sk, const __u8 ca_state)
{
	struct tcp_elog_sk *v = tcp_elog_sk_get(sk);
	struct tcp_sock *tp;

	if (!v || !v->s.enabled)
		return 0;
	tp = bpf_skc_to_tcp_sock(sk);
	if (tp) {
		/* Entering recovery or loss has just set ssthresh (and, for
		 * loss, cwnd): reported before the recovery event. */
		tcp_elog_state_checks(v, tp);
		tcp_elog_emit_ca_state(v, tp, ca_state);
	}
	return 0;
}

SEC("tp_btf/tcp_cwnd_reduction_tp")
int BPF_PROG(tcp_elog_cwnd_red, const struct sock *sk, int newly_acked_sacked, int newly_lost, int flag)
{
	struct tcp_elog_sk *v = tcp_elog_sk_get((void *)sk);
	struct tcp_sock *tp;

	if (!v || !v->s.enabled)
		return 0;
	tp = bpf_skc_to_tcp_sock((void *)sk);
	if (tp) {
		tcp_elog_state_sync(v);
		tcp_elog_cwnd_check(v, tp);
		tcp_elog_emit_prr(v, tp, newly_acked_sacked, newly_lost, flag);
	}
	return 0;
}

SEC("tp_btf/tcp_sendmsg_locked")
int BPF_PROG(tcp_elog_sendmsg, const struct sock *sk, const struct msghdr *msg, const struct sk_buff *skb,
	     int size_goal)
{
	struct tcp_elog_sk *v;

	/* Once per skb the call fills (several per call): most sends carry
	 * none of the flags the records use, and then their send_flags stay 0
	 * without a socket lookup (sock_send_length reads 0 as no flags). */
	if (!(msg->msg_flags & TCP_ELOG_SEND_FLAGS_USED) || !elog_any_enabled())
		return 0;
	v = tcp_elog_sk_get((void *)sk);
	if (v && v->s.enabled && !(v->send_flags & TCP_ELOG_SEND_SEEN))
		v->send_flags = TCP_ELOG_SEND_SEEN | msg->msg_flags;
	return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(tcp_elog_send_len, struct sock *sk, int ret, int flags)
{
	struct tcp_elog_sk *v;
	struct tcp_sock *tp;
	__u32 f;

	if (!elog_any_enabled() || !sk || sk->sk_protocol != TCP_ELOG_IPPROTO_TCP ||
	    sk->sk_type != TCP_ELOG_SOCK_STREAM)
		return 0;
	v = tcp_elog_sk_get(sk);
	if (!v || !v->s.enabled)
		return 0;
	f = v->send_flags;
	v->send_flags = 0;
	/* A session's socket is a tcp_sock (tcp_elog_skb_sock says why). */
	tp = bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct tcp_sock));
	tcp_elog_timer_lazy(v, tp);
	tcp_elog_state_checks(v, tp);
	tcp_elog_emit_send(v, tp, ret, f);
	return 0;
}

SEC("tp_btf/timer_start")
int BPF_PROG(tcp_elog_tmr_start, struct timer_list *timer, unsigned long bucket_expiry)
{
	tcp_elog_tw_timer(timer, TCP_ELOG_T_START);
	tcp_elog_timer_event(timer, TCP_ELOG_T_START);
	return 0;
}

SEC("tp_btf/timer_cancel")
int BPF_PROG(tcp_elog_tmr_cancel, struct timer_list *timer)
{
	tcp_elog_tw_timer(timer, TCP_ELOG_T_CANCEL);
	tcp_elog_timer_event(timer, TCP_ELOG_T_CANCEL);
	return 0;
}

SEC("tp_btf/timer_expire_entry")
int BPF_PROG(tcp_elog_tmr_fire, struct timer_list *timer, unsigned long baseclk)
{
	tcp_elog_tw_timer(timer, TCP_ELOG_T_FIRED);
	tcp_elog_timer_event(timer, TCP_ELOG_T_FIRED);
	return 0;
}

SEC("tp_btf/timer_expire_exit")
int BPF_PROG(tcp_elog_tmr_done, struct timer_list *timer)
{
	tcp_elog_tw_timer(timer, TCP_ELOG_T_DONE);
	tcp_elog_timer_event(timer, TCP_ELOG_T_DONE);
	return 0;
}

/* A segment a FIN_WAIT_2 minisocket processed (tcp_tw.bpf.h): every dropped
 * skb of the host comes here; rx_sk is set where a socket received it. */
SEC("tp_btf/kfree_skb")
int BPF_PROG(tcp_elog_tw_rcv, struct sk_buff *skb, void *location, enum skb_drop_reason reason,
	     struct sock *rx_sk)
{
	if (rx_sk && rx_sk->__sk_common.skc_state == TCP_TIME_WAIT)
		tcp_elog_tw_in(skb, rx_sk);
	return 0;
}

/* A segment a FIN_WAIT_2 minisocket sends: every packet the host sends
 * comes here; Linux sends a minisocket's with it as skb->sk. */
SEC("tp_btf/net_dev_queue")
int BPF_PROG(tcp_elog_tw_xmit, struct sk_buff *skb)
{
	struct sock *sk = skb->sk;

	if (sk && sk->__sk_common.skc_state == TCP_TIME_WAIT)
		tcp_elog_tw_out(skb, sk);
	return 0;
}

/* A reader wakeup (tcp_sbwake.bpf.h); every protocol comes through here. */
SEC("tp_btf/sk_data_ready")
int BPF_PROG(tcp_elog_data_ready, const struct sock *sk)
{
	struct tcp_elog_sk *v;
	struct tcp_sock *tp;

	if (!elog_any_enabled() || !sk || sk->sk_protocol != TCP_ELOG_IPPROTO_TCP ||
	    sk->sk_type != TCP_ELOG_SOCK_STREAM ||
	    sk->__sk_common.skc_state == TCP_LISTEN)
		return 0;
	v = tcp_elog_sk_get((void *)sk);
	if (!v || !v->s.enabled)
		return 0;
	tp = bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct tcp_sock));
	/* After the segment's ACK was processed (tcp_data_queue follows
	 * tcp_ack): a retransmit timer it stopped and the congestion state
	 * it left are seen here. */
	tcp_elog_timer_lazy(v, tp);
	tcp_elog_state_checks(v, tp);
	tcp_elog_emit_sb_wake(v, tp);
	return 0;
}

SEC("cgroup/setsockopt")
int tcp_elog_setsockopt(struct bpf_sockopt *ctx)
{
	if (!tcp_elog_sockopt_tcp(ctx)) {
		tcp_elog_sockopt_log(ctx);
		return 1; /* not ours: the kernel handles it, untouched */
	}
	return tcp_elog_sockopt_set(ctx);
}

SEC("cgroup/getsockopt")
int tcp_elog_getsockopt(struct bpf_sockopt *ctx)
{
	/* retval 0: the kernel knew the option, or an earlier program in the
	 * cgroup chain (another copy of this provider in a private bpffs, as
	 * benchmarks load) answered; the one that answered the set answers. */
	if (!tcp_elog_sockopt_tcp(ctx) || ctx->retval == 0)
		return 1;
	return tcp_elog_sockopt_get(ctx);
}

/*
 * One command (tcp_iter_cmd) over every TCP socket of the reader's network
 * namespace; request and TIME_WAIT minisockets are skipped (sessions
 * followed in FIN_WAIT_2 minisockets are in their own map: tcp_tw.bpf.h).
 * The kernel runs this with each socket locked.
 */
SEC("iter/tcp")
int tcp_elog_iter(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct tcp_elog_iter_cmd *cmd;
	struct elog_session copy;
	struct tcp_elog_sk *v;
	struct tcp_sock *tp;
	__u32 key = 0;
	__u64 cookie;

	cmd = bpf_map_lookup_elem(&tcp_iter_cmd, &key);
	if (!cmd)
		return 0;
	/* Sessions followed in minisockets: once per walk, at its end (the
	 * call without a socket). */
	tcp_elog_tw_walk(cmd->op, !skc);
	if (!skc)
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp)
		return 0;
	cookie = bpf_get_socket_cookie(tp);
	switch (cmd->op) {
	case TCP_ELOG_ITER_DUMP:
		v = tcp_elog_sk_get(tp);
		if (!v || !v->s.enabled)
			return 0;
		/* To the one subscriber that asked, not to everybody. */
		copy = v->s;
		copy.target = (__s8)cmd->slot;
		tcp_elog_emit_state(&copy, v, tp);
		return 0;
	case TCP_ELOG_ITER_ENABLE_ALL:
		v = bpf_sk_storage_get(&tcp_elog_sk_map, tp, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (!v)
			return 0;
		if (v->s.id != cookie) {
			/* A socket older than the provider: its session starts now. */
			tcp_elog_sk_init(v, cookie, (__u64)tp, 0);
		} else if (v->finished) {
			return 0;
		}
		/* With a filter set, the default selects the connections it
		 * names and no other; a socket not connected yet is decided
		 * when it connects. */
		if (!v->app_set && tcp_elog_filtered() && !tcp_elog_filter_match(tp)) {
			if (v->s.enabled) {
				tcp_elog_set_enabled(v, 0);
				tcp_elog_set_cb(v, tp, 0);
			}
			v->held = 1;
			return 0;
		}
		v->held = 0;
		tcp_elog_enable(v, tp);
		return 0;
	case TCP_ELOG_ITER_DISABLE_ALL:
		v = tcp_elog_sk_get(tp);
		if (v)
			v->held = 0; /* the default no longer wants it */
		if (v && v->s.enabled) {
			tcp_elog_set_enabled(v, 0);
			tcp_elog_set_cb(v, tp, 0);
		}
		return 0;
	case TCP_ELOG_ITER_ARM:
	case TCP_ELOG_ITER_DISARM:
		v = tcp_elog_sk_get(tp);
		if (v && v->s.enabled)
			tcp_elog_set_cb(v, tp, cmd->op == TCP_ELOG_ITER_ARM);
		return 0;
	}
	return 0;
}
