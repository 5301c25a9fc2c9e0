#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Every program of every provider built in must verify with a wide margin on
# this kernel: at most 10 % of the verifier's instruction limit and 0.5 s of
# verification each. Prints elogctl -V's table, then one line per program
# over the margin, and fails on any (or when a program is refused: elogctl
# -V then says which and why). Needs root, as every load does.
set -eu
bin=$1
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if [ "$(id -u)" -ne 0 ]; then
	echo "tests/verifier/check.sh: needs root (it loads BPF programs)" >&2
	exit 1
fi
rc=0
"$bin/elogctl" -V > "$out" || rc=1
cat "$out"
awk 'NR > 1 {
	limit = $4 + 0
	if ($3 > 100000 || limit > 10.0 || $7 > 500000) {
		printf "over the margin: %s %s: %d instructions (%s of the limit), %d us\n", $1, $2, $3, $4, $7
		bad = 1
	}
} END { exit bad }' "$out" || rc=1
[ $rc -eq 0 ] && echo "verifier margin: every program within 10 % of the instruction limit and 0.5 s"
exit $rc
