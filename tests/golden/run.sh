#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# Golden captures: regenerates them with gen_golden (built from the
# generated producer structs) and requires the committed *.elog to match
# byte for byte, then decodes each case of `cases` and compares stdout and
# stderr with expected/ byte for byte. Also: the .gz copy and stdin decode
# identically to the file.
#
#   tests/golden/run.sh ELOG GEN_GOLDEN           run
#   tests/golden/run.sh ELOG GEN_GOLDEN --update  rewrite captures and expected/
set -u
ELOG=${1:?usage: run.sh ELOG GEN_GOLDEN [--update]}
GEN=${2:?usage: run.sh ELOG GEN_GOLDEN [--update]}
UPDATE=${3:-}
dir=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/elog-golden.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); printf 'FAIL %s\n' "$1" >&2; }

mkdir -p "$tmp/gen" "$dir/expected"
if ! "$GEN" "$tmp/gen"; then
	echo "gen_golden failed" >&2
	exit 1
fi
for f in "$tmp"/gen/*.elog; do
	b=$(basename "$f")
	if [ "$UPDATE" = --update ]; then
		cp "$f" "$dir/$b"
	elif cmp -s "$f" "$dir/$b"; then
		ok
	else
		fail "$b: regenerated capture differs from the committed one"
	fi
done

grep -v '^#' "$dir/cases" | while read -r name capture opts; do
	[ -n "$name" ] || continue
	# shellcheck disable=SC2086 # options are split on purpose
	"$ELOG" $opts -r "$dir/$capture" >"$tmp/$name.out" 2>"$tmp/$name.err"
	echo "$name $?"
done >"$tmp/status"

while read -r name rc; do
	if [ "$UPDATE" = --update ]; then
		cp "$tmp/$name.out" "$dir/expected/$name.out"
		if [ -s "$tmp/$name.err" ]; then
			cp "$tmp/$name.err" "$dir/expected/$name.err"
		else
			rm -f "$dir/expected/$name.err"
		fi
		continue
	fi
	[ "$rc" -eq 0 ] && ok || fail "$name: exit $rc"
	cmp -s "$tmp/$name.out" "$dir/expected/$name.out" && ok ||
		{ fail "$name: stdout differs"; diff "$dir/expected/$name.out" "$tmp/$name.out" | head -20 >&2; }
	exp_err=/dev/null
	[ -f "$dir/expected/$name.err" ] && exp_err="$dir/expected/$name.err"
	cmp -s "$tmp/$name.err" "$exp_err" && ok ||
		{ fail "$name: stderr differs"; diff "$exp_err" "$tmp/$name.err" | head -20 >&2; }
done <"$tmp/status"
[ "$UPDATE" = --update ] && { echo "updated $dir"; exit 0; }

# Decoding twice is byte-identical; .gz and stdin give the same text.
"$ELOG" -e -r "$dir/sample.elog" >"$tmp/a" 2>&1
"$ELOG" -e -r "$dir/sample.elog" >"$tmp/b" 2>&1
cmp -s "$tmp/a" "$tmp/b" && ok || fail "two decodes differ"
gzip -c "$dir/sample.elog" >"$tmp/sample.elog.gz"
"$ELOG" -e -r "$tmp/sample.elog.gz" >"$tmp/gz" 2>&1
cmp -s "$tmp/a" "$tmp/gz" && ok || fail ".gz decode differs"
"$ELOG" -e -r - <"$dir/sample.elog" >"$tmp/stdin" 2>&1
cmp -s "$tmp/a" "$tmp/stdin" && ok || fail "stdin decode differs"
"$ELOG" -e -r - <"$tmp/sample.elog.gz" >"$tmp/stdin-gz" 2>&1
cmp -s "$tmp/a" "$tmp/stdin-gz" && ok || fail "compressed stdin decode differs"

# The sample's defining lines, checked independently of expected/.
acc() {
	grep -qF -- "$1" "$tmp/a" && ok || fail "sample: no line containing '$1'"
}
acc 'IPv4 connection 127.0.0.1:5000 -> 127.0.0.1:6000'
acc 'flags CP_SACK_PERMIT|CP_TIMESTAMPS, cc cubic'
acc 'flags SYN|ACK) in state ESTABLISHED'
acc 'MSS set to 1460 bytes'
grep -Eq '^\[ 0\]1a2b::01:02:03\.[0-9]{6} \[tcp\]\[77\]\[IN\] Received ' "$tmp/a" && ok ||
	fail "sample: IN line shape"
"$ELOG" -e -r "$dir/edge.elog" >"$tmp/edge" 2>&1
grep -q '^\[ 0\]1a2b::[0-9:.]* \[tcp\]\[77\]\[MSS\] MSS set to 1460 bytes$' "$tmp/edge" && ok ||
	fail "edge: 2-byte MSS payload"
grep -qF '[UNKNOWN_EVENT_ID:4242]' "$tmp/edge" && ok || fail "edge: unknown id"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
