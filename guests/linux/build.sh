#!/bin/sh
# Build the minimal test kernel (bzImage) and a busybox initramfs for
# tests/guest/linux.sh; see README.md. Output in $HVRUN_LINUX_CACHE
# (default ./hvrun-linux-cache in the current directory; never $HOME), the kernel cached by a hash of its config
# and patches, so a rebuild costs nothing until one of them changes.
# Prints HVRUN_LINUX_BZIMAGE=..., HVRUN_LINUX_VMLINUX=... and HVRUN_LINUX_INITRD=...
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

if [ ! -s "$out/bzImage" ] || [ ! -s "$out/vmlinux" ]; then
	work=$(mktemp -d "${TMPDIR:-/tmp}/hvrun-linux.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	tar -C "$work" -xf "$src_tar"
	cd "$work"/linux-source-6.1
	for p in "$here"/000*.patch; do
		patch -p1 -s <"$p"
	done
	cp "$here/config" .config
	scripts/config $(grep -v '^#' "$here/config-hvrun")
	make -s olddefconfig
	make -s -j"$jobs" bzImage
	# vmlinux is the PVH image (XEN_ELFNOTE_PHYS32_ENTRY); symbols stay
	# out of it, as a distribution's would.
	strip -o "$out/vmlinux.tmp" vmlinux
	cp arch/x86/boot/bzImage "$out/bzImage.tmp"
	mv "$out/vmlinux.tmp" "$out/vmlinux"
	mv "$out/bzImage.tmp" "$out/bzImage"
	cd /
fi

# The initramfs is cheap: always rebuilt. Uncompressed, because inflating
# a gzip archive is emulated at CPL 0 on kvm_pvm (~40 s).
"$here/mkinitrd.sh" "$out/initrd.cpio"

echo "HVRUN_LINUX_BZIMAGE=$out/bzImage"
echo "HVRUN_LINUX_VMLINUX=$out/vmlinux"
echo "HVRUN_LINUX_INITRD=$out/initrd.cpio"
