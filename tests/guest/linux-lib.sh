# Shared by the Linux guest tests: the kernels guests/linux/build.sh makes,
# the command line this KVM needs, and a boot that is retried once.
. "${srcdir:-.}/tests/guest/lib.sh"

BZIMAGE=${HVRUN_LINUX_BZIMAGE:-}
VMLINUX=${HVRUN_LINUX_VMLINUX:-}
INITRD=${HVRUN_LINUX_INITRD:-}

need_linux() {
	for f in "$BZIMAGE" "$VMLINUX" "$INITRD"; do
		[ -n "$f" ] && [ -r "$f" ] || skip "HVRUN_LINUX_BZIMAGE, HVRUN_LINUX_VMLINUX and HVRUN_LINUX_INITRD must name built files (eval \"\$(guests/linux/build.sh)\")"
	done
	need_kvm
}

# What the test kernel needs on kvm_pvm, where the guest reads the host's
# CPUID at CPL 0 and the emulator cannot run these instructions
# (guests/linux/README.md); harmless on hardware KVM.
# rng_core.default_quality=0 stops the kernel's hwrng thread from pulling
# virtio-rng all the time: its stream of interrupts makes the kvm_pvm
# busybox segfault (below) likely at every process start. /dev/hwrng
# still reads the device.
LINUX_ARGS="console=ttyS0 panic=-1 noxsave percpu_alloc=page rodata=off
clearcpuid=popcnt,fsgsbase,pcid,invpcid,smap,rdrand,rdseed,rdpid,clflushopt,clwb,cx16,erms,fsrm
rng_core.default_quality=0"
# The paravirtual send-IPI vmcall hangs a second vCPU on kvm_pvm.
LINUX_CPU=-kvm-pv-ipi

# A boot takes 20-40 s on an idle kvm_pvm machine and several times that
# when make check -j runs other guests beside it.
RUN_LIMIT=330

# boot KERNEL CMD [hvrun options...]: boot KERNEL with the test initramfs
# running CMD as hvrun.cmd. About one boot in 26 sees a busybox process
# segfault as it starts on kvm_pvm (a TLS read returns 0; more often while
# device interrupts arrive; shared/linux-on-pvm): a boot that never
# reached /init's marker, or where a user process segfaulted, is retried
# once. RETRY_SEGFAULT=0 retries only the first kind, for a command that
# copes with a failed step itself and whose peer would not survive a
# second boot.
boot() {
	kernel=$1 cmd=$2
	shift 2
	for try in 1 2; do
		# shellcheck disable=SC2086
		run -m 256M --timeout 300 \
			${LINUX_CPU:+--cpu-features} ${LINUX_CPU:+"$LINUX_CPU"} \
			--initrd "$INITRD" "$@" "$kernel" -- $LINUX_ARGS \
			"hvrun.cmd=\"$cmd\""
		if grep -qF hvrun-linux-ok "$OUT"; then
			[ "${RETRY_SEGFAULT:-1}" = 0 ] && return 0
			grep -q 'segfault at\|Segmentation fault' "$OUT" || return 0
		fi
		echo "boot $try failed in busybox (status $STATUS):"
		tail -n 5 "$OUT"
	done
}

# io_boot KERNEL NCPUS [hvrun options...]: boot KERNEL with a read-only
# disk and a writable one; the guest reads the first, fails to write it,
# writes and discards the second, reads the entropy device, and powers
# off. One device step at a time, and no process starts while a device
# interrupts: on kvm_pvm that makes the busybox segfault likely. Reading
# the entropy device hits it often enough (both boots of one CI run) that
# the guest tries that step up to five times itself.
# io_check NCPUS then asserts what the guest saw and the bytes on disk.
io_boot() {
	kernel=$1 ncpus=$2
	shift 2
	head -c 1048576 /dev/urandom >"$TMP/data.img"
	head -c 1048576 /dev/urandom >"$TMP/out.img"
	cp "$TMP/data.img" "$TMP/data.orig"
	cp "$TMP/out.img" "$TMP/out.orig"
	boot "$kernel" 'echo cpus=$(grep -c ^processor /proc/cpuinfo) ro=$(cat /sys/block/vda/ro) serial=$(cat /sys/block/vda/serial); md5sum /dev/vda; echo x | dd of=/dev/vda bs=512 conv=sync,fsync || echo rowrite=refused; echo guest-wrote-this | dd of=/dev/vdb bs=512 seek=3 conv=sync,fsync && echo write=ok; blkdiscard -o 65536 -l 8192 /dev/vdb && echo discard=ok; for i in 1 2 3 4 5; do r=$(head -c 32 /dev/hwrng | od -An -tx1 | tr -dc 0-9a-f); [ ${#r} = 64 ] && break; done; echo rng=$r' \
		-c "$ncpus" --disk "$TMP/data.img,ro" --disk "$TMP/out.img" \
		-v "$@"
	io_check "$ncpus"
}

io_check() {
	want=$(md5sum <"$TMP/data.orig" | cut -d' ' -f1)
	expect_status 0
	expect_out "cpus=$1 ro=1 serial=hvrun-disk0"
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
}
