#!/bin/sh
# Multiboot kernels: 32-bit protected mode, and one that enters long mode.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm

run "$GUESTS/multiboot/hello32.elf"
expect_status 0
expect_out "Hello from multiboot"
expect_out "magic ok"

run "$GUESTS/multiboot/long64.elf"
expect_status 0
expect_out "Hello from long mode"

# The debug-exit register as MMIO, as Linux user space reaches it.
run "$GUESTS/multiboot/mmio-exit.elf"
expect_status 42
