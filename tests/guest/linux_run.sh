#!/bin/sh
# hvrun-run: a command on the host's own files in a Linux guest booted
# from the host's / (virtio-fs, read-only), in the current directory
# (shared read-write), with the command's status as the status.
. "${srcdir:-.}/tests/guest/linux-lib.sh"
set -e
need_linux
RUN=${HVRUN%/*}/hvrun-run
[ -x "$RUN" ] || fail "no $RUN"
VIRTIOFSD=$(command -v virtiofsd || echo /usr/lib/qemu/virtiofsd)
[ -x "$VIRTIOFSD" ] || skip "no virtiofsd (Debian: qemu-system-common)"
[ "$(id -u)" = 0 ] || skip "Debian 12's virtiofsd needs root"
HVRUN_RUN_INIT=$(cd "$srcdir/scripts" && pwd)/run-init
export HVRUN HVRUN_RUN_INIT
top=$(cd "$srcdir" && pwd)

# hvrun-run OPTIONS... KERNEL CMD, from directory DIR: status in STATUS.
run_in() {
	dir=$1
	shift
	set +e
	(cd "$dir" && timeout --verbose -s KILL "$RUN_LIMIT" "$RUN" -m 512M \
		--timeout 300 --cpu-features "$LINUX_CPU" \
		--append "$(echo $LINUX_ARGS)" "$@") >"$OUT" 2>"$ERR" </dev/null
	STATUS=$?
	set -e
	echo "hvrun-run (in $dir) ... -> $STATUS"
	! grep -q "^timeout: sending signal" "$ERR" || fail "hvrun-run did not end"
}

# The issue's example, and a command no kernel command line could carry.
run_in "$top" "$BZIMAGE" 'uname -r; test -f $PWD/README.md && printf "%s|%s\n" "run-\"ok\"" "$(id -u)"'
expect_status 0
expect_out 'run-"ok"|0'

run_in "$top" "$BZIMAGE" false
expect_status 1

# The current directory is writable (and the write is on the host), / is not.
mkdir "$TMP/cwd"
run_in "$TMP/cwd" "$BZIMAGE" 'echo from-guest >out.txt; touch /etc/hvrun-run-probe || exit 9; exit 0'
expect_status 9
[ "$(cat "$TMP/cwd/out.txt")" = from-guest ] || fail "the guest's write is not in the host's directory"
[ ! -e /etc/hvrun-run-probe ] || fail "the guest wrote to the host's /etc"
expect_out "Read-only file system"
