#!/bin/sh
# PV channels (--chan, ABI version 2): two VMs, one SOCK_SEQPACKET path.
# chan-test "first" binds PATH, checks -ENOTCONN before a peer exists,
# receives 0, 1 and 64 KiB messages whole and in order (64 KiB+1 is
# -EMSGSIZE on the sending side), and -ENOTCONN after the peer exited.
# Then: a v1 image runs unchanged, is refused --chan; stale socket files
# are taken over, other files refused; --chan is for PV guests only.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm

SOCK=$TMP/chan.sock
# start_first ARGS: chan-test "first" in the background (pid $first),
# waited for until it has bound $SOCK and said so.
start_first() {
	: >"$OUT"
	timeout -s KILL 90 "$HVRUN" --timeout 60 "$@" --chan "$SOCK" \
		"$GUESTS/pv/chan-test.elf" -- first >"$OUT" 2>"$ERR" </dev/null &
	first=$!
	i=0
	until grep -qF "first: no peer yet: ENOTCONN" "$OUT"; do
		kill -0 "$first" 2>/dev/null || fail "first ended early"
		[ $i -lt 300 ] || fail "first not ready within 30 s"
		sleep 0.1
		i=$((i + 1))
	done
	[ -S "$SOCK" ] || fail "the first hvrun did not bind $SOCK"
}

start_first
set +e
timeout -s KILL 60 "$HVRUN" --timeout 60 --chan "$SOCK" \
	"$GUESTS/pv/chan-test.elf" -- second >"$TMP/second.out" 2>&1 </dev/null
second=$?
wait "$first"
STATUS=$?
set -e
echo "first -> $STATUS, second -> $second"
[ "$second" = 0 ] || fail "second exited $second: $(cat "$TMP/second.out")"
grep -qF "second: ok" "$TMP/second.out" || fail "second did not say ok"
expect_status 0
expect_out "first: ok"
[ ! -e "$SOCK" ] || fail "hvrun left $SOCK behind"

# A version 1 image sees version 1: calls 14-16 are -ENOSYS, the FDT
# says 1; and it may not have a channel.
run --timeout 30 "$GUESTS/pv/abi-v1.elf"
expect_status 0
expect_out "v1: abi 1, fdt 1, chan_send -38, chan_recv -38, call 16 -38"
run --timeout 30 --chan "$SOCK" "$GUESTS/pv/abi-v1.elf"
expect_one_line_error "--chan needs an image built for hvrun ABI version 2"
[ ! -e "$SOCK" ] || fail "a refused run left $SOCK behind"

# A socket file left by a killed hvrun is taken over (and removed at
# exit); a file that is not a socket is refused and kept.
start_first
# timeout(1) leads its own process group: kill hvrun with it, not just it.
kill -9 -"$first"
wait "$first" 2>/dev/null || true
[ -S "$SOCK" ] || fail "the killed hvrun left no socket file to test with"
run --timeout 30 --chan "$SOCK" "$GUESTS/pv/hello.elf"
expect_status 0
[ ! -e "$SOCK" ] || fail "hvrun left the socket it took over behind"
: >"$SOCK"
run --chan "$SOCK" "$GUESTS/pv/hello.elf"
expect_one_line_error "--chan $SOCK: exists and is not a socket"
[ -f "$SOCK" ] || fail "hvrun removed a file that was not a socket"
rm -f "$SOCK"

run --chan "$SOCK" "$GUESTS/raw/hello.img"
expect_one_line_error "--chan is for PV guests"
exit 0
