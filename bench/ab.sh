#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# bench/ab.sh: two or more builds of the provider side by side, in one
# interleaved series of bulk captures (bench/bulk.sh, mode cap-NAME per
# build; -k names the kinds of run per build: cap, tail, ratio100,
# unpicked, as bulk.sh's modes of those names, and base, no provider, once
# and first), as medians over the
# rounds. For deciding whether a change to the hot path pays, on a machine
# too noisy for separate runs to tell; one build in several kinds gives
# the per-program table of one build.
#   default  BPF statistics on (bulk.sh -S): what each BPF program costs per
#            run in each build, and the consumer's CPU
#   -P       sampled instead (bulk.sh -P, perf cpu-clock, no statistics):
#            the capture's share of the samples (its BPF programs and their
#            dispatch; its process) per GB and per event. The statistics
#            add two clock reads to every program run; sampling leaves the
#            programs as they run in a capture, and counts the dispatch into
#            them too, at the price of a lower bound (profile.py: code with
#            interrupts off is not sampled)
#
#   bench/ab.sh [-r ROUNDS] [-t SECONDS] [-P] [-k "cap tail ratio100"] NAME=REV [NAME=REV ...]
#
# REV: a git revision (built from `git archive REV`), or "work" for the
# working tree as it is, uncommitted changes included. A REV may name an
# ablation after a colon (REV:no-ring: bench/ablate/no-ring.patch applied,
# bench/ablate.sh). Builds go to $BENCH_HELP/cap-NAME.
# Results: part "ab" in $BENCH_OUT/results.tsv (by default a new
# build/bench/ab-<time>) and the table on stdout.
set -euo pipefail
export BENCH_OUT=${BENCH_OUT:-$(cd "$(dirname "$0")/.." && pwd)/build/bench/ab-$(date -u +%Y%m%dT%H%M%SZ)}
. "$(dirname "$0")/lib.sh"

ROUNDS=6
SECS=4
HOW=-S
KINDS=cap
while getopts "r:t:Pk:" opt; do
	case $opt in
	r) ROUNDS=$OPTARG ;;
	t) SECS=$OPTARG ;;
	P) HOW=-P ;;
	k) KINDS=$OPTARG ;;
	*) die "usage: bench/ab.sh [-r ROUNDS] [-t SECONDS] [-P] [-k KINDS] NAME=REV [NAME=REV ...]" ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || { [ $# = 1 ] && [ "${KINDS// /}" != "$KINDS" ]; } ||
	die "usage: bench/ab.sh [-r ROUNDS] [-t SECONDS] [-P] [-k KINDS] NAME=REV [NAME=REV ...] (two builds, or two kinds)"
[ "$(id -u)" = 0 ] || die "run as root (BPF, namespaces)"
! grep -qs '^ab	' "$BENCH_OUT/results.tsv" || die "$BENCH_OUT already holds an ab series: give a new BENCH_OUT"

modes=
# base (no provider) once, first: what the others' CPU is compared with.
case " $KINDS " in *" base "*) modes=base ;; esac
for spec in "$@"; do
	name=${spec%%=*}
	rev=${spec#*=}
	[ "$name" != "$spec" ] && [ -n "$name" ] && [ -n "$rev" ] || die "not NAME=REV: $spec"
	case $name in *[!A-Za-z0-9_]*) die "build name $name: letters, digits and _ only" ;; esac
	ablation=
	case $rev in *:*) ablation=${rev#*:} rev=${rev%%:*} ;; esac
	out=$BENCH_HELP/cap-$name
	src=$BENCH_HELP/src-$name
	# A fresh build directory: `git archive` gives every file its commit's
	# time, older than the objects an earlier series left under the same
	# name, so make would keep that build whatever REV is now.
	rm -rf "$src" "$out"
	mkdir -p "$src"
	if [ "$rev" = work ]; then
		# The tracked files as they are now (what `git diff` shows).
		(cd "$BENCH_ROOT" && git ls-files -z | tar --null -T - -cf -) | tar -xf - -C "$src"
	else
		git -C "$BENCH_ROOT" archive "$rev" | tar -x -C "$src" || die "no such revision: $rev"
	fi
	log "building $name from $rev${ablation:+ with ablation $ablation} into $out"
	if [ -n "$ablation" ]; then
		"$(dirname "$0")/ablate.sh" "$ablation" "$out" "$src" || die "build of $name ($rev:$ablation) failed"
	else
		make -C "$src" -j"$(nproc)" BUILD="$out" all >/dev/null || die "build of $name ($rev) failed"
	fi
	rm -rf "$src"
	for k in $KINDS; do
		case $k in
		base) ;;
		cap | tail | ratio100 | unpicked) modes="$modes $k-$name" ;;
		*) die "-k: base, cap, tail, ratio100 or unpicked, not $k" ;;
		esac
	done
done

"$(dirname "$0")/bulk.sh" "$HOW" -r "$ROUNDS" -t "$SECS" -m "${modes# }" -p ab

# Per build: medians over the rounds (bench/ab_report.py).
python3 "$(dirname "$0")/ab_report.py" "$BENCH_OUT" "$HOW" ${modes}
