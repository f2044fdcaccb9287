#!/usr/bin/env bash
# A kernel that never reaches init is killed by the watchdog, with a clear
# message, the console log kept, and a failure in the report.
. "$(dirname "$0")/lib.sh"
command -v qemu-system-aarch64 >/dev/null || { echo "ok 1 - # SKIP qemu-system-aarch64 not installed"; echo "1..1"; exit 0; }
head -c 65536 /dev/zero >"$T/Image" # not a kernel: the CPU spins on zeros
printf 'x' | gzip >"$T/initrd"
fails_with "the boot watchdog fires and says so" "watchdog: guest did not reach init within 3s" \
	env BOOT_TIMEOUT=3 "$TOP/ci/boot-guest.sh" "$T/Image" "$T/initrd" "$T/out" virt,gic-version=3
check "the console log is kept" test -f "$T/out/console.log"
check "the watchdog verdict is kept" grep -q "did not reach init" "$T/out/watchdog"

printf 'hang | virt,gic-version=3 |\n' >"$T/matrix"
printf 'kvm:vgic_init\n' >"$T/tests"
fails_with "the matrix run fails and reports the watchdog" "boot:watchdog|did not reach init" \
	env BOOT_TIMEOUT=3 MATRIX="$T/matrix" TESTS="$T/tests" "$TOP/ci/run-matrix.sh" "$T/Image" "$T/initrd" "$T/res"
check "the missing test result counts as a failure" grep -q 'not ok .* kvm:vgic_init' "$T/res/results.ktap"
check "JUnit XML records the failure" grep -q '<failure message="watchdog: guest did not reach init' "$T/res/junit.xml"
finish
