// SPDX-License-Identifier: BSD-2-Clause
/*
 * TCP provider, user half: its elog_provider_ops.
 *
 * load attaches the lifecycle hooks for as long as the provider stays loaded
 * (sessions must be counted from the first socket on; TCP_EVENTLOG must
 * answer whenever the provider is loaded) and pins the per-packet programs
 * (tcp_hot: two on the cgroup2 root, twelve tracepoints), which the runtime
 * attaches only while somebody captures (lib/rt/hot.c); subscribers_changed
 * arms the RTT/RTO sock_ops callbacks of enabled sessions meanwhile.
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

#include "tcp.skel.h"
#include "tcp_eventlog.h"
#include "tcp_filter.h"
#include "tcp_iter.h"
#include "tcp_provider.h"

/* Provider id stamped into every event (the test provider is 2). */
#define TCP_PROVIDER_ID 1

static int tcp_load(struct elog_rt *rt, struct elog_error *err)
{
	struct tcp_bpf *skel;
	char path[256];
	int ret;

	skel = tcp_bpf__open();
	if (!skel) {
		ret = errno ? errno : EINVAL;
		elog_errorf(err, ret, "tcp: open BPF object: %s", strerror(ret));
		return -ret;
	}
	ret = elog_rt_load_object(elog_rt_name(rt), skel->obj, NULL, 0, NULL, err);
	if (ret)
		goto out;
	ret = elog_rt_publish_object(rt, skel->obj, err);
	if (ret)
		goto out;
	ret = elog_rt_pin_path(rt, TCP_ELOG_PIN_ITER_CMD, path, sizeof(path));
	if (!ret) {
		ret = bpf_map__pin(skel->maps.tcp_iter_cmd, path);
		if (ret)
			elog_errorf(err, -ret, "tcp: pin %s: %s", path, strerror(-ret));
	}
	if (!ret)
		ret = elog_rt_pin_path(rt, TCP_ELOG_PIN_FILTER_PFX, path, sizeof(path));
	if (!ret) {
		ret = bpf_map__pin(skel->maps.tcp_filter_pfx, path);
		if (ret)
			elog_errorf(err, -ret, "tcp: pin %s: %s", path, strerror(-ret));
	}
	if (ret)
		goto out;
	ret = elog_rt_attach_hooks(rt, skel->obj, err);
out:
	/* Pins keep maps, programs and links alive after the skeleton. */
	tcp_bpf__destroy(skel);
	return ret;
}

/*
 * Every program and where it goes (the lifecycle hooks from load to unload,
 * the per-packet ones while somebody subscribes). The end of a session is
 * hooked before anything can begin one, so no session is ever created that
 * could not be finished.
 */
#define ALWAYS(pin, prog) { pin, #prog, ELOG_HOOK_ALWAYS, false, 0 }
#define ALWAYS_CG(pin, prog, type) { pin, #prog, ELOG_HOOK_ALWAYS, true, type }
#define HOT(pin, prog) { pin, #prog, ELOG_HOOK_HOT, false, 0 }
#define HOT_CG(pin, prog, type) { pin, #prog, ELOG_HOOK_HOT, true, type }
static const struct elog_hook tcp_hooks[] = {
	ALWAYS(TCP_ELOG_PIN_DESTROY, tcp_elog_destroy),
	ALWAYS(TCP_ELOG_PIN_SET_STATE, tcp_elog_set_state),
	ALWAYS_CG(TCP_ELOG_PIN_SOCK_OPS, tcp_elog_sockops, BPF_CGROUP_SOCK_OPS),
	ALWAYS_CG(TCP_ELOG_PIN_SOCK_CREATE, tcp_elog_sock_create, BPF_CGROUP_INET_SOCK_CREATE),
	ALWAYS_CG(TCP_ELOG_PIN_SETSOCKOPT, tcp_elog_setsockopt, BPF_CGROUP_SETSOCKOPT),
	ALWAYS_CG(TCP_ELOG_PIN_GETSOCKOPT, tcp_elog_getsockopt, BPF_CGROUP_GETSOCKOPT),
	ALWAYS(TCP_ELOG_PIN_ITER_LINK, tcp_elog_iter),
	HOT_CG(TCP_ELOG_PIN_INGRESS, tcp_elog_ingress, BPF_CGROUP_INET_INGRESS),
	HOT_CG(TCP_ELOG_PIN_EGRESS, tcp_elog_egress, BPF_CGROUP_INET_EGRESS),
	HOT(TCP_ELOG_PIN_CA_STATE, tcp_elog_ca_state),
	HOT(TCP_ELOG_PIN_RETRANS, tcp_elog_retrans),
	HOT(TCP_ELOG_PIN_CWND_RED, tcp_elog_cwnd_red),
	HOT(TCP_ELOG_PIN_SENDMSG, tcp_elog_sendmsg),
	HOT(TCP_ELOG_PIN_SEND_LEN, tcp_elog_send_len),
	HOT(TCP_ELOG_PIN_TMR_START, tcp_elog_tmr_start),
	HOT(TCP_ELOG_PIN_TMR_CANCEL, tcp_elog_tmr_cancel),
	HOT(TCP_ELOG_PIN_TMR_FIRE, tcp_elog_tmr_fire),
	HOT(TCP_ELOG_PIN_TMR_DONE, tcp_elog_tmr_done),
	HOT(TCP_ELOG_PIN_DATA_READY, tcp_elog_data_ready),
	HOT(TCP_ELOG_PIN_TW_IN, tcp_elog_tw_rcv),
	HOT(TCP_ELOG_PIN_TW_OUT, tcp_elog_tw_xmit),
};

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
	{ "net.inet.tcp.eventlog.filter.lport", TCP_ELOG_KNOB_FILTER_LPORT, 0, 0, NULL,
	  &tcp_filter_ports_ops, 0 },
	{ "net.inet.tcp.eventlog.filter.rport", TCP_ELOG_KNOB_FILTER_RPORT, 0, 0, NULL,
	  &tcp_filter_ports_ops, 0 },
	{ "net.inet.tcp.eventlog.filter.local_prefix", TCP_ELOG_KNOB_FILTER_LPFX, 0, 0, NULL,
	  &tcp_filter_prefix_ops, 0 },
	{ "net.inet.tcp.eventlog.filter.remote_prefix", TCP_ELOG_KNOB_FILTER_RPFX, 0, 0, NULL,
	  &tcp_filter_prefix_ops, 0 },
	{ "net.inet.tcp.eventlog.filter.cgroup", TCP_ELOG_KNOB_FILTER_CGROUP, 0, 0, NULL,
	  &tcp_filter_cgroup_ops, 0 },
	{ "net.inet.tcp.eventlog.filter.netns", TCP_ELOG_KNOB_FILTER_NETNS, 0, 0, NULL,
	  &tcp_filter_netns_ops, 0 },
};

/* What a black box dump needs to say which connection it is, whatever the
 * ring has overwritten. */
static const __u32 tcp_bb_sticky[] = {
	TCP_EVENTLOG_SESSION_CREATE_ID, TCP_EVENTLOG_CONN_SET_IP_V4_ID, TCP_EVENTLOG_CONN_SET_IP_V6_ID,
	TCP_EVENTLOG_LOG_ID_ID,		TCP_EVENTLOG_CONN_PARAMS_ID,	TCP_EVENTLOG_CONN_OWNER_ID,
	TCP_EVENTLOG_CC_ALGO_CHANGE_ID, TCP_EVENTLOG_MSS_ID,
};

const struct elog_provider_ops elog_provider_tcp_ops = {
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
	.load = tcp_load,
	.subscribers_changed = tcp_subscribers_changed,
	.dump_state = tcp_dump_state,
	.default_changed = tcp_default_changed,
};
