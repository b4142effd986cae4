#!/bin/sh
# Stopping a guest from outside: --timeout (124), SIGTERM (143), SIGINT (130).
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm

run --timeout 1 "$GUESTS/raw/spin.img"
expect_status 124
expect_out "spinning"
expect_err "timeout"

# Signals, with output written before the signal kept. The guest's
# "spinning" in this run's (emptied) stdout says hvrun is running it,
# so its signal handling is set up.
for sig in TERM INT; do
	run_bg "$GUESTS/raw/spin.img"
	wait_out "spinning"
	kill -$sig $HVPID
	wait_hvrun 30
	case $sig in TERM) expect_status 143 ;; INT) expect_status 130 ;; esac
	expect_out "spinning"
done
