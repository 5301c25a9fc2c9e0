#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# Report benchmark (a benchmark, not a test): captures at least EVENTS
# (default 1,000,000) real TCP events of a loopback transfer with 1 % of the
# data segments dropped by nftables, in a network namespace of its own, then
# times `elog --report` on that transfer's connection (selected by its
# port: the host's other connections are in the capture too, default 1
# being host-wide) and the report's opening and drawing
# in headless Chromium (tests/report/check_report.js: navigation to the
# first frame after the page's script drew its first screen), best and
# median of RUNS (default 3). Prints one Markdown table; with --write-doc
# it also replaces the table in docs/PERFORMANCE.md ("Opening a report").
#
#   bench/report.sh [--write-doc] [--base REV] [EVENTS] [RUNS]
#   (root, repository root; loads the tcp provider and sets
#   kern.eventlog.tcp.default=1 while it runs)
#
# --base REV: also builds `elog` of git revision REV (from `git archive`)
# and makes the report of the same capture with it; the two pages are
# opened alternately in one browser, and the table has a row for each
# (side by side in one run, on a machine too shared for separate runs to
# tell). KEEP=DIR keeps the capture and the report(s) there; CAPTURE=FILE
# PORT=N use a capture kept so instead of making one.
set -eu
write_doc=0
base=
while :; do
	case ${1:-} in
	--write-doc) write_doc=1; shift ;;
	--base) base=$2; shift 2 ;;
	*) break ;;
	esac
done
EVENTS=${1:-1000000}
RUNS=${2:-3}
BUILD=${BUILD:-build}
ELOG=$BUILD/bin/elog
CTL=$BUILD/bin/elogctl

make --no-print-directory -s "$ELOG" "$CTL" >/dev/null
tmp=$(mktemp -d /tmp/elog-bench-report.XXXXXX)
ns=elogbench$$
cap_pid=
old_default=
cleanup() {
	[ -n "$cap_pid" ] && kill "$cap_pid" 2>/dev/null && wait "$cap_pid" 2>/dev/null
	[ -n "$old_default" ] && "$CTL" kern.eventlog.tcp.default="$old_default" >/dev/null 2>&1
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

if [ -n "${CAPTURE:-}" ]; then
	[ -n "${PORT:-}" ] || { echo "bench/report.sh: CAPTURE needs PORT" >&2; exit 1; }
	cp "$CAPTURE" "$tmp/cap.elog"
	port=$PORT
	n=$("$ELOG" -r "$tmp/cap.elog" --port "$port" | wc -l)
else
# (the capture: not indented, for its here-documents)
ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" nft -f - <<'EOF'
table inet elogbench {
  chain in { type filter hook input priority 0; policy accept;
    iif lo meta l4proto tcp meta length gt 100 numgen random mod 100 lt 1 drop
  }
}
EOF
"$CTL" -L tcp >/dev/null 2>&1 || true
old_default=$("$CTL" -n kern.eventlog.tcp.default)
"$CTL" kern.eventlog.tcp.default=1 >/dev/null

# One connection writing 8 KiB at a time with TCP_NODELAY: many events per
# byte (a send call, segments, ACKs, timers), for SECONDS seconds.
workload() {
	ip netns exec "$ns" /usr/bin/python3 - "$1" <<'EOF'
import socket, sys, threading, time
secs = float(sys.argv[1])
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
print(l.getsockname()[1], flush=True)
c = socket.socket(); c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
c.connect(l.getsockname()); a, _ = l.accept()
def sink():
    while a.recv(1 << 20):
        pass
t = threading.Thread(target=sink); t.start()
buf, end = b"x" * 8192, time.time() + secs
while time.time() < end:
    c.sendall(buf)
c.close(); t.join(); a.close(); l.close()
EOF
}

secs=4
while :; do
	rm -f "$tmp/cap.elog"
	"$ELOG" -c tcp TRACE -b 256M -o "$tmp/cap.elog" &
	cap_pid=$!
	while [ ! -e "$tmp/cap.elog" ]; do sleep 0.05; done
	port=$(workload "$secs")
	kill -INT "$cap_pid"
	wait "$cap_pid"
	cap_pid=
	n=$("$ELOG" -r "$tmp/cap.elog" --port "$port" | wc -l)
	[ "$n" -ge "$EVENTS" ] && break
	secs=$((secs * 2))
	[ "$secs" -le 64 ] || { echo "bench/report.sh: only $n events in 64 s" >&2; exit 1; }
done
fi

# The base build: its own tree and build directory, the same npm packages.
if [ -n "$base" ]; then
	mkdir "$tmp/base-src"
	git archive "$base" | tar -x -C "$tmp/base-src"
	ln -s "$PWD/node_modules" "$tmp/base-src/node_modules"
	make --no-print-directory -s -C "$tmp/base-src" -j"$(nproc)" BUILD="$tmp/base-build" \
		"$tmp/base-build/bin/elog" >/dev/null
fi

now_ns() { date +%s%N; }
# One report per build: NAME ELOG.
make_report() {
	t0=$(now_ns)
	"$2" -r "$tmp/cap.elog" --port "$port" --report "$tmp/$1.html" 2>/dev/null
	t1=$(now_ns)
	echo $(( (t1 - t0) / 1000000 )) >"$tmp/$1.make_ms"
	if [ -n "${KEEP:-}" ]; then cp "$tmp/$1.html" "$KEEP/"; fi
}
builds=work
make_report work "$ELOG"
if [ -n "$base" ]; then
	builds="base work"
	make_report base "$tmp/base-build/bin/elog"
fi
if [ -n "${KEEP:-}" ]; then cp "$tmp/cap.elog" "$KEEP/"; fi

# The pages alternately, RUNS times each, in one browser.
i=0
args=
while [ "$i" -lt "$RUNS" ]; do
	for b in $builds; do
		args="$args $tmp/$b.html $tmp/shot-$b$i.png"
	done
	i=$((i + 1))
done
load0=$(cut -d' ' -f1 /proc/loadavg)
# shellcheck disable=SC2086 # the list of pages is split on purpose
node tests/report/check_report.js $args >"$tmp/check.json"
load1=$(cut -d' ' -f1 /proc/loadavg)

rows=
for b in $builds; do
	row=$(/usr/bin/python3 - "$tmp/check.json" "$tmp/$b.html" <<'EOF'
import json, sys
runs = [r for r in map(json.loads, open(sys.argv[1])) if r["html"] == sys.argv[2]]
for r in runs:
    assert not r["console"] and not r["errors"] and not r["requests"], r["console"] + r["errors"]
ms = sorted(r["draw_ms"] for r in runs)
every = sorted(r["draw_ms"] + r["all_ms"] for r in runs)
pts = max(sum(g["points"] for g in r["report"]["graphs"]) for r in runs)
print(ms[0], ms[len(ms) // 2], every[len(every) // 2], pts, runs[0]["report"]["connections"])
EOF
)
	# shellcheck disable=SC2086 # five numbers
	set -- $row
	rev=$(git rev-parse --short HEAD)
	[ "$b" = base ] && rev=$(git rev-parse --short "$base")
	[ "$b" = work ] && [ -n "$(git status --porcelain --untracked-files=no)" ] && rev="$rev+changes"
	size=$(wc -c <"$tmp/$b.html")
	rows="$rows
| $b ($rev) | $n | $5 | $(cat "$tmp/$b.make_ms") ms | $(( (size + 524288) / 1048576 )) MiB | **$1 / $2 ms** | $3 ms | $4 |"
done

table=$(cat <<EOF
Run of $(date -u '+%Y-%m-%d %H:%M') UTC; load average $load0 when the browser runs began, $load1 when they ended.

| build | events in the report | connections | \`elog --report\` | HTML | open and draw the first screen (best / median of $RUNS) | every connection drawn (median) | points drawn at full view |
|---|---|---|---|---|---|---|---|$rows
EOF
)
echo "$table"
echo "(kernel $(uname -r), $(nproc) CPUs, chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'), $(date -u +%Y-%m-%d))"

if [ "$write_doc" = 1 ]; then
	doc=docs/PERFORMANCE.md
	/usr/bin/python3 - "$doc" "$table" "$(uname -r)" "$(nproc)" <<'EOF'
import re, sys
doc, table, kernel, cpus = sys.argv[1:]
text = open(doc).read()
start, end = "<!-- report-bench start -->", "<!-- report-bench end -->"
block = "%s\n%s\n\nKernel %s, %s CPUs (`bench/report.sh --write-doc`).\n%s" % (start, table, kernel, cpus, end)
if start in text:
    text = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda m: block, text, flags=re.S)
else:
    text += "\n" + block + "\n"
open(doc, "w").write(text)
EOF
fi
