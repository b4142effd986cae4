#!/bin/sh
# PV guests: the SDK's entry, console output, bootargs and exit status.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm

run "$GUESTS/pv/hello.elf" -- one two
expect_status 0
expect_out "Hello from a PV guest"
expect_out "bootargs: one two"

# Without "--" the guest still finds /chosen (or its absence) and says so.
run "$GUESTS/pv/hello.elf"
expect_status 0
expect_out "Hello from a PV guest"
grep -qx "bootargs: " "$OUT" || fail "expected an empty 'bootargs: ' line"
