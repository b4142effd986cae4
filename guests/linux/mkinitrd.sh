#!/bin/sh
# mkinitrd.sh OUT [MODULE_DIR]: write an uncompressed newc initramfs to
# OUT holding busybox-static (every applet as a link, so /init execs no
# installer), guests/linux/init and, when MODULE_DIR is given, its *.ko
# and its `order` file (loaded by /init in that order).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=$1
mods=${2:-}

root=$(mktemp -d "${TMPDIR:-/tmp}/hvrun-initrd.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
cp "$here/init" "$root/init"
chmod 755 "$root/init"
if [ -n "$mods" ]; then
	mkdir -p "$root/lib/modules"
	cp "$mods"/*.ko "$mods/order" "$root/lib/modules/"
fi
(cd "$root" && find . | cpio -o -H newc --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
