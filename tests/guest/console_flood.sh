#!/bin/sh
# A PV guest that prints a lot, in 4 KiB console_write calls, under the
# default build's sandbox: it must end the way it asked (124 on --timeout,
# its own status), never 125; every byte arrives once, in order; and a
# 1 GiB console_write costs hvrun no more than its console buffer.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm
FLOOD=$GUESTS/pv/flood.elf

# Without end, to /dev/null: the timeout, not the sandbox, ends it.
for i in 1 2 3; do
	set +e
	timeout -s KILL 60 "$HVRUN" --timeout 2 "$FLOOD" >/dev/null 2>"$ERR" </dev/null
	STATUS=$?
	set -e
	echo "flood to /dev/null, run $i -> $STATUS"
	expect_status 124
	expect_err "timeout"
	! grep -q sandbox "$ERR" || fail "the sandbox stopped hvrun"
done

# 4,096 calls of 4 KiB to a file: exactly the guest's bytes.
run "$FLOOD" -- 4096 4096
expect_status 0
python3 - "$OUT" <<'PY' || fail "the console file is not the guest's output"
import sys
want = bytearray()
for i in range(4096):
    want += bytes(10 if j % 64 == 63 else 97 + (i + j // 64) % 26
                  for j in range(4096))
got = open(sys.argv[1], 'rb').read()
if got != want:
    n = next((k for k in range(min(len(got), len(want))) if got[k] != want[k]),
             min(len(got), len(want)))
    sys.exit("got %d bytes, want %d; first difference at %d" % (len(got), len(want), n))
PY
[ ! -s "$ERR" ] || fail "hvrun said something"

# One console_write of 1 GiB: hvrun's peak RSS stays small (it was 1 GB:
# the whole write was copied). GNU time reports the peak (package "time").
[ -x /usr/bin/time ] || { echo "SKIP: 1 GiB console_write: no /usr/bin/time"; exit 0; }
# ThreadSanitizer shadows every byte hvrun reads, guest RAM included: its
# shadow of the 1 GiB buffer is RSS that hvrun's own buffers are not.
if ldd "$HVRUN" 2>/dev/null | grep -q libtsan; then
	echo "SKIP: 1 GiB console_write: TSan's shadow memory counts in RSS"
	exit 0
fi
# Against a 4 KiB write's peak, so that sanitizer builds compare alike.
peak_rss() {
	set +e
	timeout -k 5 120 /usr/bin/time -f "peak %M" -o "$TMP/time" \
		"$HVRUN" -m 1100M "$FLOOD" -- "$1" 1 >/dev/null 2>"$ERR" </dev/null
	STATUS=$?
	set -e
	expect_status 0
	awk '/^peak/ { print $2 }' "$TMP/time"
}
base=$(peak_rss 4096) || fail "4 KiB write"
peak=$(peak_rss 1073741824) || fail "1 GiB write"
echo "peak RSS: $base kB for 4 KiB, $peak kB for 1 GiB"
[ "$peak" -lt $((base + 16384)) ] || fail "peak RSS $peak kB for a 1 GiB console_write"
