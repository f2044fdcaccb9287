#!/usr/bin/env bash
# The boot matrix: one job per device of ci/matrix.conf, each running the
# tests that ci/tests.conf lists for it (a pattern, "kvm:*", stands for the
# tests of the initramfs that match it), with ci/test-args.conf
# (ci/run-job.sh).
#
# usage: run-matrix.sh KERNEL INITRD JOBS_DIR [DEVICE...]
#   KERNEL: an artifact directory (ci/build-artifact.sh) or an Image.
# Environment: COVERAGE ("full": also the rows of ci/tests.conf marked
# "full"; default "ci"), DRY_RUN (set: print "DEVICE: tests" for each job, boot none),
# TEST_FILTER (a pattern: run only the tests matching it), MATRIX_LABEL (the
# report's row prefix, default "matrix"), MATRIX_ROLE (run-job.sh's --role,
# default test), BOOT_LANES (boots at a time, default the number of CPUs;
# one at a time while a background stage runs: tools/lib.sh lane_run),
# MATRIX, TESTS, TEST_ARGS (files),
# TEST_TIMEOUT (s per test,
# default 180), MATRIX_RUN_TIMEOUT (s per boot, default 600, or 40 s per
# test when that is more: a boot of the default list takes 3-6 min; a hung
# guest costs no more).
# Writes JOBS_DIR/<device>/ per device; exits 1 unless every job passed.
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"

[ $# -ge 3 ] || die "usage: ${0##*/} KERNEL INITRD JOBS_DIR [DEVICE...]"
kernel=$1 initrd=$2 jobs=$3
shift 3
export MATRIX=${MATRIX:-$TOPDIR/ci/matrix.conf}
tests_file=${TESTS:-$TOPDIR/ci/tests.conf}
[ -n "$(conf_rows "$tests_file")" ] || die "no test named in $tests_file"
mapfile -t args < <(conf_rows "${TEST_ARGS:-$TOPDIR/ci/test-args.conf}")
mapfile -t devices < <(conf_rows "$MATRIX" | cut -d'|' -f1)
for d in "$@"; do
	grep -qxF -- "$d" < <(printf '%s\n' "${devices[@]}") || die "device '$d' is not in $MATRIX"
done
[ $# -eq 0 ] || devices=("$@")
[ "${#devices[@]}" -gt 0 ] || die "no device in $MATRIX"
# Each device once (a device named twice would be two boots writing one
# directory).
mapfile -t devices < <(printf '%s\n' "${devices[@]}" | awk '!seen[$0]++')
mkdir -p "$jobs"
case ${COVERAGE:-ci} in ci | full) ;; *) die "COVERAGE must be 'ci' or 'full', not '$COVERAGE'" ;; esac
bad=$(conf_rows "$tests_file" | awk -F'|' '$3 != "" && $3 != "full" { print $1 " | " $3 }')
[ -z "$bad" ] || die "$tests_file: the third field is empty or 'full': $bad"
# The tests the initramfs has (the kselftest runner's list).
available=$(gzip -dc "$initrd" | cpio -i --quiet --to-stdout kselftest/kselftest-list.txt) || true
[ -n "$available" ] || die "no kselftest/kselftest-list.txt in $initrd"
# expand_tests LIST: LIST (comma-separated) with each pattern ("kvm:*") replaced
# by the tests of the initramfs's kselftest-list.txt it matches, in that order.
# Every name must be in the list, every pattern match; a collection the
# initramfs lacks altogether (kvm-unit-tests with SKIP_KUT) is left out,
# and said so.
absent() {
	if grep -q "^${1%%:*}:" <<<"$available"; then
		die "'$1' (ci/tests.conf) is not a test of the initramfs $initrd"
	fi
	info "[$dev] '$1' left out: the initramfs has no collection '${1%%:*}'"
}
expand_tests() {
	local - t a n out=()
	set -f # the patterns are matched against the list, not file names
	for t in ${1//,/ }; do
		case $t in
		*[*?[]*)
			n=${#out[@]}
			for a in $available; do
				# shellcheck disable=SC2053 # $t is a pattern
				[[ $a != $t ]] || out+=("$a")
			done
			[ "${#out[@]}" -gt "$n" ] || absent "$t"
			;;
		*)
			if grep -qxF -- "$t" <<<"$available"; then out+=("$t"); else absent "$t"; fi
			;;
		esac
	done
	# Listed once each, first place kept.
	printf '%s\n' "${out[@]}" | awk '!seen[$0]++' | paste -sd, -
}

# run_device DEV TESTS: one job; its verdicts as judged (known issues
# applied), not the raw KTAP. Exits as run-job.sh does.
# shellcheck disable=SC2317 # called through lane_run
run_device() {
	local dev=$1 tests=$2 n rt v rc=0
	info "[$dev] booting"
	# The boot's watchdog: MATRIX_RUN_TIMEOUT, or 40 s a test if that is more.
	n=$(tr ',' '\n' <<<"$tests" | wc -l)
	rt=${MATRIX_RUN_TIMEOUT:-600}
	[ "$rt" -ge $((n * 40)) ] || rt=$((n * 40))
	v=$("$TOPDIR/ci/run-job.sh" --role "${MATRIX_ROLE:-test}" --tests "$tests" "${args[@]/#/--arg=}" \
		--timeout "${TEST_TIMEOUT:-180}" --run-timeout "$rt" --label "${MATRIX_LABEL:-matrix}/$dev" \
		"$dev" "$kernel" "$initrd" "$jobs/$dev" </dev/null) || rc=$?
	info "[$dev] $v: $(python3 -c 'import json, sys
t = json.load(open(sys.argv[1])).get("tests", {}).values()
print(", ".join(f"{sum(x == k for x in t)} {k}" for k in ("pass", "fail", "skip", "xfail", "timeout", "infra-error", "splat") if k in t))' \
		"$jobs/$dev/metadata.json" 2>/dev/null || echo "no metadata"), $(cat "$jobs/$dev/seconds" 2>/dev/null || echo ?)s"
	return "$rc"
}

# First every device's tests, so that a device or a test that is wrong
# stops the run before any boot; then the boots.
run_devs=() run_tests=()
for dev in "${devices[@]}"; do
	# The tests of this device: those with no device list, or naming it.
	# (A row marked "full" only with COVERAGE=full.)
	tests=$(conf_rows "$tests_file" | awk -F'|' -v d="$dev" -v cov="${COVERAGE:-ci}" '
		$3 == "full" && cov != "full" { next }
		$2 == "" { print $1; next } { n = split($2, l, " "); for (i = 1; i <= n; i++) if (l[i] == d) print $1 }' |
		paste -sd, -)
	tests=$(expand_tests "$tests")
	if [ -n "${TEST_FILTER:-}" ]; then
		tests=$(tr ',' '\n' <<<"$tests" | while read -r t; do
			# shellcheck disable=SC2053 # a pattern
			[[ $t != $TEST_FILTER ]] || echo "$t"
		done | paste -sd, -)
	fi
	[ -n "$tests" ] || { info "[$dev] no test for this device in $tests_file"; continue; }
	if [ -n "${DRY_RUN:-}" ]; then
		echo "$dev: $tests"
		continue
	fi
	run_devs+=("$dev") run_tests+=("$tests")
done
[ "${#run_devs[@]}" -gt 0 ] || exit 0
# One QEMU for every boot, found (or fetched) once, not by each lane.
QEMU=$(qemu_path)
export QEMU
# The devices' jobs run as lanes (tools/lib.sh lane_run): up to BOOT_LANES
# at a time (default: the CPUs), one at a time while a background stage
# runs. Stopped if this script is.
trap lane_stop EXIT
for i in "${!run_devs[@]}"; do
	lane_run run_device "${run_devs[$i]}" "${run_tests[$i]}"
done
rc=0
lane_wait || rc=1
exit "$rc"
