#!/bin/sh
# --report FILE: one JSON object for every way a run ends, parsed with
# python3's json module and checked field by field.
. "${srcdir:-.}/tests/guest/lib.sh"
set -e
command -v python3 >/dev/null 2>&1 || skip "python3 is needed to parse the reports"

R=$TMP/report.json

# check_report EXPR...: parse $R (strict UTF-8 JSON), check what every
# report must hold, then each Python expression over r.
check_report() {
	python3 - "$R" "$STATUS" "$@" <<'EOF' || fail "report check failed"
import json, sys
path, status, exprs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
with open(path, encoding="utf-8", errors="strict") as f:
    text = f.read()
r = json.loads(text)
def need(cond, what):
    if not cond:
        print("report:", text)
        print("not true:", what)
        sys.exit(1)
keys = {"report_version", "hvrun_version", "image", "status", "reason",
        "detail", "wall_seconds", "first_output_seconds", "vcpus", "exits",
        "exits_total"}
need(set(r) == keys, "keys are %s" % sorted(keys))
need(r["report_version"] == 1, "report_version == 1")
need(r["status"] == status, "status == hvrun's exit status %d" % status)
need(r["reason"] in ("guest-status", "poweroff", "reset", "halt", "panic",
                     "crash", "timeout", "signal", "quit", "gdb-kill",
                     "setup-error"), "reason is a known one")
need(isinstance(r["detail"].get("message"), str) and r["detail"]["message"],
     "detail.message is a non-empty string")
need(isinstance(r["wall_seconds"], float) and 0 < r["wall_seconds"] < 120,
     "0 < wall_seconds < 120")
fo = r["first_output_seconds"]
need(fo is None or 0 < fo <= r["wall_seconds"], "first output within the run")
need(all(isinstance(v, int) and v > 0 for v in r["exits"].values()),
     "exit counts are positive integers")
need(r["exits_total"] == sum(r["exits"].values()), "exits_total is their sum")
for e in exprs:
    need(eval(e), e)
EOF
	# Written by rename: no temporary file is left beside it.
	for f in "$R".*; do
		[ ! -e "$f" ] || fail "left beside the report: $f"
	done
	rm -f "$R"
}

# A setup error (after the options are parsed): status 125 and its line.
printf 'just text\n' >"$TMP/text.img"
run --report "$R" "$TMP/text.img"
expect_one_line_error "not a recognised image"
check_report 'r["reason"] == "setup-error"' \
	'"not a recognised image" in r["detail"]["message"]' \
	'r["exits"] == {} and r["first_output_seconds"] is None' \
	'r["vcpus"] == 1'

# The report cannot be created: 125, one line, nothing written.
run --report "$TMP/no/such/dir/r.json" "$GUESTS/raw/hello.img"
expect_one_line_error "cannot create --report file"
# An option error comes before any report.
run --report "$R" --cpus 0 "$GUESTS/raw/hello.img"
expect_status 125
[ ! -e "$R" ] || fail "a report was written for an option error"

# JSON escaping: quotes, backslashes, control characters and bytes that are
# not UTF-8 in the image name (and so in the message) still parse.
odd=$(printf '%s/we"ird\\na\tme\001\377.img' "$TMP")
cp "$TMP/text.img" "$odd"
run --report "$R" "$odd"
expect_status 125
check_report 'r["image"].startswith(sys.argv[1].rsplit("/", 1)[0])' \
	'r["image"].endswith("/we\"ird\\na\tme\x01\ufffd.img")' \
	'"\ufffd" in r["detail"]["message"]'
rm -f "$odd"

need_kvm

# The guest's own status, first console byte, exit counts.
run --report "$R" "$GUESTS/raw/exit42.img"
expect_status 42
check_report 'r["reason"] == "guest-status"' \
	'"debug-exit" in r["detail"]["message"]' \
	'r["first_output_seconds"] is not None' \
	'r["exits"]["io"] >= 8' 'r["vcpus"] == 1'
# A PV guest's exit call, with 2 vCPUs configured.
run --report "$R" -c 2 "$GUESTS/pv/hello.elf"
expect_status 0
check_report 'r["reason"] == "guest-status"' '"exit call" in r["detail"]["message"]' \
	'r["vcpus"] == 2' 'r["exits_total"] > 0'

# Power-off and reset, from raw code (--entry: no boot sector needed).
# mov $0x34,%al (SLP_EN | S5 << 2); mov $0x600,%dx; out %al,(%dx)
printf '\260\064\272\000\006\356\364' >"$TMP/poweroff.bin"
run --report "$R" --timeout 20 --entry 0x7c00 "$TMP/poweroff.bin"
expect_status 0
check_report 'r["reason"] == "poweroff"' '"S5" in r["detail"]["message"]' \
	'r["first_output_seconds"] is None'
# mov $0xfe,%al; out %al,$0x64: the i8042 pulses the reset line.
printf '\260\376\346\144\364' >"$TMP/reset.bin"
run --report "$R" --timeout 20 --entry 0x7c00 "$TMP/reset.bin"
expect_status 0
check_report 'r["reason"] == "reset"' '"i8042" in r["detail"]["message"] or "reset" in r["detail"]["message"]'
# hlt with no interrupt source.
printf '\364' >"$TMP/hlt.bin"
run --report "$R" --irqchip off --entry 0x7c00 "$TMP/hlt.bin"
expect_status 0
check_report 'r["reason"] == "halt"' 'r["exits"].get("hlt") == 1'

# Timeout.
run --report "$R" --timeout 0.5 "$GUESTS/raw/spin.img"
expect_status 124
check_report 'r["reason"] == "timeout"' 'r["wall_seconds"] >= 0.5' \
	'r["first_output_seconds"] < r["wall_seconds"]'

# A signal, once the guest has printed (this run's output: the last
# run's "spinning" must not count).
: >"$OUT"
set +e
"$HVRUN" --report "$R" "$GUESTS/raw/spin.img" >"$OUT" 2>"$ERR" </dev/null &
pid=$!
i=0
until grep -q spinning "$OUT" 2>/dev/null || [ $i -ge 100 ]; do
	sleep 0.1; i=$((i + 1))
done
kill -TERM $pid
wait $pid
STATUS=$?
set -e
expect_status 143
check_report 'r["reason"] == "signal"' 'r["detail"]["signal"] == 15' \
	'r["detail"]["signal_name"] == "SIGTERM"'

# Crashes: a triple fault (no vector), a PV page fault (vector 14 at the
# faulting instruction, the same RIP the stderr report names).
run --report "$R" "$GUESTS/raw/triple.img"
expect_status 126
check_report 'r["reason"] == "crash"' 'r["detail"]["vcpu"] == 0' \
	'r["detail"]["vector"] is None' 'r["detail"]["rip"].startswith("0x")' \
	'"triple fault" in r["detail"]["message"]' 'r["exits"]["shutdown"] == 1'
run --report "$R" "$GUESTS/pv/null.elf"
expect_status 126
rip=$(sed -n 's/.*RIP \(0x[0-9a-f]*\) .*/\1/p' "$ERR" | head -n 1)
[ -n "$rip" ] || fail "no RIP in the crash report"
check_report 'r["reason"] == "crash"' 'r["detail"]["vector"] == 14' \
	"r['detail']['rip'] == '$rip'" '"page fault" in r["detail"]["message"]'

# A setup error after the VM exists (a disk that is not there), and an
# existing report replaced whole.
echo stale >"$R"
run --report "$R" --disk "$TMP/missing.img" "$GUESTS/pv/hello.elf"
expect_one_line_error "missing.img"
check_report 'r["reason"] == "setup-error"' '"missing.img" in r["detail"]["message"]'
