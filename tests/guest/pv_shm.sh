#!/bin/sh
# PV shared memory (--shm PATH,size=SIZE, ABI version 2): what one VM
# writes, another VM naming the same PATH reads byte for byte while the
# first still runs, and the file holds it; a second VM asking for another
# size is refused, as are regions beyond the 256M window, a v1 image and
# non-PV guests.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
need_kvm

SHM=$TMP/region
run_bg --timeout 60 --shm "$SHM,size=4M" "$GUESTS/pv/shm-test.elf" -- write 9
wait_out "shm: wrote 4194304 bytes at 0xc0000000"

# Another VM on the same file, the same size: the same bytes.
writer_out=$OUT
OUT=$TMP/check.out
run --timeout 30 --shm "$SHM,size=4M" "$GUESTS/pv/shm-test.elf" -- check 9
expect_status 0
expect_out "shm: 4194304 bytes match"
# Another size for the same file: refused, and the file is untouched.
run --timeout 30 --shm "$SHM,size=8M" "$GUESTS/pv/shm-test.elf" -- check 9
expect_one_line_error "--shm $SHM: the file has 4194304 bytes, not the 8388608 asked for"
[ "$(stat -c %s "$SHM")" = 4194304 ] || fail "the refused run resized $SHM"
OUT=$writer_out
kill -TERM "$HVPID"
wait_hvrun 30

# The host sees the guest's bytes in the file: byte i = 9 + 7i + i/4096.
python3 - "$SHM" <<'PY' || fail "the file does not hold what the guest wrote"
import sys
data = open(sys.argv[1], "rb").read()
want = bytes((9 + i * 7 + i // 4096) & 0xff for i in range(len(data)))
sys.exit(0 if len(data) == 4194304 and data == want else 1)
PY

# The second region sits above the first, on a 2 MiB boundary.
run --timeout 30 --shm "$TMP/a,size=1M" --shm "$SHM,size=4M" \
	"$GUESTS/pv/shm-test.elf" -- check 9
expect_status 1		# region 0 is the fresh, zeroed 1M file
run --timeout 30 --shm "$TMP/b,size=200M" --shm "$TMP/c,size=100M" \
	"$GUESTS/pv/hello.elf"
expect_one_line_error "the shared regions need more than 256 MiB in all"
run --shm "$SHM,size=5K" "$GUESTS/pv/hello.elf"
expect_one_line_error "size must be a nonzero multiple of 4K"
run --shm "$SHM" "$GUESTS/pv/hello.elf"
expect_one_line_error "expected PATH,size=SIZE"
# Outputs never overwrite a region's file (the guest's data).
run --shm "$SHM,size=4M" --console "file:$SHM" "$GUESTS/pv/hello.elf"
expect_one_line_error "--console file:$SHM is a --shm file: refusing to overwrite it"
[ "$(stat -c %s "$SHM")" = 4194304 ] || fail "the console file truncated $SHM"
run --shm "$SHM,size=4M" "$GUESTS/pv/abi-v1.elf"
expect_one_line_error "--shm needs an image built for hvrun ABI version 2"
run --shm "$SHM,size=4M" "$GUESTS/raw/hello.img"
expect_one_line_error "--shm is for PV guests"
exit 0
