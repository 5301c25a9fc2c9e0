#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# Decode benchmark (a benchmark, not a test): builds a synthetic capture of
# N events (default 2,000,000) with the golden generator, which lays the
# payloads out with the generated producer macros, then times
# `elog -r FILE >/dev/null` (best of R runs, default 3) and prints events/s.
# The goal is >= 1,000,000 events/s on the project's 2-core machine.
#
#   bench/decode.sh [--write-doc | --base REV [--base REV2 ...]] [N] [RUNS]
#   (from the repository root)
#   BUILD=build make ... first; uses $BUILD/bin/elog and $BUILD/tests/gen_golden
#   --write-doc  also records the figure in docs/PERFORMANCE.md
#   --base REV   instead: `elog` of git revision REV (built from `git archive`;
#                several --base for several) against this tree's, side by
#                side in one run: RUNS rounds (default 9), each timing text
#                and JSON (`--json`) decoding of the same file with every
#                build, the order rotating from round to round. CPU time is
#                perf's task-clock of the elog process (scheduler run time,
#                not ticks); each round gives one ratio to the first base per
#                build and output. Prints a Markdown table: medians and the
#                min-max over the rounds.
set -eu
write_doc=0
bases=
while :; do
	case ${1:-} in
	--write-doc) write_doc=1; shift ;;
	--base) bases="$bases $2"; shift 2 ;;
	*) break ;;
	esac
done
N=${1:-2000000}
RUNS=${2:-3}
BUILD=${BUILD:-build}
ELOG=$BUILD/bin/elog
GEN=$BUILD/tests/gen_golden

make --no-print-directory -s "$ELOG" "$GEN" >/dev/null
tmp=$(mktemp -d /tmp/elog-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

"$GEN" "$tmp" bench "$N"
size=$(wc -c <"$tmp/bench.elog")
# Sanity: every event decodes to one line (and warms the page cache).
lines=$("$ELOG" -r "$tmp/bench.elog" | wc -l)
[ "$lines" -eq "$N" ] || { echo "decoded $lines lines, expected $N" >&2; exit 1; }

if [ -n "$bases" ]; then
	command -v perf >/dev/null || { echo "bench/decode.sh --base needs perf" >&2; exit 1; }
	RUNS=${2:-9}
	builds=
	k=0
	for rev in $bases; do
		k=$((k + 1))
		mkdir "$tmp/src$k"
		git archive "$rev" | tar -x -C "$tmp/src$k"
		make --no-print-directory -s -C "$tmp/src$k" -j"$(nproc)" BUILD="$tmp/b$k" \
			"$tmp/b$k/bin/elog" >/dev/null
		echo "b$k $(git rev-parse --short "$rev")" >>"$tmp/names"
		builds="$builds b$k"
	done
	builds="${builds# } work"
	echo "work $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- lib cmd || echo '+changes')" >>"$tmp/names"
	bin_of() { if [ "$1" = work ]; then echo "$ELOG"; else echo "$tmp/$1/bin/elog"; fi; }
	# Every build must print the same bytes, or the times compare different work.
	for fmt in text json; do
		set --
		[ "$fmt" = json ] && set -- --json
		want=$("$ELOG" -r "$tmp/bench.elog" "$@" | cksum)
		for b in $builds; do
			[ "$("$(bin_of "$b")" -r "$tmp/bench.elog" "$@" | cksum)" = "$want" ] ||
				echo "warning: $fmt output of $b differs from work's" >&2
		done
	done
	# task_ms BIN ARGS...: the elog process's CPU time in ms (task-clock).
	task_ms() {
		perf stat -x, -e task-clock -o "$tmp/stat" -- "$@" >/dev/null
		awk -F, '$3 == "task-clock" { printf "%.1f\n", $1 }' "$tmp/stat"
	}
	load0=$(cut -d' ' -f1-3 /proc/loadavg)
	t0=$(date -u '+%Y-%m-%d %H:%M')
	r=1
	while [ "$r" -le "$RUNS" ]; do
		# Rotate the order: each build goes first in some rounds.
		order=$(echo "$builds" | awk -v r="$r" '{ for (i = 0; i < NF; i++) printf "%s ", $((i + r) % NF + 1) }')
		for fmt in text json; do
			set --
			[ "$fmt" = json ] && set -- --json
			for b in $order; do
				echo "$r $fmt $b $(task_ms "$(bin_of "$b")" -r "$tmp/bench.elog" "$@")" >>"$tmp/times"
			done
		done
		r=$((r + 1))
	done
	echo "elog -r, $N events ($size bytes), $RUNS rounds, $t0 UTC; load average $load0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	echo
	echo "| output | build | CPU ms, median [min-max] | / $(awk 'NR == 1 { print $2 }' "$tmp/names") per round, median [min-max] |"
	echo "|---|---|---|---|"
	awk '
		function sort(a, n,   i, j, t) {
			for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
		}
		function med(a, n) { sort(a, n); return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
		FILENAME ~ /names$/ { name[$1] = $2; order[++nb] = $1; next }
		{ t[$2, $3, $1] = $4; if ($1 > rounds) rounds = $1 }
		END {
			split("text json", fmts, " ")
			for (k = 1; k <= 2; k++) {
				f = fmts[k]
				for (i = 1; i <= nb; i++) {
					b = order[i]
					for (r = 1; r <= rounds; r++) { x[r] = t[f, b, r]; q[r] = t[f, b, r] / t[f, order[1], r] }
					mx = med(x, rounds); mq = med(q, rounds)
					printf "| %s | %s | %.0f [%.0f-%.0f] | %.3f [%.3f-%.3f] |\n", \
						f, name[b], mx, x[1], x[rounds], mq, q[1], q[rounds]
				}
			}
		}' "$tmp/names" "$tmp/times"
	exit 0
fi

now_ns() { date +%s%N; }
best=0
i=0
while [ "$i" -lt "$RUNS" ]; do
	t0=$(now_ns)
	"$ELOG" -r "$tmp/bench.elog" >/dev/null
	t1=$(now_ns)
	ns=$((t1 - t0))
	[ "$best" -eq 0 ] || [ "$ns" -lt "$best" ] && best=$ns
	i=$((i + 1))
done
rate=$((N * 1000000000 / best))
ms=$((best / 1000000))
line_e=$("$ELOG" -e -r "$tmp/bench.elog" | head -1)
echo "elog -r: $N events ($size bytes) in ${ms} ms (best of $RUNS): $rate events/s"
echo "sample line: $line_e"
[ "$rate" -ge 1000000 ] && echo "goal >= 1,000,000 events/s: met" || echo "goal >= 1,000,000 events/s: NOT met"

if [ "$write_doc" -eq 1 ]; then
	doc=docs/PERFORMANCE.md
	cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
	nproc=$(nproc)
	section=$(cat <<DOC
## Decoding

\`bench/decode.sh --write-doc\` builds a synthetic capture of $N TCP events
(IN, OUT, ACK, RTT_SAMPLE, CONN_SET_IP_V4 over 64 sessions, 2 CPUs; payloads
laid out by the generated producer macros) and times \`elog -r FILE >/dev/null\`,
best of $RUNS runs, page cache warm.

| date (UTC) | machine | events | file size | time | rate |
|---|---|---|---|---|---|
| $(date -u '+%Y-%m-%d %H:%M') | $cpu, $nproc CPUs | $N | $size bytes | $ms ms | **$rate events/s** |

Goal: >= 1,000,000 events/s. What makes it: one 1 MiB read window with
records decoded in place (no per-record allocation or copy beyond the
32-byte header), hand-written number/time formatting instead of
snprintf/gmtime per field, a per-provider lookup cache, binary search for
event ids, and one write(2) per ~1 MiB of text.
DOC
)
	if [ ! -f "$doc" ]; then
		printf '# Performance\n\nMeasured figures; each section is kept current by its owner.\n\n' >"$doc"
	fi
	# Replace our section (up to the next "## " heading) or append it.
	awk -v new="$section" '
		/^## Decoding$/ { print new; skip = 1; done = 1; next }
		skip && /^## / { skip = 0; print ""; }
		!skip { print }
		END { if (!done) { print ""; print new } }
	' "$doc" >"$tmp/doc" && cat "$tmp/doc" >"$doc"
	echo "wrote $doc"
fi
