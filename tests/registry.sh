#!/bin/bash
# tests/registry.sh - every self-registering part (a line
# `DEVICE_REGISTER(x)`, `VIRTIO_DEVICE_REGISTER(x)`, ... in src/) is in
# the hvrun binary: each macro defines a constructor register_x, and a
# file left out of the link, or linked from an archive that drops it
# (nothing references a constructor), would lose its device silently.
# Likewise every image format (`const struct loader_format loader_x` in
# src/loader/) is in the generated table loader_formats.c. The checker is
# first shown a registration that does not exist, which it must refuse.
set -u

srcdir=${srcdir:-.}
bin=${HVRUN:-./hvrun}
command -v nm >/dev/null || { echo "SKIP: no nm"; exit 77; }
[ -x "$bin" ] || { echo "FAIL: no $bin"; exit 1; }
syms=$(nm "$bin") || { echo "FAIL: nm $bin"; exit 1; }

# check NAME...: print each NAME without a register_NAME in hvrun.
check() {
	local bad=0 name
	for name in "$@"; do
		if ! grep -qE "[[:space:]]register_${name}\$" <<<"$syms"; then
			echo "registered in src/ but not in $bin: $name"
			bad=1
		fi
	done
	return $bad
}

names=$(sed -n 's/^[A-Z_]*_REGISTER(\([A-Za-z0-9_]*\)).*/\1/p' \
	"$srcdir"/src/*/*.c | sort)
count=$(wc -w <<<"$names")
if [ "$count" -lt 10 ]; then
	echo "FAIL: found only $count registrations in $srcdir/src"
	exit 1
fi
if check no_such_device_ops >/dev/null; then
	echo "FAIL: the checker accepted a registration hvrun does not have"
	exit 1
fi
# shellcheck disable=SC2086
if ! check $names; then
	echo "FAIL: registered parts missing from the link (see Makefile.am)"
	exit 1
fi

formats=$(sed -n 's/^const struct loader_format \(loader_[a-z0-9_]*\) =.*/\1/p' \
	"$srcdir"/src/loader/*.c)
[ -n "$formats" ] || { echo "FAIL: no image formats in $srcdir/src/loader"; exit 1; }
[ -f loader_formats.c ] || { echo "FAIL: no generated loader_formats.c"; exit 1; }
for f in $formats; do
	if ! grep -q "&$f," loader_formats.c; then
		echo "FAIL: $f is not in LOADER_FORMATS (Makefile.am)"
		exit 1
	fi
done
echo "PASS: all $count registered parts are in $bin, all $(wc -w <<<"$formats") image formats in loader_formats[]"
