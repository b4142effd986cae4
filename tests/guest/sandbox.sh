#!/bin/sh
# After setup every hvrun thread runs under a seccomp filter (Seccomp: 2
# in /proc/PID/task/TID/status); --no-sandbox leaves them unfiltered. The
# other guest tests all run with the sandbox on.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm

run -v --timeout 0.2 "$GUESTS/raw/spin.img"
if grep -q "sandbox: off in sanitizer builds" "$ERR"; then
	skip "sanitizer build: the sandbox is off (the runtimes need ptrace and more)"
fi

# seccomp_mode PID: the Seccomp field of every thread, sorted and unique.
seccomp_modes() {
	cat /proc/"$1"/task/*/status 2>/dev/null |
		awk '$1 == "Seccomp:" { print $2 }' | sort -u | tr '\n' ' '
}

for mode in sandbox no-sandbox; do
	opt=; want="2 "
	[ $mode = no-sandbox ] && { opt=--no-sandbox; want="0 "; }
	run_bg $opt "$GUESTS/raw/spin.img"
	i=0; got=
	until [ $i -ge 100 ]; do
		got=$(seccomp_modes $HVPID)
		grep -q spinning "$OUT" && [ "$got" = "$want" ] && break
		sleep 0.1; i=$((i + 1))
	done
	kill -TERM $HVPID
	wait_hvrun 30
	[ "$got" = "$want" ] || fail "$mode: threads' Seccomp modes '$got', expected '$want'"
	echo "$mode: Seccomp $got"
done
