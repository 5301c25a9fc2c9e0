#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# ClickHouse insert benchmark (a benchmark, not a test): N events (default
# 2,000,000, the mix of bench/decode.sh: IN, OUT, ACK, RTT_SAMPLE,
# CONN_SET_IP_V4) loaded by one `elog -r FILE --clickhouse URL` into one
# local clickhouse-server (started here, on the ports of
# scripts/clickhouse-pair.sh, in a fresh database per run), at each batch
# size given (bytes of column values per insert); prints events/s, the CPU
# elog used per event, and the server's CPU per event (its inserts and the
# merges they cause: counted until no merge runs) and elog's peak RSS, with
# the load average
# (the machine may be shared). The goal is >= 1,000,000 events/s.
# With BASE=DIR/elog, another build's elog (e.g. the previous commit's) is
# run the same way, alternating with this one, ROUNDS times (default 2),
# and in the live measure too.
# With LIVE=1 it then measures the live path: elog -c tcp's CPU per event
# with --clickhouse against -o FILE, each during the same 5 s iperf3
# loopback transfer (needs BPF; kern.eventlog.tcp.default=1 meanwhile).
#
#   [BASE=ELOG] [ROUNDS=N] [LIVE=1] bench/clickhouse.sh [N] [BATCH_BYTES...]
#   (as root, from the repository root)
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
# The server's CPU (user + system) in ticks, and its merges still running.
spid=$(cat "$tmp/pair/s1/pid")
server_ticks() { awk '{ print $14 + $15 }' "/proc/$spid/stat"; }
merges() { curl -s "http://127.0.0.1:18123/" --data-binary "SELECT count() FROM system.merges"; }
tick=$(getconf CLK_TCK)
run=0
one() { # label, elog, batch bytes
	run=$((run + 1))
	db=bench_$run
	for src in schemas/*.src; do
		"$BUILD/bin/elog-schemac" --clickhouse - --clickhouse-database "$db" "$src" |
			clickhouse-client --port 19001 --multiquery
	done
	load=$(cut -d' ' -f1 /proc/loadavg)
	c0=$(server_ticks)
	t0=$(now_ns)
	cpu=$( { ELOG_CLICKHOUSE_BATCH_BYTES=$3 /usr/bin/time -f '%U %S %M' "$2" -r \
		"$tmp/bench.elog" --clickhouse "http://127.0.0.1:18123/?database=$db" \
		2>&1 >/dev/null; } | tail -n 1)
	t1=$(now_ns)
	i=0
	while [ "$(merges)" != 0 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	c1=$(server_ticks)
	got=$(curl -s "http://127.0.0.1:18123/" --data-binary \
		"SELECT count() FROM $db.tcp_events")
	[ "$got" -eq "$N" ] || { echo "$1: inserted $got rows, expected $N" >&2; exit 1; }
	curl -s "http://127.0.0.1:18123/" --data-binary "DROP DATABASE $db"
	ms=$(((t1 - t0) / 1000000))
	echo "$cpu" | awk -v l="$1" -v b="$3" -v n="$N" -v ms="$ms" -v s=$((c1 - c0)) \
		-v hz="$tick" -v load="$load" '{ printf "%s, batch %d bytes: %d events/s; " \
		"elog CPU %.2f us/event, server CPU %.2f us/event; elog peak RSS %d MB; " \
		"load %s\n", l, b, n * 1000 / ms, ($1 + $2) * 1e6 / n, s / hz * 1e6 / n, \
		$3 / 1024, load }'
}
for b in $BATCHES; do
	r=0
	while [ $r -lt "${ROUNDS:-2}" ]; do
		[ -n "${BASE:-}" ] && one base "$BASE" "$b"
		one this "$ELOG" "$b"
		r=$((r + 1))
	done
done

[ "${LIVE:-0}" = 1 ] || exit 0
live() { # label, elog, its args...: CPU per event of one capture during iperf3
	label=$1; bin=$2; shift 2
	"$BUILD/bin/elogctl" kern.eventlog.tcp.default=1 >/dev/null
	iperf3 -s -1 -p 15201 >/dev/null 2>&1 &
	srv=$!
	/usr/bin/time -f '%U %S' -o "$tmp/time" "$bin" -c tcp -s --duration 7 "$@" \
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
live "-o FILE" "$ELOG" -o "$tmp/live.elog"
[ -n "${BASE:-}" ] && live "--clickhouse (base)" "$BASE" --clickhouse "http://127.0.0.1:18123/?database=$db"
live "--clickhouse" "$ELOG" --clickhouse "http://127.0.0.1:18123/?database=$db"
