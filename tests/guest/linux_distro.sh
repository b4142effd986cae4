#!/bin/sh
# The reference guest: Debian's cloud kernel, unmodified, with the
# initramfs guests/linux/build-distro.sh makes (virtio drivers as modules,
# no MP-table parsing, no virtio-mmio command-line devices: it finds the
# machine through ACPI alone). `make check-linux` runs this.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e

kernel=${HVRUN_DISTRO_KERNEL:-}
initrd=${HVRUN_DISTRO_INITRD:-}
[ -n "$kernel" ] && [ -r "$kernel" ] && [ -n "$initrd" ] && [ -r "$initrd" ] ||
	skip "HVRUN_DISTRO_KERNEL and HVRUN_DISTRO_INITRD not set (guests/linux/build-distro.sh)"
need_kvm
# Measured on kvm_pvm (shared/linux-on-pvm): it cannot emulate
# cmpxchg16b, XSAVE or int3 at CPL 0, and the distribution kernel runs all
# three while booting; QEMU and kvmtool stop there too.
[ -d /sys/module/kvm_pvm ] &&
	skip "this KVM (kvm_pvm) cannot run a distribution kernel: cmpxchg16b, XSAVE and int3 at CPL 0"

head -c 1048576 /dev/urandom >"$TMP/data.img"
truncate -s 1M "$TMP/out.img"
want=$(md5sum <"$TMP/data.img" | cut -d' ' -f1)
run -m 512M -c 2 --timeout 110 --initrd "$initrd" \
	--disk "$TMP/data.img,ro" --disk "$TMP/out.img" -v "$kernel" -- \
	console=ttyS0 panic=-1 \
	'hvrun.cmd="echo cpus=$(grep -c ^processor /proc/cpuinfo); md5sum /dev/vda; echo guest-wrote-this | dd of=/dev/vdb bs=512 conv=sync,fsync; head -c 32 /dev/hwrng >/tmp/rng; echo rng=$(od -An -tx1 /tmp/rng | tr -dc 0-9a-f)"'
expect_status 0
expect_out "hvrun-linux-ok"
expect_out "cpus=2"
expect_out "$want  /dev/vda"
expect_out "hvrun.cmd exited with status 0"
grep -q '^rng=[0-9a-f]\{64\}' "$OUT" || fail "no bytes from /dev/hwrng"
[ "$(head -c 16 "$TMP/out.img")" = guest-wrote-this ] ||
	fail "the guest's write is not in out.img"
expect_err "ACPI S5"
