/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the TCP provider's BPF half (tcp.bpf.c) and user half (tcp.c) share:
 * the layout of the iterator command map and the names of the objects the
 * user half pins next to the framework's maps. Fixed-width kernel types only,
 * so it is valid after vmlinux.h and in userspace.
 */
#ifndef ELOG_TCP_PROVIDER_H
#define ELOG_TCP_PROVIDER_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/*
 * iter/tcp cannot take arguments, so the user half writes one command into
 * the tcp_iter_cmd array (key 0) before reading the iterator, under the
 * provider lock so two commands never interleave.
 */
enum tcp_elog_iter_op {
	TCP_ELOG_ITER_NONE = 0,
	TCP_ELOG_ITER_DUMP = 1,        /* re-emit every enabled session's state to one slot */
	TCP_ELOG_ITER_ENABLE_ALL = 2,  /* default 2: enable every live socket, dump to all */
	TCP_ELOG_ITER_DISABLE_ALL = 3, /* default -1: disable every live session */
	TCP_ELOG_ITER_ARM = 4,         /* first subscriber: RTT/RTO callbacks on enabled sessions */
	TCP_ELOG_ITER_DISARM = 5,      /* last subscriber gone: callbacks off */
};

struct tcp_elog_iter_cmd {
	__u32 op;   /* enum tcp_elog_iter_op */
	__s32 slot; /* subscriber slot for TCP_ELOG_ITER_DUMP */
};

/* The provider's knobs (elog_knobs indexes; 1 is the framework's), shown by
 * elogctl as the controls tcp.c registers. */
#define TCP_ELOG_KNOB_LOG_ID_LIMIT 0       /* net.inet.tcp.eventlog.log_id_limit */
#define TCP_ELOG_KNOB_TIMER_RESTART_US 2   /* net.inet.tcp.eventlog.timer_restart_us */
#define TCP_ELOG_KNOB_TRIG_RTO 3           /* net.inet.tcp.eventlog.trigger.rto */
#define TCP_ELOG_KNOB_TRIG_RST 4           /* net.inet.tcp.eventlog.trigger.rst */
#define TCP_ELOG_KNOB_TRIG_RXT 5           /* net.inet.tcp.eventlog.trigger.retransmits */

/* Pinned names under the provider's directory (no '.', at most 15 chars). */
#define TCP_ELOG_PIN_ITER_CMD "tcp_iter_cmd"
#define TCP_ELOG_PIN_ITER_LINK "tcp_iter"
/* Lifecycle links: attached from load to unload. */
#define TCP_ELOG_PIN_SOCK_CREATE "tcp_sock_create"
#define TCP_ELOG_PIN_SOCK_OPS "tcp_sock_ops"
#define TCP_ELOG_PIN_SET_STATE "tcp_set_state"
#define TCP_ELOG_PIN_DESTROY "tcp_destroy"
#define TCP_ELOG_PIN_SETSOCKOPT "tcp_setsockopt"
#define TCP_ELOG_PIN_GETSOCKOPT "tcp_getsockopt"
/* Per-packet links: attached only while somebody subscribes. */
#define TCP_ELOG_PIN_INGRESS "tcp_ingress"
#define TCP_ELOG_PIN_EGRESS "tcp_egress"
#define TCP_ELOG_PIN_CA_STATE "tcp_ca_state"
#define TCP_ELOG_PIN_RETRANS "tcp_retrans"
#define TCP_ELOG_PIN_CWND_RED "tcp_cwnd_red"
#define TCP_ELOG_PIN_SENDMSG "tcp_sendmsg"
#define TCP_ELOG_PIN_SEND_LEN "tcp_send_len"
#define TCP_ELOG_PIN_TMR_START "tcp_tmr_start"
#define TCP_ELOG_PIN_TMR_CANCEL "tcp_tmr_cancel"
#define TCP_ELOG_PIN_TMR_FIRE "tcp_tmr_fire"
#define TCP_ELOG_PIN_TMR_DONE "tcp_tmr_done"
#define TCP_ELOG_PIN_DATA_READY "tcp_data_ready"


#endif /* ELOG_TCP_PROVIDER_H */
