#!/bin/sh
# PV SMP: the boot vCPU starts the others with the vcpu_start hypercall.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm

run -c 4 --timeout 60 "$GUESTS/pv/smp.elf"
expect_status 0
for id in 1 2 3; do
	expect_out_count "vCPU $id up" 1
done
expect_out_count " up" 4
expect_out "all 4 vCPUs up"

run -c 1 --timeout 60 "$GUESTS/pv/smp.elf"
expect_status 0
expect_out_count "vCPU" 1
expect_out "all 1 vCPUs up"
