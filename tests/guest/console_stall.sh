#!/bin/sh
# A console reader that stops reading must not freeze hvrun: --timeout and
# SIGTERM end the run on time, the last flush gives up and says so, and a
# --console FIFO with no reader is refused at once. The hvruns run under
# `timeout -s KILL`, so a hang shows as 137 and a long wall time.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm
FIFO=$TMP/fifo
LIMIT=30

now_ms() { date +%s%3N; }
# timed STDOUT STDIN BOUND-MS HVRUN-ARGS...: run hvrun, STATUS its status;
# fail if it took BOUND-MS or more.
timed() {
	out=$1 in=$2 bound=$3
	shift 3
	t0=$(now_ms)
	set +e
	timeout -s KILL $LIMIT "$HVRUN" "$@" >"$out" 2>"$ERR" <"$in"
	STATUS=$?
	set -e
	t=$(($(now_ms) - t0))
	echo "hvrun $* (stdout $out) -> $STATUS in $t ms"
	[ $t -lt "$bound" ] || fail "took $t ms (bound $bound ms)"
}

mkfifo "$FIFO"
# The test holds the FIFO's read end and never reads from it.
exec 3<>"$FIFO"

# A PV guest printing without end (the pipe fills, then hvrun's buffer).
timed "$FIFO" /dev/null 6000 --timeout 2 "$GUESTS/pv/flood.elf"
expect_status 124
expect_err "timeout"
expect_err "guest output dropped"

# stdout and stderr both on the stalled FIFO (2>&1): hvrun's own
# messages wait for it at most a second each, then are dropped.
t0=$(now_ms)
set +e
timeout -s KILL $LIMIT "$HVRUN" --timeout 2 "$GUESTS/pv/flood.elf" \
	>"$FIFO" 2>&1 </dev/null
STATUS=$?
set -e
t=$(($(now_ms) - t0))
echo "flood, stalled reader, 2>&1, --timeout 2 -> $STATUS in $t ms"
expect_status 124
[ $t -lt 8000 ] || fail "took $t ms"

# The UART: the echo guest echoes /dev/zero without end; its transmitter
# stays busy while the console is full.
timed "$FIFO" /dev/zero 6000 --timeout 2 "$GUESTS/raw/echo.img"
expect_status 124

# SIGTERM, with the reader stalled (the pipe is full within the second).
"$HVRUN" "$GUESTS/pv/flood.elf" >"$FIFO" 2>"$ERR" </dev/null &
HVPID=$!
sleep 1
t0=$(now_ms)
kill -TERM $HVPID
wait_hvrun $LIMIT
t=$(($(now_ms) - t0))
echo "flood, stalled reader, SIGTERM -> $STATUS in $t ms"
expect_status 143
[ $t -lt 4000 ] || fail "SIGTERM took $t ms"

# --console file:FIFO, with a reader that never reads: as stdout.
timed "$OUT" /dev/null 6000 --timeout 2 --console "file:$FIFO" "$GUESTS/pv/flood.elf"
expect_status 124
exec 3<&-

# A FIFO with no reader: refused at once, not a hang in open().
timed "$OUT" /dev/null 4000 --console "file:$FIFO" "$GUESTS/pv/hello.elf"
expect_one_line_error "FIFO with no reader"
