#!/bin/sh
# The gdb stub's limits: a client that pipelines memory reads and never
# reads a reply cannot grow hvrun (its input is no longer taken while the
# replies queued for it are over a bound), and hvrun still ends on
# --timeout. --gdb unix:PATH: a socket file of mode 0600, which stock gdb
# reaches with `target remote PATH`, removed at exit.
. "${srcdir:-.}/tests/guest/lib.sh"
. "${srcdir:-.}/tests/guest/gdblib.sh"
set -e
need_kvm
command -v python3 >/dev/null 2>&1 || skip "python3 is needed"

ELF=$GUESTS/pv/hello.elf

# 1. Pipelined 'm' requests (2 KiB each, a 4 KiB reply), never read, for
#    4 s; hvrun's VmRSS is sampled meanwhile. Unbounded, it grew by
#    hundreds of MB in that time.
start --gdb-wait --timeout 8 "$ELF"
set +e
python3 - "$PORT" "$HVPID" >"$TMP/flood" 2>&1 <<'PY'
import socket, sys, time
port, pid = int(sys.argv[1]), sys.argv[2]
# start() runs hvrun under timeout(1): measure hvrun, its child.
with open("/proc/%s/task/%s/children" % (pid, pid)) as f:
    pid = f.read().split()[0]

def rss_kb():
    try:
        with open("/proc/%s/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None

def packet(p):
    return b"$%s#%02x" % (p, sum(p) % 256)

s = socket.create_connection(("127.0.0.1", port))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.setblocking(False)
req = packet(b"m100000,800") * 64
first, peak, sent = rss_kb(), 0, 0
end = time.time() + 4
while time.time() < end:
    try:
        sent += s.send(req)
    except BlockingIOError:
        time.sleep(0.01)
    r = rss_kb()
    peak = max(peak, r or 0)
print("sent %d bytes of requests; VmRSS %d kB at first, peak %d kB" % (sent, first, peak))
# Still connected and still not reading: hvrun must end on its timeout.
for i in range(300):
    if rss_kb() is None:
        break
    time.sleep(0.1)
else:
    print("hvrun did not end on --timeout")
    sys.exit(1)
if sent < 1 << 20:
    print("the client could not even send 1 MiB")
    sys.exit(1)
if peak - first > 32 * 1024:
    print("hvrun grew by %d kB" % (peak - first))
    sys.exit(1)
PY
peer=$?
set -e
cat "$TMP/flood"
finish
[ "$peer" = 0 ] || fail "the flooding client: $(cat "$TMP/flood")"
expect_status 124

# 2. unix:PATH, with real gdb.
if command -v gdb >/dev/null 2>&1; then
	SOCK=$TMP/gdb.sock
	: >"$ERR"
	timeout -k 5 60 "$HVRUN" --gdb "unix:$SOCK" --gdb-wait "$ELF" >"$OUT" 2>"$ERR" &
	HVPID=$!
	for i in $(seq 300); do
		grep -q "waiting for gdb" "$ERR" && break
		sleep 0.1
	done
	expect_err "waiting for gdb on unix:$SOCK"
	[ -S "$SOCK" ] || fail "no socket at $SOCK"
	[ "$(stat -c %a "$SOCK")" = 600 ] || fail "$SOCK has mode $(stat -c %a "$SOCK"), not 600"
	timeout -k 5 60 gdb -batch -nx "$ELF" -ex "target remote $SOCK" \
		-ex 'info registers rip' -ex continue >"$GDB_OUT" 2>&1 || true
	finish
	expect_status 0
	expect_gdb "_start"
	expect_gdb "exited normally"
	expect_out "Hello from a PV guest"
	[ ! -e "$SOCK" ] || fail "hvrun left $SOCK behind"

	# A PATH that exists is not taken: one line, 125.
	: >"$SOCK"
	run --gdb "unix:$SOCK" "$ELF"
	expect_one_line_error "cannot listen for gdb on unix:$SOCK: Address already in use"
	[ -f "$SOCK" ] || fail "hvrun removed $SOCK, which it did not make"
fi
exit 0
