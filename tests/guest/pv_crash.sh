#!/bin/sh
# A PV guest's page fault: status 126 and a report naming the exception,
# the RIP and the guest function, found in the image's symbol table.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm

run "$GUESTS/pv/null.elf"
expect_status 126
expect_out "about to fault"
expect_err "page fault"
expect_err "RIP"
expect_err "crash_here"
