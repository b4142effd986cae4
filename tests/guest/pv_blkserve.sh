#!/bin/sh
# Two PV VMs as one system (ABI version 2): blk-server owns a --disk and
# serves it over --chan (requests, replies) and --shm (data) to
# blk-client, which has no disk, reads all of it and prints its CRC-32:
# it must equal the host's crc32 of the file. The client first sends
# hostile requests (past the end, overflowing sectors, partial sectors,
# offsets outside the region, malformed messages): each gets an error
# reply and the server keeps serving. Then chan-ping/pong: round trips.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm
command -v python3 >/dev/null 2>&1 || skip "python3 is needed for the host's crc32"

DISK=$TMP/disk.img SOCK=$TMP/blk.sock SHM=$TMP/blk.shm
# 3 MiB and 7 sectors: the last read is a partial region.
head -c $((3 * 1048576 + 7 * 512)) /dev/urandom >"$DISK"
want=$(python3 -c 'import sys, zlib; print("0x%08x" % zlib.crc32(open(sys.argv[1], "rb").read()))' "$DISK")

# start_server GUEST ARGS...: in the background (pid $server), until it
# has bound $SOCK.
start_server() {
	timeout -s KILL 90 "$HVRUN" --timeout 60 "$@" >"$TMP/server.out" 2>&1 </dev/null &
	server=$!
	i=0
	until [ -S "$SOCK" ]; do
		kill -0 "$server" 2>/dev/null || fail "the server ended early: $(cat "$TMP/server.out")"
		[ $i -lt 300 ] || fail "the server did not bind $SOCK within 30 s"
		sleep 0.1
		i=$((i + 1))
	done
}

start_server --disk "$DISK,ro" --chan "$SOCK" --shm "$SHM,size=1M" \
	"$GUESTS/pv/blk-server.elf"
set +e
timeout -s KILL 60 "$HVRUN" --timeout 60 --chan "$SOCK" --shm "$SHM,size=1M" \
	"$GUESTS/pv/blk-client.elf" -- hostile >"$OUT" 2>"$ERR" </dev/null
STATUS=$?
wait "$server"
server_status=$?
set -e
echo "client -> $STATUS, server -> $server_status"
expect_status 0
expect_out "client: 13 hostile requests refused"
expect_out "client: crc32 $want over $((3 * 1048576 + 7 * 512)) bytes"
[ "$server_status" = 0 ] || fail "the server exited $server_status: $(cat "$TMP/server.out")"
# Served: the size, then four reads of at most the 1 MiB region.
grep -qF "server: served 5, refused 13" "$TMP/server.out" ||
	fail "the server's count is wrong: $(cat "$TMP/server.out")"

# Ping-pong: every echo checked byte for byte, 1 byte and 64 KiB. No
# round trip may take 900 ms: both ends re-check each second, so a lost
# wake-up (a one-shot read event whose re-arm libevent undid) shows as
# a round trip of about a second.
SOCK=$TMP/ping.sock
for size in 1 65536; do
	start_server --chan "$SOCK" "$GUESTS/pv/chan-ping.elf" -- pong
	run --timeout 60 --chan "$SOCK" "$GUESTS/pv/chan-ping.elf" -- ping 300 $size
	set +e
	wait "$server"
	server_status=$?
	set -e
	expect_status 0
	expect_out "ping: 300 round trips of $size bytes"
	[ "$server_status" = 0 ] || fail "pong exited $server_status"
	grep -qF "pong: echoed 300" "$TMP/server.out" || fail "pong did not echo 300"
	worst=$(sed -n 's/.*, worst \([0-9]*\) ms$/\1/p' "$OUT")
	[ -n "$worst" ] && [ "$worst" -lt 900 ] ||
		fail "a round trip took ${worst:-?} ms: a lost wake-up"
done
exit 0
