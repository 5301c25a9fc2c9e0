/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TCP provider, user half: the session filters' controls
 * (net.inet.tcp.eventlog.filter.*). The text forms are parsed and printed
 * here; the BPF half (tcp_filter.bpf.h) reads what they are written as
 * (tcp_provider.h). The parsers are pure, for the unit tests.
 */
#ifndef ELOG_TCP_FILTER_H
#define ELOG_TCP_FILTER_H

#include <stddef.h>

#include "rt/provider.h"
#include "tcp_provider.h"

/* One prefix, IPv4 as ::ffff:a.b.c.d (len counts those 96 bits). */
struct tcp_filter_pfx {
	__u8 addr[16];
	__u32 len; /* 0..128 */
};

/* "" (any), "PORT" or "LOW-HIGH" into its knob value (0 for any). */
int tcp_filter_parse_ports(const char *s, __s64 *knob, struct elog_error *err);
void tcp_filter_format_ports(__s64 knob, char *buf, size_t size);

/* "" or a comma-separated list of ADDRESS[/LENGTH], at most
 * TCP_ELOG_PFX_MAX, none twice, no bit set past its length. */
int tcp_filter_parse_prefixes(const char *s, struct tcp_filter_pfx *out, size_t *n,
			      struct elog_error *err);
/* One prefix as text: IPv4 for ::ffff:0:0/96 and below, else IPv6. */
void tcp_filter_format_prefix(const struct tcp_filter_pfx *p, char *buf, size_t size);

/* The controls tcp.c registers. */
extern const struct elog_control_text_ops tcp_filter_ports_ops, tcp_filter_prefix_ops,
	tcp_filter_cgroup_ops, tcp_filter_netns_ops;

#endif /* ELOG_TCP_FILTER_H */
