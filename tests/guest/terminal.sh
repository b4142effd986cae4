#!/bin/sh
# On a terminal hvrun makes stdin raw and restores it on every way out:
# guest exit, SIGTERM, and Ctrl-A x (status 0).
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm
command -v script >/dev/null || skip "script(1) not installed"

# Runs in a pseudo-terminal made by script(1): records the terminal
# settings before and after, and hvrun's status.
cat >"$TMP/inner.sh" <<'INNER'
set -u
stty -g >"$T/before"
case $MODE in
exit)	"$HVRUN" "$GUESTS/raw/hello.img" ;;
term)	(sh -c 'echo $$ >"$T/pid"; exec "$HVRUN" "$GUESTS/raw/spin.img"') &
	sleep 0.2
	i=0; until [ -s "$T/pid" ] || [ $i -ge 50 ]; do sleep 0.1; i=$((i+1)); done
	sleep 1
	kill -TERM "$(cat "$T/pid")"
	wait $!
	;;
ctrla)	"$HVRUN" --report "$T/report.json" "$GUESTS/raw/spin.img" ;;
esac
echo $? >"$T/status"
stty -g >"$T/after"
INNER

# script(1) ends the session when its stdin reaches EOF: give it a FIFO
# that we hold open instead.
mkfifo "$TMP/stdin"
exec 3<>"$TMP/stdin"

for mode in exit term ctrla; do
	rm -f "$TMP/before" "$TMP/after" "$TMP/status" "$TMP/pid"
	# Ctrl-A x typed at the terminal, once the guest spins.
	[ $mode = ctrla ] && (sleep 2; printf '\001x' >&3) &
	T=$TMP MODE=$mode HVRUN=$HVRUN GUESTS=$GUESTS \
		timeout -k 5 60 script -qec "sh $TMP/inner.sh" /dev/null \
		<&3 >"$OUT" 2>"$ERR" || true
	[ -s "$TMP/status" ] || fail "$mode: the pty session did not finish"
	want=0; [ $mode = term ] && want=143
	[ "$(cat "$TMP/status")" = $want ] || fail "$mode: status $(cat "$TMP/status"), expected $want"
	cmp -s "$TMP/before" "$TMP/after" || fail "$mode: terminal settings not restored"
done
# --report names Ctrl-A x as the reason.
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))
assert r["reason"] == "quit" and r["status"] == 0, r' "$TMP/report.json" ||
		fail "ctrla: the report does not say quit"
fi
echo "terminal restored after guest exit, SIGTERM and Ctrl-A x"
