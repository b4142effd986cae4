#!/bin/sh
# gdb on the test kernel, as a user debugs it: vmlinux.debug's symbols, a
# hardware breakpoint on kernel_power_off (the poweroff path) while the
# kernel runs, a kernel variable read there, and the run continues to
# its normal status (0: /init powers off).
. "${srcdir:-.}/tests/guest/linux-lib.sh"
set -e
need_linux
command -v gdb >/dev/null 2>&1 || skip "gdb is not installed"
ELF=${VMLINUX%/*}/vmlinux.debug
[ -r "$ELF" ] || skip "no $ELF beside HVRUN_LINUX_VMLINUX (guests/linux/build.sh keeps it)"
. "${srcdir:-.}/tests/guest/gdblib.sh"
HV_LIMIT=330
GDB_LIMIT=240

# /init waits for a line on the console, so gdb can be attached and the
# breakpoint set before the guest powers off; gdb types the line itself.
mkfifo "$TMP/input"
exec 3<>"$TMP/input"
HV_STDIN=$TMP/input
for try in 1 2; do
	# shellcheck disable=SC2086
	start -v -m 256M --cpu-features "$LINUX_CPU" --initrd "$INITRD" \
		"$VMLINUX" -- $LINUX_ARGS 'hvrun.cmd="read -r line; echo got=$line"'
	i=0
	until grep -qF hvrun-linux-ok "$OUT" || [ $i -ge 300 ] ||
	      ! kill -0 "$HVPID" 2>/dev/null; do
		sleep 1
		i=$((i + 1))
	done
	grep -qF hvrun-linux-ok "$OUT" && break
	echo "boot $try never reached /init:"
	tail -n 5 "$OUT"
	kill "$HVPID" 2>/dev/null || true
	finish
done
# Where breakpoints are emulated and no debug register serves kernel
# code, the kernel would single-step from here: measured on kvm_pvm with
# `break`, it did not reach kernel_power_off in 600 s.
if grep -q "gdb: on this KVM" "$ERR" && ! grep -q "hbreak on kernel code" "$ERR"; then
	kill "$HVPID" 2>/dev/null || true
	skip "$(grep 'gdb: on this KVM' "$ERR"), and no debug register serves kernel code: a single-stepped kernel does not reach poweroff in minutes"
fi
gdb_run -ex 'hbreak kernel_power_off' -ex "shell echo go >$TMP/input" \
	-ex 'continue' -ex 'print linux_banner' -ex 'print system_state' \
	-ex 'delete' -ex 'continue'
finish
expect_gdb 'Hardware assisted breakpoint 1 at 0x[0-9a-f]+: file kernel/reboot.c'
expect_gdb 'Breakpoint 1, kernel_power_off \(\) at kernel/reboot.c'
expect_gdb '^\$1 = .*"Linux version 6\.1'
expect_gdb '^\$2 = SYSTEM_RUNNING'
expect_gdb 'exited normally'
expect_status 0
expect_out "got=go"
expect_err "ACPI S5"
