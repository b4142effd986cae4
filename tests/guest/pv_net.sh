#!/bin/sh
# PV network: net-echo sends every frame back over a --net socket= cable.
#
# Cable convention (src/backend/net.h): PATH does not exist, so hvrun binds
# it and replies to whoever sent the last datagram. The test's peer (in
# python3: the shell cannot speak datagrams) binds its own path, waits for
# PATH to appear, sends frames and checks each echo, then "quit".
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm
command -v python3 >/dev/null 2>&1 || skip "python3 is needed to talk to the socket"

SOCK=$TMP/net.sock
set +e
timeout -k 5 60 "$HVRUN" --net "socket=$SOCK" "$GUESTS/pv/net-echo.elf" \
	>"$OUT" 2>"$ERR" </dev/null &
pid=$!
set -e

set +e
python3 - "$SOCK" "$TMP/peer.sock" <<'PY'
import os, socket, sys, time

path, me = sys.argv[1], sys.argv[2]
deadline = time.monotonic() + 20
while not os.path.exists(path):
    if time.monotonic() > deadline:
        sys.exit("peer: %s never appeared" % path)
    time.sleep(0.05)

s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(me)
s.settimeout(10)
frames = [bytes([i & 0xff]) * n for i, n in enumerate((14, 60, 1500, 9000))]
frames.append(os.urandom(65536))
frames.append(b"quit")
for f in frames:
    s.sendto(f, path)
    echo = s.recv(70000)
    if echo != f:
        sys.exit("peer: sent %d bytes, got back %d different ones"
                 % (len(f), len(echo)))
print("peer: %d frames echoed" % len(frames))
PY
peer=$?
wait "$pid"
STATUS=$?
set -e
echo "hvrun --net socket=$SOCK net-echo.elf -> $STATUS"

[ "$peer" = 0 ] || fail "the python peer failed"
expect_status 0
expect_out "net-echo ready"
expect_out "echoed 6 packets"
[ ! -e "$SOCK" ] || fail "hvrun left $SOCK behind"

# Two VMs on one cable: net-echo binds PATH, net-ping connects to it.
rm -f "$SOCK"
set +e
timeout -k 5 60 "$HVRUN" --net "socket=$SOCK" "$GUESTS/pv/net-echo.elf" \
	>"$TMP/echo.out" 2>"$TMP/echo.err" </dev/null &
pid=$!
i=0
until [ -S "$SOCK" ] || [ $i -ge 200 ]; do sleep 0.05; i=$((i + 1)); done
timeout -k 5 60 "$HVRUN" --net "socket=$SOCK" "$GUESTS/pv/net-ping.elf" \
	>"$OUT" 2>"$ERR" </dev/null
STATUS=$?
wait "$pid"
echo_status=$?
set -e
echo "net-ping -> $STATUS, net-echo -> $echo_status"
expect_status 0
expect_out "ping: 5 frames echoed"
[ "$echo_status" = 0 ] || fail "net-echo exited $echo_status: $(cat "$TMP/echo.out" "$TMP/echo.err")"
grep -qF "echoed 5 packets" "$TMP/echo.out" || fail "net-echo did not echo 5 packets"

# A socket file left by a killed hvrun: nothing listens there, so the
# next run takes it over (and removes it at exit, as its own); a file
# that is not a socket is still refused.
rm -f "$SOCK"
"$HVRUN" --net "socket=$SOCK" "$GUESTS/pv/net-echo.elf" \
	>"$TMP/echo.out" 2>"$TMP/echo.err" </dev/null &
pid=$!
i=0
until [ -S "$SOCK" ] || [ $i -ge 200 ]; do sleep 0.05; i=$((i + 1)); done
kill -9 "$pid"
wait "$pid" || true
[ -S "$SOCK" ] || fail "the killed hvrun left no socket file to test with"
run --timeout 30 --net "socket=$SOCK" "$GUESTS/pv/hello.elf"
expect_status 0
[ ! -e "$SOCK" ] || fail "hvrun left the socket it took over behind"
: >"$SOCK"
run --net "socket=$SOCK" "$GUESTS/pv/hello.elf"
expect_one_line_error "--net socket=$SOCK: exists and is not a socket"
[ -f "$SOCK" ] || fail "hvrun removed a file that was not a socket"
exit 0
