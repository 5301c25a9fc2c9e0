// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench/ringcost.bpf.c: one record of a capture's typical size (64 bytes,
 * as OUT or ACK) written into a BPF ring buffer per run (ring_out, one
 * bpf_ringbuf_output as the framework writes; ring_rsv, the other way to
 * write a record of variable length: a dynptr reserved, the record written
 * into it, submitted), and the same record built and not written
 * (ring_none, the baseline bench/ringcost subtracts). bench/ringcost runs
 * them through BPF_PROG_TEST_RUN with a reader of the ring on the same CPU
 * or on the other one.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define REC 64

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* set by bench/ringcost before load */
} rc_ring SEC(".maps");

/* The record from the packet's length, so nothing is a constant. */
static __always_inline void fill(__u64 *rec, __u64 seed)
{
	int i;

	for (i = 0; i < REC / 8; i++)
		rec[i] = seed + i;
}

SEC("tc")
int ring_out(struct __sk_buff *skb)
{
	__u64 rec[REC / 8];

	fill(rec, skb->len);
	return bpf_ringbuf_output(&rc_ring, rec, sizeof(rec), BPF_RB_NO_WAKEUP) ? 1 : 0;
}

SEC("tc")
int ring_rsv(struct __sk_buff *skb)
{
	__u64 rec[REC / 8];
	struct bpf_dynptr d;
	long ret;

	fill(rec, skb->len);
	if (bpf_ringbuf_reserve_dynptr(&rc_ring, sizeof(rec), 0, &d)) {
		bpf_ringbuf_discard_dynptr(&d, 0);
		return 1;
	}
	ret = bpf_dynptr_write(&d, 0, rec, sizeof(rec), 0);
	bpf_ringbuf_submit_dynptr(&d, BPF_RB_NO_WAKEUP);
	return ret ? 1 : 0;
}

SEC("tc")
int ring_none(struct __sk_buff *skb)
{
	__u64 rec[REC / 8];

	fill(rec, skb->len);
	asm volatile("" : : "r"(rec) : "memory"); /* built, kept, not written */
	return rec[3] & 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
