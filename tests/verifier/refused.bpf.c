// SPDX-License-Identifier: BSD-2-Clause
/*
 * Programs for test_verify.c: one the verifier accepts and two it refuses,
 * one for what it finds wrong and one for how long it would have to look.
 * test_verify.c loads them one at a time (autoload), so each refusal is the
 * load's only one.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} one_word SEC(".maps");

SEC("syscall")
int fine(void *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&one_word, &k);

	return v ? (int)*v : 0;
}

/* Reads past the end of an 8-byte map value. */
SEC("syscall")
int bad_access(void *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&one_word, &k);

	return v ? (int)v[3] : 0;
}

/* A bounded loop whose every iteration is a new state (the counter is
 * precise), so the verifier walks it until its instruction limit. */
SEC("syscall")
int too_complex(void *ctx)
{
	__u64 x = 0;
	__u32 i;

	for (i = 0; i < 4000000; i++) {
		x += i;
		asm volatile("" : "+r"(x));
	}
	return (int)(x & 1);
}
