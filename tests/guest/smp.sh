#!/bin/sh
# Application processors wait for INIT/SIPI and then run on their own threads.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm

run -c 4 --timeout 60 "$GUESTS/multiboot/smp.elf"
expect_status 0
expect_out "BSP apic 0"
for id in 1 2 3; do
	expect_out_count "AP apic $id" 1
done
expect_out "cpus: 4"

run -c 1 --timeout 60 "$GUESTS/multiboot/smp.elf"
expect_status 0
expect_out "cpus: 1"

run -c 2 --irqchip off "$GUESTS/multiboot/smp.elf"
expect_one_line_error "irqchip"
