// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench/nop.bpf.c: an empty program. bench/bulk.sh -S runs it through
 * BPF_PROG_TEST_RUN with bpf_stats on to measure what the statistics
 * themselves add to every recorded run_time_ns (two clock reads around each
 * run), so the attribution series can subtract it per program run.
 */
#define SEC(name) __attribute__((section(name), used))

SEC("tc")
int bench_nop(void *ctx)
{
	(void)ctx;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
