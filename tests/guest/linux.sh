#!/bin/sh
# A real Linux (guests/linux/build.sh's kernel, ~20-40 s a boot on
# kvm_pvm): bzImage and PVH entry, 1 and 2 vCPUs, ACPI discovery, virtio
# disks and entropy, poweroff and a failing command's status.
. "${srcdir:-.}/tests/guest/linux-lib.sh"
set -e
need_linux

# PVH entry, one vCPU: read a disk, write another, read the entropy device;
# `poweroff` ends hvrun with status 0.
head -c 1048576 /dev/urandom >"$TMP/data.img"
truncate -s 1M "$TMP/out.img"
want=$(md5sum <"$TMP/data.img" | cut -d' ' -f1)
boot "$VMLINUX" 'echo cpus=$(grep -c ^processor /proc/cpuinfo); md5sum /dev/vda; echo guest-wrote-this | dd of=/dev/vdb bs=512 conv=sync,fsync; echo rng=$(head -c 32 /dev/hwrng | od -An -tx1 | tr -dc 0-9a-f)' \
	--disk "$TMP/data.img,ro" --disk "$TMP/out.img" -v
expect_status 0
expect_out "Linux version"
expect_out "ACPI: RSDP"
expect_out "cpus=1"
expect_out "$want  /dev/vda"
expect_out "hvrun.cmd exited with status 0"
rng=$(sed -n 's/^rng=\([0-9a-f]*\).*/\1/p' "$OUT" | tr -d '\r')
[ ${#rng} = 64 ] || fail "expected 32 bytes from /dev/hwrng, got '$rng'"
[ "$rng" != 0000000000000000000000000000000000000000000000000000000000000000 ] ||
	fail "/dev/hwrng gave zeros"
[ "$(head -c 16 "$TMP/out.img")" = guest-wrote-this ] ||
	fail "the guest's write is not in out.img: $(head -c 32 "$TMP/out.img" | od -c)"
expect_err "ACPI S5"

# bzImage, two vCPUs: both come up; a failing command's status is
# hvrun's.
boot "$BZIMAGE" 'echo cpus=$(grep -c ^processor /proc/cpuinfo); exit 3' -c 2
expect_status 3
expect_out "cpus=2"
expect_out "hvrun.cmd exited with status 3"
