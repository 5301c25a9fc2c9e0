// SPDX-License-Identifier: BSD-2-Clause
/*
 * TCP provider, user half: its elog_provider_ops.
 *
 * load attaches the lifecycle hooks for as long as the provider stays loaded
 * (sessions must be counted from the first socket on; TCP_EVENTLOG must
 * answer whenever the provider is loaded) and pins the per-packet programs
 * (tcp_hot: two on the cgroup2 root, ten tracepoints), which the runtime
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
#include "tcp_iter.h"
#include "tcp_provider.h"

/* Provider id stamped into every event (the test provider is 2). */
#define TCP_PROVIDER_ID 1

/* Attaches (cgroup_fd >= 0: to that cgroup) and pins one always-on hook. */
static int attach_pin(struct elog_rt *rt, struct bpf_program *prog, int cgroup_fd, const char *name,
		      struct elog_error *err)
{
	struct bpf_link *link;
	int ret;

	if (cgroup_fd >= 0)
		link = bpf_program__attach_cgroup(prog, cgroup_fd);
	else if (bpf_program__type(prog) == BPF_PROG_TYPE_TRACING &&
		 bpf_program__expected_attach_type(prog) == BPF_TRACE_ITER)
		link = bpf_program__attach_iter(prog, NULL);
	else
		link = bpf_program__attach(prog);
	if (!link) {
		ret = -errno;
		elog_errorf(err, -ret, "tcp: attach %s: %s", name, strerror(-ret));
		return ret;
	}
	ret = elog_rt_pin_link(rt, link, name, err);
	/* The pin holds the link; our reference can go. */
	bpf_link__disconnect(link);
	bpf_link__destroy(link);
	return ret;
}

static int tcp_load(struct elog_rt *rt, struct elog_error *err)
{
	struct tcp_bpf *skel;
	char path[256];
	int cg = -1, ret;

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
	/* The black box dumps on an RTO and on a reset unless told not to. */
	ret = elog_rt_knob_set(rt, TCP_ELOG_KNOB_TRIG_RTO, 1, err);
	if (!ret)
		ret = elog_rt_knob_set(rt, TCP_ELOG_KNOB_TRIG_RST, 1, err);
	if (ret)
		goto out;
	ret = elog_rt_pin_path(rt, TCP_ELOG_PIN_ITER_CMD, path, sizeof(path));
	if (!ret) {
		ret = bpf_map__pin(skel->maps.tcp_iter_cmd, path);
		if (ret)
			elog_errorf(err, -ret, "tcp: pin %s: %s", path, strerror(-ret));
	}
	if (ret)
		goto out;
	cg = elog_rt_cgroup_root_fd(err);
	if (cg < 0) {
		ret = cg;
		goto out;
	}
	/* The end of a session is hooked before anything can begin one, so
	 * no session is ever created that could not be finished. */
	ret = attach_pin(rt, skel->progs.tcp_elog_destroy, -1, TCP_ELOG_PIN_DESTROY, err);
	if (!ret)
		ret = attach_pin(rt, skel->progs.tcp_elog_set_state, -1, TCP_ELOG_PIN_SET_STATE, err);
	if (!ret)
		ret = attach_pin(rt, skel->progs.tcp_elog_sockops, cg, TCP_ELOG_PIN_SOCK_OPS, err);
	if (!ret)
		ret = attach_pin(rt, skel->progs.tcp_elog_sock_create, cg, TCP_ELOG_PIN_SOCK_CREATE, err);
	if (!ret)
		ret = attach_pin(rt, skel->progs.tcp_elog_setsockopt, cg, TCP_ELOG_PIN_SETSOCKOPT, err);
	if (!ret)
		ret = attach_pin(rt, skel->progs.tcp_elog_getsockopt, cg, TCP_ELOG_PIN_GETSOCKOPT, err);
	if (!ret)
		ret = attach_pin(rt, skel->progs.tcp_elog_iter, -1, TCP_ELOG_PIN_ITER_LINK, err);
	if (!ret)
		ret = elog_rt_pin_prog(rt, skel->progs.tcp_elog_ingress, TCP_ELOG_PIN_INGRESS, err);
	if (!ret)
		ret = elog_rt_pin_prog(rt, skel->progs.tcp_elog_egress, TCP_ELOG_PIN_EGRESS, err);
	if (!ret)
		ret = elog_rt_pin_prog(rt, skel->progs.tcp_elog_ca_state, TCP_ELOG_PIN_CA_STATE, err);
	if (!ret)
		ret = elog_rt_pin_prog(rt, skel->progs.tcp_elog_retrans, TCP_ELOG_PIN_RETRANS, err);
	if (!ret)
		ret = elog_rt_pin_prog(rt, skel->progs.tcp_elog_cwnd_red, TCP_ELOG_PIN_CWND_RED, err);
	if (!ret)
		ret = elog_rt_pin_prog(rt, skel->progs.tcp_elog_sendmsg, TCP_ELOG_PIN_SENDMSG, err);
	if (!ret)
		ret = elog_rt_pin_prog(rt, skel->progs.tcp_elog_send_len, TCP_ELOG_PIN_SEND_LEN, err);
	if (!ret)
		ret = elog_rt_pin_prog(rt, skel->progs.tcp_elog_tmr_start, TCP_ELOG_PIN_TMR_START, err);
	if (!ret)
		ret = elog_rt_pin_prog(rt, skel->progs.tcp_elog_tmr_cancel, TCP_ELOG_PIN_TMR_CANCEL, err);
	if (!ret)
		ret = elog_rt_pin_prog(rt, skel->progs.tcp_elog_tmr_fire, TCP_ELOG_PIN_TMR_FIRE, err);
	if (!ret)
		ret = elog_rt_pin_prog(rt, skel->progs.tcp_elog_tmr_done, TCP_ELOG_PIN_TMR_DONE, err);
	if (!ret)
		ret = elog_rt_pin_prog(rt, skel->progs.tcp_elog_data_ready, TCP_ELOG_PIN_DATA_READY, err);
out:
	if (cg >= 0)
		close(cg);
	/* Pins keep maps, programs and links alive after the skeleton. */
	tcp_bpf__destroy(skel);
	return ret;
}

/* The hooks attached only while somebody subscribes (lib/rt/hot.c). */
static const struct elog_hot_hook tcp_hot[] = {
	{ TCP_ELOG_PIN_INGRESS, true, BPF_CGROUP_INET_INGRESS },
	{ TCP_ELOG_PIN_EGRESS, true, BPF_CGROUP_INET_EGRESS },
	{ TCP_ELOG_PIN_CA_STATE, false, 0 },
	{ TCP_ELOG_PIN_RETRANS, false, 0 },
	{ TCP_ELOG_PIN_CWND_RED, false, 0 },
	{ TCP_ELOG_PIN_SENDMSG, false, 0 },
	{ TCP_ELOG_PIN_SEND_LEN, false, 0 },
	{ TCP_ELOG_PIN_TMR_START, false, 0 },
	{ TCP_ELOG_PIN_TMR_CANCEL, false, 0 },
	{ TCP_ELOG_PIN_TMR_FIRE, false, 0 },
	{ TCP_ELOG_PIN_TMR_DONE, false, 0 },
	{ TCP_ELOG_PIN_DATA_READY, false, 0 },
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
	  "use -1 for unlimited, 0 for none, or a count" },
	{ "net.inet.tcp.eventlog.timer_restart_us", TCP_ELOG_KNOB_TIMER_RESTART_US, 0, INT32_MAX,
	  "use 0 to log every timer start, or microseconds" },
	/* The black box's TCP triggers (its framework controls follow). */
	{ "net.inet.tcp.eventlog.trigger.rto", TCP_ELOG_KNOB_TRIG_RTO, 0, 1, "use 0 or 1" },
	{ "net.inet.tcp.eventlog.trigger.rst", TCP_ELOG_KNOB_TRIG_RST, 0, 1, "use 0 or 1" },
	{ "net.inet.tcp.eventlog.trigger.retransmits", TCP_ELOG_KNOB_TRIG_RXT, 0, INT32_MAX,
	  "use 0 for off, or the count of retransmissions that dumps" },
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
	.hot = tcp_hot,
	.nhot = sizeof(tcp_hot) / sizeof(tcp_hot[0]),
	.load = tcp_load,
	.subscribers_changed = tcp_subscribers_changed,
	.dump_state = tcp_dump_state,
	.default_changed = tcp_default_changed,
};
