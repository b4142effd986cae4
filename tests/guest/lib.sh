# Shared by the guest tests: run hvrun on a guest, assert on what it did.
# Each test is a shell script: exit 0 pass, 1 fail, 77 skip (automake).
set -u

: "${HVRUN:?HVRUN must point at the hvrun binary}"
: "${GUESTS:?GUESTS must point at the built guests/ folder}"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/hvrun-test.XXXXXX")
HVPID=
# A background hvrun (run_bg) dies with the test, whatever happens.
trap '[ -n "$HVPID" ] && kill -9 "$HVPID" 2>/dev/null; rm -rf "$TMP"' EXIT
OUT=$TMP/stdout
ERR=$TMP/stderr
STATUS=

skip() { echo "SKIP: $*"; exit 77; }
fail() {
	echo "FAIL: $*"
	echo "--- stdout"; cat "$OUT" 2>/dev/null
	echo "--- stderr"; cat "$ERR" 2>/dev/null
	exit 1
}

need_kvm() {
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip "no usable /dev/kvm"
}

# run [hvrun args...]: stdin from /dev/null unless redirected by the caller.
# A safety net of RUN_LIMIT seconds (120) keeps a hung hvrun from hanging
# the suite, and fails the test: a KILL (not TERM, whose 124 would pass
# for hvrun's own --timeout status), which timeout --verbose announces.
run() {
	set +e
	timeout --verbose -s KILL "${RUN_LIMIT:-120}" "$HVRUN" "$@" >"$OUT" 2>"$ERR"
	STATUS=$?
	set -e
	echo "hvrun $* -> $STATUS"
	! grep -q "^timeout: sending signal" "$ERR" ||
		fail "hvrun did not end within ${RUN_LIMIT:-120} s"
}

# run_bg [hvrun args...]: hvrun itself in the background (signals reach it,
# not a wrapper), HVPID its pid. $OUT and $ERR are emptied first, so that
# what wait_out finds is this run's. SIGINT gets its default action back:
# a non-interactive shell starts background jobs with SIGINT ignored, and
# hvrun rightly keeps an ignore it inherits.
run_bg() {
	: >"$OUT"
	: >"$ERR"
	env --default-signal=INT "$HVRUN" "$@" >"$OUT" 2>"$ERR" </dev/null &
	HVPID=$!
}

# wait_out STRING [SECONDS]: until the background hvrun's stdout has
# STRING; fails if hvrun ends or SECONDS (30) pass first.
wait_out() {
	i=0
	until grep -qF -- "$1" "$OUT"; do
		kill -0 "$HVPID" 2>/dev/null || fail "hvrun ended before '$1'"
		[ $i -lt $((${2:-30} * 10)) ] || fail "no '$1' within ${2:-30} s"
		sleep 0.1
		i=$((i + 1))
	done
}

# wait_sock PATH MESSAGE: wait (at most 10 s) until a unix socket is
# bound at PATH, else fail with MESSAGE.
wait_sock() {
	i=0
	until [ -S "$1" ]; do
		[ $i -lt 100 ] || fail "$2"
		sleep 0.1
		i=$((i + 1))
	done
}

# wait_hvrun [SECONDS]: wait for the background hvrun, at most SECONDS
# (RUN_LIMIT, 120); STATUS is its status. A watchdog in its own process
# group kills one that is still running, and the test fails. Whether it
# fired is what its marker file says: a group kill that fails only means
# the watchdog had not called setsid yet (hvrun ended that fast).
wait_hvrun() {
	limit=${1:-${RUN_LIMIT:-120}}
	fired=$TMP/watchdog.fired
	rm -f "$fired"
	setsid sh -c 'sleep "$1"; : >"$3"; kill -KILL "$2"' - "$limit" \
		"$HVPID" "$fired" >/dev/null 2>&1 </dev/null &
	dog=$!
	STATUS=0
	wait "$HVPID" || STATUS=$?
	HVPID=
	kill -- "-$dog" 2>/dev/null || kill "$dog" 2>/dev/null || true
	wait "$dog" 2>/dev/null || true
	[ -e "$fired" ] && fail "hvrun did not end within $limit s"
	echo "hvrun (background) -> $STATUS"
}

expect_status() {
	[ "$STATUS" = "$1" ] || fail "expected exit status $1, got $STATUS"
}

expect_out() {
	grep -qF -- "$1" "$OUT" || fail "stdout lacks '$1'"
}

expect_out_count() {
	n=$(grep -cF -- "$1" "$OUT" || true)
	[ "$n" = "$2" ] || fail "stdout has '$1' $n times, expected $2"
}

expect_err() {
	grep -qF -- "$1" "$ERR" || fail "stderr lacks '$1'"
}

# One line on stderr, naming the problem, status 125.
expect_one_line_error() {
	expect_status 125
	lines=$(wc -l <"$ERR")
	[ "$lines" = 1 ] || fail "expected one line on stderr, got $lines"
	expect_err "$1"
}
