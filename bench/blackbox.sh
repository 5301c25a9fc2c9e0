#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# bench/blackbox.sh: what the black box costs, in one run, one table
# (bench/bb_report.py):
#
#   1  bench/bulk.sh, modes base / capture (CONTINUAL: elog -c tcp VERBOSE,
#      the capture of docs/PERFORMANCE.md) / trace (the same at TRACE: every
#      event, as TAIL keeps them) / tail (TAIL on every connection, the
#      recorder running, no trigger)
#      / ratio100 (the same, auto_ratio 100), interleaved rounds: busy CPU
#      per byte and throughput (part bb), then the same modes with BPF
#      statistics on (part bbattrib): the CPU each adds by attribution,
#      BPF run time of the run's own programs plus the tool's own CPU, per
#      GB; their per-program BPF time (part bbprog) for the breakdown
#   2  auto_ratio 100: the ratio100 rows of 1
#   3  N concurrent connections (default 10000) in TAIL, session_limit 5000,
#      global_limit at its default, the recorder running, the session filter
#      filter.lport on the listener's port (a server's side: one session per
#      connection), each connection doing K request/response exchanges:
#      sessions, slots held against global_limit, what was refused or
#      trimmed, and the memory the buffer maps hold by the kernel's own
#      accounting (bpftool's bytes_memlock) (part bbconns)
#   4  dump latency: D dumps of one connection per trigger (the dump socket
#      option; elog --dump --session), each from just before the trigger to
#      its line in the recorder's index.jsonl with its file there (part bblat)
#
#   bench/blackbox.sh [-r ROUNDS] [-t SECONDS] [-n CONNS] [-k EXCHANGES] [-d DUMPS] [-B]
# (-B: parts 3-4 only, added to the results of 1-2 already in $BENCH_OUT)
# Needs root, iperf3, bpftool, clang and a build (make). Results, table.txt,
# table.md and conditions.txt in $BENCH_OUT (default build/bench/bb-<UTC time>).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export BENCH_OUT=${BENCH_OUT:-$ROOT/build/bench/bb-$(date -u +%Y%m%dT%H%M%SZ)}
. "$ROOT/bench/lib.sh"
bench_private_ns "$0" "$@"
cd "$ROOT"

ROUNDS=5
SECS=5
CONNS=10000
EXCH=20
DUMPS=20
BULK=1
while getopts "r:t:n:k:d:B" opt; do
	case $opt in
	r) ROUNDS=$OPTARG ;;
	t) SECS=$OPTARG ;;
	n) CONNS=$OPTARG ;;
	k) EXCH=$OPTARG ;;
	d) DUMPS=$OPTARG ;;
	B) BULK=0 ;;
	*) echo "usage: blackbox.sh [-r ROUNDS] [-t SECONDS] [-n CONNS] [-k EXCHANGES] [-d DUMPS] [-B]" >&2; exit 1 ;;
	esac
done
[ "$(id -u)" = 0 ] || die "run as root (BPF, namespaces)"
for c in iperf3 bpftool clang ip python3; do
	command -v "$c" >/dev/null || die "$c missing: run scripts/install-deps.sh"
done
ELOG=$ELOG_BIN/elog
ELOGCTL=$ELOG_BIN/elogctl
[ -x "$ELOG" ] && [ -x "$ELOGCTL" ] || die "no build in $ELOG_BIN (make)"
mkdir -p "$BENCH_HELP"
# What bpf_stats add per program run (bench/bulk.sh -S subtracts it).
clang -O2 -target bpf -Wall -Werror -c bench/nop.bpf.c -o "$BENCH_HELP/nop.bpf.o"

if [ "$BULK" = 1 ]; then
	{
		echo "date_utc_start: $(date -u '+%Y-%m-%d %H:%M:%S')"
		echo "nproc: $(nproc)"
		echo "kernel: $(uname -r)"
		echo "cpu: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
		echo "tcp_congestion_control: $(sysctl -n net.ipv4.tcp_congestion_control)"
		echo "source: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo ' + uncommitted changes')"
		echo "uptime_start: $(uptime)"
		echo "settings: bulk $ROUNDS rounds x ${SECS}s (twice: without and with bpf_stats); $CONNS connections x $EXCH exchanges; $DUMPS dumps per trigger"
	} >"$BENCH_OUT/conditions.txt"

	# 1-2.
	bench/bulk.sh -p bb -r "$ROUNDS" -t "$SECS" -m "base capture trace tail ratio100"
	bench/bulk.sh -S -p bbattrib -r "$ROUNDS" -t "$SECS" -m "base capture trace tail ratio100"
	for f in "$BENCH_OUT"/bbattrib/*.bpfown; do
		[ -e "$f" ] || continue
		n=${f##*/}
		n=${n%.bpfown}
		# Programs of one name summed (a provider may load two).
		awk -v mode="${n%.*}" -v run="${n##*.}" '{ n[$1] += $2; t[$1] += $3 }
			END { for (p in n) printf "bbprog\t%s\t%s\t%s_runs\t%d\nbbprog\t%s\t%s\t%s_ns\t%d\n", mode, run, p, n[p], mode, run, p, t[p] }' \
			"$f" >>"$BENCH_OUT/results.tsv"
	done
else
	[ -s "$BENCH_OUT/results.tsv" ] || die "-B: no results of parts 1-2 in $BENCH_OUT"
	sed -i '/^bbconns\t\|^bblat\t/d' "$BENCH_OUT/results.tsv"
	echo "parts 3-4 run again at $(date -u '+%Y-%m-%d %H:%M:%S'), source $(git rev-parse --short HEAD), uptime: $(uptime)" >>"$BENCH_OUT/conditions.txt"
fi

# 3-4: a namespace of their own (entered with nsenter: `ip netns exec`
# mounts a /sys of its own, without our bpffs), the provider, the recorder.
NS=elogbb$$
ip netns add "$NS"
bench_on_exit "ip netns del $NS"
ip netns exec "$NS" ip link set lo up
bench_on_exit "$ELOGCTL -U tcp"
rec_pid=
bench_on_exit '[ -n "$rec_pid" ] && kill -INT $rec_pid && wait $rec_pid'
export ELOG ELOGCTL

# record_lines PART: "key value" lines on stdin to results.tsv, the n-th
# value of a key as run n.
record_lines() {
	awk -v part="$1" '{ n[$1]++; printf "%s\ttail\t%d\t%s\t%s\n", part, n[$1], $1, $2 }' >>"$BENCH_OUT/results.tsv"
}

# recorder DIR: the recorder, subscribed (it holds the per-packet hooks).
recorder() {
	rm -rf "$1"
	"$ELOG" -c tcp --record "$1" 2>"$1.err" &
	rec_pid=$!
	wait_for 10 rec_hooks || die "the recorder did not subscribe: $(tail -2 "$1.err")"
}
# rec_hooks: the recorder holds a link of the per-packet egress program.
rec_hooks() {
	local id
	id=$(bpftool prog show pinned /sys/fs/bpf/eventlog/tcp/prog_tcp_egress | awk -F: 'NR == 1 { print $1 }')
	[ -n "$id" ] && grep -qsx "prog_id:[[:space:]]*$id" /proc/"$rec_pid"/fdinfo/*
}
recorder_stop() {
	stop_pid "$rec_pid" INT
	rec_pid=
	[ "$STOP_RC" = 0 ] || die "the recorder exited $STOP_RC: $(tail -2 "$1.err")"
}

PORT=5301
log "bbconns: $CONNS connections x $EXCH exchanges in TAIL"
"$ELOGCTL" -L tcp >/dev/null
"$ELOGCTL" net.inet.tcp.eventlog.mode=1 net.inet.tcp.eventlog.session_limit=5000 \
	net.inet.tcp.eventlog.filter.lport=$PORT kern.eventlog.tcp.default=1 >/dev/null
recorder "$BENCH_OUT/bbconns.rec"
nsenter --net="/run/netns/$NS" python3 bench/bb_load.py conns "$CONNS" "$EXCH" $PORT | tee "$BENCH_OUT/bbconns.txt" | record_lines bbconns ||
	die "bench/bb_load.py conns failed"
record bbconns tail 1 dumps_on_disk "$(find "$BENCH_OUT/bbconns.rec" -name '*.elog' | wc -l)"
recorder_stop "$BENCH_OUT/bbconns.rec"
"$ELOGCTL" -U tcp >/dev/null

log "bblat: $DUMPS dumps per trigger"
"$ELOGCTL" -L tcp >/dev/null
"$ELOGCTL" net.inet.tcp.eventlog.mode=1 kern.eventlog.tcp.default=1 >/dev/null
recorder "$BENCH_OUT/bblat.rec"
nsenter --net="/run/netns/$NS" python3 bench/bb_load.py latency "$DUMPS" "$BENCH_OUT/bblat.rec" | tee "$BENCH_OUT/bblat.txt" | record_lines bblat ||
	die "bench/bb_load.py latency failed"
recorder_stop "$BENCH_OUT/bblat.rec"
"$ELOGCTL" -U tcp >/dev/null

echo "uptime_end: $(uptime)" >>"$BENCH_OUT/conditions.txt"
echo "date_utc_end: $(date -u '+%Y-%m-%d %H:%M:%S')" >>"$BENCH_OUT/conditions.txt"
python3 bench/bb_report.py "$BENCH_OUT/results.tsv" >"$BENCH_OUT/table.txt"
python3 bench/bb_report.py "$BENCH_OUT/results.tsv" --markdown >"$BENCH_OUT/table.md"
cat "$BENCH_OUT/conditions.txt" "$BENCH_OUT/table.txt"
log "results in $BENCH_OUT"
