#!/bin/sh
# --help, man/hvrun.1 and README.md name the same options: every option
# --help lists is documented in both, and every option the man page
# documents is in --help.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e

MAN=$srcdir/man/hvrun.1
README=$srcdir/README.md
[ -r "$MAN" ] && [ -r "$README" ] || fail "man page or README not found under $srcdir"

"$HVRUN" --help >"$OUT"
help_opts=$(grep -o -- '--[a-z][a-z-]*' "$OUT" | sort -u)
[ -n "$help_opts" ] || fail "--help lists no options"
for o in $help_opts; do
	man_o=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
	# Whole names: --gdb is not found in --gdb-wait.
	grep -qE -- "$man_o([^\\\\]|\\\\[^-]|\$)" "$MAN" ||
		fail "$o is in --help but not in man/hvrun.1"
	grep -qE -- "^\| .*$o([ \`=]|\$)" "$README" ||
		fail "$o is in --help but not in README.md's option table"
done

# The man page's option entries: a .TP followed by .B/.BR/.BI \-\-NAME.
man_opts=$(awk '/^\.SH OPTIONS/ { on = 1; next } /^\.SH/ { on = 0 }
	on && prev == ".TP" && /^\.B[IR]? / { print } { prev = $0 }' "$MAN" |
	grep -o '\\-\\-[a-z\\-]*' | sed 's/\\//g' | sort -u)
[ -n "$man_opts" ] || fail "no options found in man/hvrun.1"
for o in $man_opts; do
	echo "$help_opts" | grep -qx -- "$o" || fail "$o is in man/hvrun.1 but not in --help"
done
echo "options checked: $(echo "$help_opts" | wc -l) in --help, $(echo "$man_opts" | wc -l) in the man page"
