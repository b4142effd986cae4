#!/bin/sh
# Bad input: one line on stderr and status 125, never a crash.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e

run "$TMP/missing.img"
expect_one_line_error "No such file"

: >"$TMP/empty.img"
run "$TMP/empty.img"
expect_one_line_error "empty"

run "$TMP"
expect_one_line_error "not a regular file"

printf '\177ELF\002\001\001\000garbage' >"$TMP/bad.elf"
run "$TMP/bad.elf"
expect_one_line_error "bad.elf"

# A fake bzImage (boot flag and "HdrS", nothing else) is refused for a
# concrete reason: its boot protocol version reads as 0.00.
head -c 1024 /dev/zero >"$TMP/bz.img"
printf '\125\252' | dd of="$TMP/bz.img" bs=1 seek=510 conv=notrunc 2>/dev/null
printf 'HdrS' | dd of="$TMP/bz.img" bs=1 seek=514 conv=notrunc 2>/dev/null
run "$TMP/bz.img"
expect_one_line_error "protocol 0.00 is too old"
# Version 2.15 but no XLF_KERNEL_64: no 64-bit entry.
printf '\017\002' | dd of="$TMP/bz.img" bs=1 seek=518 conv=notrunc 2>/dev/null
printf '\001' | dd of="$TMP/bz.img" bs=1 seek=529 conv=notrunc 2>/dev/null
run "$TMP/bz.img"
expect_one_line_error "not a 64-bit kernel"
run --initrd "$TMP/missing.cpio" "$TMP/bz.img"
expect_one_line_error "cannot open initrd"
run --initrd "$GUESTS/raw/hello.img" "$GUESTS/raw/hello.img"
expect_one_line_error "--initrd applies to Linux bzImage, PVH and multiboot images only"

run -m 0 "$GUESTS/raw/hello.img"
expect_one_line_error "--memory"
run -m 12Q "$GUESTS/raw/hello.img"
expect_one_line_error "12Q"
run -c 0 "$GUESTS/raw/hello.img"
expect_one_line_error "--cpus"
run --bogus "$GUESTS/raw/hello.img"
expect_one_line_error "--bogus"
run
expect_one_line_error "no guest image"

# An image too large for the guest's memory.
head -c $((2 * 1024 * 1024)) /dev/zero >"$TMP/big.img"
run -m 1M "$TMP/big.img"
expect_one_line_error "big.img"

if [ -r /dev/kvm ]; then
	# A PV guest has console hypercalls, no virtio devices.
	run --virtio-console "$GUESTS/pv/hello.elf"
	expect_one_line_error "--virtio-console is for non-PV guests"

	max=$(grep -h . /sys/module/kvm/parameters/max_vcpus 2>/dev/null || true)
	run -c 255 "$GUESTS/raw/hello.img"
	# Either this KVM allows 255 vCPUs and the guest runs, or hvrun says no.
	if [ "$STATUS" != 0 ]; then
		expect_one_line_error "vCPUs"
	fi
fi

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	nobody="setpriv --reuid=65534 --regid=65534 --clear-groups"
	cp "$GUESTS/raw/hello.img" "$TMP/locked.img"
	chmod 000 "$TMP/locked.img"
	chmod 755 "$TMP"
	set +e
	$nobody "$HVRUN" "$TMP/locked.img" >"$OUT" 2>"$ERR"; STATUS=$?
	set -e
	expect_one_line_error "Permission denied"

	# No permission on /dev/kvm.
	cp "$GUESTS/raw/hello.img" "$TMP/open.img"
	chmod 644 "$TMP/open.img"
	set +e
	$nobody "$HVRUN" "$TMP/open.img" >"$OUT" 2>"$ERR"; STATUS=$?
	set -e
	expect_one_line_error "/dev/kvm"

	# No /dev/kvm at all: a private mount namespace with an empty /dev.
	if unshare -m true 2>/dev/null; then
		set +e
		unshare -m sh -c "mount -t tmpfs none /dev && exec '$HVRUN' '$TMP/open.img'" \
			>"$OUT" 2>"$ERR"; STATUS=$?
		set -e
		expect_one_line_error "/dev/kvm not found"
	fi
else
	echo "not root: permission cases skipped"
fi
