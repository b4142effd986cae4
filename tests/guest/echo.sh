#!/bin/sh
# Host input reaches the guest's UART and comes back, byte for byte.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm

# A pipe, and more bytes than the 16-byte FIFO holds.
# No "q" in it: the guest stops at the first q.
line="the five boxing wizards jump, 0123456789 ABCDEFGHIJKLMNOP"
set +e
printf '%s\nq' "$line" | timeout -k 5 60 "$HVRUN" "$GUESTS/raw/echo.img" >"$OUT" 2>"$ERR"
STATUS=$?
set -e
expect_status 0
expect_out "echo ready"
expect_out "$line"
expect_out "bye"

# A regular file as stdin (epoll cannot watch it).
printf 'from a file\nq' >"$TMP/input"
set +e
timeout -k 5 60 "$HVRUN" "$GUESTS/raw/echo.img" <"$TMP/input" >"$OUT" 2>"$ERR"
STATUS=$?
set -e
expect_status 0
expect_out "from a file"
