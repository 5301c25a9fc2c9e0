// SPDX-License-Identifier: BSD-2-Clause
/*
 * TCP provider, user half: its elog_provider_ops.
 *
 * The lifecycle hooks stay attached for as long as the provider stays
 * loaded (sessions must be counted from the first socket on; TCP_EVENTLOG
 * must answer whenever the provider is loaded); the per-packet ones only
 * while somebody captures (lib/rt/hot.c), and subscribers_changed arms the
 * RTT/RTO sock_ops callbacks of enabled sessions meanwhile.
 * dump_state, default_changed and the arming are iterator commands
 * (tcp_iter.c).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "registry.h"
#include "tcp.skel.h"
#include "tcp_eventlog.h"
#include "tcp_filter.h"
#include "tcp_iter.h"
#include "tcp_provider.h"
#include "tcp_summary.h"

/* Provider id stamped into every event (the test provider is 2). */
#define TCP_PROVIDER_ID 1

/*
 * Every program and where it goes (the lifecycle hooks from load to unload,
 * the per-packet ones while somebody subscribes): the runtime attaches and
 * pins from this table, and docs/linux-mapping.md's is made from it (make
 * hooks-docs). The end of a session is hooked before anything can begin
 * one, so no session is ever created that could not be finished.
 */
#define TP(prog, pin, when, doc) { #prog, pin, ELOG_ATTACH_TRACING, 0, ELOG_HOOK_##when, doc }
#define CG(prog, pin, type, when, doc) { #prog, pin, ELOG_ATTACH_CGROUP, type, ELOG_HOOK_##when, doc }
static const struct elog_hook tcp_hooks[] = {
	TP(tcp_elog_destroy, "tcp_destroy", ALWAYS,
	   "where a session ends, or moves to the socket's FIN_WAIT_2 minisocket (see \"Sessions\")"),
	TP(tcp_elog_set_state, "tcp_set_state", ALWAYS,
	   "the session of an accepted child whose listener has one (LISTEN→SYN_RECV, in "
	   "`inet_csk_clone_lock`); "
	   "a listener's addresses (→LISTEN)"),
	CG(tcp_elog_sockops, "tcp_sock_ops", BPF_CGROUP_SOCK_OPS, ALWAYS,
	   "`TCP_CONNECT_CB` (iss, addresses), `ACTIVE_/PASSIVE_ESTABLISHED_CB` (CONN_PARAMS, "
	   "the child's addresses; the session of a child whose listener has none), "
	   "`RTT_CB`/`RTO_CB`/`RETRANS_CB` on armed sockets (RTT, RTO, RETRANSMIT_REASON; "
	   "the black box's retransmission trigger)"),
	CG(tcp_elog_sock_create, "tcp_sock_create", BPF_CGROUP_INET_SOCK_CREATE, ALWAYS,
	   "a session for every user TCP socket at `socket(2)`; creator pid"),
	CG(tcp_elog_setsockopt, "tcp_setsockopt", BPF_CGROUP_SETSOCKOPT, ALWAYS,
	   "`TCP_EVENTLOG` (81) and `TCP_EVENTLOG_LOG_ID` (82) set by any process; "
	   "SOCKET_OPT_UINT32"),
	CG(tcp_elog_getsockopt, "tcp_getsockopt", BPF_CGROUP_GETSOCKOPT, ALWAYS,
	   "`TCP_EVENTLOG` (81) and `TCP_EVENTLOG_LOG_ID` (82) read by any process"),
	{ "tcp_elog_iter", TCP_ELOG_PIN_ITER_LINK, ELOG_ATTACH_ITER, 0, ELOG_HOOK_ALWAYS,
	  "read on demand, in every network namespace: `elog -D` dump, default 2 / −1, arming "
	  "the RTT/RTO callbacks of enabled sessions at the first subscriber and disarming "
	  "them after the last (both end the sessions still followed in minisockets)" },
	CG(tcp_elog_ingress, "tcp_ingress", BPF_CGROUP_INET_INGRESS, HOT,
	   "IN, and ACK, SACK, MSS, CWND, RTT, CC_ALGO_CHANGE"),
	CG(tcp_elog_egress, "tcp_egress", BPF_CGROUP_INET_EGRESS, HOT,
	   "OUT (also control-socket RSTs/ACKs, attributed by 4-tuple), and MSS, CWND, RTT, "
	   "CC_ALGO_CHANGE"),
	TP(tcp_elog_ca_state, "tcp_ca_state", HOT, "ENTER/EXIT_RECOVERY (CWND first)"),
	TP(tcp_elog_cwnd_red, "tcp_cwnd_red", HOT, "CWND, PRR_STATE"),
	TP(tcp_elog_sendmsg, "tcp_sendmsg", HOT,
	   "the flags of a send call, for the USER_SEND/SENDFILE at its end"),
	TP(tcp_elog_send_len, "tcp_send_len", HOT, "USER_SEND, SENDFILE"),
	TP(tcp_elog_tmr_start, "tcp_tmr_start", HOT,
	   "TIMER_START (every timer of the host: early exit); a FIN_WAIT_2 minisocket's timer"),
	TP(tcp_elog_tmr_cancel, "tcp_tmr_cancel", HOT, "TIMER_CANCEL; a minisocket's timer"),
	TP(tcp_elog_tmr_fire, "tcp_tmr_fire", HOT,
	   "TIMER_FIRED, lazily stopped timers' TIMER_CANCEL; a minisocket's timeout"),
	TP(tcp_elog_tmr_done, "tcp_tmr_done", HOT, "TIMER_PROCESSED; a minisocket's end"),
	TP(tcp_elog_data_ready, "tcp_data_ready", HOT,
	   "SB_WAKE (type RCV; every protocol's reader wakeups: early exit)"),
	TP(tcp_elog_tw_rcv, "tcp_tw_in", HOT,
	   "IN of a FIN_WAIT_2 minisocket (every dropped packet of the host: two loads, a "
	   "lookup only when its socket is a TIME_WAIT minisocket)"),
	TP(tcp_elog_tw_xmit, "tcp_tw_out", HOT,
	   "OUT of a FIN_WAIT_2 minisocket (every sent packet of the host, as above)"),
};

/* Maps tcp_iter.c and tcp_filter.c open. */
static const char *const tcp_maps[] = { TCP_ELOG_PIN_ITER_CMD, TCP_ELOG_PIN_FILTER_PFX };

/* RTT/RTO callbacks on while somebody captures, off after: no TCP ACK pays
 * for an idle provider. */
static int tcp_subscribers_changed(struct elog_rt *rt, bool on, struct elog_error *err)
{
	struct tcp_elog_iter_cmd cmd = { .op = on ? TCP_ELOG_ITER_ARM : TCP_ELOG_ITER_DISARM, .slot = -1 };

	return tcp_iter_run(rt, &cmd, err);
}

static int tcp_dump_state(struct elog_rt *rt, int slot, struct elog_error *err)
{
	struct tcp_elog_iter_cmd cmd = { .op = TCP_ELOG_ITER_DUMP, .slot = slot };

	if (slot < 0 || slot >= ELOG_MAX_SUBSCRIBERS) {
		elog_errorf(err, EINVAL, "tcp: dump to slot %d: no such slot", slot);
		return -EINVAL;
	}
	return tcp_iter_run(rt, &cmd, err);
}

static int tcp_default_changed(struct elog_rt *rt, int value, struct elog_error *err)
{
	struct tcp_elog_iter_cmd cmd = { .slot = -1 };

	if (value == 2)
		cmd.op = TCP_ELOG_ITER_ENABLE_ALL;
	else if (value == -1)
		cmd.op = TCP_ELOG_ITER_DISABLE_ALL;
	else
		return 0; /* 0 and 1 only concern sessions created from now on */
	return tcp_iter_run(rt, &cmd, err);
}

/* FreeBSD keeps the TCP provider's own knobs under net.inet.tcp
 * (timer_restart_us is ours). */
static const struct elog_provider_control tcp_controls[] = {
	{ "net.inet.tcp.eventlog.log_id_limit", TCP_ELOG_KNOB_LOG_ID_LIMIT, -1, INT32_MAX,
	  "use -1 for unlimited, 0 for none, or a count", NULL, 0 },
	{ "net.inet.tcp.eventlog.timer_restart_us", TCP_ELOG_KNOB_TIMER_RESTART_US, 0, INT32_MAX,
	  "use 0 to log every timer start, or microseconds", NULL, 0 },
	/* The black box's TCP triggers (its framework controls follow). */
	{ "net.inet.tcp.eventlog.trigger.rto", TCP_ELOG_KNOB_TRIG_RTO, 0, 1, "use 0 or 1", NULL, 1 },
	{ "net.inet.tcp.eventlog.trigger.rst", TCP_ELOG_KNOB_TRIG_RST, 0, 1, "use 0 or 1", NULL, 1 },
	{ "net.inet.tcp.eventlog.trigger.retransmits", TCP_ELOG_KNOB_TRIG_RXT, 0, INT32_MAX,
	  "use 0 for off, or the count of retransmissions that dumps", NULL, 0 },
	/* Which connections the default enables (tcp_filter.c). */
#define FILTER(name, knob, ops) { "net.inet.tcp.eventlog.filter." name, knob, 0, 0, NULL, &ops, 0 }
	FILTER("lport", TCP_ELOG_KNOB_FILTER_LPORT, tcp_filter_ports_ops),
	FILTER("rport", TCP_ELOG_KNOB_FILTER_RPORT, tcp_filter_ports_ops),
	FILTER("local_prefix", TCP_ELOG_KNOB_FILTER_LPFX, tcp_filter_prefix_ops),
	FILTER("remote_prefix", TCP_ELOG_KNOB_FILTER_RPFX, tcp_filter_prefix_ops),
	FILTER("cgroup", TCP_ELOG_KNOB_FILTER_CGROUP, tcp_filter_cgroup_ops),
	FILTER("netns", TCP_ELOG_KNOB_FILTER_NETNS, tcp_filter_netns_ops),
};

/* What a black box dump needs to say which connection it is, whatever the
 * ring has overwritten. */
static const __u32 tcp_bb_sticky[] = {
	TCP_EVENTLOG_SESSION_CREATE_ID, TCP_EVENTLOG_CONN_SET_IP_V4_ID, TCP_EVENTLOG_CONN_SET_IP_V6_ID,
	TCP_EVENTLOG_LOG_ID_ID,		TCP_EVENTLOG_CONN_PARAMS_ID,	TCP_EVENTLOG_CONN_OWNER_ID,
	TCP_EVENTLOG_CC_ALGO_CHANGE_ID, TCP_EVENTLOG_MSS_ID,
};

static const struct elog_provider_ops tcp_ops = {
	.name = "tcp",
	.id = TCP_PROVIDER_ID,
	.control_prefix = "net.inet.tcp.eventlog",
	.controls = tcp_controls,
	.bb_sticky = tcp_bb_sticky,
	.nbb_sticky = sizeof(tcp_bb_sticky) / sizeof(tcp_bb_sticky[0]),
	.ncontrols = sizeof(tcp_controls) / sizeof(tcp_controls[0]),
	.object_bytes = tcp_bpf__elf_bytes,
	.hooks = tcp_hooks,
	.nhooks = sizeof(tcp_hooks) / sizeof(tcp_hooks[0]),
	.maps = tcp_maps,
	.nmaps = sizeof(tcp_maps) / sizeof(tcp_maps[0]),
	.subscribers_changed = tcp_subscribers_changed,
	.dump_state = tcp_dump_state,
	.default_changed = tcp_default_changed,
};

/* Its one registration: its schema's tables, the ops above and its
 * connection facts (tcp_facts.c). */
ELOG_PROVIDER_REGISTER(tcp, &tcp_ops, &tcp_conn_facts);
