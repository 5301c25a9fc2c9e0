#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# elog(1) error paths: each case checks the exit status, that stdout stays
# empty, and that stderr is exactly the one expected message line.
#
#   tests/unit/cli_errors.sh path/to/elog
set -u
ELOG=${1:?usage: cli_errors.sh ELOG}
tmp=$(mktemp -d /tmp/elog-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

fail() {
	failed=$((failed + 1))
	printf 'FAIL %s: %s\n' "$name" "$1" >&2
}

# expect NAME RC 'exact stderr' -- args...
expect() {
	name=$1 rc=$2 msg=$3
	shift 4
	"$ELOG" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -ne "$rc" ]; then
		fail "exit $got, expected $rc"
	elif [ -s "$tmp/out" ]; then
		fail "unexpected stdout: $(head -c 200 "$tmp/out")"
	elif [ "$(cat "$tmp/err")" != "$msg" ] || [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
		fail "stderr '$(cat "$tmp/err")', expected '$msg'"
	else
		passed=$((passed + 1))
	fi
}

# expect_ok NAME args...: exit 0, stdout starts with what the second
# argument says (a fixed string), stderr empty.
expect_ok() {
	name=$1 want=$2
	shift 3
	"$ELOG" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -ne 0 ]; then
		fail "exit $got, expected 0: $(cat "$tmp/err")"
	elif [ -s "$tmp/err" ]; then
		fail "unexpected stderr: $(head -c 200 "$tmp/err")"
	else
		case $(cat "$tmp/out") in
		"$want"*) passed=$((passed + 1)) ;;
		*) fail "stdout '$(head -c 200 "$tmp/out")', expected '$want...'" ;;
		esac
	fi
}

# same_bytes NAME FILE SUM: FILE still exists and holds what it held
# (its cksum then was SUM), and is still a regular file, not a link.
same_bytes() {
	name=$1
	if [ ! -f "$2" ] || [ -L "$2" ]; then
		fail "$2 is gone or no longer a regular file"
	elif [ "$(cksum <"$2")" != "$3" ]; then
		fail "$2 changed"
	else
		passed=$((passed + 1))
	fi
}

# expect_usage NAME args...: usage text on stderr, exit 1.
expect_usage() {
	name=$1
	shift
	"$ELOG" "$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -ne 1 ]; then
		fail "exit $got, expected 1"
	elif [ -s "$tmp/out" ]; then
		fail "unexpected stdout"
	elif ! grep -q '^usage: elog' "$tmp/err"; then
		fail "no usage on stderr: $(head -c 200 "$tmp/err")"
	else
		passed=$((passed + 1))
	fi
}

# Inputs.
: >"$tmp/empty"
head -c 64 /dev/zero >"$tmp/zeros"
printf 'ELOG\002\000\000\000' >"$tmp/v2"
printf 'ELOG\001\000\000\000%32s\041\000\000\000' '' | tr ' ' '\000' >"$tmp/pc33"
printf 'ELOG\001\000\000\000%32s\000\000\000\000%32s' '' '' | tr ' ' '\000' >"$tmp/badlen"
# the record after the (empty) provider table: event_length 8
printf '\010' | dd of="$tmp/badlen" bs=1 seek=44 conv=notrunc 2>/dev/null
long=abcdefghijabcdefghijabcdefghijab # 32 characters

expect no-args 1 'elog: no subscriptions specified (use --capture or -c)' --
# Asked for, usage and version go to stdout with exit 0.
expect_ok help 'usage: elog ' -- -h
expect_ok help-long 'usage: elog ' -- --help
expect_ok version "elog $(sed -n 's/^VERSION := //p' Makefile)" -- --version
expect_usage bad-option --bogus
expect_usage bad-short -x
expect bad-magic 1 'elog: Invalid binary file: bad magic number' -- -r "$tmp/zeros"
expect empty 1 'elog: File is empty' -- -r "$tmp/empty"
expect version 1 'elog: Unsupported file version: 2 (expected 1)' -- -r "$tmp/v2"
expect provider-count 1 'elog: Invalid provider count 33 in file' -- -r "$tmp/pc33"
expect event-length 1 'elog: Invalid event_length 8 at offset 44' -- -r "$tmp/badlen"
expect missing 1 "elog: $tmp/nope: No such file or directory" -- -r "$tmp/nope"
expect missing-gz 1 "elog: $tmp/nope.gz: No such file or directory" -- -r "$tmp/nope.gz"
expect directory 1 "elog: read($tmp): Is a directory" -- -r "$tmp"
expect read-and-capture 1 'elog: --read-binary cannot be used with subscribe options' -- -c tcp -r "$tmp/zeros"
expect read-and-output 1 'elog: --output cannot be used with --read-binary' -- -r "$tmp/zeros" -o "$tmp/x"
expect read-twice 1 'elog: --read-binary given more than once' -- -r a -r b
expect extra-arg 1 'elog: unexpected argument: extra' -- -c tcp info RX extra
# In read mode further operands are more files of a series, each checked.
expect series-bad 1 "elog: $tmp/zeros: Invalid binary file: bad magic number" -- -r "$tmp/zeros" "$tmp/zeros"
expect unknown-provider 1 'elog: unknown provider: nope' -- -c nope
expect long-provider 1 'elog: provider name too long' -- -c "$long"
expect bad-level 1 'elog: invalid level: LOUD (use NONE, ERROR, WARN, INFO, VERBOSE, TRACE or 0-5)' -- -c tcp LOUD
expect level-6 1 'elog: invalid level: 6 (use NONE, ERROR, WARN, INFO, VERBOSE, TRACE or 0-5)' -- -c tcp 6
expect bad-keyword 1 'elog: unknown keyword for provider tcp: NOPE' -- -c tcp info 'RX|NOPE'
# Upstream matched keyword names by substring; RT is not RTT.
expect substring-keyword 1 'elog: unknown keyword for provider tcp: RT' -- -c tcp info RT
expect empty-keyword 1 'elog: unknown keyword for provider tcp: ' -- -c tcp info 'RX|'
expect bad-hex-keyword 1 'elog: unknown keyword for provider tcp: 0xZZ' -- -c tcp info 0xZZ
expect big-hex-keyword 1 'elog: unknown keyword for provider tcp: 0x100000000' -- -c tcp info 0x100000000
expect twice 1 'elog: provider tcp subscribed twice' -- -c tcp -c tcp
expect buf-small 1 'elog: buffer size too small: minimum is 65536 bytes' -- -c tcp -b 63K
expect buf-large 1 'elog: buffer size too large: maximum is 1073741823 bytes' -- -c tcp -b 1G
expect buf-huge 1 'elog: buffer size too large: maximum is 1073741823 bytes' -- -c tcp -b 99999999999999999999999
expect buf-overflow 1 'elog: buffer size too large: maximum is 1073741823 bytes' -- -c tcp -b 17179869184G
expect buf-unit 1 'elog: invalid buffer size unit: x (use K, M, or G)' -- -c tcp -b 64x
expect buf-trailing 1 'elog: invalid buffer size: trailing characters after unit' -- -c tcp -b 64KB
expect buf-nan 1 'elog: invalid buffer size: big' -- -c tcp -b big
expect buf-negative 1 'elog: invalid buffer size: -65536' -- -c tcp -b -65536
# A ring is a power of two: other sizes are refused, never rounded.
expect buf-1023M 1 'elog: buffer size must be a power of two: 1023M is not (use 512M)' -- -c tcp -b 1023M
expect buf-100K 1 'elog: buffer size must be a power of two: 100K is not (use 64K or 128K)' -- -c tcp -b 100K
expect duration-nan 1 'elog: --duration: not a number: 5s' -- -c tcp --duration 5s
expect duration-negative 1 'elog: --duration: negative: -1 (seconds, 0 or more)' -- -c tcp --duration -1
# The black box recorder and dump request: refused before anything is loaded.
expect record-empty 1 'elog: --record requires a directory' -- -c tcp --record ''
expect record-output 1 'elog: --record writes its own files: it cannot be used with --output, --json or --clickhouse' -- -c tcp --record "$tmp/r" -o "$tmp/x.elog"
expect record-size-only 1 'elog: --record-size/--record-files require --record' -- -c tcp --record-size 1M
expect record-size-small 1 'elog: --record-size: minimum is 4K' -- -c tcp --record "$tmp/r" --record-size 100
expect record-files-zero 1 'elog: --record-files: not a positive number: 0' -- -c tcp --record "$tmp/r" --record-files 0
expect record-read 1 'elog: --record cannot be used with --read-binary' -- -r "$tmp/zeros" --record "$tmp/r"
expect dump-unknown 1 'elog: --dump: unknown provider: nope' -- --dump nope
expect dump-capture 1 "elog: --dump asks for a dump and exits: it cannot be used with -c, -r, --record, --output or another mode's options" -- --dump tcp -c tcp
expect dump-two 1 'elog: --dump: one --session or one --log-id (none: every buffered session)' -- --dump tcp --session 1 --log-id a
expect dump-port 1 'elog: --dump takes --session ID or --log-id NAME, no other selector' -- --dump tcp --port 80
[ ! -e "$tmp/r" ] && passed=$((passed + 1)) || { name=record-nothing-made; fail "a refused --record made $tmp/r"; }
expect duration-large 1 'elog: --duration: value too large' -- -c tcp --duration 4294967296
expect format 1 "elog: --format requires 'tcp' argument" -- -c tcp -f udp
expect format-no-dir 1 'elog: --format tcp requires --output dir=PATH' -- -c tcp -f tcp
expect output-twice 1 'elog: --output given more than once' -- -c tcp -o a -o dir=b
expect output-empty 1 'elog: --output requires a file name or dir=PATH' -- -c tcp -o dir=
expect ch-twice 1 'elog: --clickhouse given more than once' -- -r x --clickhouse http://a/ --clickhouse http://b/
expect ch-empty 1 'elog: --clickhouse requires a URL' -- -r x --clickhouse ''
expect ch-json 1 'elog: --clickhouse cannot be used with --json, --pcapng or --output' -- -r x --json --clickhouse http://a/
expect ch-output 1 'elog: --clickhouse cannot be used with --json, --pcapng or --output' -- -c tcp -o f --clickhouse http://a/
expect ch-scheme 1 'elog: --clickhouse: ftp://a/: the scheme must be http or https' -- -r tests/golden/sample.elog --clickhouse ftp://a/

# Selectors and --summary: bad values, nothing selected, wrong mode.
S=tests/golden/sample.elog
expect sel-session-nan 1 'elog: --session: not a session id: x7' -- -r "$S" --session x7
expect sel-port-zero 1 'elog: --port: not a port (1-65535): 0' -- -r "$S" --port 0
expect sel-port-big 1 'elog: --port: not a port (1-65535): 65536' -- -r "$S" --port 65536
expect sel-conn-bad 1 'elog: --conn: not ADDR[:PORT] or ADDR:PORT-ADDR:PORT ([V6ADDR]:PORT for IPv6): 1.2.3:80' -- -r "$S" --conn 1.2.3:80
expect sel-conn-v6-port 1 'elog: --conn: not ADDR[:PORT] or ADDR:PORT-ADDR:PORT ([V6ADDR]:PORT for IPv6): [::1:80' -- -r "$S" --conn '[::1:80'
expect sel-event-unknown 1 'elog: --event: no provider has an event named NOPE' -- -r "$S" --event IN,NOPE
expect sel-event-empty 1 'elog: --event: not an event name list: IN,' -- -r "$S" --event IN,
expect sel-keyword-unknown 1 'elog: --keyword: no provider has a keyword named NOPE' -- -r "$S" --keyword 'RX|NOPE'
expect sel-logid-long 1 'elog: --log-id: a log id has 1 to 64 characters' -- -r "$S" --log-id ''
expect sel-none-port 1 'elog: no connection in the capture matches --port 444' -- -r "$S" --port 444
expect sel-none-combined 1 'elog: no connection in the capture matches --port 443 --log-id frontend-42' -- -r "$S" --port 443 --log-id frontend-42
expect sel-none-session 1 'elog: no event in the capture matches --session 5' -- -r "$S" --session 5
expect sel-none-event 1 'elog: no event in the capture matches --session 78 --event IN' -- -r "$S" --session 78 --event IN
expect sel-none-summary 1 'elog: no event in the capture matches --session 5' -- -r "$S" --summary --session 5
expect sel-none-pcapng 1 'elog: no connection in the capture matches --port 444' -- -r "$S" --pcapng "$tmp/p.pcapng" --port 444
expect sel-stdin 1 'elog: --log-id, --port and --conn read the capture twice: they cannot read stdin' -- -r - --port 443
expect sel-capture-bad 1 'elog: --port: not a port (1-65535): 0' -- -c tcp --port 0
expect summary-capture 1 'elog: --summary and --report require --read-binary' -- -c tcp --summary
expect summary-event 1 "elog: --event/--keyword choose lines to print; --summary and --report use all of a connection's events" -- -r "$S" --summary --event IN
expect summary-pcapng 1 'elog: --summary cannot be used with --pcapng' -- -r "$S" --summary --pcapng "$tmp/p.pcapng"
[ -e "$tmp/p.pcapng" ] && fail "an export that selected nothing was left behind"

# --report: an existing file is not replaced without --force; a path that
# cannot be created is one error; nothing selected leaves no file.
printf mine >"$tmp/there.html"
expect report-exists 1 "elog: $tmp/there.html exists: not overwritten (--force replaces it)" -- -r "$S" --report "$tmp/there.html"
[ "$(cat "$tmp/there.html")" = mine ] || fail "the existing report file was changed"
expect report-notdir 1 "elog: $tmp/there.html/x.html: Not a directory" -- -r "$S" --report "$tmp/there.html/x.html"
expect report-none 1 'elog: no event in the capture matches --session 5' -- -r "$S" --session 5 --report "$tmp/none.html"
[ -e "$tmp/none.html" ] && fail "a report that selected nothing was left behind"
expect report-twice 1 'elog: --report given more than once' -- -r "$S" --report a --report b
expect report-summary 1 'elog: --report cannot be used with --summary, --json or --pcapng' -- -r "$S" --report a --summary
expect report-event 1 "elog: --event/--keyword choose lines to print; --summary and --report use all of a connection's events" -- -r "$S" --report a --keyword RX
expect report-capture 1 'elog: --summary and --report require --read-binary' -- -c tcp --report a

# An output that is an input is refused before anything
# is opened, whatever name it is given; the input keeps every byte.
cp tests/golden/sample.elog "$tmp/victim.elog"
sum=$(cksum <"$tmp/victim.elog")
expect pcapng-is-input 1 "elog: $tmp/victim.elog is the input $tmp/victim.elog: not overwritten" -- \
	-r "$tmp/victim.elog" --pcapng "$tmp/victim.elog"
same_bytes pcapng-is-input "$tmp/victim.elog" "$sum"
ln -s victim.elog "$tmp/link.pcapng"
expect pcapng-link-to-input 1 "elog: $tmp/link.pcapng is the input $tmp/victim.elog: not overwritten" -- \
	-r "$tmp/victim.elog" --pcapng "$tmp/link.pcapng"
same_bytes pcapng-link-to-input "$tmp/victim.elog" "$sum"
[ -L "$tmp/link.pcapng" ] && passed=$((passed + 1)) || fail "the link was removed"
expect pcapng-input-force 1 "elog: $tmp/link.pcapng is the input $tmp/victim.elog: not overwritten" -- \
	-r "$tmp/victim.elog" --pcapng "$tmp/link.pcapng" --force
same_bytes pcapng-input-force "$tmp/victim.elog" "$sum"
ln "$tmp/victim.elog" "$tmp/hard.pcapng"
expect pcapng-hard-link 1 "elog: $tmp/hard.pcapng is the input $tmp/victim.elog: not overwritten" -- \
	-r "$tmp/victim.elog" --pcapng "$tmp/hard.pcapng" --force
same_bytes pcapng-hard-link "$tmp/victim.elog" "$sum"
rm -f "$tmp/hard.pcapng"
# Text appended to the input would be read back forever.
name=stdout-is-input
"$ELOG" -r "$tmp/victim.elog" >>"$tmp/victim.elog" 2>"$tmp/err"
if [ $? -ne 1 ] || [ "$(cat "$tmp/err")" != "elog: standard output is the input $tmp/victim.elog: not overwritten" ]; then
	fail "exit/stderr: $(cat "$tmp/err")"
else passed=$((passed + 1)); fi
same_bytes stdout-is-input "$tmp/victim.elog" "$sum"

# An existing export is refused without --force (kept whole), and a
# failed export removes only a file it made itself.
printf 'precious' >"$tmp/old.pcapng"
old=$(cksum <"$tmp/old.pcapng")
expect pcapng-exists 1 "elog: $tmp/old.pcapng exists: not overwritten (--force replaces it)" -- \
	-r "$tmp/victim.elog" --pcapng "$tmp/old.pcapng"
same_bytes pcapng-exists "$tmp/old.pcapng" "$old"
expect pcapng-bad-input-kept 1 'elog: Invalid binary file: bad magic number' -- \
	-r "$tmp/zeros" --pcapng "$tmp/old.pcapng" --force
[ -f "$tmp/old.pcapng" ] && passed=$((passed + 1)) || fail "a file this run did not make was removed"
expect pcapng-bad-input-new 1 'elog: Invalid binary file: bad magic number' -- -r "$tmp/zeros" --pcapng "$tmp/new.pcapng"
[ ! -e "$tmp/new.pcapng" ] && passed=$((passed + 1)) || fail "a failed export was left behind"
"$ELOG" -r "$tmp/victim.elog" --pcapng "$tmp/old.pcapng" --force 2>"$tmp/err" && \
	[ "$(head -c 4 "$tmp/old.pcapng" | od -An -tx1 | tr -d ' ')" = 0a0d0d0a ] && \
	passed=$((passed + 1)) || { name=pcapng-force; fail "--force did not replace it: $(cat "$tmp/err")"; }
"$ELOG" -r "$tmp/victim.elog" --pcapng /dev/null 2>"$tmp/err" && passed=$((passed + 1)) || \
	{ name=pcapng-dev-null; fail "/dev/null is not a file to protect: $(cat "$tmp/err")"; }

# The same for --report: an input is never its output, --force or not; a
# report that fails removes only a file it made.
expect report-is-input 1 "elog: $tmp/link.pcapng is the input $tmp/victim.elog: not overwritten" -- \
	-r "$tmp/victim.elog" --report "$tmp/link.pcapng" --force
same_bytes report-is-input "$tmp/victim.elog" "$sum"
expect report-bad-input-kept 1 'elog: Invalid binary file: bad magic number' -- \
	-r "$tmp/zeros" --report "$tmp/there.html" --force
[ "$(cat "$tmp/there.html")" = mine ] && passed=$((passed + 1)) || \
	{ name=report-bad-input-kept; fail "a file this run did not make was changed or removed"; }
"$ELOG" -r tests/golden/sample.elog --report "$tmp/there.html" --force 2>"$tmp/err" && \
	grep -q '<html' "$tmp/there.html" && passed=$((passed + 1)) || \
	{ name=report-force; fail "--force did not replace it: $(cat "$tmp/err")"; }

# Compression is recognised by content, whatever the name.
gzip -c tests/golden/sample.elog >"$tmp/gz.elog"
zstd -q -c tests/golden/sample.elog >"$tmp/zst.elog"
want=$("$ELOG" -r tests/golden/sample.elog | head -1)
expect_ok gzip-named-elog "$want" -- -r "$tmp/gz.elog"
expect_ok zstd-named-elog "$want" -- -r "$tmp/zst.elog"
cp "$tmp/gz.elog" "$tmp/gz.zst"
expect_ok gzip-named-zst "$want" -- -r "$tmp/gz.zst"

# A file cut inside its header has no count to quote.
head -c 20 tests/golden/sample.elog >"$tmp/h20.elog"
expect header-cut 0 'elog: warning: capture is truncated (inside the file header (20 of 40 bytes)); decoded 0 complete events' -- -r "$tmp/h20.elog"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
