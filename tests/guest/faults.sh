#!/bin/sh
# Faults (issue 6): SIGTERM while a guest writes and flushes a disk, a full
# host file system under a disk, a console reader that goes away, a gdb
# client that vanishes mid-session.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm

HVPID=
WATCHDOG=
trap '[ -n "$HVPID" ] && kill -9 "$HVPID" 2>/dev/null
      [ -n "$WATCHDOG" ] && kill "$WATCHDOG" 2>/dev/null
      rm -rf "$TMP"' EXIT

# wait_out STRING: until stdout has STRING or hvrun ends (10 s at most).
wait_out() {
	for i in $(seq 100); do
		grep -qF -- "$1" "$OUT" && return 0
		kill -0 "$HVPID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# finish: wait for the background hvrun and take its status.
finish() {
	set +e
	wait "$HVPID"
	STATUS=$?
	set -e
	HVPID=
	[ -n "$WATCHDOG" ] && kill "$WATCHDOG" 2>/dev/null
	WATCHDOG=
	echo "hvrun -> $STATUS"
}

# bg [hvrun args...]: hvrun itself in the background (so signals reach it,
# not a wrapper), with a watchdog that kills it after 60 s.
bg() {
	: >"$OUT"	# empty now: wait_out must not find the last run's output
	: >"$ERR"
	"$HVRUN" "$@" >"$OUT" 2>"$ERR" </dev/null &
	HVPID=$!
	(sleep 60; kill -9 "$HVPID") >/dev/null 2>&1 &
	WATCHDOG=$!
}

# 1. SIGTERM while disk-journal writes and flushes one sector at a time:
#    every record it reported flushed ("flushed k") is on the host file.
#    Console output is asynchronous, so the file may hold more records
#    than stdout shows, but never fewer; past the last record the disk is
#    still zero. A line cut short by the kill ("flushed 12" of "flushed
#    123") only understates k.
SECTORS=4096
truncate -s $((SECTORS * 512)) "$TMP/journal.img"
bg --disk "$TMP/journal.img" "$GUESTS/pv/disk-journal.elf" -- 2000
wait_out "flushed 100" || fail "disk-journal never flushed record 100"
kill -TERM "$HVPID"
finish
expect_status 143
grep -qF "journal done" "$OUT" && fail "the guest finished before SIGTERM"
last=$(sed -n 's/^flushed \([0-9][0-9]*\)$/\1/p; s/^flushed \([0-9][0-9]*\)/\1/p' \
	"$OUT" | tail -n 1)
[ -n "$last" ] && [ "$last" -ge 100 ] || fail "no 'flushed k' lines"

# The journal as it would be complete: 255 distinct sectors (bytes 1..255),
# repeated.
awk 'BEGIN {
	for (b = 1; b <= 255; b++) {
		for (i = 0; i < 512; i++)
			printf "\\%03o", b
		printf "\n"
	}
}' | while IFS= read -r line; do printf "$line"; done >"$TMP/cycle"
: >"$TMP/full"
for i in $(seq $((SECTORS / 255 + 1))); do cat "$TMP/cycle" >>"$TMP/full"; done
truncate -s $((SECTORS * 512)) "$TMP/full"

# First byte where the disk differs from the full journal (1-based).
diff_at=$(cmp "$TMP/journal.img" "$TMP/full" 2>/dev/null |
	sed -n 's/.* byte \([0-9]*\).*/\1/p')
[ -n "$diff_at" ] || fail "the whole journal is on the disk: SIGTERM came too late"
first_missing=$(((diff_at - 1) / 512))
echo "flushed records 0..$last reported, records 0..$((first_missing - 1)) on disk"
[ "$first_missing" -gt "$last" ] ||
	fail "record $first_missing was reported flushed (up to $last) but is not on the disk"
nonzero=$(tail -c +$((first_missing * 512 + 1)) "$TMP/journal.img" |
	tr -d '\000' | wc -c)
[ "$nonzero" = 0 ] || fail "$nonzero stray bytes after record $first_missing"

# 2. A disk on a full file system: the write fails with -ENOSPC in the
#    guest, which reports it and exits with its own status 3; hvrun
#    neither crashes (126) nor gives up (125). Needs root for a private
#    tmpfs in a mount namespace.
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 &&
   unshare -m true 2>/dev/null; then
	mkdir "$TMP/small"
	set +e
	timeout -k 5 60 unshare -m sh -c '
		mount -t tmpfs -o size=64k none "$1" || exit 200
		truncate -s 1M "$1/disk.img" || exit 200
		exec "$2" --disk "$1/disk.img" "$3"' sh \
		"$TMP/small" "$HVRUN" "$GUESTS/pv/disk-write.elf" \
		>"$OUT" 2>"$ERR" </dev/null
	STATUS=$?
	set -e
	echo "hvrun --disk <1M on a 64k tmpfs> disk-write.elf -> $STATUS"
	if [ "$STATUS" = 200 ]; then
		echo "skipped: cannot mount a tmpfs"
	else
		expect_status 3
		expect_out "write: error -28"
	fi
else
	echo "skipped the full-file-system case: needs root and unshare -m"
fi

# 3. The console's reader goes away part way: bench-hc prints its first
#    line after 20000 hypercalls, `head` takes 10 bytes and exits, and
#    every later console write meets EPIPE. hvrun stops writing the
#    console, the guest runs to the end, status 0, no hang.
(s=0; timeout -k 5 60 "$HVRUN" "$GUESTS/pv/bench-hc.elf" -- 20000 \
	2>"$ERR" </dev/null || s=$?
 echo $s >"$TMP/status") | head -c 10 >"$OUT"
STATUS=$(cat "$TMP/status")
echo "hvrun bench-hc.elf -- 20000 | head -c 10 -> $STATUS"
expect_status 0
[ "$(wc -c <"$OUT")" = 10 ] || fail "head did not get 10 bytes"

# 4. A gdb client that vanishes mid-session. python3 speaks the remote
#    protocol. First: qSupported, ?, then a plain close before the guest
#    ever ran. Second: the guest runs `-- spin` (it loops until `spin` is
#    0); the client continues it, interrupts it (^C), clears `spin` with
#    an M packet while it is stopped, and resets the connection
#    (SO_LINGER 0). Either way the guest carries on to the end, status 0.
#    No breakpoints, so no single-stepping: fast on every KVM.
if ! command -v python3 >/dev/null 2>&1; then
	echo "skipped the gdb cases: python3 is needed"
	exit 0
fi

ELF=$GUESTS/pv/gdbtest.elf
SPIN=$(nm "$ELF" 2>/dev/null | awk '$3 == "spin" { print $1 }' |
	sed 's/^0*//')

cat >"$TMP/client.py" <<'PY'
import socket, struct, sys, time

port, packets, ending = int(sys.argv[1]), sys.argv[2:-1], sys.argv[-1]
s = socket.create_connection(("127.0.0.1", port), timeout=30)

def reply():
    d = b""
    while True:
        i = d.find(b"#", d.find(b"$"))
        if d.find(b"$") >= 0 and i >= 0 and len(d) >= i + 3:
            return d
        c = s.recv(4096)
        if not c:
            sys.exit("client: the stub closed the connection")
        d += c

for p in packets:
    if p == "^C":
        time.sleep(0.3)
        s.sendall(b"\x03")
    else:
        b = p.encode()
        s.sendall(b"$" + b + b"#%02x" % (sum(b) & 0xff))
        if p == "c":
            continue
    print("client: %s -> %s" % (p, reply()[:60]))
if ending == "reset":
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()
PY

# gdb_start [hvrun args...]: hvrun --gdb PORT --gdb-wait on a free port.
gdb_start() {
	for try in 0 1 2 3 4 5 6 7; do
		PORT=$((20000 + ($$ + 13 + try * 997) % 10000))
		bg --gdb "$PORT" --gdb-wait "$@"
		for i in $(seq 300); do	# 30 s: slow under ASan and load
			grep -q "waiting for gdb" "$ERR" && return 0
			kill -0 "$HVPID" 2>/dev/null || break
			sleep 0.1
		done
		finish
		grep -q "cannot listen" "$ERR" || fail "hvrun did not start"
	done
	fail "no free port for the gdb stub"
}

gdb_start "$ELF"
python3 "$TMP/client.py" "$PORT" qSupported:swbreak+ "?" close ||
	fail "the gdb client failed"
finish
expect_status 0
expect_out "value=42"

[ -n "$SPIN" ] || fail "no symbol spin in $ELF"
gdb_start "$ELF" -- spin
python3 "$TMP/client.py" "$PORT" qSupported:swbreak+ "?" c "^C" \
	"M$SPIN,4:00000000" reset >"$TMP/client.out" 2>&1 ||
	{ cat "$TMP/client.out"; fail "the gdb client failed"; }
cat "$TMP/client.out"
grep -q '\^C -> .*T' "$TMP/client.out" || fail "^C did not stop the guest"
grep -q "M$SPIN,4:00000000 -> .*OK" "$TMP/client.out" ||
	fail "the stub did not write spin"
finish
expect_status 0
expect_out "value=42"
expect_out "spun"
