#!/bin/sh
# PVH boot: a 32-bit guest entered through its Xen PHYS32_ENTRY note reads
# the hvm_start_info at EBX (magic, command line, module 0 = the initrd).
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm

img=$GUESTS/pvh/hello.elf

run "$img" -- console=ttyS0 root=/dev/vda
expect_status 0
expect_out "pvh magic ok"
expect_out "cmdline [console=ttyS0 root=/dev/vda]"
expect_out "modules 0"

printf 'initrd-bytes' >"$TMP/initrd"
run --initrd "$TMP/initrd" "$img"
expect_status 0
expect_out "cmdline []"
expect_out "modules 1"
expect_out "module [initrd-bytes]"

# An initrd larger than guest RAM is refused before the guest starts.
truncate -s 20M "$TMP/big"
run -m 16M --initrd "$TMP/big" "$img"
expect_one_line_error "larger than the guest RAM"

# A note whose entry descriptor is 2 bytes: one line, status 125.
off=$(grep -obUaP 'Xen\x00' "$img" | head -n 1 | cut -d: -f1)
[ -n "$off" ] || fail "no Xen note in $img"
cp "$img" "$TMP/bad.elf"
printf '\002' | dd of="$TMP/bad.elf" bs=1 seek=$((off - 8)) conv=notrunc 2>/dev/null
run "$TMP/bad.elf"
expect_one_line_error "PVH entry note is 2 bytes"
