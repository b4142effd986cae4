#!/bin/sh
# Snapshot and restore, PV guests: the snapshot call mid-computation, three
# restores that finish like an uninterrupted run, --snapshot-at on the
# console, and files that are not whole snapshots (125, one line).
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm
SNAP=$TMP/snap.hvs

# Uninterrupted: the call says there is no --snapshot, the result.
run "$GUESTS/pv/snap.elf"
expect_status 0
expect_out "snapshot call: -1"
result=$(grep '^crc32 ' "$OUT")
[ -n "$result" ] || fail "no result line"

run --report "$TMP/snap.json" --snapshot "$SNAP" "$GUESTS/pv/snap.elf"
expect_status 0
expect_err "snapshot written to $SNAP"
grep -q '^crc32 ' "$OUT" && fail "the snapshotting run went on computing"
[ -s "$SNAP" ] || fail "no snapshot file"
ls "$TMP" | grep -q 'snap.hvs.' && fail "a temporary file was left behind"

grep -q '"reason": "snapshot"' "$TMP/snap.json" ||
	fail "--report of the snapshotting run: reason is not snapshot"
for i in 1 2 3; do
	run --report "$TMP/restore.json" --restore "$SNAP"
	expect_status 0
	expect_out "snapshot call: 1"
	grep -qxF "$result" "$OUT" || fail "restore $i: expected '$result'"
	grep -qF "\"image\": \"$SNAP\"" "$TMP/restore.json" ||
		fail "--report of a restored run does not name the snapshot"
done

# --snapshot-at: the host sees the string; the restored run goes on after it.
run --snapshot "$SNAP.at" --snapshot-at "from a PV" "$GUESTS/pv/hello.elf" -- a b
expect_status 0
expect_out "Hello from a PV guest"
expect_err "snapshot written to"
grep -q "bootargs" "$OUT" && fail "the run went on after the marker"
run --restore "$SNAP.at"
expect_status 0
expect_out "bootargs: a b"
grep -q "Hello" "$OUT" && fail "the restored run printed the marker again"

# Several vCPUs, some started by the guest before the snapshot: each
# says it is up once, in the snapshotting run or in the restored one.
run -c 4 --timeout 60 --snapshot "$SNAP.smp" --snapshot-at "vCPU 2 up" \
	"$GUESTS/pv/smp.elf"
expect_status 0
cp "$OUT" "$TMP/smp.before"
for i in 1 2; do
	run --timeout 60 --restore "$SNAP.smp"
	expect_status 0
	expect_out "all 4 vCPUs up"
	for id in 1 2 3; do
		n=$(cat "$TMP/smp.before" "$OUT" | grep -c "vCPU $id up" || true)
		[ "$n" = 1 ] || fail "restore $i: 'vCPU $id up' $n times in all"
	done
done

# A call another vCPU waits in when the snapshot is taken (a poll for
# console input) is made again in the restored run, which reads its own
# stdin, instead of returning cut short.
run -c 2 --timeout 60 --snapshot "$SNAP.poll" "$GUESTS/pv/snap-poll.elf"
expect_status 0
expect_out waiting
for word in first second; do
	set +e
	echo "$word" | timeout -s KILL 60 "$HVRUN" --timeout 50 \
		--restore "$SNAP.poll" >"$OUT" 2>"$ERR"
	STATUS=$?
	set -e
	expect_status 0
	expect_out "got: $word"
done

# FILE is renamed over: never over one of the guest's own files.
cp "$GUESTS/pv/hello.elf" "$TMP/hello.elf"
truncate -s 1M "$TMP/disk.img"
run --snapshot "$TMP/hello.elf" "$TMP/hello.elf"
expect_one_line_error "is the image: refusing to replace it"
run --snapshot "$TMP/disk.img" --disk "$TMP/disk.img" "$TMP/hello.elf"
expect_one_line_error "is a --disk: refusing to replace it"
cmp -s "$TMP/hello.elf" "$GUESTS/pv/hello.elf" || fail "the image changed"
# A block ring's requests in flight are hvrun's state: refused, no file.
run --snapshot "$TMP/ring.snap" --disk "$TMP/disk.img" "$GUESTS/pv/snap.elf"
expect_status 125
expect_out "block ring attached"
expect_err "a PV guest with a block ring attached cannot be snapshotted"
[ ! -e "$TMP/ring.snap" ] || fail "a refused snapshot left $TMP/ring.snap"
# A device option is machine too.
run --restore "$SNAP" --virtio-console
expect_one_line_error "--virtio-console would change the machine"

# The machine is the snapshot's.
run --restore "$SNAP" "$GUESTS/pv/snap.elf"
expect_one_line_error "--restore takes no image"
run --restore "$SNAP" -m 512M
expect_one_line_error "-m/--memory would change the machine"
run --restore "$SNAP" --disk "$SNAP.at"
expect_one_line_error "different number of disks"

# Not a whole snapshot: 125 and one line, never a crash.
head -c 100 "$SNAP" >"$TMP/short"
run --restore "$TMP/short"
expect_one_line_error "truncated"
cp "$SNAP" "$TMP/bad"
# A byte inside the first section (the machine), past the table.
printf '\377' | dd of="$TMP/bad" bs=1 seek=400 conv=notrunc 2>/dev/null
run --restore "$TMP/bad"
expect_one_line_error "checksum mismatch"
printf 'not a snapshot at all, just text\n%.0s' $(seq 10) >"$TMP/text"
run --restore "$TMP/text"
expect_one_line_error "not an hvrun snapshot"
run --restore "$TMP/missing"
expect_one_line_error "No such file"

# A snapshot from a host whose KVM offered other CPU features (here: the
# file's CPUID says avx2 flipped, checksums redone) is refused, naming
# the feature.
cp --sparse=always "$SNAP" "$TMP/cpuid"
python3 - "$TMP/cpuid" <<'PY'
import struct, sys, zlib
f = open(sys.argv[1], "r+b")
head = bytearray(f.read(8192))
n = struct.unpack_from("<I", head, 12)[0]
for i in range(n):
    at = 64 + 48 * i
    t, _, off, size = struct.unpack_from("<IIQQ", head, at)
    if t != 2:
        continue
    f.seek(off)
    sec = bytearray(f.read(size))
    for e in range(0, size, 40):
        if struct.unpack_from("<II", sec, e) == (7, 0):
            ebx = struct.unpack_from("<I", sec, e + 16)[0]
            struct.pack_into("<I", sec, e + 16, ebx ^ (1 << 5))
    f.seek(off)
    f.write(sec)
    struct.pack_into("<I", head, at + 24, zlib.crc32(sec))
struct.pack_into("<I", head, 48, zlib.crc32(head[64:64 + 48 * n]))
f.seek(0)
f.write(head[:64 + 48 * n])
PY
run --restore "$TMP/cpuid"
expect_status 125
expect_err "CPUID leaf 0x7.0 differs from the snapshot's host:"
expect_err "avx2"
expect_err "other CPU features"

# Under --gdb: gdb attaches at the restored point (in the snapshot call,
# its result 1 in RAX), and the guest finishes when gdb continues.
command -v gdb >/dev/null 2>&1 || skip "gdb is not installed (the rest passed)"
ELF=$GUESTS/pv/snap.elf
. "${srcdir:-.}/tests/guest/gdblib.sh"
start --gdb-wait --restore "$SNAP"
gdb_run -ex 'p $rax' -ex 'bt' -ex 'continue'
finish
expect_status 0
grep -q '^\$1 = 1$' "$GDB_OUT" || fail_gdb "gdb does not see the call's result 1 in RAX"
grep -q 'hv_snapshot' "$GDB_OUT" || fail_gdb "the backtrace is not in hv_snapshot"
grep -qxF "$result" "$OUT" || fail_gdb "the guest did not finish with '$result'"
