#!/bin/sh
# The reference guest: Debian's cloud kernel, unmodified, with the
# initramfs guests/linux/build-distro.sh makes (virtio drivers as modules,
# no MP-table parsing, no virtio-mmio command-line devices: it finds the
# machine through ACPI alone). `make check-linux` runs this.
. "${srcdir:-.}/tests/guest/linux-lib.sh"
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

# The same disks, entropy and poweroff checks as the test kernel's, with
# two vCPUs, and none of the test kernel's kvm_pvm workarounds.
INITRD=$initrd
LINUX_ARGS="console=ttyS0 panic=-1"
LINUX_CPU=
io_boot "$kernel" 2 -m 512M
expect_out "hvrun-linux-ok"
