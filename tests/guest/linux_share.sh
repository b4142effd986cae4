#!/bin/sh
# --share: a host directory in a Linux guest through virtio-fs and the
# virtiofsd hvrun starts (vhost-user). The guest reads the host's bytes,
# its writes land on the host, a read-only share refuses writes and
# leaves the host untouched, symlinks do not reach outside the share, a
# virtiofsd that dies turns the guest's file calls into I/O errors while
# the VM runs on, and no virtiofsd outlives hvrun.
. "${srcdir:-.}/tests/guest/linux-lib.sh"
set -e
need_linux
VIRTIOFSD=$(command -v virtiofsd || echo /usr/lib/qemu/virtiofsd)
[ -x "$VIRTIOFSD" ] || skip "no virtiofsd (Debian: qemu-system-common)"
[ "$(id -u)" = 0 ] || skip "Debian 12's virtiofsd needs root"

# No virtiofsd: one line, 125, before the guest starts.
run --virtiofsd "$TMP/none" --share "$TMP" "$BZIMAGE"
expect_one_line_error "--virtiofsd $TMP/none: not an executable file"

mkdir "$TMP/rw" "$TMP/ro"
head -c 3000000 /dev/urandom >"$TMP/rw/data"
host_md5=$(md5sum <"$TMP/rw/data" | cut -d' ' -f1)
echo original >"$TMP/ro/keep"
echo secret-outside-the-share >"$TMP/secret"
ln -s ../secret "$TMP/rw/up"
ln -s "$TMP/secret" "$TMP/rw/abs"

# A back-end the user started: --vhost-user-fs.
mkdir "$TMP/vu"
echo served-by-the-users-virtiofsd >"$TMP/vu/hello"
"$VIRTIOFSD" --socket-path="$TMP/vu.sock" -o source="$TMP/vu" -o log_level=err &
vu_pid=$!
i=0
until [ -S "$TMP/vu.sock" ]; do
	[ $i -lt 100 ] || fail "virtiofsd made no socket within 10 s"
	sleep 0.1
	i=$((i + 1))
done

boot "$BZIMAGE" 'mkdir -p /mnt/rw /mnt/ro /mnt/vu; mount -t virtiofs rw /mnt/rw && mount -t virtiofs ro /mnt/ro && mount -t virtiofs users /mnt/vu && cat /mnt/vu/hello && echo mounted; echo md5=$(md5sum </mnt/rw/data); echo written-in-guest >/mnt/rw/new && sync && echo wrote=ok; echo x >/mnt/ro/keep; echo x >/mnt/ro/other; rm -f /mnt/ro/keep; cat /mnt/rw/up /mnt/rw/abs; echo links-done' \
	--share "$TMP/rw" --share "$TMP/ro,ro" --vhost-user-fs "$TMP/vu.sock,tag=users"
kill "$vu_pid" 2>/dev/null || true
wait "$vu_pid" 2>/dev/null || true
expect_status 0
expect_out served-by-the-users-virtiofsd
expect_out mounted
expect_out "md5=$host_md5"
expect_out wrote=ok
[ "$(cat "$TMP/rw/new")" = written-in-guest ] || fail "the guest's file is not on the host"
[ "$(grep -c 'Read-only file system' "$OUT")" -ge 3 ] ||
	fail "writes to the read-only share did not all fail with EROFS"
[ "$(cat "$TMP/ro/keep")" = original ] && [ ! -e "$TMP/ro/other" ] ||
	fail "the read-only share changed on the host"
expect_out links-done
! grep -q secret-outside-the-share "$OUT" || fail "a symlink reached outside the share"

# (Markers are computed in the guest: the kernel echoes its command line.)
# virtiofsd killed mid-run: the guest's next file calls fail with EIO, the
# VM runs on to the guest's own status, and hvrun says what happened.
# shellcheck disable=SC2086
run_bg -m 256M --timeout 300 --cpu-features "$LINUX_CPU" --initrd "$INITRD" \
	--share "$TMP/rw" "$BZIMAGE" -- $LINUX_ARGS \
	'hvrun.cmd="mkdir /mnt; mount -t virtiofs rw /mnt && cat /mnt/new && echo guest-ready-$((6 * 7)); for i in $(seq 120); do cat /mnt/new >/dev/null 2>&1 || break; sleep 1; done; cat /mnt/new; ls /mnt/x$i; echo still-running; exit 7"'
wait_out guest-ready-42 300
fsd=$(pgrep -P "$HVPID")
[ -n "$fsd" ] || fail "no virtiofsd child of hvrun"
kill -9 $fsd
wait_hvrun 300
expect_status 7
expect_out still-running
expect_out "Input/output error"
expect_err "vhost-user back-end lost"
expect_err "was killed by signal 9"

# hvrun killed: virtiofsd (and the process it forks) end with it.
# shellcheck disable=SC2086
run_bg -m 256M --timeout 300 --cpu-features "$LINUX_CPU" --initrd "$INITRD" \
	--share "$TMP/rw" "$BZIMAGE" -- $LINUX_ARGS \
	'hvrun.cmd="mkdir /mnt; mount -t virtiofs rw /mnt && echo guest-ready-$((6 * 7)); sleep 600"'
wait_out guest-ready-42 300
fsd=$(pgrep -P "$HVPID")
inner=$(pgrep -P "$fsd" || true)
[ -n "$fsd" ] || fail "no virtiofsd child of hvrun"
kill -9 "$HVPID"
wait "$HVPID" 2>/dev/null || true
HVPID=
i=0
alive() { for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
# shellcheck disable=SC2086
while alive $fsd $inner; do
	[ $i -lt 100 ] || fail "virtiofsd ($fsd $inner) outlived hvrun by 10 s"
	sleep 0.1
	i=$((i + 1))
done
echo "virtiofsd ended with hvrun"
