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
		run -m 256M --timeout 300 --cpu-features "$LINUX_CPU" \
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
