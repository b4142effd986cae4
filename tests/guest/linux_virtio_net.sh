#!/bin/sh
# virtio-net under a real Linux: the guest pings a peer on a --net socket=
# cable. The peer (python3: the shell cannot speak datagrams) binds PATH,
# so hvrun connects to it, and answers ARP and ICMP echo for 10.0.2.1.
# Skipped unless HVRUN_LINUX_BZIMAGE points at a built kernel
# (guests/linux/build.sh) and a static busybox is at /bin/busybox.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e

bz=${HVRUN_LINUX_BZIMAGE:-}
[ -n "$bz" ] && [ -r "$bz" ] ||
	skip "HVRUN_LINUX_BZIMAGE not set (guests/linux/build.sh)"
[ -x /bin/busybox ] || skip "no /bin/busybox for the initramfs"
command -v python3 >/dev/null 2>&1 || skip "python3 is needed to talk to the socket"
need_kvm

root=$TMP/root
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev"
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
# busybox ping needs no timer (this kernel has no POSIX timers) when its
# one echo is answered.
cat >"$root/init" <<'INIT'
#!/bin/busybox sh
b=/bin/busybox
$b mount -t proc proc /proc
$b mount -t sysfs sys /sys
echo "mac=$($b cat /sys/class/net/eth0/address)"
$b ip link set eth0 up
$b ip addr add 10.0.2.15/24 dev eth0
$b ping -c 1 10.0.2.1 >/ping && echo ping=ok
$b cat /ping
echo hvrun-virtio-net-done
$b reboot -f
INIT
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) >"$TMP/initrd.cpio"

SOCK=$TMP/net.sock
python3 - "$SOCK" >"$TMP/peer.log" 2>&1 <<'PY' &
import socket, struct, sys

s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(300)
MAC, IP = bytes([2, 0, 0, 0, 0, 0x99]), bytes([10, 0, 2, 1])

def csum(b):
    if len(b) % 2:
        b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xFFFF)
    return ~(t + (t >> 16)) & 0xFFFF

while True:
    f, peer = s.recvfrom(65536)
    print("frame", len(f), f[6:12].hex(), f[12:14].hex(), flush=True)
    if f[12:14] == b"\x08\x06" and f[20:22] == b"\x00\x01" and f[38:42] == IP:
        s.sendto(f[6:12] + MAC + f[12:20] + b"\x00\x02" + MAC + IP +
                 f[22:32], peer)
    elif f[12:14] == b"\x08\x00" and f[23] == 1 and f[30:34] == IP:
        ihl = (f[14] & 15) * 4
        ip, icmp = bytearray(f[14:14 + ihl]), bytearray(f[14 + ihl:])
        if icmp[0] != 8:
            continue
        ip[12:16], ip[16:20], ip[10:12] = f[30:34], f[26:30], b"\0\0"
        ip[10:12] = struct.pack("!H", csum(bytes(ip)))
        icmp[0], icmp[2:4] = 0, b"\0\0"
        icmp[2:4] = struct.pack("!H", csum(bytes(icmp)))
        s.sendto(f[6:12] + MAC + f[12:14] + bytes(ip) + bytes(icmp), peer)
PY
peer=$!
trap 'kill $peer 2>/dev/null; rm -rf "$TMP"' EXIT
while [ ! -S "$SOCK" ]; do sleep 0.1; done

clear=popcnt,fsgsbase,pcid,invpcid,smap,rdrand,rdseed,rdpid,clflushopt,clwb,cx16,erms,fsrm
boot() {
	run -m 256M --initrd "$TMP/initrd.cpio" --net "socket=$SOCK" \
		--timeout 110 "$bz" -- console=ttyS0 panic=-1 reboot=k \
		noxsave clearcpuid=$clear percpu_alloc=page rodata=off
}

boot
# The kvm_pvm TLS flake (see linux_virtio.sh): retry once.
if [ "$STATUS" != 0 ] || ! grep -qF hvrun-virtio-net-done "$OUT" ||
   grep -qF "Segmentation fault" "$OUT"; then
	echo "first boot failed (status $STATUS), retrying"
	tail -n 5 "$OUT"
	boot
fi
expect_status 0
# The connecting end of a cable: 02:68:76:00:01:N (src/backend/net.h).
expect_out "mac=02:68:76:00:01:00"
expect_out "ping=ok"
expect_out "64 bytes from 10.0.2.1"
grep -q "frame 98 026876000100 0800" "$TMP/peer.log" ||
	fail "the peer saw no echo request"
