#!/bin/sh
# Load (not in make check): N concurrent PV guests (default 32), each
# making CALLS hypercalls (default 100000) and BLOCKS block requests
# (default 1000, write/read-back pairs on its own 64 KiB disk), every result
# checked in the guest (guests/pv/load.c). All must exit 0 and print their
# "load ok" line. Prints the wall time.
#
#	tests/load/concurrent.sh [BUILD-DIR]	# default: the current directory
#	N=8 CALLS=1000 tests/load/concurrent.sh
set -u
B=${1:-.}
HVRUN=${HVRUN:-$B/hvrun}
GUESTS=${GUESTS:-$B/guests}
N=${N:-32}
CALLS=${CALLS:-100000}
BLOCKS=${BLOCKS:-1000}
[ -x "$HVRUN" ] && [ -f "$GUESTS/pv/load.elf" ] ||
	{ echo "no $HVRUN or $GUESTS/pv/load.elf: give the build directory"; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/hvrun-load.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

start=$(date +%s.%N)
for i in $(seq "$N"); do
	truncate -s 64k "$TMP/disk$i.img"
	(s=0; timeout -k 5 600 "$HVRUN" --disk "$TMP/disk$i.img" \
		"$GUESTS/pv/load.elf" -- "$CALLS" "$BLOCKS" \
		>"$TMP/out$i" 2>"$TMP/err$i" </dev/null || s=$?
	 echo "$s" >"$TMP/status$i") &
done
wait
end=$(date +%s.%N)

bad=0
for i in $(seq "$N"); do
	s=$(cat "$TMP/status$i")
	if [ "$s" != 0 ] ||
	   ! grep -qxF "load ok calls $CALLS blocks $BLOCKS" "$TMP/out$i"; then
		echo "guest $i: status $s"
		cat "$TMP/out$i" "$TMP/err$i"
		bad=$((bad + 1))
	fi
done
wall=$(echo "$end - $start" | bc 2>/dev/null ||
	awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
echo "$N guests x ($CALLS hypercalls + $BLOCKS block requests):" \
	"$((N - bad)) ok, $bad failed, wall ${wall} s on $(nproc) CPUs"
[ "$bad" = 0 ]
