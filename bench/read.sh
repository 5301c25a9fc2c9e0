#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# bench/read.sh FILE: decoding a bulk-transfer capture.
#
#   decode   elog -r FILE > /dev/null (text), REPEAT times: events/s
#   walk     bench/walk (the library reader visiting every record, no
#            formatting), REPEAT passes: MB/s of records
#   export   elog -r FILE --pcapng OUT (timed once)
#   tshark   tshark -r OUT > /dev/null (its default one-line text), TSHARK_REPEAT
#            times: compared with the text decode of the same capture
#   mix      bytes per event on disk and the event mix of FILE
#
# The file is read once first so every timing is from the page cache.
#
#   bench/read.sh [-n REPEAT] [-T TSHARK_REPEAT] FILE
set -euo pipefail
. "$(dirname "$0")/lib.sh"

REPEAT=5
TREPEAT=3
while getopts "n:T:" opt; do
	case $opt in
	n) REPEAT=$OPTARG ;;
	T) TREPEAT=$OPTARG ;;
	*) echo "usage: read.sh [-n REPEAT] [-T TSHARK_REPEAT] FILE" >&2; exit 1 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || die "usage: read.sh [-n REPEAT] [-T TSHARK_REPEAT] FILE"
FILE=$1
ELOG=$ELOG_BIN/elog
WALK=$BENCH_HELP/walk
[ -x "$WALK" ] || die "bench helpers missing: run bench/run.sh (it builds them)"
DIR=$BENCH_OUT/read
mkdir -p "$DIR"
PCAPNG=$DIR/export.pcapng
bench_on_exit "rm -f $PCAPNG"

# seconds CMD...: wall time of one run, stdout to /dev/null.
seconds() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null || return
	t1=$(date +%s%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", (b - a) / 1e9 }'
}

size=$(stat -c %s "$FILE")
cat "$FILE" >/dev/null
events=$(od -An -t u8 -j 24 -N 8 "$FILE" | awk '{ print $1 }')
record read file - bytes "$size"
record read file - events "$events"
log "read: $FILE, $size bytes, $events events"

for ((i = 1; i <= REPEAT; i++)); do
	record read decode "$i" seconds "$(seconds "$ELOG" -r "$FILE")"
done
"$WALK" "$FILE" "$REPEAT" | awk '{ print NR, $4, $6 }' | while read -r i bytes secs; do
	record read walk "$i" seconds "$secs"
	record read walk "$i" bytes "$bytes"
done

if t=$(seconds "$ELOG" -r "$FILE" --pcapng "$PCAPNG" 2>"$DIR/export.err"); then
	record read export 1 seconds "$t"
	record read export 1 bytes "$(stat -c %s "$PCAPNG")"
	if command -v tshark >/dev/null; then
		for ((i = 1; i <= TREPEAT; i++)); do
			record read tshark "$i" seconds "$(seconds tshark -r "$PCAPNG" 2>/dev/null)"
		done
	else
		record read tshark - missing 1
	fi
else
	log "read: pcapng export not available: $(head -1 "$DIR/export.err")"
	record read export - missing 1
fi

# Bytes per event and the mix: id, count, bytes (header included).
python3 - "$FILE" <<'EOF' | while read -r id n b; do record read mix "$id" count "$n"; record read mix "$id" bytes "$b"; done
import collections, struct, sys
d = open(sys.argv[1], "rb").read()
off = 44 + 34 * struct.unpack_from("<I", d, 40)[0]
n = collections.Counter(); b = collections.Counter()
while off + 32 <= len(d):
    ln, eid = struct.unpack_from("<H", d, off)[0], struct.unpack_from("<I", d, off + 24)[0]
    if ln < 32 or off + ln > len(d):
        break
    n[eid] += 1; b[eid] += ln; off += ln
for eid, k in n.most_common():
    print(eid, k, b[eid])
EOF
