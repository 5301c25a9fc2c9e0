#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Man pages stay true: every page is mandoc-lint clean (style included) and
# renders its quotes where they belong, and every option a command's usage
# text offers is documented in that command's page. Also: the README's tour
# leaves nothing in the working tree.
# usage: check.sh BINDIR
bin=$1
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

bs=$(printf '\b')
for page in man/*.[1-8]; do
	# Style notes too; only cross-references to pages that are not
	# installed (and a stale system mandoc.db) are not the page's fault.
	out=$(mandoc -Tlint -Wstyle "$page" 2>&1 | grep -v -e 'referenced manual not found' \
		-e 'mandoc\.db')
	if [ -z "$out" ]; then ok
	else bad "mandoc -Tlint $page: $out"; fi
	# Quoting as rendered: a delimiter argument (`.Ql ?`, `Ns ]`) is put
	# outside the quotes, leaving an empty quote or a bracket after it.
	text=$(mandoc -Tutf8 "$page" | sed "s/.$bs//g")
	if printf '%s' "$text" | grep -q -e '‘’' -e '’\]'; then
		bad "$page renders a misplaced quote: $(printf '%s' "$text" | grep -e '‘’' -e '’\]')"
	else ok; fi
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

# The README's tour writes its capture under /tmp, not into the clone.
tour=$(sed -n '/^## A five-minute tour/,/^## /p' README.md)
if printf '%s' "$tour" | grep -E -e '-o +[^/ -]' -e '-r +[^/ -]' >/dev/null; then
	bad "README tour writes into the working tree: $(printf '%s' "$tour" | grep -E -e '-o +[^/ -]' -e '-r +[^/ -]')"
else ok; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
