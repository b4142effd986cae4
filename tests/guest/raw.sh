#!/bin/sh
# Raw real-mode images: output, exit status through port 0x501.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm

run "$GUESTS/raw/hello.img"
expect_status 0
expect_out "Hello from real mode"
expect_out "string I/O"		# rep outsb: one exit, count 11

run "$GUESTS/raw/exit42.img"
expect_status 42

# Without any irqchip too (no PIC, PIT or LAPIC).
run --irqchip off "$GUESTS/raw/hello.img"
expect_status 0
expect_out "Hello from real mode"

# --load/--entry: the same boot sector loaded elsewhere still runs, since
# it is position independent only in its segment: load at 0x7c00 again
# but through the options.
run --load 0x7c00 --entry 0x7c00 "$GUESTS/raw/hello.img"
expect_status 0
expect_out "Hello from real mode"

# A reset (reboot) ends the run with status 0, never silently: one line
# on stderr names it, so a kernel that reboots after a panic is visible.
run "$GUESTS/raw/reset.img"
expect_status 0
expect_out "resetting"
expect_err "guest requested a reset (i8042 pulse reset); a reset ends the run with status 0"
[ "$(wc -l <"$ERR")" = 1 ] || fail "expected one line on stderr"
