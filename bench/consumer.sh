#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# bench/consumer.sh: side-by-side CPU cost of the live-capture consumer
# (`elog -c test INFO <kw> -b 4M -o FILE`) per event, for two elog binaries
# under the same load: bench/pace emits RATE events/s (record = 32 + LEN
# bytes) for SECONDS into one subscriber. The binaries run alternately
# (the first one rotates every round). Per run: elog's on-CPU time (sum of
# /proc/PID/task/*/schedstat, ns, read 300 ms after the load ends, before
# SIGINT: the steady state, not start-up and exit), divided by the events
# in the file; the file's header must count every emitted event as
# delivered or dropped (drops are reported). With -p P, P pace processes
# (RATE/P each) run pinned to CPUs 0..P-1, so records reach several rings
# (one per CPU) and interleave in time, as with TCP traffic (sender and
# receiver). Prints per-run ns/event and, per round, the ratio NEW/OLD,
# then the median ratio and its min-max. A comparison, not a pass/fail
# test. Both binaries must embed the same BPF object as ELOG_BIN's
# elog-testgen, which loads the provider once for both (an object built
# elsewhere differs, if only in its debug paths): build the old one in this
# same tree first and copy it out (cp build/bin/elog /tmp/elog.old).
#
#   bench/consumer.sh [-r RATE] [-t SECONDS] [-n ROUNDS] [-l LEN] [-p P] OLD_ELOG NEW_ELOG
#
# Needs build/bench/pace (bench/run.sh builds it). Runs in a private bpffs
# (lib.sh): the test provider it loads and unloads is its own.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_private_ns "$0" "$@"

RATE=1000000
SECS=3
ROUNDS=3
LEN=32
PAR=1
while getopts "r:t:n:l:p:" opt; do
	case $opt in
	r) RATE=$OPTARG ;;
	t) SECS=$OPTARG ;;
	n) ROUNDS=$OPTARG ;;
	l) LEN=$OPTARG ;;
	p) PAR=$OPTARG ;;
	*) echo "usage: consumer.sh [-r RATE] [-t SECONDS] [-n ROUNDS] [-l LEN] [-p P] OLD NEW" >&2; exit 1 ;;
	esac
done
shift $((OPTIND - 1))
[ $# = 2 ] || die "usage: consumer.sh [-r RATE] [-t SECONDS] [-n ROUNDS] [-l LEN] [-p P] OLD NEW"
BINS=("$1" "$2")
NAMES=(old new)

TESTGEN=$ELOG_BIN/elog-testgen
PACE=$BENCH_HELP/pace
[ -x "$PACE" ] || die "bench/pace missing: run bench/run.sh (it builds it)"
DIR=$(mktemp -d /tmp/consumer.XXXXXX)
S=17
KW=0x40000000

tool_pid=
bench_on_exit "rm -rf $DIR"
bench_on_exit '[ -n "$tool_pid" ] && kill -INT $tool_pid && wait $tool_pid'
bench_on_exit "$ELOG_BIN/elogctl -U test"
bench_on_exit "$TESTGEN destroy $S"

subscribed() { "$TESTGEN" status | grep -q "subscribers 1 "; }
header_counts() { od -An -t u8 -j 24 -N 16 "$1" | awk '{ print $1, $2 }'; }
oncpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'; }

# one BIN_INDEX: prints "ns_per_event"
one() {
	local b=$1 out=$DIR/cap.elog line emitted ns ev dr
	"$TESTGEN" create $S enable $S 1 >/dev/null
	"${BINS[$b]}" -c test INFO $KW -b 4M -o "$out" >/dev/null 2>"$DIR/tool" &
	tool_pid=$!
	wait_for 10 subscribed || die "elog did not subscribe"
	local i pids=()
	for ((i = 0; i < PAR; i++)); do
		taskset -c $((i % $(nproc))) "$PACE" $S $((RATE / PAR)) "$SECS" "$LEN" $KW >"$DIR/pace.$i" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || die "pace failed"; done
	line=$(cat "$DIR"/pace.* | awk '{ n += $2 } END { print "emitted", n }')
	sleep 0.3
	ns=$(oncpu_ns "$tool_pid")
	stop_pid "$tool_pid" INT
	tool_pid=
	[ "$STOP_RC" = 0 ] || die "elog exited $STOP_RC: $(cat "$DIR/tool")"
	"$TESTGEN" destroy $S >/dev/null
	emitted=$(awk '{ print $2 }' <<<"$line")
	read -r ev dr < <(header_counts "$out")
	# A consumer that falls behind (or a busy machine) drops: reported,
	# and the cost is then per record in the file; exact counts checked.
	[ "$dr" = 0 ] || log "${NAMES[$b]}: $dr dropped"
	[ $((ev + dr)) -ge "$emitted" ] || die "${NAMES[$b]}: $ev in the file + $dr dropped < $emitted emitted"
	rm -f "$out"
	awk -v ns="$ns" -v ev="$ev" 'BEGIN { printf "%.1f\n", ns / ev }'
}

"$TESTGEN" create $S >/dev/null # loads the provider once for both binaries
"$TESTGEN" destroy $S >/dev/null
log "rate $RATE/s ($PAR pace), ${SECS}s, record $((32 + LEN)) bytes, $ROUNDS rounds: old=${BINS[0]} new=${BINS[1]}"
ratios=()
for ((r = 1; r <= ROUNDS; r++)); do
	declare -A v=()
	for k in 0 1; do
		b=$(((k + r) % 2))
		v[$b]=$(one $b)
	done
	ratio=$(awk -v a="${v[0]}" -v b="${v[1]}" 'BEGIN { printf "%.3f\n", b / a }')
	ratios+=("$ratio")
	log "round $r: old ${v[0]} ns/event, new ${v[1]} ns/event, new/old $ratio"
	unset v
done
read -r med min max n < <(printf '%s\n' "${ratios[@]}" | stats)
log "new/old: median $med (min $min, max $max, $n rounds)"
