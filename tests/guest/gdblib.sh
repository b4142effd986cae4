# Shared by the gdb stub tests (after lib.sh): hvrun --gdb in the
# background, real gdb in batch mode against it. The caller sets ELF.
GDB_OUT=$TMP/gdb
HVPID=

# Every background hvrun dies with the test, whatever happens.
trap '[ -n "$HVPID" ] && kill -9 "$HVPID" 2>/dev/null; rm -rf "$TMP"' EXIT

fail_gdb() {
	echo "--- gdb"; cat "$GDB_OUT" 2>/dev/null
	fail "$@"
}

# start [hvrun args...]: hvrun --gdb PORT in the background, on a free port.
# No --gdb-step-breakpoints: hvrun probes whether this KVM reports the
# guest's debug traps (pagetable-based KVM hands a CPL 3 #BP/#DB to the
# guest) and emulates breakpoints by itself where it does not, as a user
# who never heard of the flag gets it.
start() {
	for try in 0 1 2 3 4 5 6 7; do
		PORT=$((20000 + ($$ + try * 997) % 10000))
		# Empty now, not when the child opens it: the last hvrun's
		# "listening on" the same port must not count.
		: >"$ERR"
		timeout -k 5 "${HV_LIMIT:-60}" "$HVRUN" --gdb "$PORT" "$@" \
			<"${HV_STDIN:-/dev/null}" >"$OUT" 2>"$ERR" &
		HVPID=$!
		for i in $(seq 300); do	# 30 s: slow under ASan and load
			grep -q "waiting for gdb\|listening on" "$ERR" && return 0
			kill -0 "$HVPID" 2>/dev/null || break
			sleep 0.1
		done
		wait "$HVPID" || true
		HVPID=
		grep -q "cannot listen" "$ERR" || fail "hvrun did not start"
	done
	fail "no free port for the gdb stub"
}

# finish: wait for hvrun and take its status.
finish() {
	set +e
	wait "$HVPID"
	STATUS=$?
	set -e
	HVPID=
	echo "hvrun -> $STATUS"
}

# gdb_run [gdb args...]: one batch session against the running hvrun.
# The architecture is set first: multiboot images are ELF32. HV_LIMIT and
# GDB_LIMIT (seconds, default 60) bound hvrun and gdb; HV_STDIN is what
# start gives hvrun as its console input (an asynchronous command's is
# /dev/null unless redirected in place).
gdb_run() {
	timeout -k 5 "${GDB_LIMIT:-60}" gdb -batch -nx "$ELF" \
		-ex 'set architecture i386:x86-64' \
		-ex "target remote 127.0.0.1:$PORT" "$@" >"$GDB_OUT" 2>&1 || true
}

expect_gdb() {
	grep -qE -- "$1" "$GDB_OUT" || fail_gdb "gdb output lacks /$1/"
}

# skip_if_no_debug: after a finish, skip if this KVM cannot debug guests.
skip_if_no_debug() {
	grep -q "cannot debug guests" "$ERR" &&
		skip "this KVM cannot debug guests: $(grep 'cannot debug' "$ERR")"
	return 0
}
