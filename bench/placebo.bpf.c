// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench/placebo.bpf.c: a control for the capture's cost, not a capture.
 * On the hooks the capture's segment records come from (cgroup_skb ingress
 * and egress, the same CPUs and contexts), each run spins until
 * PLACEBO_NS ns have passed and does nothing else: no socket lookup, no
 * record, no consumer. bench/bulk.sh's mode "placebo" attaches it, so that
 * a series can ask what the direct measures (busy CPU per byte, throughput)
 * show for CPU work whose amount is known, next to the capture's.
 *
 * Built by bench/run.sh (or by hand):
 *   clang -O2 -g -target bpf -Ibuild/gen -DPLACEBO_NS=N -c bench/placebo.bpf.c -o placebo.bpf.o
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#ifndef PLACEBO_NS
#error "build with -DPLACEBO_NS=<ns per run>"
#endif

/* bpf_loop's callback: 1 (stop) once the deadline has passed. */
static long placebo_spin(__u32 i, void *ctx)
{
	(void)i;
	return bpf_ktime_get_ns() >= *(__u64 *)ctx;
}

/* Spins for PLACEBO_NS (one clock read and one callback per turn, so it
 * overshoots by up to one turn, ~50 ns here; bpf_stats record the truth). */
static __always_inline void placebo_burn(void)
{
	__u64 end = bpf_ktime_get_ns() + PLACEBO_NS;

	bpf_loop(1 << 20, placebo_spin, &end, 0);
}

SEC("cgroup_skb/ingress")
int placebo_ingress(struct __sk_buff *skb)
{
	(void)skb;
	placebo_burn();
	return 1;
}

SEC("cgroup_skb/egress")
int placebo_egress(struct __sk_buff *skb)
{
	(void)skb;
	placebo_burn();
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
