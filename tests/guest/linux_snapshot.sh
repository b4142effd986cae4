#!/bin/sh
# Boot once, run many: the Linux test kernel (PVH entry, 2 vCPUs,
# virtio-blk, virtio-net and virtio-rng) snapshotted at /init's
# hvrun-linux-ready marker with --snapshot-at; each restored run reads its
# command from stdin (hvrun.cmd=-) and ends with the command's status. One
# reads another disk file than the one booted with, one exits 3, one asks
# the vCPUs and the entropy device, two restored guests talk TCP over a
# socket cable.
. "${srcdir:-.}/tests/guest/linux-lib.sh"
set -e
need_linux
grep -q hvrun-linux-ready "$INITRD" ||
	skip "$INITRD predates /init's hvrun.cmd=- (rebuild it: guests/linux/mkinitrd.sh)"
SNAP=$TMP/linux.hvs
# Where KVM cannot offset the guest's TSC (kvm_pvm), a TSC-clocked guest
# would jump by the time the snapshot slept; the KVM clock resumes where
# it stopped (docs/SNAPSHOT.md, "Time").
LINUX_ARGS="$LINUX_ARGS clocksource=kvm-clock"

head -c 1048576 /dev/urandom >"$TMP/boot.img"
boot "$VMLINUX" - -c 2 --disk "$TMP/boot.img" --net "socket=$TMP/boot.net" \
	--snapshot "$SNAP" --snapshot-at hvrun-linux-ready
expect_status 0
expect_out hvrun-linux-ready
expect_err "snapshot written to $SNAP"

# The snapshot's VM has one network: every restore gives one, a cable
# of its own (solo.N) unless it talks to another.
# restore CMD [hvrun options...]: CMD on stdin, bounded.
restore() {
	cmd=$1
	shift
	set +e
	printf '%s\n' "$cmd" | timeout -s KILL 200 "$HVRUN" --timeout 180 \
		--restore "$SNAP" "$@" >"$OUT" 2>"$ERR"
	STATUS=$?
	set -e
	echo "restore '$cmd' $* -> $STATUS"
}

head -c 1048576 /dev/urandom >"$TMP/other.img"
restore 'md5sum /dev/vda' --disk "$TMP/other.img" --net "socket=$TMP/solo.1"
expect_status 0
expect_out "$(md5sum <"$TMP/other.img" | cut -d' ' -f1)  /dev/vda"
expect_out "hvrun.cmd exited with status 0"

restore 'cat /proc/uptime; exit 3' --disk "$TMP/boot.img" --net "socket=$TMP/solo.2"
expect_status 3
expect_out "hvrun.cmd exited with status 3"
# The guest's clock resumed where it stopped: no jump, no RCU stall.
grep -q "rcu.*stall" "$OUT" && fail "the restored kernel saw its clock jump"

restore 'echo cpus=$(grep -c ^processor /proc/cpuinfo); for i in 1 2 3 4 5; do r=$(head -c 16 /dev/hwrng | od -An -tx1 | tr -dc 0-9a-f); [ ${#r} = 32 ] && break; done; echo rng=$r' \
	--disk "$TMP/boot.img" --net "socket=$TMP/solo.3"
expect_status 0
expect_out "cpus=2"
rng=$(sed -n 's/^rng=\([0-9a-f]*\).*/\1/p' "$OUT" | tr -d '\r')
[ ${#rng} = 32 ] || fail "expected 16 bytes from /dev/hwrng, got '$rng'"

# The machine is the snapshot's: a disk of another size is refused.
truncate -s 2M "$TMP/big.img"
restore 'true' --disk "$TMP/big.img" --net "socket=$TMP/solo.4"
expect_one_line_error "has 2097152 bytes, the snapshot's disk 0 had 1048576"
restore 'true' --disk "$TMP/boot.img"
expect_one_line_error "different number of networks"

# Two restored guests on one cable: a TCP message from one to the other
# (each sets its own MAC: both come from one snapshot).
cable=$TMP/cable
up='ip link set eth0 address 02:00:00:00:00:0$1; ip link set eth0 up; ip addr add 10.0.2.$1/24 dev eth0'
listen="set -- 1; $up; nc -l -p 7777"
send="set -- 2; $up; for i in \$(seq 60); do echo hello-over-virtio-net | nc -w 2 10.0.2.1 7777 && exit 0; sleep 1; done; exit 1"
(
	OUT=$TMP/listener.out ERR=$TMP/listener.err
	restore "$listen" --disk "$TMP/boot.img" --net "socket=$cable"
	echo "$STATUS" >"$TMP/listener.status"
) &
listener=$!
wait_sock "$cable" "the first restored guest never bound $cable"
restore "$send" --disk "$TMP/other.img" --net "socket=$cable"
expect_status 0
wait "$listener"
OUT=$TMP/listener.out ERR=$TMP/listener.err
STATUS=$(cat "$TMP/listener.status")
expect_status 0
expect_out hello-over-virtio-net

# The snapshot register (MMIO 0xd0f02000), from a restored run: the
# second snapshot resumes after the write.
OUT=$TMP/stdout ERR=$TMP/stderr
restore 'devmem 0xd0f02000 8 1; echo after-the-register' \
	--disk "$TMP/boot.img" --net "socket=$TMP/solo.5" --snapshot "$SNAP.2"
expect_status 0
expect_err "snapshot written to $SNAP.2"
grep -q after-the-register "$OUT" && fail "the snapshotting run went on"
set +e
timeout -s KILL 200 "$HVRUN" --timeout 180 --restore "$SNAP.2" \
	--disk "$TMP/boot.img" --net "socket=$TMP/solo.6" </dev/null >"$OUT" 2>"$ERR"
STATUS=$?
set -e
expect_status 0
expect_out after-the-register
