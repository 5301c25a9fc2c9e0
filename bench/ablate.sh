#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# bench/ablate.sh ABLATION OUT [SRC]: builds the tree SRC (default: this
# checkout's tracked files as they are now) with bench/ablate/ABLATION.patch
# applied into the build directory OUT. The ablations take one piece of a
# record's cost out (bench/bulk.sh's modes no-ring and no-delivery); they
# live here as patches so that the product's sources carry no bench code. A
# patch that no longer applies fails the build loudly: update it with the
# code it changes.
set -eu
[ $# -ge 2 ] || { echo "usage: bench/ablate.sh ABLATION OUT [SRC]" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
patch=$here/ablate/$1.patch
out=$2
[ -r "$patch" ] || { echo "bench/ablate.sh: no ablation '$1' ($patch)" >&2; exit 1; }
case $out in /*) ;; *) out=$PWD/$out ;; esac
src=$(mktemp -d /tmp/elog-ablate.XXXXXX)
trap 'rm -rf "$src"' EXIT
if [ $# -ge 3 ]; then
	cp -a "$3/." "$src/"
else
	(cd "$root" && git ls-files -z | tar --null -T - -cf -) | tar -xf - -C "$src"
fi
patch -s -p1 -d "$src" --no-backup-if-mismatch < "$patch" ||
	{ echo "bench/ablate.sh: $1.patch does not apply to this tree" >&2; exit 1; }
make -C "$src" -j"$(nproc)" BUILD="$out" all >/dev/null
