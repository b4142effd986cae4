#!/bin/sh
# Soak (not in make check): one hvrun running guests/pv/soak.elf (a disk
# write + read-back per round, console lines, net echo) for DURATION
# seconds (default 600) while a python3 peer sends frames of every size
# over a --net socket= cable and checks each echo. Samples hvrun's VmRSS
# and open descriptors every INTERVAL seconds (default 10) and fails if
# the fd count at the end differs from the start, or RSS grew by more than
# RSS_SLACK_KB (default 1024) between the first and last sample.
#
#	tests/load/soak.sh [BUILD-DIR] [DURATION]
set -u
B=${1:-.}
DURATION=${2:-600}
INTERVAL=${INTERVAL:-10}
RSS_SLACK_KB=${RSS_SLACK_KB:-1024}
HVRUN=${HVRUN:-$B/hvrun}
GUESTS=${GUESTS:-$B/guests}
command -v python3 >/dev/null 2>&1 || { echo "python3 is needed"; exit 77; }
[ -x "$HVRUN" ] && [ -f "$GUESTS/pv/soak.elf" ] ||
	{ echo "no $HVRUN or $GUESTS/pv/soak.elf: give the build directory"; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/hvrun-soak.XXXXXX")
PID=
trap '[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; rm -rf "$TMP"' EXIT
SOCK=$TMP/net.sock
truncate -s 1M "$TMP/disk.img"

# Bounded: the guest ends on the peer's quit, or the run fails here.
timeout -s KILL $((DURATION + 120)) \
	"$HVRUN" --disk "$TMP/disk.img" --net "socket=$SOCK" "$GUESTS/pv/soak.elf" \
	>"$TMP/out" 2>"$TMP/err" </dev/null &
PID=$!

sample() {
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$PID/status" 2>/dev/null)
	fds=$(ls "/proc/$PID/fd" 2>/dev/null | wc -l)
	echo "t=$1s VmRSS=${rss}kB fds=$fds" | tee -a "$TMP/samples"
}

python3 - "$SOCK" "$TMP/peer.sock" "$DURATION" >"$TMP/peer" 2>&1 <<'PY' &
import os, random, socket, sys, time
path, me, duration = sys.argv[1], sys.argv[2], float(sys.argv[3])
deadline = time.monotonic() + 30
while not os.path.exists(path):
    if time.monotonic() > deadline:
        sys.exit("peer: %s never appeared" % path)
    time.sleep(0.05)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(me)
s.settimeout(10)
end = time.monotonic() + duration
sent = 0
while time.monotonic() < end:
    f = os.urandom(random.choice((14, 60, 1500, 9000, 65535)))
    s.sendto(f, path)
    if s.recv(70000) != f:
        sys.exit("peer: bad echo after %d frames" % sent)
    sent += 1
s.sendto(b"quit", path)
if s.recv(100) != b"quit":
    sys.exit("peer: bad quit echo")
print("peer: %d frames echoed" % sent)
PY
PEER=$!

# First sample once the guest runs, then every INTERVAL seconds.
for i in $(seq 100); do
	grep -q "soak ready" "$TMP/out" && break
	sleep 0.1
done
T0=$(date +%s)
sample 0
first_rss=$rss first_fds=$fds
while kill -0 "$PEER" 2>/dev/null && [ $(($(date +%s) - T0)) -lt "$DURATION" ]; do
	sleep "$INTERVAL"
	kill -0 "$PID" 2>/dev/null || break
	sample $(($(date +%s) - T0))
done
last_rss=$rss last_fds=$fds

set +e
wait "$PEER"
peer=$?
wait "$PID"
status=$?
set -e
PID=

cat "$TMP/peer"
tail -n 1 "$TMP/out"
cat "$TMP/err"
echo "hvrun -> $status; RSS ${first_rss} -> ${last_rss} kB; fds ${first_fds} -> ${last_fds}"
ok=1
[ "$peer" = 0 ] || { echo "FAIL: the peer failed"; ok=0; }
[ "$status" = 0 ] || { echo "FAIL: hvrun exited $status"; ok=0; }
grep -q "^soak done" "$TMP/out" || { echo "FAIL: no 'soak done'"; ok=0; }
[ "$first_fds" = "$last_fds" ] || { echo "FAIL: fd count changed"; ok=0; }
[ $((last_rss - first_rss)) -le "$RSS_SLACK_KB" ] ||
	{ echo "FAIL: RSS grew by $((last_rss - first_rss)) kB"; ok=0; }
[ $ok = 1 ] && echo "PASS: soak ${DURATION}s"
[ $ok = 1 ]
