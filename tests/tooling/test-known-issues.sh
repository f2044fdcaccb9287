#!/usr/bin/env bash
# Known issues (ci/known-issues.conf): a test "not run" is not started and
# reported as a skip with its reason; a failure of a test that "fails" is an
# expected failure with its reason; neither disappears from the report.
# Patterns in ci/tests.conf ("kvm:*") stand for the initramfs's tests; each
# test's time comes from the guest's markers.
. "$(dirname "$0")/lib.sh"
command -v qemu-system-aarch64 >/dev/null || { echo "ok 1 - # SKIP qemu-system-aarch64 not installed"; echo "1..1"; exit 0; }
cat >"$T/known.conf" <<'CONF'
kvm:hangs*   |            |     | not run | hangs under TCG
kvm:flaky    | dev2       |     | not run | only on dev2
kvm:broken   |            | 7.2 | fails   | the emulator lacks a feature
kvm:broken   |            | 0.1 | not run | never applies: no QEMU 0.1
CONF
printf 'dev | virt | max |\ndev2 | virt | max |\n' >"$T/matrix"
head -c 4096 /dev/zero >"$T/Image"
printf 'x' | gzip >"$T/initrd"
export MATRIX="$T/matrix" KNOWN_ISSUES="$T/known.conf"

# Every test known not to run: no boot, a skip with the reason.
check "a job whose tests are all 'not run' does not boot and is a skip" \
	bash -c '[ "$("$1" --tests kvm:hangs1,kvm:hangs2 dev "$2" "$3" "$4")" = skip ] && [ ! -s "$4/qemu.cmd" ]' _ \
	"$TOP/ci/run-job.sh" "$T/Image" "$T/initrd" "$T/j1"
check "...its metadata says why" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert m["tests"] == {"kvm:hangs1": "skip", "kvm:hangs2": "skip"}, m["tests"]
assert m["known_issues"]["kvm:hangs1"] == {"what": "not run", "reason": "hangs under TCG"}, m' "$T/j1/metadata.json"
check "an entry for another device does not apply" \
	bash -c '! grep -q flaky "$1/known-issues"' _ "$T/j1"

# A job as run-job.sh leaves it after a boot, judged by job-metadata.py.
judge() {
	local d=$1
	shift
	BRC=0 SRC=0 DEVICE=dev CPU=max DCMD="" TESTS=$(IFS=,; echo "$*") ARGS="" TIMEOUT=1 RUN_TIMEOUT=2 \
		ROLE=test LABEL=$(basename "$d") python3 "$TOP/ci/job-metadata.py" "$d"
}
mkdir -p "$T/r/jobs/a"
printf '{"seconds": 3}\n' >"$T/r/jobs/a/metadata.json"
printf 'ci-guest: start kvm:good 1.50\nci-guest: end kvm:good 0 4.00\n' >"$T/r/jobs/a/console.log"
: >"$T/r/jobs/a/splats.txt"
printf 'TAP version 13\n1..2\nok 1 selftests: kvm: good\nnot ok 2 selftests: kvm: broken # exit=1\n' >"$T/r/jobs/a/results.ktap"
printf 'kvm:broken|fails|the emulator lacks a feature\nkvm:hangs|not run|hangs under TCG\n' >"$T/r/jobs/a/known-issues"
export -f judge
export TOP
check "an expected failure does not fail the job" bash -c '[ "$(judge "$1" kvm:good kvm:broken kvm:hangs)" = pass ]' _ "$T/r/jobs/a"
python3 "$TOP/ci/report.py" "$T/r" "$T/r/jobs" >/dev/null 2>&1 || true
check "the report shows the expected failure with its reason" \
	grep -q 'ok 2 kvm:broken # XFAIL known issue: the emulator lacks a feature' "$T/r/results.ktap"
check "...and the test not run as a skip with its reason" \
	grep -q 'ok 3 kvm:hangs # SKIP known issue, not run: hangs under TCG' "$T/r/results.ktap"
check "...both in the summary" bash -c 'grep -q "expected failure: kvm:broken" "$1" && grep -q "kvm:hangs: known issue, not run" "$1"' _ "$T/r/summary.txt"
check "...and in JUnit XML" bash -c 'grep -q "expected failure: known issue: the emulator" "$1" && grep -q "known issue, not run: hangs" "$1"' _ "$T/r/junit.xml"
check "each test's time, from the guest's start/end lines, is in JUnit XML" \
	grep -q 'name="kvm:good" time="2.5"' "$T/r/junit.xml"
check "...and the slowest tests in the summary" grep -q 'Slowest tests (s): kvm:good on a 2' "$T/r/summary.txt"
check "the counts: 1 passed (+ no splat), 0 failed, 1 skipped, 1 xfail" grep -qx '2 0 1 1' "$T/r/counts"
# The same failure without a known issue fails.
rm "$T/r/jobs/a/known-issues"
check "without the entry, the failure fails the job" bash -c '[ "$(judge "$1" kvm:good kvm:broken)" = fail ]' _ "$T/r/jobs/a"
printf 'kvm:broken | | | maybe | x\n' >"$T/bad.conf"
fails_with "a known issue with an unknown 'what' is an error naming it" "'kvm:broken': 'what' must be" \
	env KNOWN_ISSUES="$T/bad.conf" "$TOP/ci/run-job.sh" --tests kvm:broken dev "$T/Image" "$T/initrd" "$T/j2"

fails_with "a missing known-issues file is an error naming it" "known issues: '$T/nosuch.conf' not found" \
	env KNOWN_ISSUES="$T/nosuch.conf" "$TOP/ci/run-job.sh" --tests kvm:a dev "$T/Image" "$T/initrd" "$T/j3"
printf 'kvm:x | | not run | reason\n' >"$T/short.conf"
fails_with "a known issue with a field missing is an error naming it" "'kvm:x': a known issue has five fields" \
	env KNOWN_ISSUES="$T/short.conf" "$TOP/ci/run-job.sh" --tests kvm:a dev "$T/Image" "$T/initrd" "$T/j4"
check "...and the job that stopped is still in the report (its test list first)" test -s "$T/j4/tests"
fails_with "run-job.sh needs --tests" "--tests is required" "$TOP/ci/run-job.sh" dev "$T/Image" "$T/initrd" "$T/j5"
# A kernel command line longer than arm64 takes is an infra-error, not cut.
fails_with "a command line over 2047 bytes is an infra-error" "infra-error: the kernel command line has [0-9]+ bytes" \
	"$TOP/ci/boot-guest.sh" "$T/Image" "$T/initrd" "$T/long" virt "ci.tests=$(printf 'x%.0s' $(seq 1 2100))"

# Patterns in the test list expand against the initramfs's kselftest-list.txt.
mkdir -p "$T/root/kselftest"
printf 'kvm:a\nkvm:b\nother:c\n' >"$T/root/kselftest/kselftest-list.txt"
(cd "$T/root" && find . | cpio -o -H newc --quiet) | gzip >"$T/initrd2"
printf 'kvm:b | dev\nkvm:* | dev\nother:nosuch | dev2\nother:c | dev | full\n' >"$T/tests.conf"
check "a pattern stands for the matching tests, each once, in list order" bash -c '
	TESTS="$1" DRY_RUN=1 "$2" "$3" "$4" "$5" dev 2>&1 | grep -qx "dev: kvm:b,kvm:a"' _ \
	"$T/tests.conf" "$TOP/ci/run-matrix.sh" "$T/Image" "$T/initrd2" "$T/m"
check "a row marked full runs only with COVERAGE=full" bash -c '
	COVERAGE=full TESTS="$1" DRY_RUN=1 "$2" "$3" "$4" "$5" dev 2>&1 | grep -qx "dev: kvm:b,kvm:a,other:c"' _ \
	"$T/tests.conf" "$TOP/ci/run-matrix.sh" "$T/Image" "$T/initrd2" "$T/m"
printf 'kvm:nosuch | dev\n' >"$T/tests2.conf"
fails_with "a test the initramfs does not have is an error naming it" "'kvm:nosuch' \\(ci/tests.conf\\) is not a test of the initramfs" \
	env TESTS="$T/tests2.conf" DRY_RUN=1 "$TOP/ci/run-matrix.sh" "$T/Image" "$T/initrd2" "$T/m" dev
printf 'kvm:a | dev\nkvm-unit-tests:x | dev\nkvm-unit-tests:p-* | dev\n' >"$T/tests3.conf"
check "a collection the initramfs lacks (SKIP_KUT) is left out, and said so" bash -c '
	TESTS="$1" DRY_RUN=1 "$2" "$3" "$4" "$5" dev >"$6" 2>&1 && grep -qx "dev: kvm:a" "$6" &&
	grep -q "kvm-unit-tests:x. left out: the initramfs has no collection" "$6"' _ \
	"$T/tests3.conf" "$TOP/ci/run-matrix.sh" "$T/Image" "$T/initrd2" "$T/m" "$T/out3"
finish
