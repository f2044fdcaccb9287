#!/usr/bin/env bash
# A/B proof for the series' regression tests: boot the base kernel and the
# patched one with the same initramfs, run each test of ci/ab-tests.conf
# alone, N times each, and report "base: reproduced k/N", "series: clean n/N"
# with the base's first splat quoted.
#
# usage: ab-test.sh BASE_IMAGE SERIES_IMAGE INITRD RESULTS_DIR
# A base run that reproduces (a test failure or a kernel splat) is the
# expected outcome and fails nothing; a series run that is not a pass or a
# skip, and any run that times out or hits an infrastructure error (QEMU
# that does not start, no result), fails this script (exit 1). Writes
# RESULTS_DIR/ab-summary.txt, RESULTS_DIR/{base,series}/<test>-<config>-<n>/
# and, for the series' runs, the report of ci/report.py in RESULTS_DIR/series.
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"

[ $# -eq 4 ] || die "usage: ${0##*/} BASE_IMAGE SERIES_IMAGE INITRD RESULTS_DIR"
base_img=$1 series_img=$2 initrd=$3 out=$4
conf=${AB_TESTS:-$TOPDIR/ci/ab-tests.conf}
matrix=${MATRIX:-$TOPDIR/ci/matrix.conf}
for f in "$base_img" "$series_img" "$initrd" "$conf" "$matrix"; do
	[ -f "$f" ] || die "'$f' not found"
done
mkdir -p "$out"
summary="$out/ab-summary.txt"
: >"$summary"

machine_of() {
	awk -F'|' -v n="$1" '{ gsub(/[ \t]/, "", $1) } $1 == n { print $2 "|" $3 }' "$matrix"
}

# run_one KERNEL TEST CONFIG ARGS DIR: prints the run's verdict, one of
# pass, fail, skip, splat, timeout, infra-error. Only fail and splat are
# evidence of a bug; a timeout or an infrastructure error is neither.
run_one() {
	local img=$1 test=$2 cfg=$3 args=$4 dir=$5 m machine cmdline extra brc=0
	m=$(machine_of "$cfg")
	[ -n "$m" ] || die "configuration '$cfg' is not in $matrix"
	machine=$(echo "${m%%|*}" | xargs) cmdline=$(echo "${m#*|}" | xargs)
	read -r -a extra <<<"$cmdline"
	mkdir -p "$dir"
	echo "kvm:$test" >"$dir/tests"
	RUN_TIMEOUT=${AB_RUN_TIMEOUT:-600} "$TOPDIR/ci/boot-guest.sh" "$img" "$initrd" "$dir" "$machine" \
		"${extra[@]}" "ci.tests=kvm:$test" "ci.timeout=${AB_TEST_TIMEOUT:-500}" \
		"ci.args=$test=$(echo "$args" | tr ' ' _)" >"$dir/boot.log" 2>&1 || brc=$?
	if ! "$TOPDIR/ci/scan-console.sh" "$dir/console.log" >"$dir/splats.txt" 2>&1; then
		echo splat
	elif [ "$brc" = 2 ]; then
		echo timeout
	elif [ "$brc" != 0 ]; then
		echo infra-error
	elif grep -q "^ok [0-9]* selftests: kvm: $test # SKIP" "$dir/results.ktap"; then
		echo skip
	elif grep -q "^ok [0-9]* selftests: kvm: $test\$" "$dir/results.ktap"; then
		echo pass
	elif grep -q "^not ok [0-9]* selftests: kvm: $test" "$dir/results.ktap"; then
		echo fail
	else
		echo infra-error # the guest ran, but no result and no splat
	fi
}

# reason_of DIR: the first line that says why a run did not pass (a splat,
# a failed subtest or assertion), for the summary.
reason_of() {
	grep -h -m1 -E 'Unable to handle|BUG:|WARNING:|KASAN|corruption|Internal error|not ok [0-9]+ [^s]|Assertion|timed out|TIMEOUT' \
		"$1/splats.txt" "$1/results.ktap" 2>/dev/null | head -n1 | sed 's/^ *//' || true
}

rc=0
while IFS='|' read -r test cfg args runs; do
	test=$(echo "$test" | xargs) cfg=$(echo "$cfg" | xargs) args=$(echo "$args" | xargs) runs=$(echo "$runs" | xargs)
	repro=0 clean=0 quote="" other=""
	for i in $(seq 1 "$runs"); do
		d="$out/base/$test-$cfg-$i"
		v=$(run_one "$base_img" "$test" "$cfg" "$args" "$d")
		case $v in
		fail | splat)
			repro=$((repro + 1))
			[ -n "$quote" ] || quote=$(reason_of "$d")
			info "[$test/$cfg] base run $i/$runs: reproduced ($v, $(cat "$d/seconds")s)" ;;
		pass) info "[$test/$cfg] base run $i/$runs: clean ($(cat "$d/seconds")s)" ;;
		skip) other="$other base run $i: skip;" ;;
		*)
			rc=1
			other="$other base run $i: $v (not evidence of the bug, see $d);"
			info "[$test/$cfg] base run $i/$runs: $v, see $d" ;;
		esac
	done
	for i in $(seq 1 "$runs"); do
		d="$out/series/$test-$cfg-$i"
		v=$(run_one "$series_img" "$test" "$cfg" "$args" "$d")
		case $v in
		pass)
			clean=$((clean + 1))
			info "[$test/$cfg] series run $i/$runs: clean ($(cat "$d/seconds")s)" ;;
		skip) other="$other series run $i: skip;" ;;
		*)
			rc=1
			other="$other series run $i: $v ($(reason_of "$d"));"
			info "[$test/$cfg] series run $i/$runs: $v, see $d"
			sed 's/^/    /' "$d/splats.txt" >>"$summary" ;;
		esac
	done
	printf '%-20s %-11s base: reproduced %d/%d   series: clean %d/%d%s%s\n' "$test" "$cfg" \
		"$repro" "$runs" "$clean" "$runs" "${other:+
   $other}" "${quote:+
    base: $quote}" >>"$summary"
done < <(sed 's/#.*//; /^[[:space:]]*$/d' "$conf")
cat "$summary"
# The series' runs as test results (KTAP, JUnit XML, counts).
python3 "$TOPDIR/ci/report.py" "$out/series" >/dev/null || rc=1
exit "$rc"
