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

# A core that cannot be written: one warning line, status still 126.
run --core "$TMP/no/such/dir/core" "$ELF"
expect_status 126
expect_err "cannot write core file"
n=$(grep -c "warning" "$ERR" || true)
[ "$n" = 1 ] || fail "expected one warning line, got $n"

# No crash, no core.
rm -f "$CORE"
run --core "$CORE" "$GUESTS/pv/hello.elf"
expect_status 0
[ ! -e "$CORE" ] || fail "a clean exit wrote a core"
exit 0
