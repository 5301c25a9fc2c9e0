// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench/prims.bpf.c: what the pieces a record is built from cost on this
 * machine. Each program does one thing REPS times (bench/prims.sh runs them
 * through BPF_PROG_TEST_RUN and subtracts the empty loop): a BPF-to-BPF call
 * and its return, the clock the records are stamped with, the thread id, a
 * hash lookup like the timer hooks' session lookup, and a per-CPU counter's
 * atomic add like a slot's delivered count. (Not the ring write: records
 * nobody consumes fill a ring, so bench/bulk.sh's no-ring ablation measures
 * it in place.)
 * Kernel mitigations (retpolines, return thunks) change these a lot from
 * one machine to another, which is why they are measured, not assumed.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define REPS 100

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u64);
} prims_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} prims_count SEC(".maps");

/* The opaque asm keeps clang from folding the loop away. */
static __noinline int prims_sub(int x)
{
	asm volatile("" : "+r"(x));
	return x + 1;
}

static __always_inline int prims_inl(int x)
{
	asm volatile("" : "+r"(x));
	return x + 1;
}

SEC("tc")
int loop(struct __sk_buff *skb)
{
	int x = skb->len, i;

	for (i = 0; i < REPS; i++)
		x = prims_inl(x);
	return x & 1;
}

SEC("tc")
int call(struct __sk_buff *skb)
{
	int x = skb->len, i;

	for (i = 0; i < REPS; i++)
		x = prims_sub(x);
	return x & 1;
}

SEC("tc")
int clock_boot(struct __sk_buff *skb)
{
	__u64 x = skb->len;
	int i;

	for (i = 0; i < REPS; i++)
		x += bpf_ktime_get_boot_ns();
	return x & 1;
}

SEC("tc")
int pid_tgid(struct __sk_buff *skb)
{
	__u64 x = skb->len;
	int i;

	for (i = 0; i < REPS; i++)
		x += bpf_get_current_pid_tgid();
	return x & 1;
}

SEC("tc")
int hash_lookup(struct __sk_buff *skb)
{
	__u64 key = skb->len, x = 0;
	int i;

	for (i = 0; i < REPS; i++) {
		__u64 *v = bpf_map_lookup_elem(&prims_hash, &key);

		x += v ? *v : 1;
		key++;
	}
	return x & 1;
}

SEC("tc")
int count_add(struct __sk_buff *skb)
{
	__u32 zero = 0;
	int i;

	for (i = 0; i < REPS; i++) {
		__u64 *c = bpf_map_lookup_elem(&prims_count, &zero);

		if (c)
			__sync_fetch_and_add(c, 1);
	}
	return skb->len & 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
