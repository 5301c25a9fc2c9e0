#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# bench/tw_hooks.sh: what following FIN_WAIT_2 minisockets
# (providers/tcp/tcp_tw.bpf.h) costs traffic that has nothing to do with
# them. tcp_elog_tw_rcv runs for every skb the host drops (tp_btf/kfree_skb),
# tcp_elog_tw_xmit for every packet it sends (tp_btf/net_dev_queue); both
# return after two loads unless the packet's socket is a TIME_WAIT
# minisocket, and only then look it up. The timer hooks (every timer event
# of the host) gained a per-CPU slot read.
#
# Side by side, in interleaved rounds (the first mode alternates): a
# capture (elog -c tcp -o FILE, default 0: no session enabled) with the
# provider of this build ("on") and with the provider of the revision
# before the minisocket hooks ("off", built from `git archive` into
# $BENCH_HELP/tw-base), under two workloads in a namespace of their own:
#   udp   64-byte datagrams to a closed port (each: a send and an ICMP
#         error through net_dev_queue, a drop through kfree_skb)
#   tcp   a loopback iperf3 flow (net_dev_queue per skb, no drops)
# Per run: packets sent on lo, busy CPU per packet (/proc/stat); with BPF
# statistics on, the minisocket hooks' runs per packet and ns per run, and
# the four timer hooks' ns per run, above what the statistics add to a run
# (bench/nop.bpf.c through BPF_PROG_TEST_RUN).
#
#   bench/tw_hooks.sh [-r ROUNDS (5)] [-s SECONDS (4)] [-b REV]
# REV: the "off" build (default: the parent of the commit that added
# providers/tcp/tcp_tw.bpf.h).
# Results: part "tw_hooks" in $BENCH_OUT/results.tsv; prints the table.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_private_ns "$0" "$@"

ROUNDS=5
SECS=4
BASE=
while getopts r:s:b: o; do
	case $o in
	r) ROUNDS=$OPTARG ;;
	s) SECS=$OPTARG ;;
	b) BASE=$OPTARG ;;
	*) die "usage: $0 [-r ROUNDS] [-s SECONDS] [-b REV]" ;;
	esac
done
PART=tw_hooks
ELOG=$ELOG_BIN/elog
ELOGCTL=$ELOG_BIN/elogctl
DIR=$BENCH_OUT/$PART
PIN=/sys/fs/bpf/eventlog/tcp
mkdir -p "$DIR"
for t in bpftool iperf3 python3 clang; do
	command -v $t >/dev/null || die "$t missing"
done
[ -x "$ELOG" ] && [ -x "$ELOGCTL" ] || die "$ELOG_BIN: elog and elogctl not built (make)"
if [ -z "$BASE" ]; then
	BASE=$(git -C "$BENCH_ROOT" log --diff-filter=A --format=%H -- providers/tcp/tcp_tw.bpf.h | tail -1)
	[ -n "$BASE" ] || die "providers/tcp/tcp_tw.bpf.h is not committed: give -b REV"
	BASE=$BASE^
fi
OLD=$BENCH_HELP/tw-base
src=$BENCH_HELP/src-tw-base
rm -rf "$src"
mkdir -p "$src"
git -C "$BENCH_ROOT" archive "$BASE" | tar -x -C "$src" || die "no such revision: $BASE"
log "building the off build from $BASE into $OLD"
make -C "$src" -j"$(nproc)" BUILD="$OLD" all >/dev/null || die "build of $BASE failed"
rm -rf "$src"

NS=elogtw$$
ip netns add "$NS"
bench_on_exit "ip netns del $NS"
ip netns exec "$NS" ip link set lo up
loaded=
bench_on_exit '[ -n "$loaded" ] && $loaded -U tcp'
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
bench_on_exit "sysctl -q kernel.bpf_stats_enabled=$old_stats"
sysctl -q kernel.bpf_stats_enabled=1
tool_pid=
server_pid=
bench_on_exit '[ -n "$tool_pid" ] && kill -INT $tool_pid && wait $tool_pid'
bench_on_exit '[ -n "$server_pid" ] && kill $server_pid && wait $server_pid'

# What the statistics add to a run: an empty program's run_time_ns per run.
nop=$DIR/nop.bpf.o
clang -O2 -target bpf -c "$BENCH_ROOT/bench/nop.bpf.c" -o "$nop"
rm -f /sys/fs/bpf/bench_tw_nop
bench_on_exit "rm -f /sys/fs/bpf/bench_tw_nop"
bpftool prog load "$nop" /sys/fs/bpf/bench_tw_nop type classifier
head -c 64 /dev/zero >"$DIR/nop.in"
bpftool prog run pinned /sys/fs/bpf/bench_tw_nop data_in "$DIR/nop.in" repeat 2000000 >/dev/null
floor=$(bpftool prog show pinned /sys/fs/bpf/bench_tw_nop -j |
	python3 -c 'import json, sys; p = json.load(sys.stdin); print("%.1f" % (p["run_time_ns"] / p["run_cnt"]))')
rm -f /sys/fs/bpf/bench_tw_nop "$DIR/nop.in"
record "$PART" - - stats_floor_ns "$floor"

UDP=$(cat <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.monotonic() + float(sys.argv[1])
b = b"u" * 64
while time.monotonic() < end:
    for _ in range(1000):
        s.sendto(b, ("127.0.0.1", 9))
EOF
)

prog_id() { bpftool prog show pinned "$PIN/$1" | awk -F: 'NR == 1 { print $1 }'; }
# run_cnt run_time_ns of a program id.
prog_stats() { bpftool prog show id "$1" -j | python3 -c 'import json, sys; p = json.load(sys.stdin); print(p.get("run_cnt", 0), p.get("run_time_ns", 0))'; }
lo_tx() { ip netns exec "$NS" cat /sys/class/net/lo/statistics/tx_packets; }

# The links of our capture that run program id $1.
links_of() {
	bpftool link show -j | python3 -c '
import json, sys
for l in json.load(sys.stdin):
    if l.get("prog_id") == int(sys.argv[1]):
        print(l["id"])' "$1"
}

hooks_attached() { [ -n "$(links_of "$(prog_id prog_tcp_egress)")" ]; }
# Sums "runs ns" of the four timer hooks.
timer_stats() {
	local p r t R=0 T=0
	for p in tmr_start tmr_cancel tmr_fire tmr_done; do
		read -r r t < <(prog_stats "$(prog_id prog_tcp_$p)")
		R=$((R + r)) T=$((T + t))
	done
	echo "$R $T"
}
# hook_stats PIN: "runs ns" of a program of this build ("0 0" in the off build).
hook_stats() {
	if [ -e "$PIN/$1" ]; then prog_stats "$(prog_id "$1")"; else echo 0 0; fi
}

run_one() { # MODE WORKLOAD RUN
	local mode=$1 wl=$2 run=$3 out=$DIR/$1.$2.$3 c0 c1 p0 p1 r0 r1 x0 x1 m0 m1 mt0 mt1 pkts busy
	local elog=$ELOG ctl=$ELOGCTL
	if [ "$mode" = off ]; then elog=$OLD/bin/elog ctl=$OLD/bin/elogctl; fi
	rm -f "$out".*
	if [ "$loaded" != "$ctl" ]; then
		[ -n "$loaded" ] && "$loaded" -U tcp >/dev/null
		loaded=
		"$ctl" -L tcp >/dev/null
		loaded=$ctl
	fi
	"$ctl" kern.eventlog.tcp.default=0 >/dev/null
	"$elog" -c tcp -b 4M -o "$out.elog" 2>"$out.tool" &
	tool_pid=$!
	wait_for 10 hooks_attached || die "elog did not subscribe"
	if [ "$wl" = tcp ]; then
		ip netns exec "$NS" iperf3 -s -1 -p 5201 -B 127.0.0.1 >"$out.server" 2>&1 &
		server_pid=$!
		wait_for 5 sh -c "ip netns exec $NS ss -ltnH | grep -q ':5201 '" || die "iperf3 server did not start"
	fi
	local rt0 xt0 rt1 xt1
	read -r r0 rt0 < <(hook_stats prog_tcp_tw_in)
	read -r x0 xt0 < <(hook_stats prog_tcp_tw_out)
	read -r m0 mt0 < <(timer_stats)
	p0=$(lo_tx)
	c0=$(cpu_snapshot)
	if [ "$wl" = udp ]; then
		ip netns exec "$NS" python3 -c "$UDP" "$SECS"
	else
		ip netns exec "$NS" iperf3 -c 127.0.0.1 -p 5201 -t "$SECS" -J >"$out.json" 2>&1 ||
			die "iperf3 client failed: $(tail -3 "$out.json")"
	fi
	c1=$(cpu_snapshot)
	p1=$(lo_tx)
	read -r r1 rt1 < <(hook_stats prog_tcp_tw_in)
	read -r x1 xt1 < <(hook_stats prog_tcp_tw_out)
	read -r m1 mt1 < <(timer_stats)
	if [ "$wl" = tcp ]; then
		wait "$server_pid" || true
		server_pid=
	fi
	stop_pid "$tool_pid" INT
	tool_pid=
	[ "$STOP_RC" = 0 ] || die "elog exited $STOP_RC: $(tail -2 "$out.tool")"
	rm -f "$out.elog"
	pkts=$((p1 - p0))
	busy=$(cpu_busy_seconds "$c0" "$c1")
	record "$PART" "$mode.$wl" "$run" packets "$pkts"
	record "$PART" "$mode.$wl" "$run" pps "$(awk -v p="$pkts" -v s="$SECS" 'BEGIN { printf "%.0f", p / s }')"
	record "$PART" "$mode.$wl" "$run" busy_ns_per_pkt "$(awk -v b="$busy" -v p="$pkts" 'BEGIN { printf "%.1f", b * 1e9 / p }')"
	for h in rcv:$((r1 - r0)):$((rt1 - rt0)) xmit:$((x1 - x0)):$((xt1 - xt0)) timer:$((m1 - m0)):$((mt1 - mt0)); do
		IFS=: read -r name runs ns <<<"$h"
		record "$PART" "$mode.$wl" "$run" "${name}_runs_per_pkt" "$(awk -v r="$runs" -v p="$pkts" 'BEGIN { printf "%.3f", r / p }')"
		[ "$runs" -gt 0 ] && record "$PART" "$mode.$wl" "$run" "${name}_ns_per_run" \
			"$(awk -v t="$ns" -v r="$runs" -v f="$floor" 'BEGIN { printf "%.1f", t / r - f }')"
	done
	log "$mode $wl run $run: $pkts packets, busy $busy s, kfree_skb runs $((r1 - r0)), net_dev_queue runs $((x1 - x0))"
}

for ((i = 1; i <= ROUNDS; i++)); do
	for wl in udp tcp; do
		if ((i % 2)); then modes="on off"; else modes="off on"; fi
		for m in $modes; do run_one "$m" "$wl" "$i"; done
	done
done

# The table: medians over the rounds.
python3 - "$BENCH_OUT/results.tsv" "$PART" "$floor" "$ROUNDS" "$SECS" <<'EOF' | tee "$DIR/table.md"
import statistics, sys
path, part, floor, rounds, secs = sys.argv[1:]
v = {}
for line in open(path):
    p, mode, run, key, val = line.rstrip("\n").split("\t")
    if p == part and mode != "-":
        v.setdefault((mode, key), []).append(float(val))
def med(mode, key):
    x = v.get((mode, key))
    return statistics.median(x) if x else None
def lo(mode, key):
    x = v.get((mode, key))
    return min(x) if x else None
def hi(mode, key):
    x = v.get((mode, key))
    return max(x) if x else None
def f(x, fmt):
    return "-" if x is None else fmt % x
print("Unrelated traffic under a capture with the minisocket hooks (on) and with the build before them (off);"
      " medians of %s rounds of %s s; ns per run above the statistics' own %s ns." % (rounds, secs, floor))
print()
print("| workload | mode | packets/s | busy CPU ns/packet (min-max) | on/off | kfree_skb runs/packet | ns/run"
      " | net_dev_queue runs/packet | ns/run | timer hooks ns/run |")
print("|---|---|---|---|---|---|---|---|---|---|")
for wl in ("udp", "tcp"):
    off = med("off." + wl, "busy_ns_per_pkt")
    for mode in ("off", "on"):
        m = mode + "." + wl
        b = med(m, "busy_ns_per_pkt")
        ratio = b / off if b and off else None
        on = mode == "on"
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            wl, mode, f(med(m, "pps"), "%.0f"),
            "%s (%s-%s)" % (f(b, "%.0f"), f(lo(m, "busy_ns_per_pkt"), "%.0f"), f(hi(m, "busy_ns_per_pkt"), "%.0f")),
            f(ratio, "%.3f") if on else "",
            f(med(m, "rcv_runs_per_pkt"), "%.2f") if on else "",
            f(med(m, "rcv_ns_per_run"), "%.1f") if on else "",
            f(med(m, "xmit_runs_per_pkt"), "%.2f") if on else "",
            f(med(m, "xmit_ns_per_run"), "%.1f") if on else "",
            f(med(m, "timer_ns_per_run"), "%.1f")))
EOF
