#!/bin/sh
# Stopping a guest from outside: --timeout (124), SIGTERM (143), SIGINT (130).
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm

run --timeout 1 "$GUESTS/raw/spin.img"
expect_status 124
expect_out "spinning"
expect_err "timeout"

# Signals, with output written before the signal kept.
for sig in TERM INT; do
	set +e
	"$HVRUN" "$GUESTS/raw/spin.img" >"$OUT" 2>"$ERR" </dev/null &
	pid=$!
	i=0
	until grep -q spinning "$OUT" 2>/dev/null || [ $i -ge 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	kill -$sig $pid
	wait $pid
	STATUS=$?
	set -e
	case $sig in TERM) expect_status 143 ;; INT) expect_status 130 ;; esac
	expect_out "spinning"
done
