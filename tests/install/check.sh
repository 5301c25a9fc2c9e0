#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# `make install` into a scratch DESTDIR gives a usable product: the commands
# and man pages, no test tools, and headers + library that a program builds
# against through pkg-config alone.
# usage: check.sh BUILD
set -u
build=$1
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

prefix=/opt/eventlog
if make --no-print-directory -s BUILD="$build" DESTDIR="$dest" PREFIX="$prefix" install >"$dest.log" 2>&1; then ok
else bad "make install: $(cat "$dest.log")"; fi
rm -f "$dest.log"
root=$dest$prefix
for f in bin/elog bin/elogctl bin/elog-schemac share/man/man1/elog.1 share/man/man5/elog.5 \
	share/man/man8/elogctl.8 share/man/man7/eventlog.7 share/man/man1/elog-schemac.1 \
	include/eventlog/tcp.h include/eventlog/tcp_eventlog.h include/eventlog/capture.h \
	lib/libeventlog.a lib/libeventlog-providers.a lib/pkgconfig/eventlog.pc; do
	[ -e "$root/$f" ] && ok || bad "not installed: $f"
done
# The recorder's unit runs the installed elog.
unit=$root/lib/systemd/system/elog-recorder.service
grep -qx "ExecStart=$prefix/bin/elog -c tcp --record /var/log/elog-dumps --record-size 10G" "$unit" &&
	! grep -q '@' "$unit" && ok || bad "elog-recorder.service missing or not for $prefix"
# systemd's own check, with the command where DESTDIR put it (the man pages
# it names are not installed on this system: not looked up).
sed "s|^ExecStart=$prefix|ExecStart=$root|" "$unit" >"$dest/elog-recorder.service"
out=$(systemd-analyze verify --man=no "$dest/elog-recorder.service" 2>&1) && [ -z "$out" ] && ok ||
	bad "systemd-analyze verify elog-recorder.service: $out"
[ -e "$root/bin/elog-testgen" ] && bad "test tool installed: elog-testgen" || ok
[ -e "$root/include/eventlog/test_eventlog.h" ] && bad "test schema header installed" || ok

# pkg-config resolves the .pc's prefix; point it into DESTDIR.
sed -i "s|^prefix=.*|prefix=$root|" "$root/lib/pkgconfig/eventlog.pc"
export PKG_CONFIG_PATH="$root/lib/pkgconfig"
if cc -std=c11 -Wall -Wextra -Werror tests/install/reader.c -o "$dest/reader" \
	$(pkg-config --cflags eventlog) $(pkg-config --static --libs eventlog) 2>"$dest/cc.log"; then ok
else bad "building against the installed library: $(cat "$dest/cc.log")"; fi
if out=$("$dest/reader" tests/golden/sample.elog); then
	case $out in
	*"first: "*"records: "*" option: 81 in id: 100"*) ok ;;
	*) bad "unexpected reader output: $out" ;;
	esac
else bad "reader failed on sample.elog"; fi
"$root/bin/elog" -r tests/golden/sample.elog >/dev/null && ok || bad "installed elog -r failed"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
