#!/bin/sh
# --console file:PATH and --console none.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm

run --console "file:$TMP/console.txt" "$GUESTS/raw/hello.img"
expect_status 0
grep -qF "Hello from real mode" "$TMP/console.txt" || fail "console file lacks the greeting"
[ ! -s "$OUT" ] || fail "stdout should be empty with a console file"

run --console none "$GUESTS/raw/hello.img"
expect_status 0
[ ! -s "$OUT" ] || fail "stdout should be empty with --console none"

# A reader that goes away: hvrun keeps going and the guest's status stands.
(s=0; timeout -k 5 60 "$HVRUN" "$GUESTS/raw/exit42.img" 2>"$ERR" </dev/null || s=$?
 echo $s >"$TMP/status") | true
STATUS=$(cat "$TMP/status")
expect_status 42
(s=0; timeout -k 5 60 "$HVRUN" "$GUESTS/raw/hello.img" 2>"$ERR" </dev/null || s=$?
 echo $s >"$TMP/status") | true
STATUS=$(cat "$TMP/status")
expect_status 0
# The same with the reader surely gone before the first byte (the FIFO
# orders it): the vCPU's own write meets EPIPE, and the loop still says so.
mkfifo "$TMP/go"
(s=0; read -r _ <"$TMP/go"
 timeout -k 5 60 "$HVRUN" "$GUESTS/raw/hello.img" 2>"$ERR" </dev/null || s=$?
 echo $s >"$TMP/status") | { exec 0<&-; echo >"$TMP/go"; }
STATUS=$(cat "$TMP/status")
expect_status 0
expect_err "console output stopped"
