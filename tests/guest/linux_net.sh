#!/bin/sh
# Two Linux guests on one --net socket= cable: a TCP message from one to
# the other over virtio-net (ARP, IP, TCP in the guests' own stacks).
# PVH with one vCPU listens; PVH with two vCPUs sends.
. "${srcdir:-.}/tests/guest/linux-lib.sh"
set -e
need_linux

cable=$TMP/cable
# The sender retries its own connection; a second boot of either guest
# would find no peer.
RETRY_SEGFAULT=0
up='ip link set eth0 up; ip addr add 10.0.2.$1/24 dev eth0'
listen="set -- 1; $up; nc -l -p 7777"
send="set -- 2; $up; for i in \$(seq 60); do echo hello-over-virtio-net | nc -w 2 10.0.2.1 7777 && exit 0; sleep 1; done; exit 1"

# The listener binds the cable; run it in the background with its own
# output files.
(
	OUT=$TMP/listener.out ERR=$TMP/listener.err
	boot "$VMLINUX" "$listen" --net "socket=$cable"
	echo "$STATUS" >"$TMP/listener.status"
) &
listener=$!
wait_sock "$cable" "the first guest never bound $cable"

boot "$VMLINUX" "$send" --net "socket=$cable" -c 2
expect_status 0
expect_out "hvrun.cmd exited with status 0"

wait "$listener"
OUT=$TMP/listener.out ERR=$TMP/listener.err
STATUS=$(cat "$TMP/listener.status")
expect_status 0
expect_out hello-over-virtio-net
