#!/bin/sh
# A real Linux (guests/linux/build.sh's kernel, ~20-40 s a boot on
# kvm_pvm): bzImage and PVH entry, 1 and 2 vCPUs, ACPI discovery, virtio
# disks and entropy, poweroff and a failing command's status.
. "${srcdir:-.}/tests/guest/linux-lib.sh"
set -e
need_linux

# No interrupts, no virtio: refused before the guest runs.
truncate -s 1M "$TMP/data.img"
run --irqchip off --disk "$TMP/data.img" "$BZIMAGE"
expect_one_line_error "in-kernel irqchip"

# PVH entry, one vCPU: disks, entropy and poweroff (linux-lib.sh).
io_boot "$VMLINUX" 1
expect_out "Linux version"
expect_out "ACPI: RSDP"

# bzImage, two vCPUs: both come up; a failing command's status is
# hvrun's.
boot "$BZIMAGE" 'echo cpus=$(grep -c ^processor /proc/cpuinfo); exit 3' -c 2
expect_status 3
expect_out "cpus=2"
expect_out "hvrun.cmd exited with status 3"

# --virtio-console: the kernel's last console= (hvc0) is /dev/console, so
# /init's output and input go through the virtio console; kernel messages
# reach both consoles, so a late one shows twice. Input is typed once
# /init runs: Linux discards what its port receives while it is still
# being set up (no multiport, so no port-open message to wait for).
run --irqchip off --virtio-console "$BZIMAGE"
expect_one_line_error "in-kernel irqchip"
mkfifo "$TMP/input"
: >"$OUT"
# The typist serves a retried boot too: it types again once a fresh run
# (which empties $OUT) reaches the marker.
(
	trap '' PIPE
	exec 3>"$TMP/input"
	for try in 1 2; do
		i=0
		until grep -qF hvrun-linux-ok "$OUT" || [ $i -ge 300 ]; do
			sleep 1
			i=$((i + 1))
		done
		printf 'typed-on-stdin\n' >&3
		while grep -qF hvrun-linux-ok "$OUT" && [ $i -lt 600 ]; do
			sleep 1
			i=$((i + 1))
		done
	done
) &
typist=$!
LINUX_ARGS="$LINUX_ARGS console=hvc0"
boot "$VMLINUX" 'read -r line; echo got=$line; echo active=$(cat /sys/class/tty/console/active)' \
	--virtio-console <"$TMP/input"
kill "$typist" 2>/dev/null || true
expect_status 0
expect_out "got=typed-on-stdin"
grep -q '^active=.*hvc0' "$OUT" || fail "hvc0 is not an active console"
expect_out_count "Run /init as init process" 2
