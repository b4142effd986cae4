#!/bin/sh
# In a `2>&1` log the guest's console output comes before hvrun's own
# report, and the report starts on a fresh line even when the guest's last
# line is unfinished. With stdout and stderr apart, the guest's bytes are
# left exactly as it wrote them.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm
LOG=$TMP/log

# check_log LINES FIRST-REPORT-WORDS: the guest's lines, "last words" on a
# line of its own, then hvrun's first line, and no hvrun line before it.
check_log() {
	python3 - "$LOG" "$1" "$2" <<'PY' || { cat "$LOG" | tail -n 20; fail "wrong order in the 2>&1 log"; }
import sys
log, n, report = open(sys.argv[1]).read().split('\n'), int(sys.argv[2]), sys.argv[3]
want = ['line %d' % k for k in range(n)] + ['last words']
if log[:n + 1] != want:
    bad = next(k for k in range(n + 1) if k >= len(log) or log[k] != want[k])
    sys.exit('line %d: %r, expected %r' % (bad, log[bad] if bad < len(log) else None, want[bad]))
if not log[n + 1].startswith('hvrun: ' + report):
    sys.exit('after the last words: %r' % log[n + 1])
PY
}

# A crash: the report follows the guest's last words.
set +e
timeout -k 5 60 "$HVRUN" "$GUESTS/pv/lastline.elf" -- 20000 crash >"$LOG" 2>&1 </dev/null
STATUS=$?
set -e
expect_status 126
check_log 20000 "guest crashed"

# An exit status hvrun warns about.
set +e
timeout -k 5 60 "$HVRUN" "$GUESTS/pv/lastline.elf" -- 20000 200 >"$LOG" 2>&1 </dev/null
STATUS=$?
set -e
expect_status 123
check_log 20000 "warning: guest exit status 200"

# Apart: stdout ends with the unfinished line, exactly.
run "$GUESTS/pv/lastline.elf" -- 3 crash
expect_status 126
printf 'line 0\nline 1\nline 2\nlast words' | cmp -s - "$OUT" ||
	fail "stdout is not the guest's bytes"
expect_err "guest crashed"
