#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Man pages stay true: every page is mandoc-lint clean, and every option a
# command's usage text offers is documented in that command's page.
# usage: check.sh BINDIR
bin=$1
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

for page in man/*.[1-8]; do
	# -Wwarning: cross-references to pages that are not installed are
	# only style notes.
	if out=$(mandoc -Tlint -Wwarning "$page" 2>&1) && [ -z "$out" ]; then ok
	else bad "mandoc -Tlint $page: $out"; fi
done

# Options of the usage text: -x and --long words.
options() { "$@" 2>&1 | grep -oE '(^|[ [,|])--?[a-zA-Z][a-zA-Z-]*' | sed 's/^[ [,|]//' | sort -u; }

check_page() { # page command...
	page=$1; shift
	n=0
	for opt in $(options "$@"); do
		n=$((n + 1))
		case $opt in
		--*) pat="Fl \\\\?-${opt#--}|Fl -${opt#--}" ;;
		*) pat="Fl ${opt#-}([^a-zA-Z]|$)" ;;
		esac
		if grep -qE "$pat" "$page"; then ok; else bad "$page does not document $opt"; fi
	done
	[ "$n" -gt 3 ] && ok || bad "no options found in the usage of $*"
}
check_page man/elog.1 "$bin/elog" -h
check_page man/elogctl.8 "$bin/elogctl" -h
check_page man/elog-schemac.1 "$bin/elog-schemac" --help

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
