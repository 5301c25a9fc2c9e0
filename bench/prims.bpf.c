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

/* The black box's keep path (bpf/eventlog.bpf.h, elog__bb_keep): the
 * session's bookkeeping by id (a hash hit), its sequence number's atomic
 * add, the chunk by (id, chunk) (a hash hit, 16-byte key), and the record
 * (32-byte header, 72-byte payload as the TCP schema's) copied into the
 * chunk's slot, with the payload read by a helper (keep_probe) or by plain
 * loads and stores (keep_inline); copy_probe and copy_inline are the copy
 * alone. The maps are filled by the first repetition. */
struct prims_bb_key {
	__u64 sid;
	__u64 chunk;
};
struct prims_bb_chunk {
	__u8 slot[16][128];
} __attribute__((aligned(8)));
struct prims_bb_sess {
	__u64 head;
	__u64 pad[7];
};
struct prims_bb_zero {
	struct prims_bb_chunk c;
	struct prims_bb_sess s;
	__u8 rec[32 + 72];
} __attribute__((aligned(8)));

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1024);
	__type(key, struct prims_bb_key);
	__type(value, struct prims_bb_chunk);
} prims_bb_buf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct prims_bb_sess);
} prims_bb_meta SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct prims_bb_zero);
} prims_bb_zero SEC(".maps");

static __always_inline int prims_keep(struct __sk_buff *skb, int inline_copy, int lookups)
{
	struct prims_bb_key key = { .sid = skb->len };
	struct prims_bb_zero *z;
	struct prims_bb_sess *m;
	struct prims_bb_chunk *c;
	__u32 zero = 0;
	__u64 seq, x = 0;
	int i;

	z = bpf_map_lookup_elem(&prims_bb_zero, &zero);
	if (!z)
		return 0;
	bpf_map_update_elem(&prims_bb_meta, &key.sid, &z->s, BPF_NOEXIST);
	bpf_map_update_elem(&prims_bb_buf, &key, &z->c, BPF_NOEXIST);
	for (i = 0; i < REPS; i++) {
		if (lookups) {
			m = bpf_map_lookup_elem(&prims_bb_meta, &key.sid);
			if (!m)
				return 0;
			seq = __sync_fetch_and_add(&m->head, 1);
			c = bpf_map_lookup_elem(&prims_bb_buf, &key);
		} else {
			seq = i;
			c = (struct prims_bb_chunk *)&z->c;
		}
		if (!c)
			return 0;
		if (inline_copy) {
			__u64 *dst = (__u64 *)&c->slot[seq % 16][32];
			const __u64 *src = (const __u64 *)&z->rec[32];
			int k;

			for (k = 0; k < 9; k++)
				dst[k] = src[k];
		} else
			bpf_probe_read_kernel(&c->slot[seq % 16][32], 72, &z->rec[32]);
		__builtin_memcpy(&c->slot[seq % 16][0], z->rec, 32);
		x += seq;
	}
	return x & 1;
}

SEC("tc")
int keep_probe(struct __sk_buff *skb)
{
	return prims_keep(skb, 0, 1);
}

SEC("tc")
int keep_inline(struct __sk_buff *skb)
{
	return prims_keep(skb, 1, 1);
}

SEC("tc")
int copy_probe(struct __sk_buff *skb)
{
	return prims_keep(skb, 0, 0);
}

SEC("tc")
int copy_inline(struct __sk_buff *skb)
{
	return prims_keep(skb, 1, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
