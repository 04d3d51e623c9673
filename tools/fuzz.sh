#!/usr/bin/env bash
# fuzz.sh — runs every libFuzzer target of a Fuzz build for a set time and prints, per
# target, the executions, their rate, the coverage libFuzzer reached and whether it
# found a crash. `make fuzz` calls it; it is not part of `make test` (which replays the
# committed corpora instead).
#
#   tools/fuzz.sh BUILD_DIR [TARGET...]
#
# Environment:
#   FUZZ_SECONDS  time per target (default 120)
#   FUZZ_RUNS     stop a target after this many executions instead (0 = by time only)
#
# Each target starts from its committed seeds (tests/fuzz/corpus/NAME/) and grows a
# working corpus of its own in BUILD_DIR/fuzz-work/NAME/ (kept between runs, never
# committed: minimize it into the seeds with -merge=1, see docs/ARCHITECTURE.md). A
# crash, leak or timeout is written to BUILD_DIR/fuzz-crashes/NAME/; fix it, then add
# the file to the seeds so `make test` replays it for ever. Only what this run wrote
# there fails it: an older crash, fixed since, does not. Exit status: 0 if no target
# failed.
set -u
build=${1:?usage: tools/fuzz.sh BUILD_DIR [TARGET...]}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${FUZZ_SECONDS:-120}
runs=${FUZZ_RUNS:-0}

if [ $# -eq 0 ]; then
	set --
	for f in "$root"/tests/fuzz/fuzz_*.c; do
		n=$(basename "$f" .c)
		set -- "$@" "${n#fuzz_}"
	done
fi

# Inputs are bounded per target by what the parser accepts in real use: a config file
# may be long; an answer or a destination line is short.
max_len() {
	case $1 in
	config) echo 16384 ;;
	http_response | kinesis_answer) echo 8192 ;;
	*) echo 4096 ;;
	esac
}

failed=0
printf '%-16s %12s %10s %8s %8s %8s  %s\n' target execs execs/s cov ft corpus result
for t in "$@"; do
	bin=$build/tests/fuzz_$t
	if [ ! -x "$bin" ]; then
		echo "fuzz.sh: $bin not built (a Fuzz build of $build?)" >&2
		failed=1
		continue
	fi
	work=$build/fuzz-work/$t
	crashes=$build/fuzz-crashes/$t
	mkdir -p "$work" "$crashes"
	log=$build/fuzz-$t.log
	stamp=$build/fuzz-$t.start
	touch "$stamp"
	args=(-max_total_time="$seconds" -max_len="$(max_len "$t")" -print_final_stats=1
		-artifact_prefix="$crashes/" -timeout=10 -rss_limit_mb=2048)
	[ "$runs" -gt 0 ] && args+=(-runs="$runs")
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$bin" "${args[@]}" "$work" "$root/tests/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	# libFuzzer's last status line: "#N DONE cov: C ft: F corp: K/..." (or the last
	# "#N pulse/NEW ..." line when it stopped on a crash); the final stats give the count.
	execs=$(awk -F: '/stat::number_of_executed_units/ { s += $NF } END { print s + 0 }' "$log")
	rate=$(awk -F: '/stat::average_exec_per_sec/ { s += $NF } END { print s + 0 }' "$log")
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | awk '{ print $2 }')
	ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | awk '{ print $2 }')
	corp=$(find "$work" -type f | wc -l)
	if [ "$rc" -eq 0 ] && [ -z "$(find "$crashes" -type f -newer "$stamp")" ]; then
		result=ok
	else
		result="FAILED (rc $rc): see $log and $crashes/"
		failed=1
	fi
	printf '%-16s %12s %10s %8s %8s %8s  %s\n' "$t" "$execs" "$rate" "${cov:-?}" "${ft:-?}" "$corp" "$result"
done
exit "$failed"
