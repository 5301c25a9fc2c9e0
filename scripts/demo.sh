#!/usr/bin/env bash
# The main job: capture one real TCP exchange on loopback inside a network
# namespace of our own, then decode the capture. Restores the default it
# changes and removes everything it creates, even on failure.
set -euo pipefail
bin=${1:-build/bin}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
ns=elogdemo$$
old_default=
cap_pid=

cleanup() {
	[ -n "$cap_pid" ] && kill "$cap_pid" 2>/dev/null && wait "$cap_pid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null || true
	[ -n "$old_default" ] && "$bin/elogctl" "kern.eventlog.tcp.default=$old_default" >/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

old_default=$("$bin/elogctl" -n kern.eventlog.tcp.default)
"$bin/elogctl" kern.eventlog.tcp.default=1
ip netns add "$ns"
ip -n "$ns" link set lo up

"$bin/elog" -c tcp -o "$tmp/demo.elog" -s --duration 3 &
cap_pid=$!
sleep 1
ip netns exec "$ns" /usr/bin/python3 "$here/loopback_exchange.py" 127.0.0.1 5001
wait "$cap_pid"
cap_pid=
echo "--- decoded capture ($tmp/demo.elog) ---"
"$bin/elog" -e -r "$tmp/demo.elog"
