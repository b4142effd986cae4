#!/bin/sh
# PIT interrupts through the PIC and LAPIC (LINT0 in ExtINT mode), with
# the default irqchip (split where KVM offers it) and KVM's own; -v says
# in one line which one runs.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm

run -v --timeout 60 "$GUESTS/multiboot/timer.elf"
expect_status 0
expect_out "timer: 50 ticks"
[ "$(grep -cE '^hvrun: irqchip: (split|kernel) ' "$ERR")" = 1 ] ||
	fail "-v does not name the irqchip in one line"

run -v --irqchip kernel --timeout 60 "$GUESTS/multiboot/timer.elf"
expect_status 0
expect_out "timer: 50 ticks"
expect_err "irqchip: kernel (PIC, IOAPIC, local APICs and PIT in KVM)"
