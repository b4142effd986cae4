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

# PVH entry, one vCPU: read a disk, fail to write it (read-only), write
# and discard another, read the entropy device; `poweroff` ends hvrun with
# status 0 (ACPI S5). One device step at a time, and no process starts
# while a device interrupts: on kvm_pvm that makes the busybox TLS
# segfault (linux-lib.sh) likely.
head -c 1048576 /dev/urandom >"$TMP/data.img"
head -c 1048576 /dev/urandom >"$TMP/out.img"
cp "$TMP/data.img" "$TMP/data.orig"
cp "$TMP/out.img" "$TMP/out.orig"
want=$(md5sum <"$TMP/data.img" | cut -d' ' -f1)
boot "$VMLINUX" 'echo cpus=$(grep -c ^processor /proc/cpuinfo) ro=$(cat /sys/block/vda/ro) serial=$(cat /sys/block/vda/serial); md5sum /dev/vda; echo x | dd of=/dev/vda bs=512 conv=sync,fsync || echo rowrite=refused; echo guest-wrote-this | dd of=/dev/vdb bs=512 seek=3 conv=sync,fsync && echo write=ok; blkdiscard -o 65536 -l 8192 /dev/vdb && echo discard=ok; head -c 32 /dev/hwrng >/tmp/rng; echo rng=$(od -An -tx1 /tmp/rng | tr -dc 0-9a-f)' \
	--disk "$TMP/data.img,ro" --disk "$TMP/out.img" -v
expect_status 0
expect_out "Linux version"
expect_out "ACPI: RSDP"
expect_out "cpus=1 ro=1 serial=hvrun-disk0"
expect_out "$want  /dev/vda"
expect_out "rowrite=refused"
expect_out "write=ok"
expect_out "hvrun.cmd exited with status 0"
expect_err "ACPI S5"
rng=$(sed -n 's/^rng=\([0-9a-f]*\).*/\1/p' "$OUT" | tr -d '\r')
[ ${#rng} = 64 ] || fail "expected 32 bytes from /dev/hwrng, got '$rng'"
[ "$rng" != 0000000000000000000000000000000000000000000000000000000000000000 ] ||
	fail "/dev/hwrng gave zeros"
# Bytes on disk: the write landed in sector 3, the read-only disk and
# the sectors around the write are unchanged, the discard (where the
# host file system can punch holes) zeroed its range and no more.
cmp -s "$TMP/data.img" "$TMP/data.orig" || fail "the read-only disk changed"
[ "$(dd if="$TMP/out.img" bs=512 skip=3 count=1 2>/dev/null | head -c 16)" = guest-wrote-this ] ||
	fail "the guest's write is not in sector 3 of out.img"
cmp -s -n 1536 "$TMP/out.img" "$TMP/out.orig" || fail "sectors 0-2 changed"
if grep -qF discard=ok "$OUT"; then
	cmp -s -i 65536:0 -n 8192 "$TMP/out.img" /dev/zero ||
		fail "the discarded range does not read as zeros"
	cmp -s -i 73728 -n 4096 "$TMP/out.img" "$TMP/out.orig" ||
		fail "the discard went past its range"
elif fallocate -p -o 0 -l 4096 "$TMP/out.orig" 2>/dev/null; then
	fail "the host can punch holes but the guest could not discard"
fi

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
