#!/bin/sh
# Fetch Debian's cloud kernel (the reference guest of issue 4) and build an
# initramfs holding its virtio modules, loaded in dependency order by the
# same /init as the test kernel's. Output in $HVRUN_LINUX_CACHE/distro-VER
# (default ./hvrun-linux-cache). Prints HVRUN_DISTRO_KERNEL=... and
# HVRUN_DISTRO_INITRD=... Needs apt-get (network or a local mirror).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${HVRUN_LINUX_CACHE:-$PWD/hvrun-linux-cache}
# What a virtio-mmio machine needs, dependencies first.
mods="virtio virtio_ring virtio_mmio virtio_blk failover net_failover
	virtio_net virtio-rng virtio_console fuse virtiofs"

pkg=$(apt-cache depends linux-image-cloud-amd64 |
	awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[ -n "$pkg" ] || { echo "build-distro.sh: no linux-image-cloud-amd64" >&2; exit 1; }
out=$cache/distro-${pkg#linux-image-}
mkdir -p "$out"

# A cache made with another module list is made again.
if [ ! -s "$out/vmlinuz" ] || [ "$(cat "$out/modules" 2>/dev/null)" != "$(echo $mods)" ]; then
	work=$(mktemp -d "${TMPDIR:-/tmp}/hvrun-distro.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	(cd "$work" && apt-get download -q "$pkg" >/dev/null 2>&1) ||
		{ echo "build-distro.sh: apt-get download $pkg failed" >&2; exit 1; }
	dpkg-deb -x "$work"/*.deb "$work/x"
	mkdir -p "$work/mods"
	: >"$work/mods/order"
	for m in $mods; do
		ko=$(find "$work/x/lib/modules" -name "$m.ko" | head -n 1)
		[ -n "$ko" ] || { echo "build-distro.sh: $m.ko missing" >&2; exit 1; }
		cp "$ko" "$work/mods/"
		echo "$m.ko" >>"$work/mods/order"
	done
	"$here/mkinitrd.sh" "$out/initrd.cpio.tmp" "$work/mods"
	mv "$out/initrd.cpio.tmp" "$out/initrd.cpio"
	cp "$work"/x/boot/vmlinuz-* "$out/vmlinuz.tmp"
	mv "$out/vmlinuz.tmp" "$out/vmlinuz"
	echo $mods >"$out/modules"
fi
echo "HVRUN_DISTRO_KERNEL=$out/vmlinuz"
echo "HVRUN_DISTRO_INITRD=$out/initrd.cpio"
