#!/bin/sh
# PIT interrupts through the PIC and LAPIC (LINT0 in ExtINT mode), with
# the default irqchip (split where KVM offers it) and KVM's own.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm

run --timeout 60 "$GUESTS/multiboot/timer.elf"
expect_status 0
expect_out "timer: 50 ticks"

run --irqchip kernel --timeout 60 "$GUESTS/multiboot/timer.elf"
expect_status 0
expect_out "timer: 50 ticks"
