#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Providers are plug-ins: elogctl linked with a registry that adds a fake
# provider (fake_provider.c) lists the fake's kern.eventlog names and its own
# controls, reads them as 0 while it is not loaded (loading nothing), and
# refuses a value outside a control's range with the control's own hint,
# before anything is loaded; its text control is read and checked by the
# fake's own callbacks. Needs root (elogctl reads need it).
# Then elog linked with the fake provider decodes a capture of its events
# (written by fake_capture from the generated layout), as text and JSON,
# where the plain elog, without its registration, cannot.
#   tests/plugin/check.sh ELOGCTL_FAKE ELOG_FAKE FAKE_CAPTURE ELOG
set -u
CTL=${1:?usage: check.sh ELOGCTL_FAKE ELOG_FAKE FAKE_CAPTURE ELOG}
ELOG_FAKE=${2:?usage: check.sh ELOGCTL_FAKE ELOG_FAKE FAKE_CAPTURE ELOG}
FAKE_CAPTURE=${3:?usage: check.sh ELOGCTL_FAKE ELOG_FAKE FAKE_CAPTURE ELOG}
ELOG=${4:?usage: check.sh ELOGCTL_FAKE ELOG_FAKE FAKE_CAPTURE ELOG}
passed=0
failed=0
fail() { failed=$((failed + 1)); printf 'FAIL %s\n' "$1" >&2; }
ok() { passed=$((passed + 1)); }

out=$("$CTL" -a 2>&1) || fail "-a exits $?: $out"
for name in kern.eventlog.fake.default kern.eventlog.fake.sessions_created \
	net.fake.eventlog.window net.fake.eventlog.budget \
	kern.eventlog.tcp.default net.inet.tcp.eventlog.log_id_limit; do
	if printf '%s\n' "$out" | grep -qx "$name: [0-9-]*"; then ok; else fail "-a lists $name"; fi
done
got=$("$CTL" net.fake.eventlog.window 2>&1)
[ "$got" = "net.fake.eventlog.window: 0" ] && ok || fail "read an unloaded control: $got"
got=$("$CTL" net.fake.eventlog.window=1001 2>&1)
rc=$?
[ $rc -eq 1 ] && [ "$got" = "elogctl: net.fake.eventlog.window: invalid window 1001 (use 0 to 1000 packets)" ] &&
	ok || fail "out of range write: rc $rc: $got"
got=$("$CTL" net.fake.eventlog.budget=-2 2>&1)
[ "$got" = "elogctl: net.fake.eventlog.budget: invalid budget -2 (use -1 for unlimited, or a count)" ] &&
	ok || fail "below range write: $got"
# An accepted value goes to the provider, which has nothing to load: the
# error is its own, and nothing is left pinned.
got=$("$CTL" net.fake.eventlog.window=10 2>&1)
case $got in *"fake: no BPF object built in"*) ok ;; *) fail "in range write: $got" ;; esac
[ ! -e /sys/fs/bpf/eventlog/fake ] && ok || fail "a failed load left /sys/fs/bpf/eventlog/fake"
# A text control: read, checked and refused by the provider's own callbacks.
printf '%s\n' "$out" | grep -qx "net.fake.eventlog.peers: none,yet" && ok || fail "-a lists the text control"
got=$("$CTL" -n net.fake.eventlog.peers 2>&1)
[ "$got" = "none,yet" ] && ok || fail "read an unloaded text control: $got"
got=$("$CTL" net.fake.eventlog.peers=Bob 2>&1)
rc=$?
[ $rc -eq 1 ] && [ "$got" = "elogctl: net.fake.eventlog.peers: invalid peers 'Bob' (use names of a to z, comma-separated)" ] &&
	ok || fail "bad text value: rc $rc: $got"
[ ! -e /sys/fs/bpf/eventlog/fake ] && ok || fail "a refused text value loaded the provider"
got=$("$CTL" net.fake.eventlog.peers=alice,bob 2>&1)
case $got in *"fake: no BPF object built in"*) ok ;; *) fail "good text value: $got" ;; esac
[ ! -e /sys/fs/bpf/eventlog/fake ] && ok || fail "a failed load left /sys/fs/bpf/eventlog/fake"

# Its events, decoded by its registration alone.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$FAKE_CAPTURE" "$tmp/fake.elog" && ok || fail "fake_capture"
got=$("$ELOG_FAKE" -r "$tmp/fake.elog" 2>&1)
want="[ 0]002a::00:00:01.000000 [fake][7] peer 'alice' window 100 port 8080
[ 0]002a::00:00:01.001500 [fake][7] peer 'bob' window 200 port 8081
[ 0]002a::00:00:01.003000 [fake][7] peer 'carol' window 300 port 8082"
[ "$got" = "$want" ] && ok || fail "elog -r, text: $got"
got=$("$ELOG_FAKE" -r "$tmp/fake.elog" --json 2>&1 | sed -n 2p)
want='{"provider":"fake","session":7,"event":"HELLO","event_id":1,"time":"2024-01-01T00:00:01.001500Z","boot_us":1001500,"cpu":0,"thread":42,"fields":{"peer":"bob","window":200,"port":8081}}'
[ "$got" = "$want" ] && ok || fail "elog -r --json: $got"
got=$("$ELOG" -r "$tmp/fake.elog" 2>&1 | head -1)
case $got in *"[UNKNOWN_PROVIDER:fake]"*) ok ;; *) fail "plain elog decoded the fake's events: $got" ;; esac
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
