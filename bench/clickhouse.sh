#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# ClickHouse insert benchmark (a benchmark, not a test): N events (default
# 2,000,000, the mix of bench/decode.sh: IN, OUT, ACK, RTT_SAMPLE,
# CONN_SET_IP_V4) loaded by one `elog -r FILE --clickhouse URL` into one
# local clickhouse-server (started here, on the ports of
# scripts/clickhouse-pair.sh, in a fresh database per run), at each batch
# size given (bytes of RowBinary rows per insert); prints events/s and the
# CPU seconds elog itself used. The goal is >= 1,000,000 events/s.
# With LIVE=1 it then measures the live path: elog -c tcp's CPU per event
# with --clickhouse against -o FILE, each during the same 5 s iperf3
# loopback transfer (needs BPF; kern.eventlog.tcp.default=1 meanwhile).
#
#   [LIVE=1] bench/clickhouse.sh [N] [BATCH_BYTES...]   (as root, from the repository root)
set -eu
N=${1:-2000000}
[ $# -gt 0 ] && shift
BATCHES=${*:-8388608 67108864}
BUILD=${BUILD:-build}
ELOG=$BUILD/bin/elog
GEN=$BUILD/tests/gen_golden

make --no-print-directory -s "$ELOG" "$GEN" "$BUILD/bin/elog-schemac" >/dev/null
tmp=$(mktemp -d /tmp/elog-chbench.XXXXXX)
chmod 755 "$tmp" # the servers run as another user
trap 'scripts/clickhouse-pair.sh stop "$tmp/pair"; rm -rf "$tmp"' EXIT
scripts/clickhouse-pair.sh start "$tmp/pair" "$BUILD/bin/elog-schemac" >/dev/null
"$GEN" "$tmp" bench "$N"

now_ns() { date +%s%N; }
t0=$(now_ns)
"$ELOG" -r "$tmp/bench.elog" --json >/dev/null
t1=$(now_ns)
echo "decode to JSON (reference): $((N * 1000 / ((t1 - t0) / 1000000))) events/s"
for b in $BATCHES; do
	db=bench_$b
	for src in schemas/*.src; do
		"$BUILD/bin/elog-schemac" --clickhouse - --clickhouse-database "$db" "$src" |
			clickhouse-client --port 19001 --multiquery
	done
	t0=$(now_ns)
	cpu=$( { ELOG_CLICKHOUSE_BATCH_BYTES=$b /usr/bin/time -f '%U %S' "$ELOG" -r \
		"$tmp/bench.elog" --clickhouse "http://127.0.0.1:18123/?database=$db" -s \
		2>&1 >/dev/null; } | awk '/Inserted/ { n = $2 } END { print }')
	t1=$(now_ns)
	got=$(curl -s "http://127.0.0.1:18123/" --data-binary \
		"SELECT count() FROM $db.tcp_events")
	[ "$got" -eq "$N" ] || { echo "inserted $got rows, expected $N" >&2; exit 1; }
	ms=$(((t1 - t0) / 1000000))
	echo "RowBinary, batch $b bytes: $N events in $ms ms = $((N * 1000 / ms)) events/s;" \
		"elog CPU (user sys) $cpu s"
done

[ "${LIVE:-0}" = 1 ] || exit 0
live() { # label, elog args...: CPU per event of one capture during iperf3
	label=$1; shift
	"$BUILD/bin/elogctl" kern.eventlog.tcp.default=1 >/dev/null
	iperf3 -s -1 -p 15201 >/dev/null 2>&1 &
	srv=$!
	/usr/bin/time -f '%U %S' -o "$tmp/time" "$ELOG" -c tcp -s --duration 7 "$@" \
		2>"$tmp/stats" >/dev/null &
	el=$!
	sleep 1
	iperf3 -c 127.0.0.1 -p 15201 -t 5 >/dev/null
	wait $el; wait $srv || true
	"$BUILD/bin/elogctl" kern.eventlog.tcp.default=0 >/dev/null
	n=$(awk '/Events received/ { print $3 }' "$tmp/stats")
	awk -v n="$n" -v l="$label" '{ printf "live %s: %d events, elog CPU %.2f s = %.0f ns/event\n", l, n, $1 + $2, ($1 + $2) * 1e9 / n }' "$tmp/time"
}
db=bench_live
for src in schemas/*.src; do
	"$BUILD/bin/elog-schemac" --clickhouse - --clickhouse-database "$db" "$src" |
		clickhouse-client --port 19001 --multiquery
done
live "-o FILE" -o "$tmp/live.elog"
live "--clickhouse" --clickhouse "http://127.0.0.1:18123/?database=$db"
