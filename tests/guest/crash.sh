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

# An instruction KVM cannot emulate: the report shows its bytes, names it
# and says what hides it. Where the CPU runs real mode itself, popcnt just
# runs and its count (8) is the status.
run "$GUESTS/raw/popcnt.img"
if [ "$STATUS" = 8 ]; then
	echo "popcnt ran: no emulation failure on this KVM"
else
	expect_status 126
	expect_err "KVM internal error, suberror 1 (instruction emulation failed)"
	expect_err "instruction at RIP: f3 0f b8 c3"
	expect_err "that is popcnt, which this KVM cannot emulate: hide it with --cpu-features -popcnt"
fi
