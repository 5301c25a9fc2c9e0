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
#   tcpdump   tcpdump -i lo -s 128 -w FILE on the flow's port (no provider)
#   bpftrace  bpftrace printing every tcp:tcp_probe of the flow to a file
#
# Per run: throughput (iperf3 receiver), machine-wide busy CPU from
# /proc/stat between the client's start and the capture tool's exit (so the
# consumer's work is included), bytes moved, events recorded by the tool.
# Capture files of the capture mode are kept for bench/read.sh (part 4) and
# bytes per event (part 5).
#
# Flat out, both CPUs are busy in every mode (sender and receiver take one
# each), so busy CPU per byte mostly mirrors throughput. With -b RATE the
# client is paced (iperf3 -b) below what the machine can do: throughput is
# then the same in every mode and busy CPU per byte is the direct cost.
#
#   bench/bulk.sh [-r ROUNDS] [-t SECONDS] [-m "MODES"] [-b RATE] [-p PART]
# Results: $BENCH_OUT/results.tsv (part PART, default "bulk"), files in
# $BENCH_OUT/PART/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_private_ns "$0" "$@"

ROUNDS=5
SECS=5
MODES="base loaded disabled capture tcpdump bpftrace"
RATE=
PART=bulk
while getopts "r:t:m:b:p:" opt; do
	case $opt in
	r) ROUNDS=$OPTARG ;;
	t) SECS=$OPTARG ;;
	m) MODES=$OPTARG ;;
	b) RATE=$OPTARG ;;
	p) PART=$OPTARG ;;
	*) echo "usage: bulk.sh [-r ROUNDS] [-t SECONDS] [-m MODES] [-b RATE] [-p PART]" >&2; exit 1 ;;
	esac
done
read -r -a modes <<<"$MODES"

command -v iperf3 >/dev/null || die "iperf3 missing (scripts/install-deps.sh)"
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
bench_on_exit '[ -n "$tool_pid" ] && kill -INT $tool_pid && wait $tool_pid'
bench_on_exit '[ -n "$server_pid" ] && kill $server_pid && wait $server_pid'

# Another tcp provider instance in the host's own bpffs (someone else's
# tests) runs its hooks on our flow too; we record whether it was there.
foreign_state() {
	local d=/proc/1/root/sys/fs/bpf/eventlog/tcp
	if [ ! -e "$d/ready" ]; then echo none
	elif compgen -G "$d/hot_*" >/dev/null; then echo subscribed
	else echo loaded
	fi
}

set_provider() { # unloaded | loaded
	if [ "$1" = unloaded ]; then
		"$ELOGCTL" -U tcp >/dev/null
	else
		[ -e /sys/fs/bpf/eventlog/tcp/ready ] || "$ELOGCTL" -L tcp >/dev/null
		"$ELOGCTL" kern.eventlog.tcp.default=0 >/dev/null
	fi
}

hooks_attached() { compgen -G "/sys/fs/bpf/eventlog/tcp/hot_*" >/dev/null; }

run_one() {
	local mode=$1 run=$2 out=$DIR/$1.$2 c0 c1 events=0 dropped=0 cpu bytes bps secs
	rm -f "$out".*
	case $mode in
	base | tcpdump | bpftrace) set_provider unloaded ;;
	*) set_provider loaded ;;
	esac

	ip netns exec "$NS" iperf3 -s -1 -p $PORT -B 127.0.0.1 >"$out.server" 2>&1 &
	server_pid=$!
	wait_for 5 sh -c "ip netns exec $NS ss -ltnH | grep -q ':$PORT '" || die "iperf3 server did not start"

	case $mode in
	disabled | capture)
		if [ "$mode" = capture ]; then
			"$ELOGCTL" kern.eventlog.tcp.default=1 >/dev/null
			"$ELOG" -c tcp VERBOSE -b 4M -s -o "$out.elog" 2>"$out.tool" &
		else
			"$ELOG" -c tcp -b 4M -s -o "$out.elog" 2>"$out.tool" &
		fi
		tool_pid=$!
		wait_for 10 hooks_attached || die "elog did not subscribe"
		sleep 0.2
		;;
	tcpdump)
		ip netns exec "$NS" tcpdump -i lo -n -s 128 -B 8192 -w "$out.pcap" "tcp port $PORT" \
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

	record "$PART" "$mode" "$run" foreign "$(foreign_state)"
	record "$PART" "$mode" "$run" loadavg "$(cut -d' ' -f1 /proc/loadavg)"
	c0=$(cpu_snapshot)
	ip netns exec "$NS" iperf3 -c 127.0.0.1 -p $PORT -t "$SECS" ${RATE:+-b "$RATE"} -J >"$out.json" 2>&1 ||
		die "iperf3 client failed: $(tail -3 "$out.json")"
	if [ -n "$tool_pid" ]; then
		stop_pid "$tool_pid" INT
		tool_pid=
		[ "$STOP_RC" = 0 ] || log "$mode run $run: capture tool exited $STOP_RC: $(tail -2 "$out.tool")"
	fi
	c1=$(cpu_snapshot)
	wait "$server_pid" 2>/dev/null || true
	server_pid=
	[ "$mode" = capture ] && "$ELOGCTL" kern.eventlog.tcp.default=0 >/dev/null

	cpu=$(cpu_busy_seconds "$c0" "$c1")
	read -r bytes bps secs < <(python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["end"]["sum_received"]
print(e["bytes"], e["bits_per_second"], e["seconds"])' "$out.json")
	case $mode in
	disabled | capture)
		events=$(awk '/Events received:/ { print $3 }' "$out.tool")
		dropped=$(awk '/Dropped events:/ { print $3 }' "$out.tool")
		record "$PART" "$mode" "$run" file_bytes "$(stat -c %s "$out.elog")"
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
	record "$PART" "$mode" "$run" gbps "$(awk -v b="$bps" 'BEGIN { printf "%.3f", b / 1e9 }')"
	record "$PART" "$mode" "$run" cpu_s "$cpu"
	record "$PART" "$mode" "$run" cpu_s_per_gb "$(awk -v c="$cpu" -v b="$bytes" 'BEGIN { printf "%.5f", c / (b / 1e9) }')"
	record "$PART" "$mode" "$run" events "${events:-0}"
	record "$PART" "$mode" "$run" dropped "${dropped:-0}"
	log "$PART $mode run $run: $(awk -v b="$bps" 'BEGIN { printf "%.2f", b / 1e9 }') Gbit/s, cpu ${cpu}s for $bytes bytes, events ${events:-0}, dropped ${dropped:-0}"
	# Keep the capture files (part 4/5 use them), drop the rest.
	rm -f "$out.pcap" "$out.bt" "$out.server"
	[ "$mode" = disabled ] && rm -f "$out.elog"
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
