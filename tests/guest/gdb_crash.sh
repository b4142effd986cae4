#!/bin/sh
# A guest crash with gdb attached stops into gdb (SIGSEGV, SIGTRAP for a
# guest's own int3) at the faulting instruction; gdb's continue or detach
# then lets hvrun report the crash as without gdb (126), kill ends it (137).
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm
command -v gdb >/dev/null 2>&1 || skip "gdb is not installed"
ELF=$GUESTS/pv/null.elf
. "${srcdir:-.}/tests/guest/gdblib.sh"

# expect_no_report: gdb killed the guest, so hvrun reports no crash.
expect_no_report() {
	! grep -q "guest crashed" "$ERR" || fail "a killed guest was reported"
}

# 1. A PV page fault: gdb sees SIGSEGV in crash_here, called from main,
#    with RIP on the faulting instruction; kill ends hvrun without a report.
start --gdb-wait "$ELF"
gdb_run -ex 'continue' -ex 'bt' -ex 'info registers rip' -ex 'kill'
finish
skip_if_no_debug
expect_gdb 'Program received signal SIGSEGV'
expect_gdb '^#0 +crash_here \(\)'
expect_gdb '^#1 .* in main '
expect_gdb '^rip +0x[0-9a-f]+ +0x[0-9a-f]+ <crash_here(\+[0-9]+)?>'
expect_status 137
expect_no_report

# 2. continue after the stop: the crash report, the core (unwound to the
#    guest's frame: gdb on it shows the same backtrace), status 126.
start --gdb-wait --core "$TMP/core" "$ELF"
gdb_run -ex 'continue' -ex 'continue'
finish
expect_gdb 'Program received signal SIGSEGV'
expect_gdb 'exited with code 0176'
expect_status 126
expect_err "page fault"
expect_err "crash_here"
gdb -batch -nx "$ELF" "$TMP/core" -ex bt >"$GDB_OUT" 2>&1 || true
expect_gdb 'crash_here'
expect_gdb 'in main'

# 3. detach after the stop: as without gdb.
start --gdb-wait "$ELF"
gdb_run -ex 'continue' -ex 'detach'
finish
expect_gdb 'Program received signal SIGSEGV'
expect_gdb 'detached'
expect_status 126
expect_err "page fault"

# 4. --gdb with no client attached: a crash is reported at once. (The
#    port the last hvrun listened on is free again.)
run --gdb "$PORT" "$ELF"
expect_status 126
expect_err "page fault"

# 5. A triple fault (raw image, no symbols): SIGSEGV, registers, kill.
start --gdb-wait "$GUESTS/raw/triple.img"
timeout -k 5 60 gdb -batch -nx -ex 'set architecture i386:x86-64' \
	-ex "target remote 127.0.0.1:$PORT" -ex 'continue' \
	-ex 'info registers rip' -ex 'kill' >"$GDB_OUT" 2>&1 || true
finish
expect_gdb 'Program received signal SIGSEGV'
expect_gdb '^rip +0x[0-9a-f]+'
expect_status 137
expect_no_report

# 6. A PV guest's own int3, no gdb breakpoint there: the guest gets its
#    #BP as without gdb (hvrun's stub reports it); gdb stops at it with
#    SIGTRAP, and continue lets the report go on (126), as without gdb.
ELF=$GUESTS/pv/gdbtest.elf
run "$ELF" -- int3
expect_status 126
expect_err "breakpoint (#BP)"
start --gdb-wait "$ELF" -- int3
gdb_run -ex 'continue' -ex 'bt' -ex 'continue'
finish
expect_gdb 'Program received signal SIGTRAP'
expect_gdb '^#0 +own_int3 \(\)'
expect_gdb '^#1 .* in main '
expect_gdb 'exited with code 0176'
expect_status 126
expect_err "breakpoint (#BP)"
grep -q "after int3" "$OUT" && fail "the guest ran on past its int3"

# 7. The same while gdb breakpoints exist (emulated by single-stepping
#    on kvm_pvm): the stepped int3 still reaches the guest, not gdb alone.
start --gdb-wait "$ELF" -- int3
gdb_run -ex 'break target' -ex 'continue' -ex 'continue' -ex 'bt' \
	-ex 'continue'
finish
expect_gdb 'Breakpoint 1, target'
expect_gdb 'Program received signal SIGTRAP'
expect_gdb '^#0 +own_int3 \(\)'
expect_status 126
expect_err "breakpoint (#BP)"
grep -q "after int3" "$OUT" && fail "the guest ran on past its int3"
exit 0
