# SPDX-License-Identifier: BSD-2-Clause
# bench/lib.sh: shared by the bench/ scripts (sourced, not run).
#
#   ELOG_BIN     built binaries (default build/bin of this tree)
#   BENCH_HELP   helper binaries compiled by run.sh (build/bench)
#   BENCH_OUT    results directory; every script appends "part<TAB>mode<TAB>run<TAB>key<TAB>value"
#                lines to $BENCH_OUT/results.tsv
#
# Cleanup: bench_on_exit CMD pushes a command; they run in reverse order on
# exit (normal, error or signal), each one allowed to fail.

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ELOG_BIN=${ELOG_BIN:-$BENCH_ROOT/build/bin}
BENCH_HELP=${BENCH_HELP:-$BENCH_ROOT/build/bench}
BENCH_OUT=${BENCH_OUT:-$BENCH_ROOT/build/bench/results}
mkdir -p "$BENCH_OUT"

_bench_cleanups=()
bench_on_exit() { _bench_cleanups+=("$1"); }
_bench_run_cleanups() {
	local i
	for ((i = ${#_bench_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_bench_cleanups[$i]}" >/dev/null 2>&1 || true
	done
	_bench_cleanups=()
}
trap '_bench_run_cleanups' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# record PART MODE RUN KEY VALUE
record() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_OUT/results.tsv"; }

# Machine-wide CPU from /proc/stat, in jiffies: "busy total".
# busy = user + nice + system + irq + softirq + steal (guest is inside user).
cpu_snapshot() {
	awk '$1 == "cpu" { b = $2 + $3 + $4 + $7 + $8 + $9; t = b + $5 + $6; print b, t; exit }' /proc/stat
}
# What the CPUs did besides running code, machine-wide counters:
# "ctxt res_ipi call_ipi idle_entries idle_us" (context switches,
# rescheduling and function-call IPIs, cpuidle state entries and time over
# every CPU and state; 0 where the kernel has no cpuidle driver). The busy
# CPU per byte of two modes moves with these as well as with the work done.
sys_snapshot() {
	local n=0 us=0 f
	for f in /sys/devices/system/cpu/cpu[0-9]*/cpuidle/state*/usage; do
		[ -r "$f" ] || continue
		n=$((n + $(cat "$f")))
		us=$((us + $(cat "${f%usage}time")))
	done
	awk -v n="$n" -v us="$us" '
		FILENAME == "/proc/stat" && $1 == "ctxt" { c = $2 }
		FILENAME == "/proc/interrupts" && $1 == "RES:" { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) r += $i }
		FILENAME == "/proc/interrupts" && $1 == "CAL:" { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) k += $i }
		END { print c + 0, r + 0, k + 0, n, us }' /proc/stat /proc/interrupts
}
# sys_record PART MODE RUN "S0" "S1": the deltas of two sys_snapshots.
sys_record() {
	local a b k i=1
	read -r -a a <<<"$4"
	read -r -a b <<<"$5"
	for k in ctxt res_ipi call_ipi idle_entries idle_us; do
		record "$1" "$2" "$3" "$k" "$((b[i - 1] - a[i - 1]))"
		i=$((i + 1))
	done
}

# cpu_busy_seconds "B0 T0" "B1 T1": busy CPU-seconds between two snapshots.
cpu_busy_seconds() {
	local hz
	hz=$(getconf CLK_TCK)
	awk -v a="$1" -v b="$2" -v hz="$hz" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.3f\n", (y[1] - x[1]) / hz }'
}

# wait_for SECONDS CMD...: polls CMD every 50 ms until it succeeds.
wait_for() {
	local limit=$1 i
	shift
	for ((i = 0; i < limit * 20; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

# stop_pid PID [SIGNAL]: signals a process we started and waits for it;
# its exit status is left in STOP_RC (not printed: a $(...) subshell cannot
# wait for our children).
STOP_RC=0
stop_pid() {
	local pid=$1 sig=${2:-INT}
	STOP_RC=0
	kill -"$sig" "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || STOP_RC=$?
}

# Runs the rest of the calling script in a private mount namespace with its
# own bpffs and /run/eventlog, so the providers it loads, subscribes to and
# unloads are its own: tests and captures that other people run at the same
# time neither see nor disturb them (their programs still run on the same
# CPUs; that is noise, reported by the conditions block). /run/netns is
# private too, so a namespace made with `ip netns add` here is ours alone.
# Everything mounted there disappears with the namespace. Usage: bench_private_ns "$0" "$@"
bench_private_ns() {
	if [ "${ELOG_BENCH_PRIVATE:-}" = 1 ]; then
		return 0
	fi
	export ELOG_BENCH_PRIVATE=1
	exec unshare -m --propagation private bash -c '
		set -e
		mount -t bpf bpf /sys/fs/bpf
		# The host gets the mount points: /run/eventlog as the runtime
		# makes it (owner-only; tests/e2e/test_privilege.py checks it).
		[ -d /run/eventlog ] || mkdir -m 0700 /run/eventlog
		mkdir -p /run/netns
		mount -t tmpfs -o mode=0700 tmpfs /run/eventlog
		mount -t tmpfs -o mode=0755 tmpfs /run/netns
		if ! grep -q " /sys/kernel/tracing tracefs " /proc/mounts; then
			mount -t tracefs tracefs /sys/kernel/tracing
		fi
		exec "$@"' bench "$@"
}

# Median / min / max of the numbers on stdin: "median min max n".
stats() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "nan nan nan 0"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		print m, v[1], v[NR], NR }'
}
