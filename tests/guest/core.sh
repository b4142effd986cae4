#!/bin/sh
# --core FILE: a crashed guest leaves an ELF core of its RAM and the
# crashing vCPU's registers; gdb shows the crash site and its caller.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm

ELF=$GUESTS/pv/null.elf
CORE=$TMP/core
GDB_OUT=$TMP/gdb

# is_core FILE: ELF magic, and e_type (offset 16) is ET_CORE (4).
is_core() {
	[ -s "$1" ] || fail "no core file $1"
	magic=$(od -An -c -N4 "$1" | tr -d ' ')
	[ "$magic" = '177ELF' ] || fail "$1 is not ELF: '$magic'"
	etype=$(od -An -tu2 -j16 -N2 "$1" | tr -d ' ')
	[ "$etype" = 4 ] || fail "$1 is not a core file: e_type $etype"
}

# A PV page fault: status 126, the usual report, and a core.
run --core "$CORE" "$ELF"
expect_status 126
expect_err "page fault"
expect_err "crash_here"
is_core "$CORE"

if command -v gdb >/dev/null 2>&1; then
	gdb -batch -nx "$ELF" "$CORE" -ex bt >"$GDB_OUT" 2>&1 || true
	grep -q "crash_here" "$GDB_OUT" || { cat "$GDB_OUT"; fail "gdb bt lacks crash_here"; }
	grep -q "in main" "$GDB_OUT" || { cat "$GDB_OUT"; fail "gdb bt lacks the caller main"; }
	grep -q "SIGSEGV" "$GDB_OUT" || { cat "$GDB_OUT"; fail "gdb does not say SIGSEGV"; }
fi

# A triple fault in a raw guest: a core with registers, no symbols.
rm -f "$CORE"
run --core "$CORE" "$GUESTS/raw/triple.img"
expect_status 126
expect_err "triple fault"
is_core "$CORE"
if command -v gdb >/dev/null 2>&1; then
	gdb -batch -nx -ex "core-file $CORE" -ex 'info registers rip' \
		>"$GDB_OUT" 2>&1 || true
	grep -q "^rip " "$GDB_OUT" || { cat "$GDB_OUT"; fail "gdb shows no rip"; }
fi

# A core file that cannot be created: refused before the guest runs.
run --core "$TMP/no/such/dir/core" "$ELF"
expect_one_line_error "--core $TMP/no/such/dir/core: No such file or directory"

# No crash, no core: a file hvrun created is gone again, and an existing
# one (an older core) keeps every byte.
rm -f "$CORE"
run --core "$CORE" "$GUESTS/pv/hello.elf"
expect_status 0
[ ! -e "$CORE" ] || fail "a clean exit left a core file"
printf 'an older core' >"$CORE"
run --core "$CORE" "$GUESTS/pv/hello.elf"
expect_status 0
[ "$(cat "$CORE")" = "an older core" ] || fail "a clean exit changed the existing core file"
# ... and a crash replaces it whole.
run --core "$CORE" "$ELF"
expect_status 126
is_core "$CORE"

# A FIFO cannot be a core: one line and 125 at once, not a hang in open().
mkfifo "$TMP/fifo"
RUN_LIMIT=10 run --core "$TMP/fifo" "$GUESTS/pv/hello.elf"
expect_one_line_error "--core $TMP/fifo: not a regular file"

# The core must not overwrite the guest's own files.
head -c 65536 /dev/urandom >"$TMP/disk.img"
cp "$TMP/disk.img" "$TMP/disk.orig"
run --core "$TMP/disk.img" --disk "$TMP/disk.img" "$ELF"
expect_one_line_error "is a --disk: refusing to overwrite it"
cmp -s "$TMP/disk.img" "$TMP/disk.orig" || fail "the disk changed"
cp "$ELF" "$TMP/guest.elf"
run --core "$TMP/guest.elf" "$TMP/guest.elf"
expect_one_line_error "is the image: refusing to overwrite it"
cmp -s "$ELF" "$TMP/guest.elf" || fail "the image changed"
exit 0
