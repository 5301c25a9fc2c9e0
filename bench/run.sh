#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# bench/run.sh: every benchmark of docs/PERFORMANCE.md, then the table.
#
#   1-2  bench/bulk.sh    loopback iperf3 flow: no provider / loaded / disabled /
#                         capture / capture with timer restarts coalesced
#                         (timer_restart_us=50000) / capture to .zst /
#                         tcpdump -s 128 / bpftrace
#                         tcp_probe printer, interleaved rounds; then a shorter
#                         series with BPF statistics on (attribution: BPF run
#                         time + the tool's own CPU per GB), which also runs
#                         two ablations of capture (no-ring, no-delivery:
#                         bench builds that leave part of a record's cost
#                         out, built here into build/bench/ablate-*); then a
#                         long series of base / capture / tcpdump alone (many
#                         short rounds: ratios with bootstrap intervals); then
#                         the same three modes under perf (sampled attribution:
#                         tcpdump's kernel work counted too). The attribution
#                         and long series also run the placebo (bench/placebo.bpf.c:
#                         BENCH_PLACEBO_NS of spinning per segment in the
#                         capture's segment hooks, nothing else), a control
#                         for what the direct measures show of CPU work whose
#                         amount is known
#        bench/prims.sh   ns per primitive of a record (call, clock, ...)
#   3    bench/events.sh  test provider: 2 M events/s for 10 s, then overload
#   4    bench/read.sh    elog -r text rate, record walk, pcapng export vs tshark
#   5    (from 1 and 4)   bytes per event on disk
#
# Needs root, a kernel with BTF, and the packages of scripts/install-deps.sh
# (bpftrace is optional: its mode is skipped when it is missing).
#
# Environment (defaults in brackets):
#   BENCH_ROUNDS [5]  BENCH_SECONDS [5]   interleaved rounds, seconds per iperf3 run
#   BENCH_ATTRIB_ROUNDS [3]               rounds of the BPF-statistics series (0 skips it)
#   BENCH_PRECISE_ROUNDS [24]             rounds of 4 s of the long series (0 skips it)
#   BENCH_PROFILE_ROUNDS [6]              rounds of 4 s of the sampled series (0 skips it)
#   BENCH_UNLOAD_GLOBAL=1                 unload an idle tcp provider of the host's own
#                                         bpffs for the run (loaded again at exit, default
#                                         and knobs restored). Off by default: on a
#                                         shared machine somebody's test may be using it
#                                         between two of its steps. Its always-on hooks
#                                         cost per connection, not per packet; per-packet
#                                         hooks (somebody capturing) show in the "foreign
#                                         provider" column either way.
#   BENCH_SOURCE                          what to print as the source revision
#   BENCH_FROM_HEAD=1                     benchmark the committed tree, not the working
#                                         tree: `git archive HEAD` into
#                                         build/bench/src-<rev>, built and run from there
#                                         (results still under this tree's build/bench)
#   BENCH_PLACEBO_NS [500]                the placebo's spin per segment (500: about the
#                                         capture's BPF time per GB on the machine of
#                                         docs/PERFORMANCE.md)
#   BENCH_EVENT_RATE [2000000] BENCH_EVENT_SECONDS [10] BENCH_EVENT_RUNS [3]
#   BENCH_QUICK=1                         2 rounds of 2 s, 3 s event runs: a smoke test
#   BENCH_NO_BUILD=1                      use build/ as it is
#   BENCH_OUT [build/bench/results-<UTC time>]
# Prints the table; keeps results.tsv, table.txt, table.md and conditions.txt
# in BENCH_OUT.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
if [ "${BENCH_FROM_HEAD:-}" = 1 ]; then
	rev=$(git rev-parse --short HEAD)
	src=$ROOT/build/bench/src-$rev
	rm -rf "$src"
	mkdir -p "$src"
	git archive HEAD | tar -x -C "$src"
	export BENCH_OUT=${BENCH_OUT:-$ROOT/build/bench/results-$(date -u +%Y%m%dT%H%M%SZ)}
	export BENCH_SOURCE="$rev (git archive of HEAD)"
	BENCH_FROM_HEAD= exec "$src/bench/run.sh"
fi
export BENCH_OUT=${BENCH_OUT:-$ROOT/build/bench/results-$(date -u +%Y%m%dT%H%M%SZ)}
. "$ROOT/bench/lib.sh"

ROUNDS=${BENCH_ROUNDS:-5}
SECS=${BENCH_SECONDS:-5}
ATTRIB=${BENCH_ATTRIB_ROUNDS:-3}
PRECISE=${BENCH_PRECISE_ROUNDS:-24}
PROFILE=${BENCH_PROFILE_ROUNDS:-6}
EV_RATE=${BENCH_EVENT_RATE:-2000000}
EV_SECS=${BENCH_EVENT_SECONDS:-10}
EV_RUNS=${BENCH_EVENT_RUNS:-3}
PLACEBO_NS=${BENCH_PLACEBO_NS:-500}
case $PLACEBO_NS in "" | *[!0-9]*) echo "bench/run.sh: BENCH_PLACEBO_NS must be a whole number of ns, not '$PLACEBO_NS'" >&2; exit 1 ;; esac
if [ "${BENCH_QUICK:-}" = 1 ]; then
	ROUNDS=2 SECS=2 EV_SECS=3 EV_RUNS=1 ATTRIB=1 PRECISE=3 PROFILE=1
fi

[ "$(id -u)" = 0 ] || die "run as root (BPF, namespaces, packet capture)"
for c in iperf3 tcpdump tshark ip unshare python3 perf; do
	command -v "$c" >/dev/null || die "$c missing: run scripts/install-deps.sh"
done
MODES="base loaded disabled capture coalesced zstd tcpdump"
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
if [ "$ATTRIB" -gt 0 ]; then
	# The attribution series' ablation builds (bench/bulk.sh, bench/ablate/).
	bench/ablate.sh no-ring "$BENCH_HELP/ablate-no-ring"
	bench/ablate.sh no-delivery "$BENCH_HELP/ablate-no-delivery"
fi
clang -O2 -target bpf -Wall -Werror -c bench/nop.bpf.c -o "$BENCH_HELP/nop.bpf.o"
clang -O2 -g -target bpf -Wall -Werror -Ibuild/gen -c bench/prims.bpf.c -o "$BENCH_HELP/prims.bpf.o"
clang -O2 -g -target bpf -Wall -Werror -Ibuild/gen -c bench/ringcost.bpf.c -o "$BENCH_HELP/ringcost.bpf.o"
clang -O2 -g -target bpf -Wall -Werror -Ibuild/gen -DPLACEBO_NS="$PLACEBO_NS" -c bench/placebo.bpf.c \
	-o "$BENCH_HELP/placebo.bpf.o"
for h in pace walk ringcost placebo; do
	cc -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Iinclude -Ilib -Ilib/capture -Ilib/decode -Ilib/export -Ilib/consume -Ibpf \
		-Ibuild/gen -Iproviders/test "bench/$h.c" -o "$BENCH_HELP/$h" \
		-Wl,--whole-archive build/lib/libeventlog-providers.a -Wl,--no-whole-archive \
		build/lib/libeventlog.a -lbpf -lelf -lz -lzstd
done

{
	echo "date_utc_start: $(date -u '+%Y-%m-%d %H:%M:%S')"
	echo "nproc: $(nproc)"
	echo "kernel: $(uname -r)"
	echo "cpu: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "memory: $(awk '/^MemTotal/ { print $2, $3 }' /proc/meminfo)"
	# What a call, a return and an indirect call cost depends on these.
	for v in spectre_v2 spec_rstack_overflow; do
		f=/sys/devices/system/cpu/vulnerabilities/$v
		if [ -r "$f" ]; then echo "$v: $(cat "$f")"; fi
	done
	# The flows' congestion control is the host's default (a new network
	# namespace inherits it): it sets how the sender paces and aggregates.
	echo "tcp_congestion_control: $(sysctl -n net.ipv4.tcp_congestion_control)"
	echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo unknown)"
	echo "source: ${BENCH_SOURCE:-$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo ' + uncommitted changes')}"
	echo "loadavg_start: $(cat /proc/loadavg)"
	echo "iperf3: $(iperf3 --version | head -1)"
	echo "tcpdump: $(tcpdump --version 2>&1 | head -1)"
	echo "tshark: $(tshark --version 2>/dev/null | head -1)"
	command -v bpftrace >/dev/null && echo "bpftrace: $(bpftrace --version)"
	echo "rounds: $ROUNDS x ${SECS}s; attribution rounds: $ATTRIB; long series: $PRECISE x 4s; sampled: $PROFILE x 4s; event runs: $EV_RUNS x ${EV_SECS}s at $EV_RATE/s"
	echo "placebo: ${PLACEBO_NS} ns of spinning per segment (bench/placebo.bpf.c)"
} >"$BENCH_OUT/conditions.txt"
record placebo setting 1 ns "$PLACEBO_NS"

# An idle tcp provider in the host's bpffs (loaded by someone's tests) runs
# its always-on hooks on our flows too: on request, unload it for the run
# (elogctl -U refuses while it has live subscribers).
if [ "${BENCH_UNLOAD_GLOBAL:-}" = 1 ] && [ -e /sys/fs/bpf/eventlog/tcp/ready ]; then
	gdef=$("$ELOG_BIN/elogctl" -n kern.eventlog.tcp.default)
	glim=$("$ELOG_BIN/elogctl" -n net.inet.tcp.eventlog.log_id_limit)
	grst=$("$ELOG_BIN/elogctl" -n net.inet.tcp.eventlog.timer_restart_us)
	if "$ELOG_BIN/elogctl" -U tcp >/dev/null 2>&1; then
		bench_on_exit "$ELOG_BIN/elogctl -L tcp && $ELOG_BIN/elogctl kern.eventlog.tcp.default=$gdef net.inet.tcp.eventlog.log_id_limit=$glim net.inet.tcp.eventlog.timer_restart_us=$grst"
		echo "host tcp provider: idle, unloaded for the run (reloaded at exit)" >>"$BENCH_OUT/conditions.txt"
	fi
fi
echo "host tcp provider at start: $([ -e /sys/fs/bpf/eventlog/tcp/ready ] && echo loaded || echo not loaded)" >>"$BENCH_OUT/conditions.txt"

bench/bulk.sh -r "$ROUNDS" -t "$SECS" -m "$MODES"
if [ "$ATTRIB" -gt 0 ]; then
	bench/bulk.sh -S -p attrib -r "$ATTRIB" -t "$SECS" -m "$MODES placebo no-ring no-delivery"
fi
if [ "$PRECISE" -gt 0 ]; then
	bench/bulk.sh -p precise -r "$PRECISE" -t 4 -m "base capture tcpdump placebo"
fi
if [ "$PROFILE" -gt 0 ]; then
	bench/bulk.sh -P -p profile -r "$PROFILE" -t 4 -m "base capture tcpdump"
fi
bench/prims.sh
bench/events.sh -r "$EV_RATE" -t "$EV_SECS" -n "$EV_RUNS"
# Part 4 reads the largest capture of part 1 (part 5's mix comes from it too).
cap=$(ls -S "$BENCH_OUT"/bulk/capture.*.elog 2>/dev/null | head -1 || true)
[ -n "$cap" ] || die "no capture file from bench/bulk.sh"
bench/read.sh "$cap"
# The decoder owner's synthetic benchmark (2 M events), when present.
if [ -x bench/decode.sh ] || [ -f bench/decode.sh ]; then
	sh bench/decode.sh >"$BENCH_OUT/decode.txt" 2>&1 || log "bench/decode.sh failed: $(tail -1 "$BENCH_OUT/decode.txt")"
	r=$(awk '/^elog -r:/ { print $(NF - 1) }' "$BENCH_OUT/decode.txt")
	[ -z "$r" ] || record read synthetic 1 rate "$r"
fi

echo "loadavg_end: $(cat /proc/loadavg)" >>"$BENCH_OUT/conditions.txt"
echo "date_utc_end: $(date -u '+%Y-%m-%d %H:%M:%S')" >>"$BENCH_OUT/conditions.txt"
python3 bench/report.py "$BENCH_OUT/results.tsv" >"$BENCH_OUT/table.txt"
python3 bench/report.py "$BENCH_OUT/results.tsv" --markdown >"$BENCH_OUT/table.md"
cat "$BENCH_OUT/conditions.txt"
cat "$BENCH_OUT/table.txt"
log "results in $BENCH_OUT"
