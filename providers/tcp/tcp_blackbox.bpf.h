/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP provider, BPF half: the black box's TCP triggers (the framework keeps
 * the buffers and makes the dumps, bpf/eventlog.bpf.h). Each is one of the
 * provider's controls: RTO fired, RST sent or received, retransmissions
 * reaching K. A trigger only asks for the dump; a live consumer makes it
 * within its next poll, with the events up to the trigger.
 */
#ifndef ELOG_TCP_BLACKBOX_BPF_H
#define ELOG_TCP_BLACKBOX_BPF_H

static __always_inline __s64 tcp_elog_knob(__u32 k)
{
	__s64 *v = bpf_map_lookup_elem(&elog_knobs, &k);

	return v ? *v : 0;
}

/* Asks for a dump of v's buffer when trigger `knob` is on. */
static __always_inline void tcp_elog_bb_trigger(struct tcp_elog_sk *v, __u32 knob, __u32 reason)
{
	if (!v || !v->s.enabled || !elog__bb_buffered(v->s.mode) || !tcp_elog_knob(knob))
		return;
	elog_bb_trigger(&v->s, reason);
}

/* Retransmissions of the connection reached trigger.retransmits (K; 0:
 * off): once per connection. */
static __always_inline void tcp_elog_bb_retrans(struct tcp_elog_sk *v, struct tcp_sock *tp)
{
	__s64 k;

	if (!v || v->bb_rxt_done || !elog__bb_buffered(v->s.mode))
		return;
	k = tcp_elog_knob(TCP_ELOG_KNOB_TRIG_RXT);
	if (k <= 0 || tp->total_retrans < (__u64)k)
		return;
	v->bb_rxt_done = 1;
	tcp_elog_bb_trigger(v, TCP_ELOG_KNOB_TRIG_RXT, TCP_EVENTLOG_BLACKBOX_REASON_RETRANSMITS);
}

/* The session's group: its log id's hash, the function userspace uses
 * too (eventlog_abi.h; log_id is TCP_EVENTLOG_LOG_ID_MAX bytes, NUL-padded). */
static __always_inline __u64 tcp_elog_group_hash(const char *id)
{
	_Static_assert(TCP_EVENTLOG_LOG_ID_MAX == ELOG_BB_GROUP_NAME_MAX, "a log id's buffer");
	return elog_bb_group_hash(id);
}

#endif /* ELOG_TCP_BLACKBOX_BPF_H */
