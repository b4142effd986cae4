#!/bin/bash
# tests/layering.sh - every #include "..." that crosses folders follows the
# dependency table at the top of ARCHITECTURE.md (the rows between the
# "layering:begin" and "layering:end" markers): a file in folder A may
# include a header of folder B only if B is in A's "may include" cell.
#
# Folders are src/'s subfolders, plus two for src/ itself: `top` (the files
# that assemble the VM: main.c, vm.c, options.[ch]) and `core` (every other
# file directly in src/). First the checker is run on a copy of the tree
# with one forbidden include added, which it must refuse; then on the tree.
set -u

srcdir=${srcdir:-.}
root=$(cd "$srcdir" && pwd)
TOP_FILES="main.c vm.c options.c options.h"

# check ROOT: print each forbidden edge; status 1 if there is one.
check() {
	local tree=$1 bad=0
	declare -A allowed=()
	local line name cell

	while IFS= read -r line; do
		[[ $line =~ ^\|\ \`([a-z_]+)\`\ \| ]] || continue
		name=${BASH_REMATCH[1]}
		cell=${line%|}
		cell=${cell##*|}
		allowed[$name]=" $(grep -o '`[a-z_]*`' <<<"$cell" | tr -d '`' | tr '\n' ' ') "
	done < <(sed -n '/<!-- layering:begin -->/,/<!-- layering:end -->/p' \
		 "$tree/ARCHITECTURE.md")
	if [ ${#allowed[@]} -lt 3 ]; then
		echo "ARCHITECTURE.md: no layering table between the markers"
		return 1
	fi

	local f rel dir from inc target to
	while IFS= read -r f; do
		rel=${f#"$tree"/src/}
		dir=$(dirname "$f")
		if [[ $rel == */* ]]; then
			from=${rel%%/*}
		elif [[ " $TOP_FILES " == *" $rel "* ]]; then
			from=top
		else
			from=core
		fi
		if [ -z "${allowed[$from]+x}" ]; then
			echo "src/$rel: folder '$from' is not in ARCHITECTURE.md's table"
			bad=1
			continue
		fi
		while IFS= read -r inc; do
			if [ -e "$dir/$inc" ]; then
				target=$(realpath -m "$dir/$inc")
			elif [ -e "$tree/src/$inc" ]; then
				target=$(realpath -m "$tree/src/$inc")
			else
				continue	# config.h and other generated headers
			fi
			target=${target#"$(realpath "$tree")"/src/}
			if [[ $target == */* ]]; then
				to=${target%%/*}
			elif [[ " $TOP_FILES " == *" $target "* ]]; then
				to=top
			else
				to=core
			fi
			[ "$to" = "$from" ] && continue
			[[ ${allowed[$from]} == *" all "* ]] && continue
			if [[ ${allowed[$from]} != *" $to "* ]]; then
				echo "src/$rel includes \"$inc\": $from may not include $to"
				bad=1
			fi
		done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
	done < <(find "$tree/src" -name '*.[ch]' | sort)
	return $bad
}

# The checker must fail on a forbidden edge: backend/ including hypercall/.
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
cp -r "$root/src" "$root/ARCHITECTURE.md" "$tmp/" || exit 99
echo '#include "../hypercall/hypercall.h"' >> "$tmp/src/backend/backend.c"
if out=$(check "$tmp"); then
	echo "FAIL: the checker accepted backend/ including hypercall/"
	exit 1
fi
case $out in
*'backend may not include hypercall'*) ;;
*) echo "FAIL: the checker did not name the forbidden edge: $out"; exit 1 ;;
esac

if ! check "$root"; then
	echo "FAIL: includes across forbidden edges (see ARCHITECTURE.md)"
	exit 1
fi
echo "PASS: every include follows ARCHITECTURE.md's folder table"
