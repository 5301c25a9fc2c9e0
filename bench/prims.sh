#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# bench/prims.sh: ns per primitive a record is built from (bench/prims.bpf.c),
# measured with BPF_PROG_TEST_RUN: each program does a primitive 100 times;
# its average run minus the empty loop's, over 100, is the primitive's cost.
# Best of 3 (the machine is shared: the least disturbed run). Then the ring
# write of a 64-byte record (bench/ringcost: median over 2 M writes into a
# 4 MiB ring, minus the same record not written), with the ring read on the
# same CPU, on the other CPU in batches of 1/8 of the ring as elog reads it,
# and on the other CPU as soon as each record is committed. Needs
# $BENCH_HELP/prims.bpf.o, ringcost.bpf.o and ringcost (bench/run.sh builds
# them).
#
#   bench/prims.sh
# Results: part "prims" in $BENCH_OUT/results.tsv (key ns, per primitive;
# ring_same, ring_batched, ring_other for the ring write).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_private_ns "$0" "$@"

obj=$BENCH_HELP/prims.bpf.o
[ -f "$obj" ] || die "$obj missing (bench/run.sh builds it)"
command -v bpftool >/dev/null || die "bpftool missing"
dir=/sys/fs/bpf/bench_prims
rm -rf "$dir"
bench_on_exit "rm -rf $dir"
bpftool prog loadall "$obj" "$dir" type classifier || die "cannot load $obj"
in=$BENCH_OUT/prims.in
head -c 64 /dev/zero >"$in"
bench_on_exit "rm -f $in"

# avg_ns PROG: the best of 3 averages over 20000 runs, in ns.
avg_ns() {
	local k best=
	for k in 1 2 3; do
		local v
		v=$(bpftool prog run pinned "$dir/$1" data_in "$in" repeat 20000 | awk '/duration/ { sub("ns", "", $NF); print $NF }')
		[ -n "$v" ] || die "bpftool prog run $1 printed no duration"
		if [ -z "$best" ] || [ "$v" -lt "$best" ]; then best=$v; fi
	done
	echo "$best"
}

base=$(avg_ns loop)
for p in call clock_boot pid_tgid hash_lookup count_add keep_probe keep_inline copy_probe copy_inline; do
	t=$(avg_ns "$p")
	ns=$(awk -v t="$t" -v b="$base" 'BEGIN { printf "%.1f", (t - b) / 100 }')
	record prims "$p" 1 ns "$ns"
	log "prims: $p ${ns} ns"
done

for where in same batched other; do
	out=$("$BENCH_HELP/ringcost" "$BENCH_HELP/ringcost.bpf.o" 4194304 "$where") ||
		die "bench/ringcost $where failed"
	ns=$(awk '{ print $2 - $4 }' <<<"$out")
	record prims "ring_$where" 1 ns "$ns"
	log "prims: ring write, reader $where: ${ns} ns ($out)"
done
