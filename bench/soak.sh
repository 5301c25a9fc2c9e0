#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# Soak: CONNECTIONS short loopback TCP connections (every fourth ended by
# RST) under two live captures, one lossless and one made to drop events
# (tests/e2e/test_soak.py, which CI also runs with 10,000). Checks the
# exact accounting and the memory bound, then prints what it measured.
#
#   bench/soak.sh [CONNECTIONS [BINDIR]]     (as root; default 10000 build/bin)
#
# The result goes into docs/RELIABILITY.md ("Soak: last result").
set -eu
cd "$(dirname "$0")/.."
n=${1:-10000}
bin=$(cd "${2:-build/bin}" && pwd)
report=$(mktemp /tmp/elog-soak.XXXXXX.json)
trap 'rm -f "$report"' EXIT
echo "soak: $n connections, binaries from $bin"
start=$(date +%s)
SOAK_CONNECTIONS=$n SOAK_REPORT=$report ELOG_BIN=$bin \
	/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/e2e/test_soak.py
end=$(date +%s)
/usr/bin/python3 - "$report" "$((end - start))" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("date: %s  kernel: %s" % (__import__("time").strftime("%Y-%m-%d %H:%M UTC", __import__("time").gmtime()),
                                __import__("os").uname().release))
print("connections %d (%d ended by RST), workload %.1f s, whole test %s s" %
      (r["connections"], r["rst"], r["workload_s"], sys.argv[2]))
print("workload sessions %d (all created and ended), sessions_active back to %d" %
      (r["workload_sessions"], r["sessions_active_baseline"]))
a, b = r["a"], r["b"]
print("capture A (%s): %d events, %d dropped" % (a["ring"], a["events"], a["dropped"]))
print("capture B (%s, 3 stalls): %d events, %d dropped; workload events A holds and B lacks: %d" %
      (b["ring"], b["events"], b["dropped"], b["workload_events_missing"]))
for k in ("a", "b"):
    m = r["memory_kb"][k]
    marks = [x for x in m if x != "end"]
    first = m[marks[0]]
    print("elog %s memory KiB: RssAnon %d -> %d, VmRSS %d -> %d, VmHWM %d (at %s and at the end)" %
          (k.upper(), first["RssAnon"], m["end"]["RssAnon"], first["VmRSS"], m["end"]["VmRSS"],
           m["end"]["VmHWM"], marks[0]))
PY
