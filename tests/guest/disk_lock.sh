#!/bin/sh
# Disk images are locked as QEMU locks them (an OFD lock: exclusive for a
# read-write --disk, shared for ,ro): a second writer, or a writer beside
# a reader, in another hvrun or in the same one, is refused with one line
# and 125, and the first one's data stays whole. Outputs (--console
# file:) may not name a guest file; a FIFO is no disk; a size that is not
# whole sectors is said.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm

HVPID=
trap '[ -n "$HVPID" ] && kill -9 "$HVPID" 2>/dev/null; rm -rf "$TMP"' EXIT
FIRST_OUT=$TMP/first.out
FIRST_ERR=$TMP/first.err

# wait_first STRING: until the first hvrun's stdout has STRING (30 s at most).
wait_first() {
	for i in $(seq 300); do
		grep -qF -- "$1" "$FIRST_OUT" && return 0
		kill -0 "$HVPID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# The complete journal of disk-journal.elf on N sectors: sector k is the
# byte k % 255 + 1 repeated (N <= 255 here).
journal() {
	awk -v n="$1" 'BEGIN {
		for (k = 0; k < n; k++) {
			for (i = 0; i < 512; i++)
				printf "\\%03o", k % 255 + 1
			printf "\n"
		}
	}' | while IFS= read -r line; do printf "$line"; done
}

# 1. Two hvruns on one disk: the second is refused while the first writes
#    and flushes its journal, which ends complete.
SECTORS=200
truncate -s $((SECTORS * 512)) "$TMP/d.img"
timeout -k 5 60 "$HVRUN" --disk "$TMP/d.img" "$GUESTS/pv/disk-journal.elf" \
	-- 5000 >"$FIRST_OUT" 2>"$FIRST_ERR" </dev/null &
HVPID=$!
wait_first "flushed 10" || fail "the first hvrun never flushed record 10: $(cat "$FIRST_ERR")"
run --disk "$TMP/d.img" "$GUESTS/pv/disk-write.elf"
expect_one_line_error "disk $TMP/d.img: in use"
run --disk "$TMP/d.img,ro" "$GUESTS/pv/disk-crc.elf"
expect_one_line_error "disk $TMP/d.img: in use"
set +e
wait "$HVPID"
STATUS=$?
set -e
HVPID=
[ "$STATUS" = 0 ] || { cat "$FIRST_ERR"; fail "the first hvrun ended with $STATUS"; }
grep -qF "journal done $SECTORS" "$FIRST_OUT" || fail "the journal did not finish"
journal $SECTORS >"$TMP/want"
cmp "$TMP/d.img" "$TMP/want" || fail "the first hvrun's journal is not intact"

# 2. One hvrun given the same file twice: read-write twice, or read-write
#    beside read-only either way round. Read-only twice shares the image.
cp "$TMP/d.img" "$TMP/d.orig"
run --disk "$TMP/d.img" --disk "$TMP/d.img" "$GUESTS/pv/disk-write.elf"
expect_one_line_error "disk $TMP/d.img: in use"
run --disk "$TMP/d.img" --disk "$TMP/d.img,ro" "$GUESTS/pv/disk-write.elf"
expect_one_line_error "disk $TMP/d.img: in use"
run --disk "$TMP/d.img,ro" --disk "$TMP/d.img" "$GUESTS/pv/disk-write.elf"
expect_one_line_error "disk $TMP/d.img: in use"
cmp "$TMP/d.img" "$TMP/d.orig" || fail "a refused run changed the disk"
run --disk "$TMP/d.img,ro" --disk "$TMP/d.img,ro" "$GUESTS/pv/disk-crc.elf"
expect_status 0
expect_out "bytes $((SECTORS * 512))"

# 3. A console file that is a disk or the image: refused, nothing changed.
run --console "file:$TMP/d.img" --disk "$TMP/d.img" "$GUESTS/pv/hello.elf"
expect_one_line_error "--console file:$TMP/d.img is a --disk: refusing to overwrite it"
cmp "$TMP/d.img" "$TMP/d.orig" || fail "the console file truncated the disk"
ln "$TMP/d.img" "$TMP/d.link"
run --console "file:$TMP/d.link" --disk "$TMP/d.img,ro" "$GUESTS/pv/hello.elf"
expect_one_line_error "is a --disk: refusing to overwrite it"
cmp "$TMP/d.img" "$TMP/d.orig" || fail "the console file truncated the disk"
cp "$GUESTS/pv/hello.elf" "$TMP/hello.elf"
run --console "file:$TMP/hello.elf" "$TMP/hello.elf"
expect_one_line_error "is the image: refusing to overwrite it"
cmp "$TMP/hello.elf" "$GUESTS/pv/hello.elf" || fail "the image changed"
run --console "file:$TMP/core" --core "$TMP/core" "$GUESTS/pv/hello.elf"
expect_one_line_error "is the --core file: refusing to overwrite it"

# 4. A FIFO is not a disk: refused at once instead of hanging in open().
mkfifo "$TMP/fifo"
RUN_LIMIT=10 run --disk "$TMP/fifo,ro" "$GUESTS/pv/hello.elf"
expect_one_line_error "disk $TMP/fifo: not a regular file or block device"
RUN_LIMIT=10 run --disk "$TMP/fifo" "$GUESTS/pv/hello.elf"
expect_one_line_error "disk $TMP/fifo: not a regular file or block device"

# 5. A size that is not whole sectors: the guest sees whole sectors only,
#    and one warning line says how much it cannot reach.
head -c 1000 /dev/urandom >"$TMP/odd.img"
run --disk "$TMP/odd.img" "$GUESTS/pv/hello.elf"
expect_status 0
expect_err "disk $TMP/odd.img: 1000 bytes is not a multiple of 512: the guest cannot reach the last 488"
[ "$(wc -l <"$ERR")" = 1 ] || fail "expected one warning line"
exit 0
