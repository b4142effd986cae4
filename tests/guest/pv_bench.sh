#!/bin/sh
# The PV benchmark guests run to completion and report in their format
# (short runs: this checks the guests, not the numbers).
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm

expect_line() {
	grep -Eq -- "$1" "$OUT" || fail "stdout has no line matching /$1/"
}

run "$GUESTS/pv/bench-hc.elf" -- 1000
expect_status 0
expect_line '^abi_version: [0-9]+\.[0-9] ns/call$'
expect_line '^clock: [0-9]+\.[0-9] ns/call$'
expect_line '^\.{10}$'
expect_line '^console_write1: [0-9]+\.[0-9] ns/call$'

head -c 4194304 /dev/zero >"$TMP/disk.img"
run --disk "$TMP/disk.img" "$GUESTS/pv/bench-blk.elf"
expect_status 0
expect_line '^read 4194304 bytes in [0-9]+\.[0-9] ms: [0-9]+\.[0-9] MB/s$'
run --disk "$TMP/disk.img,ro" "$GUESTS/pv/aio-crc.elf" -- bench 8 1024
expect_status 0
expect_line '^read 4194304 bytes in [0-9]+\.[0-9] ms: [0-9]+\.[0-9] MB/s$'

# zlib.crc32(bytes(i & 0xff for i in range(64 MiB))) == 0x8d2b400f
run -m 128M "$GUESTS/pv/compute.elf"
expect_status 0
expect_line '^crc32 8d2b400f over 67108864 bytes in [0-9]+ ms$'
