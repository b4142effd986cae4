#!/bin/sh
# Block rings (ABI v2, asynchronous block I/O): a whole disk read with many
# requests in flight gives the host's CRC; hostile rings, indices and
# requests get their errors and the ring keeps serving; a stop ends a ring
# full of big requests between two pieces.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm
AIO=$GUESTS/pv/aio-crc.elf

host_crc32() {
	gzip -c <"$1" | tail -c 8 | od -An -tx1 -N4 |
		awk '{ print $4 $3 $2 $1 }'
}

# 5 MiB and a sector of random bytes: the last request is short.
head -c $((5 * 1024 * 1024 + 512)) /dev/urandom >"$TMP/rand.img"
want=$(host_crc32 "$TMP/rand.img")
run --disk "$TMP/rand.img,ro" "$AIO" -- crc 16 256
expect_status 0
expect_out "crc32 $want bytes 5243392 in-flight 16"
# 64 small requests at once, and requests of several pieces.
run --disk "$TMP/rand.img,ro" "$AIO" -- crc 64 4
expect_status 0
expect_out "crc32 $want bytes 5243392 in-flight 64"
run --disk "$TMP/rand.img,ro" "$AIO" -- crc 4 3072
expect_status 0
expect_out "crc32 $want bytes 5243392 in-flight 2"

# Hostile: every error, then a write and a read through the same ring.
head -c 1048576 /dev/zero >"$TMP/rw.img"
run --disk "$TMP/rw.img" "$AIO" -- hostile
expect_status 0
expect_out "hostile ok"
# The ring's write reached the file: 64 KiB at sector 8 of i * 13 + 1.
python3 -c "
import sys
d = open(sys.argv[1], 'rb').read()
want = bytes((i * 13 + 1) & 255 for i in range(65536))
sys.exit(0 if d[4096:4096 + 65536] == want and d[:4096] == bytes(4096) else 1)
" "$TMP/rw.img" || fail "the ring's write is not on disk"

# A stop (--timeout 1) while 64 GiB are read in 3 MiB requests, 8 in flight, ends
# near the deadline, not after the disk is read.
truncate -s 64G "$TMP/big.img"
t0=$(date +%s%3N)
set +e
timeout -s KILL 60 "$HVRUN" --timeout 1 --disk "$TMP/big.img,ro" \
	"$AIO" -- bench 8 3072 >"$OUT" 2>"$ERR" </dev/null
STATUS=$?
set -e
t=$(($(date +%s%3N) - t0))
echo "64 GiB through a ring, --timeout 1 -> $STATUS in $t ms"
expect_status 124
expect_err "timeout"
[ $t -lt 3000 ] || fail "took $t ms past a 1 s timeout"
