#!/bin/sh
# A triple fault is a crash: status 126 and a register report on stderr.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm

run "$GUESTS/raw/triple.img"
expect_status 126
expect_out "triple"
expect_err "guest crashed on vCPU 0: triple fault"
expect_err "RIP"
expect_err "CR0"
expect_err "EFER"
expect_err "mode "
