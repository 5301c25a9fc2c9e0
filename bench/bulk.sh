#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# bench/bulk.sh: loopback bulk transfer (iperf3, one flow) in a network
# namespace of its own, interleaved round-robin over the modes:
#
#   base      no provider loaded
#   loaded    tcp provider loaded, no subscriber (default 0)
#   disabled  one subscriber (elog -c tcp -o FILE), sessions disabled (default 0)
#   capture   elog -c tcp VERBOSE (all keywords) -b 4M -o FILE, default 1
#   coalesced the same with net.inet.tcp.eventlog.timer_restart_us=50000
#             (restarts of a running timer logged at most every 50 ms)
#   zstd      the same into FILE.zst (compressed by elog as it writes)
#   tcpdump   tcpdump -i lo -s 128 -w FILE on the flow's port (no provider)
#   bpftrace  bpftrace printing every tcp:tcp_probe of the flow to a file
#   placebo   no provider; bench/placebo.bpf.c on cgroup_skb ingress and
#             egress, spinning a fixed time per segment and doing nothing
#             else (a control: CPU work of a known amount, in the hooks and
#             on the CPUs where the capture's segment records are made;
#             needs $BENCH_HELP/placebo.bpf.o and its loader bench/placebo,
#             which bench/run.sh builds)
#   trace     capture at level TRACE (every event, as a buffered session
#             keeps them)
#   tail      the black box as in production: default 1, mode 1 (TAIL: every
#             session keeps its newest session_limit events in the kernel),
#             the recorder running (elog -c tcp --record DIR: it subscribes,
#             so the per-packet hooks run), no trigger firing: trigger.rst
#             off (iperf3 ends its flow with an RST), the others at their
#             defaults (blackbox.dumps counts any that fired, and the files
#             the recorder wrote are counted)
#   ratio100  the same with auto_ratio 100 (one session in 100 buffered)
#   unpicked  the same with default 0 while one idle socket of the namespace
#             has a session (TCP_EVENTLOG): the flow's connections have none
#             and every hook takes its no-session exit, as auto_ratio's
#             unpicked connections do on a host where some are picked (in
#             ratio100 usually nothing is, and the hooks stop earlier)
#   (both with timer_restart_us=0, as capture, so the hooks see the same
#   events)
#
# Ablations of capture, for the attribution series (-S): the same capture with
# the provider loaded from a bench build that leaves part of every record's
# cost out (bench/run.sh builds them with bench/ablate.sh, which applies
# bench/ablate/MODE.patch to a copy of the tree, into $BENCH_HELP/ablate-MODE):
#   no-ring      everything but the ring write: records built and offered
#                to the subscriber, never written (counted as dropped); the
#                consumer gets nothing
#   no-delivery  the hooks and the records they build, not delivered at all
# What a record's delivery costs is the difference; what is left in
# no-delivery is the cost of the hooks themselves.
# Variants, for comparing builds side by side (bench/ab.sh):
#   cap-NAME     capture, with elog, elogctl and the provider of the build
#                in $BENCH_HELP/cap-NAME (bin/ in it)
#   tail-NAME, ratio100-NAME, unpicked-NAME  the same with that build
#
# Per run: throughput (iperf3 receiver), machine-wide busy CPU from
# /proc/stat between the client's start and the capture tool's exit (so the
# consumer's work is included), bytes moved, events recorded by the tool, and
# the TCP segments the namespace sent and received (the same traffic in every
# mode, or a mode that changes how the stack aggregates).
# Capture files of the capture mode are kept for bench/read.sh (part 4) and
# bytes per event (part 5).
#
# Flat out, the flow keeps about 1.3 of the 2 CPUs busy (sender and receiver
# wait for each other's wakeups), so busy CPU per byte moves with how the
# CPUs idle and wake as well as with the work done. Two more views:
#   tool_cpu_s  the capture tool's own CPU during the flow (utime+stime from
#               /proc/PID/stat at the client's start and at its end: its
#               start-up, ~40 ms, is not charged to a 5 s flow; 10 ms ticks)
#   -S          BPF statistics on (sysctl kernel.bpf_stats_enabled=1, restored
#               at exit): bpf_s = run time of every BPF program during the run
#               (exact ns, from bpftool prog show), so the kernel half of the
#               cost is measured directly instead of through busy CPU. The
#               statistics cost ~2 clock reads per program run themselves:
#               use this series for attribution, not for the ratios.
#               bpf_own_s: the same of this run's own eventlog programs only
#               (own_prog_ids), $out.bpfown per program
#   -P          the client runs under `perf record -a -g` (cpu-clock, 999 Hz):
#               bench/profile.py sorts every sample by whose work it is (the
#               eventlog BPF programs and their dispatch, AF_PACKET's copy
#               for tcpdump, each tool's process), which counts tcpdump's
#               kernel work too, where -S sees only BPF (profile.py says
#               what sampling cannot see)
# (-b RATE paces the client with iperf3 -b. Not used by run.sh: this kernel
# has tick-based CPU accounting, CONFIG_TICK_CPU_ACCOUNTING at HZ=250 without
# IRQ time accounting, which under-samples a timer-paced sender; busy CPU of
# identical paced runs varied 0.4-8.5 CPU-s.)
#
#   bench/bulk.sh [-r ROUNDS] [-t SECONDS] [-m "MODES"] [-b RATE] [-p PART] [-S] [-P]
# Results: $BENCH_OUT/results.tsv (part PART, default "bulk"), files in
# $BENCH_OUT/PART/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_private_ns "$0" "$@"

ROUNDS=5
SECS=5
MODES="base loaded disabled capture zstd tcpdump bpftrace"
RATE=
PART=bulk
STATS=0
PROFILE=0
while getopts "r:t:m:b:p:SP" opt; do
	case $opt in
	r) ROUNDS=$OPTARG ;;
	t) SECS=$OPTARG ;;
	m) MODES=$OPTARG ;;
	b) RATE=$OPTARG ;;
	p) PART=$OPTARG ;;
	S) STATS=1 ;;
	P) PROFILE=1 ;;
	*) echo "usage: bulk.sh [-r ROUNDS] [-t SECONDS] [-m MODES] [-b RATE] [-p PART] [-S] [-P]" >&2; exit 1 ;;
	esac
done
read -r -a modes <<<"$MODES"

command -v iperf3 >/dev/null || die "iperf3 missing (scripts/install-deps.sh)"
[ "$PROFILE" = 0 ] || command -v perf >/dev/null || die "perf missing (scripts/install-deps.sh)"
ELOG=$ELOG_BIN/elog
ELOGCTL=$ELOG_BIN/elogctl
DIR=$BENCH_OUT/$PART
mkdir -p "$DIR"
NS=elogbench$$
PORT=5201

# The namespace, and every process and control we touch, are undone on exit.
ip netns add "$NS"
bench_on_exit "ip netns del $NS"
ip netns exec "$NS" ip link set lo up
bench_on_exit "$ELOGCTL -U tcp"
bench_on_exit "[ -e /sys/fs/bpf/eventlog/tcp/ready ] && $ELOGCTL kern.eventlog.tcp.default=0"
tool_pid=
server_pid=
idle_pid=
bench_on_exit '[ -n "$tool_pid" ] && kill -INT $tool_pid && wait $tool_pid'
bench_on_exit '[ -n "$idle_pid" ] && kill $idle_pid && wait $idle_pid'
bench_on_exit '[ -n "$server_pid" ] && kill $server_pid && wait $server_pid'
if [ "$STATS" = 1 ]; then
	command -v bpftool >/dev/null || die "bpftool missing"
	old_stats=$(sysctl -n kernel.bpf_stats_enabled)
	bench_on_exit "sysctl -q kernel.bpf_stats_enabled=$old_stats"
	sysctl -q kernel.bpf_stats_enabled=1
fi

# bpf_run_ns: "ALL EVENTLOG RUNS" summed run_time_ns of every program, of
# the eventlog providers' programs (names tcp_elog_*, elog_*), and the run
# count of every program.
bpf_run_ns() {
	bpftool prog show -j | python3 -c '
import json, sys
a = e = n = 0
for p in json.load(sys.stdin):
    t = p.get("run_time_ns", 0)
    a += t
    n += p.get("run_cnt", 0)
    if p.get("name", "").startswith(("tcp_elog", "elog_")):
        e += t
print(a, e, n)'
}

# What bpf_stats add to each recorded run: run_time_ns per run of an empty
# program (bench/nop.bpf.o, BPF_PROG_TEST_RUN, stats on). Recorded once per
# series as "stats_floor_ns"; report.py subtracts it per program run.
if [ "$STATS" = 1 ] && [ -f "$BENCH_HELP/nop.bpf.o" ]; then
	nop=/sys/fs/bpf/bench_nop
	rm -f "$nop"
	bench_on_exit "rm -f $nop"
	if bpftool prog load "$BENCH_HELP/nop.bpf.o" "$nop" type classifier 2>/dev/null; then
		head -c 64 /dev/zero >"$DIR/nop.in"
		bpftool prog run pinned "$nop" data_in "$DIR/nop.in" repeat 2000000 >/dev/null
		record "$PART" nop - stats_floor_ns "$(bpftool prog show pinned "$nop" -j | python3 -c '
import json, sys
p = json.load(sys.stdin)
print("%.1f" % (p["run_time_ns"] / p["run_cnt"]))')"
		rm -f "$nop" "$DIR/nop.in"
	fi
fi

# own_prog_ids: ids of this run's own eventlog programs, one a line: those
# pinned in our private bpffs, those of the links pinned there, and those of
# the links our tool holds. bpf_stats count every program of the machine:
# another tenant's capture runs its tracing hooks on our flow too.
own_prog_ids() {
	{
		bpftool -f -j prog show
		echo
		bpftool -f -j link show
	} | python3 -c '
import json, sys
progs, links = [json.loads(x) for x in sys.stdin.read().split("\n") if x.strip()]
own = lambda o: any(p.startswith("/sys/fs/bpf/eventlog/") for p in o.get("pinned", []))
ids = {p["id"] for p in progs if own(p)} | {l["prog_id"] for l in links if own(l) and "prog_id" in l}
print("\n".join(str(i) for i in sorted(ids)))'
	[ -z "$tool_pid" ] || grep -hs '^prog_id:' /proc/"$tool_pid"/fdinfo/* | awk '{ print $2 }'
}

# bpf_progs FILE: per-program counters (name, run_cnt, run_time_ns) to FILE.
bpf_progs() {
	bpftool prog show -j | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    print(p["id"], p.get("name", "?"), p.get("run_cnt", 0), p.get("run_time_ns", 0))' >"$1"
}

# tool_ticks PID: utime + stime of a process, in clock ticks.
tool_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# Another tcp provider instance (someone else's, in the host's bpffs or in a
# private one like ours) runs its hooks on our flow too. The cgroup root's
# attachments are machine-wide: count theirs (ours subtracted). Prints
# none | loaded (always-on hooks only) | capturing (per-packet hooks too).
foreign_state() {
	local att all pkt
	att=$(bpftool cgroup show /sys/fs/cgroup/unified 2>/dev/null || true)
	all=$(grep -c 'tcp_elog_sockop' <<<"$att" || true)
	pkt=$(grep -c 'tcp_elog_egress' <<<"$att" || true)
	[ -e /sys/fs/bpf/eventlog/tcp/ready ] && all=$((all - 1))
	hooks_attached && pkt=$((pkt - 1))
	if [ "$pkt" -gt 0 ]; then echo capturing
	elif [ "$all" -gt 0 ]; then echo loaded
	else echo none
	fi
}

# The elogctl whose build's provider is loaded. An ablation mode loads and
# captures with another build's binaries: a binary finding another build's
# provider loaded reloads it from its own (lib/rt/rt.c).
provider_from=
set_provider() { # unloaded | loaded [ELOGCTL of the build to load]
	local want=${2:-$ELOGCTL}
	if [ -e /sys/fs/bpf/eventlog/tcp/ready ] && { [ "$1" = unloaded ] || [ "$provider_from" != "$want" ]; }; then
		"${provider_from:-$ELOGCTL}" -U tcp >/dev/null
	fi
	provider_from=
	[ "$1" = unloaded ] && return 0
	[ -e /sys/fs/bpf/eventlog/tcp/ready ] || "$want" -L tcp >/dev/null
	provider_from=$want
	"$want" kern.eventlog.tcp.default=0 >/dev/null
}

# The placebo's programs, attached to the cgroup the provider's hooks use by
# links that only bench/placebo holds: they go when it is stopped, or when
# this script dies in any way (it exits with its parent).
PLACEBO_CG=/sys/fs/cgroup/unified
placebo_pid=
placebo_attach() { # OUT: where its output goes
	local obj=$BENCH_HELP/placebo.bpf.o
	[ -r "$obj" ] && [ -x "$BENCH_HELP/placebo" ] ||
		die "mode placebo needs $obj and $BENCH_HELP/placebo (bench/run.sh builds them)"
	"$BENCH_HELP/placebo" "$obj" "$PLACEBO_CG" >"$1" 2>&1 &
	placebo_pid=$!
	wait_for 10 grep -q "^attached" "$1" || die "the placebo did not attach: $(tail -2 "$1")"
}
placebo_detach() {
	[ -n "$placebo_pid" ] || return 0
	kill -TERM "$placebo_pid" 2>/dev/null || true
	wait "$placebo_pid" || die "the placebo exited badly: $(tail -2 "$DIR/placebo.out" 2>/dev/null)"
	placebo_pid=
}
bench_on_exit '[ -n "$placebo_pid" ] && kill -TERM $placebo_pid && wait $placebo_pid'

# ns_segs: TCP segments sent and received so far in the namespace ("out in"):
# only the flow runs there, so their change per run is the flow's segments
# (both ends), which shows how much the stack aggregated in each mode.
ns_segs() {
	ip netns exec "$NS" awk '$1 == "Tcp:" && $2 ~ /^[0-9]/ { print $12, $11; exit }' /proc/net/snmp
}

# bb_counters: "sessions dumps refused trimmed" of the black box, so far.
bb_counters() {
	local k v=()
	for k in sessions dumps refused trimmed; do
		v+=("$("$ELOGCTL" -n net.inet.tcp.eventlog.blackbox.$k)")
	done
	echo "${v[*]}"
}

# Our capture tool holds the per-packet hooks' links (they are not pinned):
# an fd of a link of the pinned egress program.
hooks_attached() {
	local pin=/sys/fs/bpf/eventlog/tcp/prog_tcp_egress id
	[ -n "$tool_pid" ] && [ -e "$pin" ] || return 1
	id=$(bpftool prog show pinned "$pin" | awk -F: 'NR == 1 { print $1 }')
	[ -n "$id" ] && grep -qsx "prog_id:[[:space:]]*$id" /proc/"$tool_pid"/fdinfo/*
}

run_one() {
	local mode=$1 run=$2 out=$DIR/$1.$2 c0 c1 s0 b0 b1 so0 si0 so1 si1 events=0 dropped=0 cpu bytes bps secs f
	local ELOG=$ELOG ELOGCTL=$ELOGCTL # an ablation mode's own build
	rm -f "$out".*
	local own=
	case $mode in
	no-ring | no-delivery) own=ablate-$mode ;;
	cap-*) own=$mode ;;
	tail-* | ratio100-* | unpicked-*) own=cap-${mode#*-} ;;
	esac
	if [ -n "$own" ]; then
		ELOG=$BENCH_HELP/$own/bin/elog
		ELOGCTL=$BENCH_HELP/$own/bin/elogctl
		[ -x "$ELOG" ] && [ -x "$ELOGCTL" ] || die "mode $mode needs a build in $BENCH_HELP/$own (bench/run.sh or bench/ab.sh makes it)"
	fi
	case $mode in
	base | tcpdump | bpftrace | placebo) set_provider unloaded ;;
	*) set_provider loaded "$ELOGCTL" ;;
	esac
	case $mode in
	coalesced) "$ELOGCTL" net.inet.tcp.eventlog.timer_restart_us=50000 >/dev/null ;;
	loaded | disabled | capture | trace | zstd | no-ring | no-delivery | cap-* | tail | ratio100 | unpicked | tail-* | ratio100-* | unpicked-*)
		"$ELOGCTL" net.inet.tcp.eventlog.timer_restart_us=0 >/dev/null ;;
	esac
	local bb0=
	case $mode in
	tail | ratio100 | unpicked | tail-* | ratio100-* | unpicked-*)
		# trigger.rst off: iperf3 ends its flow with an RST.
		"$ELOGCTL" net.inet.tcp.eventlog.mode=1 net.inet.tcp.eventlog.trigger.rst=0 \
			net.inet.tcp.eventlog.auto_ratio="$(case $mode in ratio100*) echo 100 ;; *) echo 0 ;; esac)" >/dev/null
		bb0=$(bb_counters)
		;;
	esac

	ip netns exec "$NS" iperf3 -s -1 -p $PORT -B 127.0.0.1 >"$out.server" 2>&1 &
	server_pid=$!
	wait_for 5 sh -c "ip netns exec $NS ss -ltnH | grep -q ':$PORT '" || die "iperf3 server did not start"

	case $mode in
	disabled | capture | trace | coalesced | zstd | no-ring | no-delivery | cap-*)
		if [ "$mode" != disabled ] && [ "$mode" != zstd ]; then
			"$ELOGCTL" kern.eventlog.tcp.default=1 >/dev/null
			"$ELOG" -c tcp "$([ "$mode" = trace ] && echo TRACE || echo VERBOSE)" -b 4M -s -o "$out.elog" 2>"$out.tool" &
		elif [ "$mode" = zstd ]; then
			"$ELOGCTL" kern.eventlog.tcp.default=1 >/dev/null
			"$ELOG" -c tcp VERBOSE -b 4M -s -o "$out.elog.zst" 2>"$out.tool" &
		else
			"$ELOG" -c tcp -b 4M -s -o "$out.elog" 2>"$out.tool" &
		fi
		tool_pid=$!
		wait_for 10 hooks_attached || die "elog did not subscribe"
		sleep 0.2
		;;
	tail | ratio100 | unpicked | tail-* | ratio100-* | unpicked-*)
		case $mode in
		unpicked*)
			# The one session, on a socket that never connects.
			ip netns exec "$NS" python3 -c 'import socket, sys, time
s = socket.socket()
s.setsockopt(socket.IPPROTO_TCP, 81, 1)  # TCP_EVENTLOG
print("on", flush=True)
time.sleep(3600)' >"$out.idle" 2>&1 &
			idle_pid=$!
			wait_for 10 grep -q on "$out.idle" || die "the idle socket's session: $(cat "$out.idle")"
			;;
		*) "$ELOGCTL" kern.eventlog.tcp.default=1 >/dev/null ;;
		esac
		rm -rf "$out.rec"
		"$ELOG" -c tcp --record "$out.rec" 2>"$out.tool" &
		tool_pid=$!
		wait_for 10 hooks_attached || die "the recorder did not subscribe"
		sleep 0.2
		;;
	tcpdump)
		# nsenter execs tcpdump itself (ip netns exec forks), so tool_pid
		# is tcpdump and its CPU is measurable.
		nsenter --net="/run/netns/$NS" tcpdump -i lo -n -s 128 -B 8192 -w "$out.pcap" "tcp port $PORT" \
			2>"$out.tool" &
		tool_pid=$!
		wait_for 10 grep -q "listening on" "$out.tool" || die "tcpdump did not start"
		;;
	bpftrace)
		BPFTRACE_STRLEN=16 bpftrace -o "$out.bt" -e "
tracepoint:tcp:tcp_probe /args->sport == $PORT || args->dport == $PORT/ {
	printf(\"%llu %u %u %u %u %u %u %u %u %u %u\n\", nsecs, args->sport, args->dport,
	       args->data_len, args->snd_nxt, args->snd_una, args->snd_cwnd, args->ssthresh,
	       args->snd_wnd, args->srtt, args->rcv_wnd);
}" 2>"$out.tool" &
		tool_pid=$!
		wait_for 30 grep -q "Attaching" "$out.bt" || die "bpftrace did not start"
		sleep 0.2
		;;
	esac

	[ "$mode" = placebo ] && placebo_attach "$DIR/placebo.out"
	record "$PART" "$mode" "$run" foreign "$(foreign_state)"
	record "$PART" "$mode" "$run" loadavg "$(cut -d' ' -f1 /proc/loadavg)"
	if [ "$STATS" = 1 ]; then
		own_prog_ids >"$out.own"
		b0=$(bpf_run_ns)
		bpf_progs "$out.progs0"
	fi
	read -r so0 si0 < <(ns_segs)
	tool0=0
	if [ -n "$tool_pid" ]; then tool0=$(tool_ticks "$tool_pid"); fi
	# Before the CPU snapshot: its forks stay out of the measured CPU.
	s0=$(sys_snapshot)
	c0=$(cpu_snapshot)
	local prof=()
	[ "$PROFILE" = 1 ] && prof=(perf record -q -a -g -F 999 -o "$out.perf" --)
	"${prof[@]}" ip netns exec "$NS" iperf3 -c 127.0.0.1 -p $PORT -t "$SECS" ${RATE:+-b "$RATE"} -J >"$out.json" 2>"$out.client" ||
		die "iperf3 client failed: $(tail -3 "$out.json" "$out.client")"
	if [ "$STATS" = 1 ]; then
		b1=$(bpf_run_ns)
		bpf_progs "$out.progs1"
		# Per program: name runs ns (only those that ran).
		awk 'NR == FNR { r[$1] = $3; t[$1] = $4; next }
		     $3 - r[$1] > 0 { printf "%s %d %d\n", $2, $3 - r[$1], $4 - t[$1] }' \
			"$out.progs0" "$out.progs1" | sort -k3,3nr >"$out.bpf"
		# The same of our own programs only.
		awk 'FILENAME == ARGV[1] { own[$1] = 1; next }
		     FILENAME == ARGV[2] { r[$1] = $3; t[$1] = $4; next }
		     own[$1] && $3 - r[$1] > 0 { printf "%s %d %d\n", $2, $3 - r[$1], $4 - t[$1] }' \
			"$out.own" "$out.progs0" "$out.progs1" | sort -k3,3nr >"$out.bpfown"
		record "$PART" "$mode" "$run" bpf_own_s "$(awk '{ s += $3 } END { printf "%.4f", s / 1e9 }' "$out.bpfown")"
		record "$PART" "$mode" "$run" bpf_own_runs "$(awk '{ s += $2 } END { printf "%d", s }' "$out.bpfown")"
		rm -f "$out.progs0" "$out.progs1" "$out.own"
		record "$PART" "$mode" "$run" bpf_s "$(awk -v a="$b0" -v b="$b1" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.4f", (y[1] - x[1]) / 1e9 }')"
		record "$PART" "$mode" "$run" bpf_elog_s "$(awk -v a="$b0" -v b="$b1" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.4f", (y[2] - x[2]) / 1e9 }')"
		record "$PART" "$mode" "$run" bpf_runs "$(awk -v a="$b0" -v b="$b1" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%d", y[3] - x[3] }')"
	fi
	if [ -n "$tool_pid" ]; then
		record "$PART" "$mode" "$run" tool_cpu_s "$(awk -v t="$(tool_ticks "$tool_pid")" -v t0="$tool0" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", (t - t0) / hz }')"
		stop_pid "$tool_pid" INT
		tool_pid=
		[ "$STOP_RC" = 0 ] || log "$mode run $run: capture tool exited $STOP_RC: $(tail -2 "$out.tool")"
	fi
	c1=$(cpu_snapshot)
	[ "$mode" = placebo ] && placebo_detach
	sys_record "$PART" "$mode" "$run" "$s0" "$(sys_snapshot)"
	read -r so1 si1 < <(ns_segs)
	wait "$server_pid" 2>/dev/null || true
	server_pid=
	if [ -n "$idle_pid" ]; then
		stop_pid "$idle_pid" TERM
		idle_pid=
	fi
	case $mode in capture | trace | coalesced | zstd | no-ring | no-delivery | cap-*) "$ELOGCTL" kern.eventlog.tcp.default=0 >/dev/null ;; esac
	if [ -n "$bb0" ]; then
		"$ELOGCTL" kern.eventlog.tcp.default=0 net.inet.tcp.eventlog.mode=4 net.inet.tcp.eventlog.auto_ratio=0 \
			net.inet.tcp.eventlog.trigger.rst=1 >/dev/null
		# Sessions given a buffer (the flow's two ends and iperf3's control
		# connection, or the few auto_ratio picked), dumps and files made.
		local bb1 k i=0
		read -r -a bb0 <<<"$bb0"
		read -r -a bb1 <<<"$(bb_counters)"
		for k in bb_sessions bb_dumps bb_refused bb_trimmed; do
			record "$PART" "$mode" "$run" "$k" "$((bb1[i] - bb0[i]))"
			i=$((i + 1))
		done
		record "$PART" "$mode" "$run" bb_files "$(find "$out.rec" -name '*.elog' | wc -l)"
		# Why any dump was made, kept: the index lines without the files.
		[ ! -e "$out.rec/index.jsonl" ] || cp "$out.rec/index.jsonl" "$out.index"
		rm -rf "$out.rec"
	fi

	cpu=$(cpu_busy_seconds "$c0" "$c1")
	read -r bytes bps secs < <(python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["end"]["sum_received"]
print(e["bytes"], e["bits_per_second"], e["seconds"])' "$out.json")
	case $mode in
	disabled | capture | trace | coalesced | zstd | no-ring | no-delivery | cap-*)
		events=$(awk '/Events received:/ { print $3 }' "$out.tool")
		dropped=$(awk '/Dropped events:/ { print $3 }' "$out.tool")
		f=$out.elog
		[ "$mode" = zstd ] && f=$out.elog.zst
		record "$PART" "$mode" "$run" file_bytes "$(stat -c %s "$f")"
		;;
	tcpdump)
		events=$(awk '/packets captured/ { print $1 }' "$out.tool")
		dropped=$(awk '/dropped by kernel/ { print $1 }' "$out.tool")
		record "$PART" "$mode" "$run" file_bytes "$(stat -c %s "$out.pcap")"
		;;
	bpftrace)
		events=$(grep -c '^[0-9]' "$out.bt" || true)
		dropped=$(cat "$out.bt" "$out.tool" | { grep -o 'Lost [0-9]* events' || true; } | awk '{ s += $2 } END { print s + 0 }')
		record "$PART" "$mode" "$run" file_bytes "$(stat -c %s "$out.bt")"
		;;
	esac
	record "$PART" "$mode" "$run" bytes "$bytes"
	if [ "$PROFILE" = 1 ]; then
		local busy et eb tt tk
		read -r busy et eb tt tk < <(python3 "$(dirname "$0")/profile.py" "$out.perf") ||
			die "bench/profile.py failed on $out.perf"
		record "$PART" "$mode" "$run" samples_busy "$busy"
		record "$PART" "$mode" "$run" samples_elog_tool "$et"
		record "$PART" "$mode" "$run" samples_elog_bpf "$eb"
		record "$PART" "$mode" "$run" samples_tcpdump_tool "$tt"
		record "$PART" "$mode" "$run" samples_tcpdump_kernel "$tk"
		rm -f "$out.perf"
	fi
	record "$PART" "$mode" "$run" gbps "$(awk -v b="$bps" 'BEGIN { printf "%.3f", b / 1e9 }')"
	record "$PART" "$mode" "$run" cpu_s "$cpu"
	record "$PART" "$mode" "$run" cpu_s_per_gb "$(awk -v c="$cpu" -v b="$bytes" 'BEGIN { printf "%.5f", c / (b / 1e9) }')"
	record "$PART" "$mode" "$run" events "${events:-0}"
	record "$PART" "$mode" "$run" segs "$((so1 - so0 + si1 - si0))"
	record "$PART" "$mode" "$run" dropped "${dropped:-0}"
	log "$PART $mode run $run: $(awk -v b="$bps" 'BEGIN { printf "%.2f", b / 1e9 }') Gbit/s, cpu ${cpu}s for $bytes bytes, events ${events:-0}, dropped ${dropped:-0}"
	# Keep the capture files (part 4/5 use them), drop the rest.
	rm -f "$out.pcap" "$out.bt" "$out.server" "$out.elog.zst" "$out.client"
	[ "$mode" = disabled ] && rm -f "$out.elog"
	[ "$PART" = bulk ] || rm -f "$out.elog"
	return 0
}

log "$PART: ${#modes[@]} modes x $ROUNDS rounds x ${SECS}s${RATE:+ at $RATE bit/s}, namespace $NS"
for ((r = 1; r <= ROUNDS; r++)); do
	# Round-robin with the starting mode rotating each round, so no mode
	# always runs first (or right after the same neighbour).
	n=${#modes[@]}
	for ((k = 0; k < n; k++)); do
		run_one "${modes[$(((k + r - 1) % n))]}" "$r"
	done
done
