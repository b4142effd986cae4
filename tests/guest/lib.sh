# Shared by the guest tests: run hvrun on a guest, assert on what it did.
# Each test is a shell script: exit 0 pass, 1 fail, 77 skip (automake).
set -u

: "${HVRUN:?HVRUN must point at the hvrun binary}"
: "${GUESTS:?GUESTS must point at the built guests/ folder}"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/hvrun-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
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
# the suite.
run() {
	set +e
	timeout -k 5 "${RUN_LIMIT:-120}" "$HVRUN" "$@" >"$OUT" 2>"$ERR"
	STATUS=$?
	set -e
	echo "hvrun $* -> $STATUS"
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
