#!/bin/sh
# A real Linux boot: the minimal test kernel and busybox initramfs that
# guests/linux/build.sh makes (about 4 minutes to build, ~40 s to boot on
# kvm_pvm as a bzImage, ~20 s as a PVH vmlinux). Skipped unless
# HVRUN_LINUX_BZIMAGE and HVRUN_LINUX_INITRD point at built files; the PVH
# boot runs too when HVRUN_LINUX_VMLINUX does.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e

bz=${HVRUN_LINUX_BZIMAGE:-}
rd=${HVRUN_LINUX_INITRD:-}
vmlinux=${HVRUN_LINUX_VMLINUX:-}
[ -n "$bz" ] && [ -r "$bz" ] && [ -n "$rd" ] && [ -r "$rd" ] ||
	skip "HVRUN_LINUX_BZIMAGE and HVRUN_LINUX_INITRD not set (guests/linux/build.sh)"
need_kvm

# kvm_pvm at CPL 0 reports the host's CPUID and cannot run these
# instructions: hide them (see guests/linux/README.md).
clear=popcnt,fsgsbase,pcid,invpcid,smap,rdrand,rdseed,rdpid,clflushopt,clwb,cx16,erms,fsrm
boot() {
	run -v -m 256M --initrd "$rd" --timeout 110 "$1" -- console=ttyS0 \
		panic=-1 reboot=k noxsave clearcpuid=$clear percpu_alloc=page \
		rodata=off
}

# boot_ok IMAGE KIND: boots to the initramfs marker, loaded as KIND.
boot_ok() {
	boot "$1"
	# One boot in ~26 fails early in busybox on this KVM: retry once.
	if [ "$STATUS" != 0 ] || ! grep -qF hvrun-linux-ok "$OUT"; then
		echo "first boot failed (status $STATUS), retrying"
		tail -n 5 "$OUT"
		boot "$1"
	fi
	expect_err "loaded $2 image"
	expect_out "Linux version"
	expect_out "hvrun-linux-ok"
	expect_status 0
}

boot_ok "$bz" "Linux bzImage"
if [ -n "$vmlinux" ] && [ -r "$vmlinux" ]; then
	boot_ok "$vmlinux" PVH
	# The start info's memory map reached the kernel.
	expect_out "BIOS-e820: [mem 0x000000000009fc00-0x00000000000fffff] reserved"
else
	echo "HVRUN_LINUX_VMLINUX not set: PVH boot skipped"
fi
