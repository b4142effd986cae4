#!/bin/sh
# Guest-sized block requests run on the loop in pieces: a stop is honoured
# between them (a 2 GiB block_read ran 15 s past --timeout 1), and a
# request of several pieces moves every byte once.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm
BIGIO=$GUESTS/pv/bigio.elf

now_ms() { date +%s%3N; }

# Several pieces and a tail: written, read back, and on the host file.
size=$((3 * 1024 * 1024 + 4096))
truncate -s 4M "$TMP/small.img"
run -m 64M --disk "$TMP/small.img" "$BIGIO" -- check $size
expect_status 0
crc=$(python3 -c "import sys, zlib; print('%08x' % zlib.crc32(open(sys.argv[1], 'rb').read($size)))" "$TMP/small.img")
expect_out "check ok crc32 $crc"

# 2 GiB in one block_read, stopped by --timeout 1: ends near the deadline
# (the bound is generous for a loaded machine).
truncate -s 2G "$TMP/big.img"
t0=$(now_ms)
set +e
timeout -s KILL 60 "$HVRUN" -m 2100M --timeout 1 --disk "$TMP/big.img" \
	"$BIGIO" -- read 2147483648 >"$OUT" 2>"$ERR" </dev/null
STATUS=$?
set -e
t=$(($(now_ms) - t0))
echo "2 GiB block_read, --timeout 1 -> $STATUS in $t ms"
expect_status 124
expect_err "timeout"
[ $t -lt 3000 ] || fail "took $t ms past a 1 s timeout"
