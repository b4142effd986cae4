#!/bin/sh
# Snapshot and restore with the emulated devices: a multiboot guest whose
# PIT ticks through the PIC (split irqchip, the default, and KVM's own)
# restores and keeps ticking; a real-mode guest snapshotted at its prompt
# takes the restored run's stdin; what cannot be snapshotted is refused.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm
SNAP=$TMP/timer.hvs

for chip in split kernel; do
	run --irqchip $chip --timeout 60 --snapshot "$SNAP" \
		--snapshot-at "timer: 25 ticks" "$GUESTS/multiboot/timer.elf"
	expect_status 0
	expect_err "snapshot written to $SNAP"
	expect_out "timer: 25 ticks"
	grep -q "50 ticks" "$OUT" && fail "$chip: the run went on ticking"
	for i in 1 2; do
		run --timeout 60 --restore "$SNAP"
		expect_status 0
		expect_out "timer: 50 ticks"
		grep -q "25 ticks" "$OUT" && fail "$chip: restore $i started over"
	done
done

# Real mode, COM1 input: each restored run reads its own stdin.
run --timeout 60 --snapshot "$TMP/echo.hvs" --snapshot-at "echo ready" \
	"$GUESTS/raw/echo.img"
expect_status 0
for word in first second; do
	set +e
	printf '%s q' "$word" | timeout -s KILL 60 "$HVRUN" --timeout 50 \
		--restore "$TMP/echo.hvs" >"$OUT" 2>"$ERR"
	STATUS=$?
	set -e
	expect_status 0
	expect_out "$word q"
	expect_out "bye"
done

# --virtio-console snapshots too (its transport and queues).
run --timeout 60 --virtio-console --snapshot "$TMP/vcon.hvs" \
	--snapshot-at "timer: 25 ticks" "$GUESTS/multiboot/timer.elf"
expect_status 0
run --timeout 60 --restore "$TMP/vcon.hvs"
expect_status 0
expect_out "timer: 50 ticks"

# What cannot be snapshotted is refused before the guest runs, and
# leaves no file.
run --snapshot "$TMP/no.hvs" --chan "$TMP/chan" "$GUESTS/pv/hello.elf"
expect_one_line_error "a VM with --chan cannot be snapshotted"
[ -e "$TMP/no.hvs" ] && fail "a refused snapshot left a file"
ls "$TMP" | grep -q 'no.hvs.' && fail "a refused snapshot left a temporary file"
exit 0
