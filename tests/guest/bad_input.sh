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

# A second word after the image is a mistake, not the command line; an
# archive gets the --initrd hint. No KVM needed: options fail first.
printf '070701' >"$TMP/initrd.cpio"
run "$GUESTS/raw/hello.img" "$TMP/initrd.cpio"
expect_one_line_error "did you mean --initrd $TMP/initrd.cpio?"
run "$GUESTS/multiboot/hello32.elf" console=ttyS0
expect_one_line_error "guest arguments follow '--'"
# QEMU's single-dash spellings get the hvrun option.
run -kernel "$GUESTS/raw/hello.img"
expect_one_line_error "hvrun takes the kernel as IMAGE"
run -initrd "$TMP/initrd.cpio" "$GUESTS/raw/hello.img"
expect_one_line_error "did you mean --initrd?"
run -memory 64M "$GUESTS/raw/hello.img"
expect_one_line_error "did you mean --memory?"

# An image too large for the guest's memory (a boot sector, so that it is
# an image at all).
head -c $((2 * 1024 * 1024)) /dev/zero >"$TMP/big.img"
printf '\125\252' | dd of="$TMP/big.img" bs=1 seek=510 conv=notrunc 2>/dev/null
run -m 1M "$TMP/big.img"
expect_one_line_error "big.img"
expect_err "does not fit"

# Neither ELF, bzImage nor a boot sector: refused, not run as code (which
# used to end as "guest crashed", 126).
printf '#!/bin/sh\necho hello\n' >"$TMP/script.sh"
run "$TMP/script.sh"
expect_one_line_error "not a recognised image"
expect_err "boot sector with 0x55AA at offset 510"
printf 'some text' | gzip -c >"$TMP/text.gz"
run "$TMP/text.gz"
expect_one_line_error "this is gzip data"
# 1 KiB of zeros: no signature.
head -c 1024 /dev/zero >"$TMP/zeros.img"
run "$TMP/zeros.img"
expect_one_line_error "not a recognised image"

if [ -r /dev/kvm ]; then
	# --entry says the file is raw code: no signature needed.
	# mov $7,%al; mov $0x501,%dx; out %al,(%dx)
	printf '\260\007\272\001\005\356' >"$TMP/code.bin"
	run --entry 0x7c00 "$TMP/code.bin"
	expect_status 7
	run --load 0x7c00 "$TMP/code.bin"
	expect_status 7

	# A PV guest has console hypercalls, no virtio devices.
	run --virtio-console "$GUESTS/pv/hello.elf"
	expect_one_line_error "--virtio-console is for non-PV guests"

	# The device limits hvrun(1), README and --help give: a PV guest takes
	# 8 disks, other guests 7 virtio disks and networks in all (the
	# entropy device has the 8th slot), 6 with --virtio-console.
	disks=
	for i in 1 2 3 4 5 6 7 8 9; do
		head -c 65536 /dev/zero >"$TMP/d$i.img"
		disks="$disks --disk $TMP/d$i.img"
	done
	seven=${disks% --disk*}; seven=${seven% --disk*}
	six=${seven% --disk*}
	eight=${disks% --disk*}
	run $eight "$GUESTS/pv/hello.elf"
	expect_status 0
	run $disks "$GUESTS/pv/hello.elf"
	expect_one_line_error "at most 8 disks"
	run $seven "$GUESTS/multiboot/hello32.elf"
	expect_status 0
	run $eight "$GUESTS/multiboot/hello32.elf"
	expect_one_line_error "at most 7 in all"
	run --virtio-console $six "$GUESTS/multiboot/hello32.elf"
	expect_status 0
	run --virtio-console $seven "$GUESTS/multiboot/hello32.elf"
	expect_one_line_error "at most 6 in all for this guest with --virtio-console"

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
