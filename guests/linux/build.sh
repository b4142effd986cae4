#!/bin/sh
# Build the minimal test kernel (bzImage) and a busybox initramfs for
# tests/guest/linux.sh; see README.md. Output in $HVRUN_LINUX_CACHE
# (default ./hvrun-linux-cache in the current directory; never $HOME), the kernel cached by a hash of its config
# and patches, so a rebuild costs nothing until one of them changes.
# Prints HVRUN_LINUX_BZIMAGE=..., HVRUN_LINUX_VMLINUX=... and HVRUN_LINUX_INITRD=...
# on stdout, progress on stderr; vmlinux.debug (unstripped) lies beside vmlinux.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${HVRUN_LINUX_CACHE:-$PWD/hvrun-linux-cache}
src_tar=/usr/src/linux-source-6.1.tar.xz
jobs=$(nproc 2>/dev/null || echo 2)

for f in "$src_tar" /bin/busybox; do
	[ -e "$f" ] && continue
	echo "build.sh: $f missing: apt-get install linux-source-6.1 bc bison" \
	     "flex libssl-dev libelf-dev busybox-static cpio" >&2
	exit 1
done

hash=$(cat "$here/config" "$here/config-hvrun" "$here"/000*.patch |
	sha256sum | cut -c1-16)
out=$cache/$hash
mkdir -p "$out"

# One progress line per stage on stderr: the compile takes 5-25 minutes
# on 2 cores.
start=$(date +%s)
say() {
	t=$(($(date +%s) - start))
	printf 'build.sh: [%d:%02d] %s\n' $((t / 60)) $((t % 60)) "$*" >&2
}

# Kbuild's output on stdin, kept in $1; a line on stderr per 500 files
# compiled and when the link starts (a shell loop, not awk: mawk reads a
# pipe in blocks, so its lines came minutes late). Returns make's status,
# which the last line carries.
progress() {
	n=0 status=1
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case $line in
		"  CC "*)
			n=$((n + 1))
			[ $((n % 500)) != 0 ] || say "compiled $n files" ;;
		"  LD "*" vmlinux") say "linking vmlinux ($n files compiled)" ;;
		"  BUILD "*) say "building ${line##* }" ;;
		"make-status "*) status=${line#make-status } ;;
		esac
	done >"$1"
	return "$status"
}

if [ ! -s "$out/bzImage" ] || [ ! -s "$out/vmlinux" ] ||
   [ ! -s "$out/vmlinux.debug" ]; then
	work=$(mktemp -d "${TMPDIR:-/tmp}/hvrun-linux.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	say "unpacking $src_tar"
	tar -C "$work" -xf "$src_tar"
	cd "$work"/linux-source-6.1
	for p in "$here"/000*.patch; do
		patch -p1 -s <"$p"
	done
	say "configuring (config + config-hvrun)"
	cp "$here/config" .config
	scripts/config $(grep -v '^#' "$here/config-hvrun")
	make -s olddefconfig
	say "compiling with $jobs jobs (5-25 minutes on 2 cores)"
	if ! { make -j"$jobs" bzImage 2>&1; echo "make-status $?"; } |
	     progress "$work/make.log"; then
		grep -v '^  [A-Z]' "$work/make.log" | tail -n 40 >&2
		say "kernel build failed (the lines above)"
		exit 1
	fi
	# vmlinux is the PVH image (XEN_ELFNOTE_PHYS32_ENTRY); symbols stay
	# out of it, as a distribution's would. vmlinux.debug, the same
	# kernel unstripped, is for gdb (README.md).
	cp vmlinux "$out/vmlinux.debug.tmp"
	strip -o "$out/vmlinux.tmp" vmlinux
	cp arch/x86/boot/bzImage "$out/bzImage.tmp"
	mv "$out/vmlinux.debug.tmp" "$out/vmlinux.debug"
	mv "$out/vmlinux.tmp" "$out/vmlinux"
	mv "$out/bzImage.tmp" "$out/bzImage"
	cd /
	say "kernel done: $out"
fi

# The initramfs is cheap: always rebuilt. Uncompressed, because inflating
# a gzip archive is emulated at CPL 0 on kvm_pvm (~40 s).
"$here/mkinitrd.sh" "$out/initrd.cpio"

echo "HVRUN_LINUX_BZIMAGE=$out/bzImage"
echo "HVRUN_LINUX_VMLINUX=$out/vmlinux"
echo "HVRUN_LINUX_INITRD=$out/initrd.cpio"
