#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# bench/run.sh: every benchmark of docs/PERFORMANCE.md, then the table.
#
#   1-2  bench/bulk.sh    loopback iperf3 flow: no provider / loaded / disabled /
#                         capture / tcpdump -s 128 / bpftrace tcp_probe printer,
#                         interleaved rounds, flat out and again paced (-b)
#   3    bench/events.sh  test provider: 2 M events/s for 10 s, then overload
#   4    bench/read.sh    elog -r text rate, record walk, pcapng export vs tshark
#   5    (from 1 and 4)   bytes per event on disk
#
# Needs root, a kernel with BTF, and the packages of scripts/install-deps.sh
# (bpftrace is optional: its mode is skipped when it is missing).
#
# Environment (defaults in brackets):
#   BENCH_ROUNDS [5]  BENCH_SECONDS [5]   interleaved rounds, seconds per iperf3 run
#   BENCH_PACED_RATE [8G]                 iperf3 -b of the paced series ("" skips it)
#   BENCH_EVENT_RATE [2000000] BENCH_EVENT_SECONDS [10] BENCH_EVENT_RUNS [3]
#   BENCH_QUICK=1                         2 rounds of 2 s, 3 s event runs: a smoke test
#   BENCH_NO_BUILD=1                      use build/ as it is
#   BENCH_OUT [build/bench/results-<UTC time>]
# Prints the table; keeps results.tsv, table.txt, table.md and conditions.txt
# in BENCH_OUT.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export BENCH_OUT=${BENCH_OUT:-$ROOT/build/bench/results-$(date -u +%Y%m%dT%H%M%SZ)}
. "$ROOT/bench/lib.sh"

ROUNDS=${BENCH_ROUNDS:-5}
SECS=${BENCH_SECONDS:-5}
PACED=${BENCH_PACED_RATE-8G}
EV_RATE=${BENCH_EVENT_RATE:-2000000}
EV_SECS=${BENCH_EVENT_SECONDS:-10}
EV_RUNS=${BENCH_EVENT_RUNS:-3}
if [ "${BENCH_QUICK:-}" = 1 ]; then
	ROUNDS=2 SECS=2 EV_SECS=3 EV_RUNS=1
fi

[ "$(id -u)" = 0 ] || die "run as root (BPF, namespaces, packet capture)"
for c in iperf3 tcpdump tshark ip unshare python3; do
	command -v "$c" >/dev/null || die "$c missing: run scripts/install-deps.sh"
done
MODES="base loaded disabled capture tcpdump"
if command -v bpftrace >/dev/null; then
	MODES="$MODES bpftrace"
else
	log "bpftrace not installed: its mode is skipped"
fi

if [ "${BENCH_NO_BUILD:-}" != 1 ]; then
	log "building"
	make -j"$(nproc)" all >/dev/null
fi
mkdir -p "$BENCH_HELP"
for h in pace walk; do
	cc -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Iinclude -Ilib -Ibpf \
		-Ibuild/gen -Iproviders/test "bench/$h.c" -o "$BENCH_HELP/$h" \
		build/lib/libeventlog.a -lbpf -lelf -lz -lzstd
done

{
	echo "date_utc_start: $(date -u '+%Y-%m-%d %H:%M:%S')"
	echo "nproc: $(nproc)"
	echo "kernel: $(uname -r)"
	echo "cpu: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "memory: $(awk '/^MemTotal/ { print $2, $3 }' /proc/meminfo)"
	echo "source: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo ' + uncommitted changes')"
	echo "loadavg_start: $(cat /proc/loadavg)"
	echo "iperf3: $(iperf3 --version | head -1)"
	echo "tcpdump: $(tcpdump --version 2>&1 | head -1)"
	echo "tshark: $(tshark --version 2>/dev/null | head -1)"
	command -v bpftrace >/dev/null && echo "bpftrace: $(bpftrace --version)"
	echo "rounds: $ROUNDS x ${SECS}s; paced rate: ${PACED:-none}; event runs: $EV_RUNS x ${EV_SECS}s at $EV_RATE/s"
} >"$BENCH_OUT/conditions.txt"

bench/bulk.sh -r "$ROUNDS" -t "$SECS" -m "$MODES"
if [ -n "$PACED" ]; then
	bench/bulk.sh -r "$ROUNDS" -t "$SECS" -m "$MODES" -b "$PACED" -p paced
fi
bench/events.sh -r "$EV_RATE" -t "$EV_SECS" -n "$EV_RUNS"
# Part 4 reads the largest capture of part 1 (part 5's mix comes from it too).
cap=$(ls -S "$BENCH_OUT"/bulk/capture.*.elog 2>/dev/null | head -1 || true)
[ -n "$cap" ] || die "no capture file from bench/bulk.sh"
bench/read.sh "$cap"

echo "loadavg_end: $(cat /proc/loadavg)" >>"$BENCH_OUT/conditions.txt"
echo "date_utc_end: $(date -u '+%Y-%m-%d %H:%M:%S')" >>"$BENCH_OUT/conditions.txt"
python3 bench/report.py "$BENCH_OUT/results.tsv" >"$BENCH_OUT/table.txt"
python3 bench/report.py "$BENCH_OUT/results.tsv" --markdown >"$BENCH_OUT/table.md"
cat "$BENCH_OUT/conditions.txt"
cat "$BENCH_OUT/table.txt"
log "results in $BENCH_OUT"
