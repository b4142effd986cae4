#!/bin/sh
# PV block devices: reading a whole disk (CRC-32 checked on the host),
# writing one (byte-for-byte checked), and a read-only disk refusing writes.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm

# CRC-32 of a file as 8 lowercase hex digits, from the trailer gzip writes
# after the data: CRC-32 (the zlib one), then the length, both
# little-endian. No python needed.
host_crc32() {
	gzip -c <"$1" | tail -c 8 | od -An -tx1 -N4 |
		awk '{ print $4 $3 $2 $1 }'
}

# The disk-write pattern (guests/pv/disk-write.c): byte i of the disk is
# (i * 7 + i / 512) & 0xff. awk writes one line of octal escapes per
# sector, the shell's printf turns each into bytes: fast enough for 64 KiB.
write_pattern() {
	awk -v n="$2" 'BEGIN {
		for (i = 0; i < n; i++) {
			printf "\\%03o", (i * 7 + int(i / 512)) % 256
			if (i % 512 == 511)
				printf "\n"
		}
	}' | while IFS= read -r line; do printf "$line"; done >"$1"
}

# Read: a 1 MiB disk of random bytes.
head -c 1048576 /dev/urandom >"$TMP/rand.img"
want=$(host_crc32 "$TMP/rand.img")
run --disk "$TMP/rand.img" "$GUESTS/pv/disk-crc.elf"
expect_status 0
expect_out "crc32 $want bytes 1048576"

# Write: a 64 KiB disk of zeros gets the pattern, exactly.
head -c 65536 /dev/zero >"$TMP/disk.img"
write_pattern "$TMP/pattern.img" 65536
[ "$(wc -c <"$TMP/pattern.img")" -eq 65536 ] ||
	fail "pattern generator made $(wc -c <"$TMP/pattern.img") bytes"
run --disk "$TMP/disk.img" "$GUESTS/pv/disk-write.elf"
expect_status 0
expect_out "wrote 65536 bytes"
cmp "$TMP/disk.img" "$TMP/pattern.img" || fail "disk does not hold the pattern"

# And the guest reads back what it wrote.
run --disk "$TMP/disk.img" "$GUESTS/pv/disk-crc.elf"
expect_status 0
expect_out "crc32 $(host_crc32 "$TMP/pattern.img") bytes 65536"

# Read-only: the first write fails with -EROFS and the file is untouched.
head -c 65536 /dev/urandom >"$TMP/ro.img"
cp "$TMP/ro.img" "$TMP/ro.orig"
run --disk "$TMP/ro.img,ro" "$GUESTS/pv/disk-write.elf"
expect_status 3
expect_out "write: error -30"
cmp "$TMP/ro.img" "$TMP/ro.orig" || fail "read-only disk was changed"

# No disk at all: the guest says so.
run "$GUESTS/pv/disk-crc.elf"
expect_status 1
expect_out "no disk 0"
