#!/bin/sh
# The gdb stub, driven by real gdb in batch mode: breakpoints, backtrace,
# registers, stepping, memory, watchpoints, threads, Ctrl-C, detach, kill.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm
command -v gdb >/dev/null 2>&1 || skip "gdb is not installed"
ELF=$GUESTS/pv/gdbtest.elf
. "${srcdir:-.}/tests/guest/gdblib.sh"

# Options: loopback by default, bad values are one-line errors.
run --gdb 0 "$ELF"
expect_one_line_error "invalid --gdb '0'"
run --gdb 1.2.3:1234 "$ELF"
expect_one_line_error "invalid --gdb '1.2.3:1234'"
run --gdb-wait "$ELF"
expect_one_line_error "--gdb-wait needs --gdb"

# 1. Breakpoint, backtrace, registers, stepi, memory, set var, threads,
#    a write watchpoint, a hardware breakpoint, then detach: the guest
#    runs on, prints the value gdb set and exits 0.
start -c 2 --gdb-wait "$ELF"
grep -qF "127.0.0.1:$PORT" "$ERR" || fail "the stub does not listen on loopback"
gdb_run -ex 'break target' -ex 'continue' -ex 'bt' \
	-ex 'info registers rip' \
	-ex 'delete' -ex 'watch watched' -ex 'continue' -ex 'delete' \
	-ex 'set $old = $pc' -ex 'stepi' -ex 'printf "advanced=%d\n", $pc != $old' \
	-ex 'x/4gx &gdb_words' \
	-ex 'set var gdb_value = 1234' \
	-ex 'info threads' \
	-ex 'hbreak printf' -ex 'continue' \
	-ex 'delete' -ex 'detach'
finish
skip_if_no_debug
expect_gdb 'Breakpoint 1, target \(x=.*gdbtest\.c'
expect_gdb '^#1 .* in main '
expect_gdb '^rip +0x[0-9a-f]+ +0x[0-9a-f]+ <target>'
expect_gdb '^advanced=1'
expect_gdb '<gdb_words>:[[:space:]]+0x0000000000001111[[:space:]]+0x0000000000002222'
expect_gdb '<gdb_words\+16>:[[:space:]]+0x0000000000003333[[:space:]]+0x0000000000004444'
expect_gdb 'Thread 1 \(vCPU 0\)'
expect_gdb 'Thread 2 \(vCPU 1\)'
expect_gdb 'Hardware watchpoint 2: watched'
expect_gdb 'New value = 1'
expect_gdb 'Breakpoint 3, printf '
expect_gdb 'watched = x;'
expect_gdb 'Inferior 1 .* detached'
expect_status 0
expect_out "value=1234"

# 2. Ctrl-C stops a spinning guest; clearing its flag lets it finish, and
#    gdb learns that it exited. --foreground: one SIGINT, to gdb only (a
#    second one would make gdb give up on the target).
start --gdb-wait "$ELF" -- spin
set +e
timeout --foreground -s INT -k 30 3 gdb -batch -nx "$ELF" \
	-ex "target remote 127.0.0.1:$PORT" -ex 'continue' \
	-ex 'set var spin = 0' -ex 'continue' >"$GDB_OUT" 2>&1
set -e
finish
expect_gdb 'received signal SIGINT'
expect_gdb 'exited normally'
expect_status 0
expect_out "spun"

# 3. Attach to a running guest without --gdb-wait, then kill: hvrun ends
#    with 137 (128 + SIGKILL). -v says where the stub listens.
start -v --report "$TMP/report.json" "$ELF" -- spin
gdb_run -ex 'info registers rip' -ex 'kill'
finish
expect_gdb '^rip +0x[0-9a-f]+ +0x[0-9a-f]+ <main\+'
expect_status 137
grep -q '"reason": "gdb-kill"' "$TMP/report.json" ||
	fail "the --report file does not say gdb-kill"

# 4. A client that sends garbage, a bad checksum and an oversized packet
#    is dropped; the guest carries on and a new client can attach.
raw_client() {
	PORT=$PORT timeout 30 bash -c '
		exec 3<>"/dev/tcp/127.0.0.1/$PORT" || exit 1
		printf "junk\$qC#00\$qC#b4\$" >&3
		head -c 20000 /dev/zero | tr "\0" a >&3
		cat <&3' >"$TMP/raw" 2>&1 || true
}
if command -v bash >/dev/null 2>&1; then
	start -v "$ELF" -- spin
	raw_client
	# The drop is logged by the loop thread: allow it time under load.
	i=0
	until grep -q "oversized packet" "$ERR" || [ $i -ge 300 ]; do
		sleep 0.1; i=$((i + 1))
	done
	grep -q "oversized packet" "$ERR" ||
		fail "an oversized packet was not refused: $(cat "$TMP/raw")"
	grep -qF -- '-+$QC1#c5' "$TMP/raw" ||
		fail "bad checksum or qC not answered: $(cat "$TMP/raw")"
	gdb_run -ex 'set var spin = 0' -ex 'detach'
	finish
	expect_gdb 'detached'
	expect_status 0
	expect_out "spun"
fi

# 5. The long-mode multiboot guest (CPL 0, starts in 32-bit mode): the one
#    amd64 description serves every mode; break, step, read registers.
ELF=$GUESTS/multiboot/long64.elf
start --gdb-wait "$ELF"
gdb_run -ex 'break puts' -ex 'continue' -ex 'info registers rip' \
	-ex 'stepi' -ex 'info registers rip rsp' -ex 'delete' -ex 'continue'
finish
expect_gdb 'Breakpoint 1, 0x[0-9a-f]+ in puts'
expect_gdb '^rip +0x[0-9a-f]+ +0x[0-9a-f]+ <puts\+1>'
expect_gdb '^rsp +0x[0-9a-f]+'
expect_gdb 'exited normally'
expect_status 0
expect_out "Hello from long mode"

# 6. Emulated stepping (forced here with --gdb-step-breakpoints, on any
#    KVM) compares values after each instruction, so it cannot see reads:
#    read and access watchpoints are refused (an empty reply), gdb says it
#    cannot insert them, and the guest is unharmed. A break still works.
ELF=$GUESTS/pv/gdbtest.elf
start --gdb-step-breakpoints --gdb-wait "$ELF"
gdb_run -ex 'rwatch watched' -ex 'awatch gdb_value' -ex 'break target' \
	-ex 'continue' -ex 'delete' -ex 'continue'
finish
expect_gdb 'Could not insert hardware watchpoint 1'
expect_gdb 'Could not insert hardware watchpoint 2'
expect_gdb 'exited normally'
expect_status 0
expect_out "value=42"
grep -q "gdb: on this KVM" "$ERR" && fail "the flag did not skip the probe"

# 7. The README's example, verbatim but for the port: hvrun with --gdb
#    and --gdb-wait, gdb attached by hand-typed commands -- break, stepi,
#    hbreak, continue, info threads, detach -- and the
#    guest ends with its own status. Where this KVM hands the guest's
#    debug traps to the guest, hvrun said so in one line and emulated.
ELF=$GUESTS/pv/hello.elf
start --gdb-wait "$ELF"
gdb_run -ex 'break main' -ex 'continue' -ex 'stepi' \
	-ex 'hbreak hv_console_write' -ex 'continue' -ex 'info threads' \
	-ex 'delete' -ex 'detach'
finish
expect_gdb 'Breakpoint 1, main '
expect_gdb 'Breakpoint 2, .*hv_console_write'
expect_gdb 'Thread 1 \(vCPU 0\)'
expect_gdb 'Inferior 1 .* detached'
expect_status 0
expect_out "Hello from a PV guest"
if grep -q "gdb: on this KVM" "$ERR"; then
	[ "$(grep -c . "$ERR")" = 2 ] ||
		fail "expected the probe's line and the wait line: $(cat "$ERR")"
	echo "probe: $(grep 'gdb: on this KVM' "$ERR")"
fi
