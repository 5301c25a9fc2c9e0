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

/*
 * Session filters (net.inet.tcp.eventlog.filter.*, tcp_filter.c): which
 * connections the default enables. Each is one knob, written whole, so a
 * program reads one filter either before or after a change; 0: not set.
 *   LPORT, RPORT   TCP_ELOG_PORTS_SET | lo << 16 | hi (host order, lo <= hi)
 *   LPFX, RPFX     generation << 32 | count of prefixes in tcp_filter_pfx
 *                  (count 0: not set; the generation says which half of
 *                  the map holds the list, see tcp_elog_pfx_key)
 *   CGROUP         level << 56 | cgroup id (the socket's cgroup is this one
 *                  or below it: its ancestor at `level` has this id)
 *   NETNS          inode of the network namespace
 */
#define TCP_ELOG_KNOB_FILTER_LPORT 6     /* net.inet.tcp.eventlog.filter.lport */
#define TCP_ELOG_KNOB_FILTER_RPORT 7     /* net.inet.tcp.eventlog.filter.rport */
#define TCP_ELOG_KNOB_FILTER_LPFX 8      /* net.inet.tcp.eventlog.filter.local_prefix */
#define TCP_ELOG_KNOB_FILTER_RPFX 9      /* net.inet.tcp.eventlog.filter.remote_prefix */
#define TCP_ELOG_KNOB_FILTER_CGROUP 10    /* net.inet.tcp.eventlog.filter.cgroup */
#define TCP_ELOG_KNOB_FILTER_NETNS 11     /* net.inet.tcp.eventlog.filter.netns */

#define TCP_ELOG_PORTS_SET (1ULL << 32)
#define TCP_ELOG_CGROUP_ID_MASK ((1ULL << 56) - 1)

/* Prefixes per list (local, remote). */
#define TCP_ELOG_PFX_MAX 64

/*
 * Key of the prefix LPM trie: which list (side 0 local, 1 remote, and the
 * generation: list = side << 1 | generation) and the address, IPv4 as
 * IPv4-mapped IPv6 (::ffff:a.b.c.d) so one trie serves both families and an
 * IPv4 prefix also matches an IPv6 socket talking IPv4. prefixlen counts
 * the list byte: 8 + the prefix length in 128-bit form. A new list is
 * written into the other generation and the knob switched to it in one
 * write; the old one stays until the write after (a program that read the
 * old knob still finds its list).
 */
struct tcp_elog_pfx_key {
	__u32 prefixlen;
	__u8 list;
	__u8 addr[16];
	__u8 pad[3];
};
#define TCP_ELOG_PFX_LIST(side, gen) ((__u8)(((side) << 1) | ((gen) & 1)))
/* Both sides, both generations. */
#define TCP_ELOG_PFX_ENTRIES (4 * TCP_ELOG_PFX_MAX)

/* Names the user half pins (tcp.c) and opens again (tcp_iter.c,
 * tcp_filter.c) under the provider's directory (no '.'). */
#define TCP_ELOG_PIN_ITER_CMD "tcp_iter_cmd"
#define TCP_ELOG_PIN_ITER_LINK "tcp_iter"
#define TCP_ELOG_PIN_FILTER_PFX "tcp_filter_pfx"

#endif /* ELOG_TCP_PROVIDER_H */
