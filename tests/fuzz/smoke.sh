#!/bin/sh
# smoke.sh SECONDS CORPUS_ROOT HARNESS...: run each libFuzzer harness for
# SECONDS on a scratch copy of CORPUS_ROOT/<name>/, one result line each.
# Exit 1 if any harness crashed, leaked, timed out or did not run.
secs=$1 root=$2
shift 2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hvrun-fuzz-smoke.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
status=0
for h in "$@"; do
	name=$(basename "$h")
	name=${name%.exe}
	mkdir -p "$tmp/$name/corpus" "$tmp/$name/crash"
	cp "$root/$name"/* "$tmp/$name/corpus/" 2>/dev/null
	"$h" -max_total_time="$secs" -rss_limit_mb=1024 -timeout=10 \
		-close_fd_mask=3 -print_final_stats=1 \
		-artifact_prefix="$tmp/$name/crash/" "$tmp/$name/corpus" \
		>"$tmp/$name.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$name.log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$tmp/$name.log")
	cov=$(grep -o 'cov: [0-9]*' "$tmp/$name.log" | tail -n 1)
	ft=$(grep -o 'ft: [0-9]*' "$tmp/$name.log" | tail -n 1)
	if [ $rc = 0 ] && [ -z "$(ls "$tmp/$name/crash")" ]; then
		echo "PASS: $name: ${runs:-?} runs, ${rate:-?} exec/s, ${cov:-cov: ?}, ${ft:-ft: ?}"
	else
		echo "FAIL: $name (exit $rc)"
		grep -E -A40 '^==[0-9]+==ERROR|runtime error|deadly signal|ALARM|out-of-memory' \
			"$tmp/$name.log" | head -n 60
		for f in "$tmp/$name/crash"/*; do
			[ -f "$f" ] || continue
			echo "reproducer $(basename "$f") (base64):"
			head -c 4096 "$f" | base64
		done
		status=1
	fi
done
exit $status
