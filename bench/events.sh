#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# bench/events.sh: event rate through the framework with the test provider.
#
# sustained  bench/pace emits RATE events/s (64-byte records: 32-byte header
#            + 32-byte payload) for SECONDS into one subscriber,
#            `elog -c test INFO <kw> -b 4M -o FILE`; counts what was emitted,
#            delivered (records in the file, header count) and dropped.
#            Run RUNS times.
# overload   flat out (no pacing) into a subscriber with the smallest buffer
#            (-b 64K), so the ring overflows: checks delivered + dropped ==
#            emitted, exactly.
#
# The session is created and enabled before the capture and destroyed after
# it, so the capture holds exactly the emitted events. Keyword 0x40000000 is
# used by nothing else. Runs in a private bpffs (lib.sh), so nobody else's
# test provider traffic can reach this subscriber.
#
#   bench/events.sh [-r RATE] [-t SECONDS] [-n RUNS] [-N OVERLOAD_EVENTS]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_private_ns "$0" "$@"

RATE=2000000
SECS=10
RUNS=3
OVER=20000000
while getopts "r:t:n:N:" opt; do
	case $opt in
	r) RATE=$OPTARG ;;
	t) SECS=$OPTARG ;;
	n) RUNS=$OPTARG ;;
	N) OVER=$OPTARG ;;
	*) echo "usage: events.sh [-r RATE] [-t SECONDS] [-n RUNS] [-N OVERLOAD_EVENTS]" >&2; exit 1 ;;
	esac
done

ELOG=$ELOG_BIN/elog
TESTGEN=$ELOG_BIN/elog-testgen
PACE=$BENCH_HELP/pace
WALK=$BENCH_HELP/walk
[ -x "$PACE" ] && [ -x "$WALK" ] || die "bench helpers missing: run bench/run.sh (it builds them)"
DIR=$BENCH_OUT/events
mkdir -p "$DIR"
S=17
KW=0x40000000
LEN=32

tool_pid=
bench_on_exit '[ -n "$tool_pid" ] && kill -INT $tool_pid && wait $tool_pid'
bench_on_exit "$ELOG_BIN/elogctl -U test"
bench_on_exit "$TESTGEN destroy $S"

subscribed() { "$TESTGEN" status | grep -q "subscribers 1 "; }

# header_counts FILE: "event_count dropped_events" from the ELOG v1 header.
header_counts() {
	od -An -t u8 -j 24 -N 16 "$1" | awk '{ print $1, $2 }'
}

# one PART RUN BUFFER RATE AMOUNT
one() {
	local part=$1 run=$2 buf=$3 rate=$4 amount=$5 out=$DIR/$1.$2 line emitted secs
	local hdr_events hdr_dropped walked c0 c1
	"$TESTGEN" create $S enable $S 1 >/dev/null
	"$ELOG" -c test INFO $KW -b "$buf" -s -o "$out.elog" 2>"$out.tool" &
	tool_pid=$!
	wait_for 10 subscribed || die "elog did not subscribe"
	c0=$(cpu_snapshot)
	line=$("$PACE" $S "$rate" "$amount" $LEN $KW)
	stop_pid "$tool_pid" INT
	tool_pid=
	c1=$(cpu_snapshot)
	[ "$STOP_RC" = 0 ] || die "elog exited $STOP_RC: $(cat "$out.tool")"
	"$TESTGEN" destroy $S >/dev/null
	emitted=$(awk '{ print $2 }' <<<"$line")
	secs=$(awk '{ print $4 }' <<<"$line")
	read -r hdr_events hdr_dropped < <(header_counts "$out.elog")
	walked=$("$WALK" "$out.elog" | awk '{ print $2 }')
	record events "$part" "$run" target "$rate"
	record events "$part" "$run" emitted "$emitted"
	record events "$part" "$run" seconds "$secs"
	record events "$part" "$run" rate "$(awk '{ print $6 }' <<<"$line")"
	record events "$part" "$run" behind_max "$(awk '{ print $8 }' <<<"$line")"
	record events "$part" "$run" delivered "$hdr_events"
	record events "$part" "$run" walked "$walked"
	record events "$part" "$run" dropped "$hdr_dropped"
	record events "$part" "$run" buffer "$buf"
	record events "$part" "$run" cpu_s "$(cpu_busy_seconds "$c0" "$c1")"
	record events "$part" "$run" loadavg "$(cut -d' ' -f1 /proc/loadavg)"
	log "events $part run $run: $line; file: $hdr_events delivered ($walked records), $hdr_dropped dropped"
	rm -f "$out.elog"
}

for ((r = 1; r <= RUNS; r++)); do
	one sustained "$r" 4M "$RATE" "$SECS"
done
one overload 1 64K 0 "$OVER"
