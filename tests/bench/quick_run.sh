#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/bench/quick_run.sh: bench/run.sh end to end as a smoke test
# (BENCH_QUICK=1: 2 s rounds, ~3 minutes), then tests/bench/check_quick_run.py
# on what it produced and on bench/doc.py writing a copy of
# docs/PERFORMANCE.md. Figures are not judged (CI machines vary); that every
# part runs, and the counts that must agree, are. Needs root and the
# packages of scripts/install-deps.sh, like the benchmark itself.
set -eu
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/elog-bench-smoke.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
cp docs/PERFORMANCE.md "$work/PERFORMANCE.md"
if ! BENCH_QUICK=1 BENCH_NO_BUILD=1 BENCH_OUT="$work/results" bench/run.sh >"$work/run.log" 2>&1; then
	tail -40 "$work/run.log" >&2
	echo "bench smoke run: bench/run.sh failed (log above)" >&2
	exit 1
fi
python3 tests/bench/check_quick_run.py "$work/results" "$work/PERFORMANCE.md"
