#!/usr/bin/env bash
# ci/pipeline.sh's options: bad values are refused before anything runs, and
# every stage a run leaves out (--skip-checks, SKIP_AB, SKIP_KUT, the
# benchmarks without BENCH=1 or COVERAGE=full) is recorded with its reason
# in not-run.txt from the start of the run (ci/report.py reports each as a
# skip). The series file here does not exist, so each run stops at its first
# stage, after writing not-run.txt.
. "$(dirname "$0")/lib.sh"
pipe() {
	env -u SKIP_AB -u SKIP_KUT -u BENCH -u SKIP_BENCH -u COVERAGE -u BENCH_VARIANTS \
		RESULTS_DIR="$T/res" SERIES_FILE=/nonexistent "$@"
}
fails_with "the pipeline refuses an unknown COVERAGE" "COVERAGE must be 'ci' or 'full', not 'most'" \
	pipe COVERAGE=most "$TOP/ci/pipeline.sh"
fails_with "the pipeline refuses a BENCH that is not 0 or 1" "BENCH must be 0 or 1, not 'yes'" \
	pipe BENCH=yes "$TOP/ci/pipeline.sh"
fails_with "BENCH=1 with SKIP_BENCH is refused" "BENCH=1 and SKIP_BENCH=1 contradict each other" \
	pipe BENCH=1 SKIP_BENCH=1 "$TOP/ci/pipeline.sh"
# notrun ENV... [-- ARG]: not-run.txt of a run stopped at its first stage
# (fails unless the run got that far: the file is made before any stage).
notrun() {
	local a=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do a+=("$1"); shift; done
	[ $# -eq 0 ] || shift
	rm -rf "$T/res"
	pipe "${a[@]}" "$TOP/ci/pipeline.sh" "$@" >"$T/pipe.log" 2>&1 && return 1
	grep -q 'series consistency' "$T/pipe.log" && cat "$T/res/not-run.txt"
}
# run_nr ENV...: notrun, whether it got that far in $ran, its output in $o.
o="" ran=0
run_nr() { ran=0; o=$(notrun "$@") && ran=1; }
run_nr
check "the default (COVERAGE=ci) leaves only the benchmarks out, and says how to run them" bash -c '
	[ "$1" = 1 ] && [ "$2" = "benchmarks (base vs series, kernels without debug options)	COVERAGE=ci (BENCH=1 runs them)" ]' _ "$ran" "$o"
run_nr COVERAGE=full
check "COVERAGE=full runs the benchmarks: nothing is left out" bash -c '[ "$1" = 1 ] && [ -z "$2" ]' _ "$ran" "$o"
run_nr BENCH=1
check "BENCH=1 runs them with COVERAGE=ci" bash -c '[ "$1" = 1 ] && [ -z "$2" ]' _ "$ran" "$o"
run_nr COVERAGE=full BENCH=0
check "BENCH=0 leaves them out with COVERAGE=full, and says so" bash -c '[ "$1" = 1 ] && [[ $2 == benchmarks*"	BENCH=0" ]]' _ "$ran" "$o"
run_nr COVERAGE=full SKIP_BENCH=1
check "SKIP_BENCH=1 leaves them out with COVERAGE=full, and says so" bash -c '[ "$1" = 1 ] && [[ $2 == benchmarks*"	SKIP_BENCH=1" ]]' _ "$ran" "$o"
o=$(notrun BENCH=1 SKIP_AB=1 SKIP_KUT=1 -- --skip-checks) || o=""
check "--skip-checks leaves out the checks and b4's checks" bash -c '
	grep -qx "checks: b4, checkpatch, builds, W=1, sparse	--skip-checks" <<<"$1"' _ "$o"
check "SKIP_AB and SKIP_KUT are recorded with their values" bash -c '
	grep -qx "A/B regression tests (base vs series)	SKIP_AB=1" <<<"$1" &&
	grep -qx "kvm-unit-tests	SKIP_KUT=1" <<<"$1" && [ "$(wc -l <<<"$1")" = 3 ]' _ "$o"
o=$(notrun COVERAGE=full SKIP_AB=$'a\tb\nc') || o=""
check "a reason with a tab or a newline stays one line" \
	bash -c '[ "$(wc -l <<<"$1")" = 1 ] && grep -q "SKIP_AB=a b c" <<<"$1"' _ "$o"
finish
