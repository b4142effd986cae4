#!/bin/sh
# --cpu-features: a guest reads CPUID 0x40000001 (the KVM leaf, which this
# KVM passes through from hvrun even at CPL 0) and sees kvm-pv-ipi (bit 11)
# only when it is not dropped; no other bit changes.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm

features() {
	sed -n 's/^kvm features 0x\([0-9a-f]*\).*/\1/p' "$OUT" | tr -d '\r'
}

run "$GUESTS/multiboot/kvmleaf.elf"
expect_status 0
expect_out "kvm features 0x"
full=$(features)
[ $((0x$full & 0x800)) != 0 ] || skip "KVM does not offer kvm-pv-ipi (0x$full)"

run --cpu-features -kvm-pv-ipi "$GUESTS/multiboot/kvmleaf.elf"
expect_status 0
less=$(features)
[ $((0x$less)) = $((0x$full & ~0x800)) ] ||
	fail "-kvm-pv-ipi: features 0x$less, expected 0x$full without bit 11"

run --cpu-features -kvm-clock,-kvm-pv-ipi "$GUESTS/multiboot/kvmleaf.elf"
expect_status 0
less=$(features)
[ $((0x$less)) = $((0x$full & ~0x809)) ] ||
	fail "-kvm-clock,-kvm-pv-ipi: features 0x$less, expected 0x$full without bits 0, 3, 11"

run --cpu-features -kvm-nosuch "$GUESTS/multiboot/kvmleaf.elf"
expect_one_line_error "kvm-nosuch"

run --cpu-features kvm-pv-ipi "$GUESTS/multiboot/kvmleaf.elf"
expect_one_line_error "kvm-pv-ipi"
