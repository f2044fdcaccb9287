#!/usr/bin/env bash
# A kernel that never reaches init is killed by the watchdog, with a clear
# message, the console log kept, and a failure in the report.
. "$(dirname "$0")/lib.sh"
command -v qemu-system-aarch64 >/dev/null || { echo "ok 1 - # SKIP qemu-system-aarch64 not installed"; echo "1..1"; exit 0; }
head -c 65536 /dev/zero >"$T/Image" # not a kernel: the CPU spins on zeros
# An initramfs with a test list (ci/run-matrix.sh checks names against it).
mkdir -p "$T/root/kselftest"
echo kvm:vgic_init >"$T/root/kselftest/kselftest-list.txt"
(cd "$T/root" && find . | cpio -o -H newc --quiet) | gzip >"$T/initrd"
fails_with "the boot watchdog fires and says so" "watchdog: guest did not reach init within 3s" \
	env BOOT_TIMEOUT=3 "$TOP/ci/boot-guest.sh" "$T/Image" "$T/initrd" "$T/out" virt,gic-version=3
check "the console log is kept" test -f "$T/out/console.log"
check "the watchdog verdict is kept" grep -q "did not reach init" "$T/out/watchdog"
check "metadata.json says watchdog" grep -q '"status": "watchdog"' "$T/out/metadata.json"
check "the watchdog records where the vCPUs were (QMP, before QEMU is killed)" grep -q '^ *PC=' "$T/out/cpu-state.txt"

printf 'hang | virt,gic-version=3 | max |\n' >"$T/matrix"
printf 'kvm:vgic_init\n' >"$T/tests"
# (A stage runs in the background meanwhile: BG_MARKER names it.)
echo "a background stage" >"$T/marker"
fails_with "the job runner gives the verdict timeout" "^timeout$" \
	env BG_MARKER="$T/marker" BOOT_TIMEOUT=3 MATRIX="$T/matrix" "$TOP/ci/run-job.sh" --tests kvm:vgic_init hang "$T/Image" "$T/initrd" "$T/job"
check "...in its verdict file and metadata.json, for the job and its test" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert m["verdict"] == "timeout" and m["tests"] == {"kvm:vgic_init": "timeout"}, m' "$T/job/metadata.json"
check "...which names the background stage it ran beside" python3 -c '
import json, sys
assert json.load(open(sys.argv[1]))["job"]["beside"] == "a background stage"' "$T/job/metadata.json"
check "...and a LAVA job definition of the same boot" grep -q 'machine: "virt,gic-version=3"' "$T/job/lava-job.yaml"
fails_with "the matrix run fails" "hang" \
	env BOOT_TIMEOUT=3 MATRIX="$T/matrix" TESTS="$T/tests" "$TOP/ci/run-matrix.sh" "$T/Image" "$T/initrd" "$T/res/jobs"
python3 "$TOP/ci/report.py" "$T/res" "$T/res/jobs" >/dev/null 2>&1 || true
check "the missing test result counts as a failure" grep -q 'not ok .* kvm:vgic_init # no result (timeout)' "$T/res/results.ktap"
check "JUnit XML records the watchdog" grep -q '<failure message="watchdog: guest did not reach init' "$T/res/junit.xml"
check "...with the vCPUs' registers in its log" grep -q 'PC=' "$T/res/junit.xml"
# Two devices (and one named twice) as lanes: both boot at once, each in
# its own directory, and the report names them as side by side.
printf 'hang | virt,gic-version=3 | max |\nhang2 | virt,gic-version=3 | max |\n' >"$T/matrix3"
fails_with "a matrix of two hanging devices fails" "hang2.*timeout" \
	env BOOT_LANES=2 BOOT_TIMEOUT=3 MATRIX="$T/matrix3" TESTS="$T/tests" "$TOP/ci/run-matrix.sh" "$T/Image" "$T/initrd" "$T/res3/jobs" hang hang2 hang
cp "$T/.cmd.log" "$T/res3.log"
check "...naming each" bash -c 'grep -q "\[hang\] timeout" "$1" && grep -q "\[hang2\] timeout" "$1"' _ "$T/res3.log"
check "each device booted once (one named twice too), into its own directory" bash -c '
	[ "$(grep -c "\[hang\] booting" "$2")" = 1 ] && [ "$(grep -c "\[hang2\] booting" "$2")" = 1 ] &&
	[ "$(ls "$1")" = "$(printf "hang\nhang2")" ] && grep -qx timeout "$1/hang/verdict" && grep -qx timeout "$1/hang2/verdict"' _ "$T/res3/jobs" "$T/res3.log"
python3 "$TOP/ci/report.py" "$T/res3" "$T/res3/jobs" >/dev/null 2>&1 || true
check "...side by side, as the summary says" grep -q '^Booted side by side with another boot .*: 2 of 2 boots: hang (beside hang2), hang2 (beside hang)$' "$T/res3/summary.txt"
fails_with "a device not in the matrix is named" "device 'nosuch' is not in" \
	env MATRIX="$T/matrix" "$TOP/ci/run-job.sh" nosuch "$T/Image" "$T/initrd" "$T/job2"

# A QEMU that cannot start is an infrastructure error, with QEMU's own reason.
fails_with "a QEMU that cannot start is an infra-error, with QEMU's reason" "infra-error: QEMU exited with status [1-9].*unsupported machine type" \
	"$TOP/ci/boot-guest.sh" "$T/Image" "$T/initrd" "$T/q" nosuchmachine
check "boot-guest exits 3 for it" bash -c '"$1" "$2" "$3" "$4" nosuchmachine >/dev/null 2>&1; test $? = 3' _ \
	"$TOP/ci/boot-guest.sh" "$T/Image" "$T/initrd" "$T/q2"
check "the reason is kept in infra-error" grep -q "unsupported machine type" "$T/q/infra-error"
check "every boot gets a runnable reproduce.sh" test -x "$T/q/reproduce.sh"
check "...and a metadata.json saying how it ended" \
	python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); assert m["status"] == "infra-error" and m["machine"] == "nosuchmachine" and len(m["kernel_sha256"]) == 64' "$T/q/metadata.json"
check "...that is valid bash" bash -n "$T/q/reproduce.sh"
check "...with the same machine and a shell mode" \
	bash -c 'grep -q -- "-M nosuchmachine" "$1" && grep -q "ci.shell=1" "$1"' _ "$T/q/reproduce.sh"
printf 'broken | nosuchmachine | max |\n' >"$T/matrix2"
fails_with "the matrix run fails on an infra-error" "broken" \
	env MATRIX="$T/matrix2" TESTS="$T/tests" "$TOP/ci/run-matrix.sh" "$T/Image" "$T/initrd" "$T/res2/jobs"
check "the job's verdict is infra-error" grep -qx infra-error "$T/res2/jobs/broken/verdict"
python3 "$TOP/ci/report.py" "$T/res2" "$T/res2/jobs" >/dev/null 2>&1 || true
check "the report has a boot:infra-error line" grep -q 'not ok .* boot:infra-error' "$T/res2/results.ktap"

# The A/B runs: an infrastructure error on the base is not "reproduced".
printf 'vgic_init | broken | -x | 1\n' >"$T/ab.conf"
export MATRIX="$T/matrix2"
fails_with "A/B: a base that cannot boot fails the run" "base run 1/1: infra-error" \
	env MATRIX="$T/matrix2" AB_TESTS="$T/ab.conf" "$TOP/ci/ab-test.sh" "$T/Image" "$T/Image" "$T/initrd" "$T/ab"
check "A/B: it is not counted as reproduced" grep -q 'base: reproduced 0/1' "$T/ab/ab-summary.txt"
check "A/B: the summary names the infra-error" grep -q 'base run 1: infra-error' "$T/ab/ab-summary.txt"
# COVERAGE=full takes the row's "runs with COVERAGE=full".
printf 'vgic_init | broken | -x | 1 | 2\n' >"$T/ab2.conf"
fails_with "A/B: COVERAGE=full repeats the runs" "base run 2/2: infra-error" \
	env MATRIX="$T/matrix2" AB_TESTS="$T/ab2.conf" COVERAGE=full "$TOP/ci/ab-test.sh" "$T/Image" "$T/Image" "$T/initrd" "$T/ab2"
fails_with "A/B: a bad COVERAGE is refused" "COVERAGE must be" \
	env MATRIX="$T/matrix2" AB_TESTS="$T/ab2.conf" COVERAGE=most "$TOP/ci/ab-test.sh" "$T/Image" "$T/Image" "$T/initrd" "$T/ab3"
finish
