#!/bin/sh
# Failures of a Linux guest are never status 0: a kernel panic is 126
# (pvpanic, before panic=-1 reboots), and /init reports a failing
# command's status through /dev/port when /dev/mem is missing, or panics
# when neither is there.
. "${srcdir:-.}/tests/guest/linux-lib.sh"
set -e
need_linux

# panicked: one line on stderr, status 126, and no reset line after it.
expect_panic() {
	expect_status 126
	expect_out "Kernel panic - not syncing: $1"
	expect_err "guest kernel panicked (pvpanic)"
	[ "$(wc -l <"$ERR")" = 1 ] || fail "expected one line on stderr: $(cat "$ERR")"
}

# A command that panics the kernel.
boot "$BZIMAGE" 'echo c > /proc/sysrq-trigger'
expect_panic "sysrq triggered crash"

# No --initrd: the kernel cannot mount a root file system.
# shellcheck disable=SC2086
run -m 256M --timeout 300 --cpu-features "$LINUX_CPU" "$VMLINUX" -- $LINUX_ARGS
expect_panic "VFS: Unable to mount root fs"

# /init without /dev/mem reports the status through /dev/port (port 0x501).
boot "$VMLINUX" 'rm /dev/mem; exit 3'
expect_status 3
expect_out "init: reporting status 3 through /dev/port, not /dev/mem"

# Without either it says so and ends /init: the kernel panics, 126.
boot "$VMLINUX" 'rm /dev/mem /dev/port; exit 3'
expect_out "init: cannot report status 3: no /dev/mem or /dev/port"
expect_panic "Attempted to kill init"
