#!/usr/bin/env bash
# A/B proof for the series' regression tests: run each test of
# ci/ab-tests.conf alone, N times, on the base kernel (expected to reproduce
# the bug) and on the series (must stay clean), each run a job of
# ci/run-job.sh, and write "base: reproduced k/N   series: clean n/N" per
# test with the base's first splat or failure quoted.
#
# usage: ab-test.sh BASE_KERNEL SERIES_KERNEL INITRD JOBS_DIR
#   KERNEL: an artifact directory (ci/build-artifact.sh) or an Image.
# N is the row's "runs", or its "runs with COVERAGE=full" when COVERAGE is
# "full" (ci/pipeline.sh).
# Only a test failure or a kernel splat on the base counts as reproduced.
# Exit 1 when a series run is not a pass or a skip, or when any run ends in
# a timeout or an infrastructure error (evidence of nothing). Writes
# JOBS_DIR/ab-summary.txt and JOBS_DIR/{base,series}/<test>-<device>-<n>/.
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"

[ $# -eq 4 ] || die "usage: ${0##*/} BASE_KERNEL SERIES_KERNEL INITRD JOBS_DIR"
base=$1 series=$2 initrd=$3 out=$4
conf=${AB_TESTS:-$TOPDIR/ci/ab-tests.conf}
for f in "$base" "$series" "$initrd" "$conf"; do [ -e "$f" ] || die "'$f' not found"; done
mkdir -p "$out"
summary="$out/ab-summary.txt"
: >"$summary"

# reason_of DIR: the first line that says why a run did not pass (a splat,
# a failed subtest or assertion), for the summary.
reason_of() {
	grep -h -m1 -E 'Unable to handle|BUG:|WARNING:|KASAN|corruption|Internal error|not ok [0-9]+ [^s]|Assertion|timed out|TIMEOUT' \
		"$1/splats.txt" "$1/results.ktap" 2>/dev/null | head -n1 | sed 's/^ *//' || true
}

# beside DIR: the job ran beside a background stage (metadata.json's
# job.beside, from run-job.sh).
beside() { grep -qs '"beside": "[^"]' "$1/metadata.json"; }

# run KERNEL ROLE DIR: one job; prints its verdict.
run() {
	"$TOPDIR/ci/run-job.sh" --role "$2" --tests "kvm:$test" ${args:+--arg "$test=$args"} \
		--timeout "${AB_TEST_TIMEOUT:-500}" --run-timeout "${AB_RUN_TIMEOUT:-600}" \
		--label "ab/$3/$test/$dev" "$dev" "$1" "$initrd" "$out/$3/$test-$dev-$i" || true
}

# The runs go one at a time, never as lanes (tools/lib.sh lane_run): the
# races need the guest's vCPUs to run at once on the host's CPUs. In a run
# with the series' boot beside it on two CPUs, the GICv2 base left 2 SGIs
# stuck in 1000 iterations, against 16-30 in runs with no boot beside it.
# (The boot matrix, which runs these tests too, uses lanes, and so do the
# kvm-unit-tests runs on the base that ci/pipeline.sh compares with the
# matrix's: the summary's "side by side" line names the boots that shared
# the machine.)
rc=0
case ${COVERAGE:-ci} in ci | full) ;; *) die "COVERAGE must be 'ci' or 'full', not '$COVERAGE'" ;; esac
while IFS='|' read -r test dev args runs full_runs extra; do
	[ -z "$extra" ] || die "$conf: '$test | $dev': more than five fields"
	for n in "$runs" "${full_runs:-$runs}"; do
		[[ $n =~ ^[1-9][0-9]*$ ]] || die "$conf: '$test | $dev': runs '$n' is not a positive number"
	done
	[ "${COVERAGE:-ci}" != full ] || runs=${full_runs:-$runs}
	device_row "$dev" >/dev/null
	repro=0 clean=0 quote="" other="" bbeside=0 sbeside=0
	for i in $(seq 1 "$runs"); do
		d="$out/base/$test-$dev-$i"
		v=$(run "$base" reproduce base </dev/null)
		! beside "$d" || bbeside=$((bbeside + 1))
		# Reproduced (ci/job-metadata.py decides): a splat, or the test
		# itself failing; not a kernel that did not boot.
		grep -qs '"reproduced": true' "$d/metadata.json" && v="reproduced-$v"
		case $v in
		reproduced-*)
			repro=$((repro + 1))
			[ -n "$quote" ] || quote=$(reason_of "$d")
			info "[$test/$dev] base run $i/$runs: reproduced (${v#reproduced-}, $(cat "$d/seconds")s)" ;;
		pass) info "[$test/$dev] base run $i/$runs: clean ($(cat "$d/seconds")s)" ;;
		skip) other="$other base run $i: skip;" ;;
		*)
			rc=1
			other="$other base run $i: ${v:-no verdict} (not evidence of the bug, see $d);"
			info "[$test/$dev] base run $i/$runs: ${v:-no verdict}, see $d" ;;
		esac
	done
	for i in $(seq 1 "$runs"); do
		d="$out/series/$test-$dev-$i"
		v=$(run "$series" test series </dev/null)
		! beside "$d" || sbeside=$((sbeside + 1))
		case $v in
		pass)
			clean=$((clean + 1))
			info "[$test/$dev] series run $i/$runs: clean ($(cat "$d/seconds")s)" ;;
		skip) other="$other series run $i: skip;" ;;
		*)
			rc=1
			other="$other series run $i: ${v:-no verdict} ($(reason_of "$d"));"
			info "[$test/$dev] series run $i/$runs: ${v:-no verdict}, see $d"
			sed 's/^/    /' "$d/splats.txt" >>"$summary" 2>/dev/null || true ;;
		esac
	done
	if [ "$clean" = 0 ]; then
		rc=1
		other="$other no series run passed: nothing was shown;"
	fi
	# Base and series boots that did not share the machine alike (a stage
	# running in the background beside some of them) are said to differ.
	if [ "$bbeside" != "$sbeside" ]; then
		other="$other beside a background stage: base $bbeside/$runs, series $sbeside/$runs (not under the same load);"
	fi
	printf '%-20s %-11s base: reproduced %d/%d   series: clean %d/%d%s%s\n' "$test" "$dev" \
		"$repro" "$runs" "$clean" "$runs" "${other:+
   $other}" "${quote:+
    base: $quote}" >>"$summary"
done < <(conf_rows "$conf")
# (run-job.sh reads nothing from stdin; the rows above are its loop's own.)
cat "$summary"
exit "$rc"
