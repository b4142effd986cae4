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

# QEMU's isa-debug-exit convention: a 4-byte outl to 0xf4 ends the run
# with the low byte when asked for; otherwise the port is nobody's.
run --debug-exit-port 0xf4 "$GUESTS/multiboot/exit-f4.elf"
expect_status 42
run "$GUESTS/multiboot/exit-f4.elf"
expect_status 7
run --debug-exit-port 0x3f8 "$GUESTS/multiboot/exit-f4.elf"
expect_status 125
expect_err "--debug-exit-port 0x3f8: the port belongs to serial"

# --initrd is multiboot module 0: its bytes and its string (the file name).
printf 'NR_CPUS=1\nhello module\n' >"$TMP/env"
run --initrd "$TMP/env" "$GUESTS/multiboot/module.elf"
expect_status 0
expect_out "module: $TMP/env"
expect_out "bytes: NR_CPUS=1"
expect_out "hello module"
run "$GUESTS/multiboot/module.elf"
expect_status 1
expect_out "no modules"

# An image at 0x8000, where hvrun's boot pages were: they move aside.
run "$GUESTS/multiboot/low.elf"
expect_status 0
expect_out "low ok"
run --initrd "$TMP/env" "$GUESTS/multiboot/low.elf"
expect_status 0
expect_out "low ok"
