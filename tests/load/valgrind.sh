#!/bin/sh
# Memcheck (not in make check: too slow): a handful of guest runs under
# valgrind. Any memcheck error or definite leak makes valgrind exit 99 and
# this script fail; each run's valgrind summary lines are printed.
#
#	tests/load/valgrind.sh [BUILD-DIR]	# default: the current directory
#
# Use a build without sanitizers (valgrind and ASan do not mix).
# tests/load/valgrind.supp holds suppressions for false positives, if any.
set -u
B=${1:-.}
HVRUN=${HVRUN:-$B/hvrun}
GUESTS=${GUESTS:-$B/guests}
HERE=$(cd "$(dirname "$0")" && pwd)
command -v valgrind >/dev/null 2>&1 || { echo "valgrind is not installed"; exit 77; }
[ -x "$HVRUN" ] || { echo "no $HVRUN: give the build directory"; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/hvrun-vg.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
VG="valgrind -q --error-exitcode=99 --leak-check=full
	--errors-for-leak-kinds=definite --track-fds=no --num-callers=30"
[ -s "$HERE/valgrind.supp" ] && VG="$VG --suppressions=$HERE/valgrind.supp"

fails=0 n=0
# vg NAME EXPECTED-STATUS [hvrun args...]
vg() {
	name=$1 want=$2; shift 2
	n=$((n + 1))
	timeout -k 5 300 $VG --log-file="$TMP/$name.vg" "$HVRUN" "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null
	s=$?
	errs=$(grep -c '^==[0-9]*== [A-Z]' "$TMP/$name.vg" 2>/dev/null || true)
	if [ "$s" = "$want" ] && [ ! -s "$TMP/$name.vg" ]; then
		echo "PASS: $name (status $s, valgrind silent)"
	else
		echo "FAIL: $name (status $s, expected $want; $errs valgrind lines)"
		sed 's/^/  /' "$TMP/$name.vg" "$TMP/$name.err" | head -n 80
		fails=$((fails + 1))
	fi
}

vg raw-hello 0 "$GUESTS/raw/hello.img"
vg raw-exit42 42 "$GUESTS/raw/exit42.img"
vg multiboot-hello32 0 "$GUESTS/multiboot/hello32.elf"
vg pv-hello 0 "$GUESTS/pv/hello.elf" -- hi there
head -c 262144 /dev/urandom >"$TMP/rand.img"
vg pv-disk-crc 0 --disk "$TMP/rand.img" "$GUESTS/pv/disk-crc.elf"
truncate -s 65536 "$TMP/w.img"
vg pv-disk-write 0 --disk "$TMP/w.img" "$GUESTS/pv/disk-write.elf"
vg pv-disk-ro 3 --disk "$TMP/w.img,ro" "$GUESTS/pv/disk-write.elf"
vg pv-smp 0 -c 2 "$GUESTS/pv/smp.elf"
vg raw-spin-timeout 124 --timeout 1 "$GUESTS/raw/spin.img"
vg pv-load 0 --disk "$TMP/w.img" "$GUESTS/pv/load.elf" -- 2000 100

if command -v python3 >/dev/null 2>&1; then
	SOCK=$TMP/net.sock
	n=$((n + 1))
	timeout -k 5 300 $VG --log-file="$TMP/net.vg" "$HVRUN" \
		--net "socket=$SOCK" "$GUESTS/pv/net-echo.elf" \
		>"$TMP/net.out" 2>"$TMP/net.err" </dev/null &
	pid=$!
	python3 - "$SOCK" "$TMP/peer.sock" <<'PY'
import os, socket, sys, time
path, me = sys.argv[1], sys.argv[2]
deadline = time.monotonic() + 60
while not os.path.exists(path):
    if time.monotonic() > deadline:
        sys.exit("peer: %s never appeared" % path)
    time.sleep(0.1)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(me)
s.settimeout(30)
for f in [bytes([i]) * n for i, n in enumerate((14, 60, 1500, 9000))] + [b"quit"]:
    s.sendto(f, path)
    if s.recv(70000) != f:
        sys.exit("peer: bad echo")
PY
	peer=$?
	wait "$pid"
	s=$?
	if [ "$peer" = 0 ] && [ "$s" = 0 ] && [ ! -s "$TMP/net.vg" ]; then
		echo "PASS: pv-net-echo (status $s, valgrind silent)"
	else
		echo "FAIL: pv-net-echo (status $s, peer $peer)"
		sed 's/^/  /' "$TMP/net.vg" "$TMP/net.err" | head -n 80
		fails=$((fails + 1))
	fi
else
	echo "SKIP: pv-net-echo (no python3)"
fi

echo "valgrind: $n runs, $fails failed"
[ "$fails" = 0 ]
