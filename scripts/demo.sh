#!/usr/bin/env bash
# The main job: capture one real TCP exchange on loopback inside a network
# namespace of our own, then decode the capture. Restores the default it
# changes, unloads the tcp provider when it was not loaded before, and
# removes everything it creates, even on failure.
set -euo pipefail
bin=${1:-build/bin}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
ns=elogdemo$$
old_default=
cap_pid=
# Setting the default loads the provider: unload it at the end if this did.
was_loaded=0
[ -e /sys/fs/bpf/eventlog/tcp ] && was_loaded=1

cleanup() {
	[ -n "$cap_pid" ] && kill "$cap_pid" 2>/dev/null && wait "$cap_pid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null || true
	[ -n "$old_default" ] && "$bin/elogctl" "kern.eventlog.tcp.default=$old_default" >/dev/null
	[ "$was_loaded" = 1 ] || "$bin/elogctl" -U tcp >/dev/null 2>&1 || true
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
