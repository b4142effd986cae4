#!/bin/sh
# The vmcall/vmmcall hypercall path: used where KVM forwards those to user
# space (KVM_CAP_XEN_HVM with KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL). On a KVM
# without it hvrun uses the MMIO doorbell, and this test has nothing to run.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm

run -v "$GUESTS/pv/hello.elf" -- via vmcall
if grep -q "hypercalls: MMIO doorbell" "$ERR"; then
	skip "this KVM has no Xen hypercall intercept (KVM_CAP_XEN_HVM with INTERCEPT_HCALL): the MMIO doorbell is used, and tested by pv_hello.sh"
fi
expect_status 0
grep -Eq "hypercalls: vmm?call" "$ERR" || fail "hvrun did not say which hypercall trap it chose"
expect_out "bootargs: via vmcall"
