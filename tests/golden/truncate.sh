#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# `elog -r` on every prefix of a capture: never a crash, exit 0 (exit 1 and
# "File is empty" for the empty prefix), exactly the records that are
# complete in the prefix, printed as the same lines as from the whole file,
# and exactly one warning line on stderr unless the prefix is the whole file.
# On every 16th prefix also --summary --json and --report (what a cut
# capture's analysis reads is partial payloads too): exit 0, a row per
# complete connection at most, a report written.
#
#   tests/golden/truncate.sh ELOG CAPTURE
set -u
ELOG=${1:?usage: truncate.sh ELOG CAPTURE}
CAP=${2:?usage: truncate.sh ELOG CAPTURE}
tmp=$(mktemp -d /tmp/elog-trunc.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
fail() { failed=$((failed + 1)); printf 'FAIL cut %s: %s\n' "$1" "$2" >&2; }

size=$(wc -c <"$CAP")
"$ELOG" -e -r "$CAP" >"$tmp/full" 2>"$tmp/full.err" || { echo "cannot decode $CAP" >&2; exit 1; }
[ -s "$tmp/full.err" ] && { echo "$CAP decodes with warnings" >&2; exit 1; }
"$ELOG" -r "$CAP" --summary --json >"$tmp/full.sum" || { echo "no summary of $CAP" >&2; exit 1; }

# Record boundaries, read from the file itself: preamble, then u16 lengths.
u16() { od -An -tu2 -j "$1" -N2 "$CAP" | tr -d ' '; }
u32() { od -An -tu4 -j "$1" -N4 "$CAP" | tr -d ' '; }
off=$((44 + 34 * $(u32 40)))
ends=""
while [ "$off" -lt "$size" ]; do
	off=$((off + $(u16 "$off")))
	ends="$ends $off"
done
[ "$off" -eq "$size" ] || { echo "$CAP: records do not end at EOF" >&2; exit 1; }

cut=0
while [ "$cut" -le "$size" ]; do
	head -c "$cut" "$CAP" >"$tmp/cut"
	"$ELOG" -e -r "$tmp/cut" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	complete=0
	for e in $ends; do [ "$e" -le "$cut" ] && complete=$((complete + 1)); done
	lines=$(wc -l <"$tmp/out")
	warnings=$(wc -l <"$tmp/err")
	if [ "$cut" -eq 0 ]; then
		if [ "$rc" -eq 1 ] && [ "$(cat "$tmp/err")" = "elog: File is empty" ]; then
			passed=$((passed + 1))
		else
			fail 0 "exit $rc, stderr '$(cat "$tmp/err")'"
		fi
	elif [ "$rc" -ne 0 ]; then
		fail "$cut" "exit $rc: $(cat "$tmp/err")"
	elif [ "$lines" -ne "$complete" ]; then
		fail "$cut" "$lines events decoded, $complete complete records"
	elif ! head -n "$lines" "$tmp/full" | cmp -s - "$tmp/out"; then
		fail "$cut" "decoded lines differ from the full decode"
	elif [ "$cut" -lt "$size" ] && [ "$warnings" -ne 1 ]; then
		fail "$cut" "$warnings lines on stderr, expected one warning"
	elif [ "$cut" -eq "$size" ] && [ "$warnings" -ne 0 ]; then
		fail "$cut" "warnings for the complete file"
	elif [ "$warnings" -eq 1 ] && ! grep -q '^elog: warning: ' "$tmp/err"; then
		fail "$cut" "stderr is not a warning: $(cat "$tmp/err")"
	else
		passed=$((passed + 1))
	fi
	if [ "$cut" -gt 0 ] && [ $((cut % 16)) -eq 0 ]; then
		rm -f "$tmp/r.html"
		if ! "$ELOG" -r "$tmp/cut" --summary --json >"$tmp/sum" 2>/dev/null; then
			fail "$cut" "--summary failed"
		elif [ "$(wc -l <"$tmp/sum")" -gt "$(wc -l <"$tmp/full.sum")" ]; then
			fail "$cut" "--summary has more rows than for the whole file"
		elif ! "$ELOG" -r "$tmp/cut" --report "$tmp/r.html" 2>/dev/null || [ ! -s "$tmp/r.html" ]; then
			fail "$cut" "--report failed"
		else
			passed=$((passed + 1))
		fi
	fi
	cut=$((cut + 1))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
