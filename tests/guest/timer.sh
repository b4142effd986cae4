#!/bin/sh
# PIT interrupts through the in-kernel PIC and LAPIC (LINT0 in ExtINT mode).
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm

run --timeout 60 "$GUESTS/multiboot/timer.elf"
expect_status 0
expect_out "timer: 50 ticks"
