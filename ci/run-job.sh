#!/usr/bin/env bash
# The one job runner: boot a kernel and an initramfs on a device of
# ci/matrix.conf, run a list of KVM selftests in the guest, scan the console
# for splats, and give every test and the boot a verdict: pass, fail, skip,
# splat, timeout or infra-error. The boot matrix, the A/B runs, the
# benchmarks and the stuck-SGI counts are loops over this script.
#
# usage: run-job.sh [options] DEVICE KERNEL INITRD OUTDIR
#   KERNEL   an artifact directory of ci/build-artifact.sh (Image, vmlinux,
#            metadata.json: splats are decoded to file:line) or an Image
# options:
#   --tests LIST       collection:test names, comma- or space-separated
#                      (required)
#   --arg TEST=ARGS    extra arguments for one test (repeatable; default:
#                      ci/test-args.conf); only those of tests that run
#                      reach the kernel command line
#   --timeout S        per-test timeout in the guest (default 300)
#   --run-timeout S    watchdog for the whole boot (default 1800)
#   --role ROLE        "test" (default): the tests must pass; "reproduce":
#                      an A/B base run, where a failure or a splat is the
#                      bug showing (recorded as such, see ci/report.py);
#                      "reference": the base's results to compare with,
#                      recorded; only a timeout or infra-error fails it
#   --label LABEL      the report's row for this job (default: OUTDIR's name)
# Known issues (ci/known-issues.conf; KNOWN_ISSUES names another file) of the
# device and the QEMU apply: a test "not run" is not started and is a skip,
# a failure of one that "fails" is an expected failure (xfail); each with
# its reason in metadata.json and the report.
# Writes OUTDIR/{console.log,results.ktap,splats.txt,verdict,metadata.json,
# reproduce.sh,lava-job.yaml} (and splats-decoded.txt; after a watchdog,
# cpu-state.txt and cpu-state-decoded.txt: where the vCPUs were). Prints the verdict.
# Exit: 0 pass or skip, 1 fail or splat (0 for the roles reproduce and
# reference, whose failures are results), 2 timeout, 3 infra-error.
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"
# A job that cannot be set up is an infrastructure error, not a failed test.
die() {
	printf '%s: error: %s\n' "${0##*/}" "$*" >&2
	exit 3
}

tests="" args=() timeout=300 run_timeout=${RUN_TIMEOUT:-1800} role=test label=""
while [ $# -gt 0 ]; do
	case $1 in
	--tests) tests=$2; shift 2 ;;
	--arg) args+=("$2"); shift 2 ;;
	--arg=*) args+=("${1#--arg=}"); shift ;;
	--timeout) timeout=$2; shift 2 ;;
	--run-timeout) run_timeout=$2; shift 2 ;;
	--role) role=$2; shift 2 ;;
	--label) label=$2; shift 2 ;;
	--) shift; break ;;
	-*) die "unknown option '$1'" ;;
	*) break ;;
	esac
done
[ $# -eq 4 ] || die "usage: ${0##*/} [options] DEVICE KERNEL INITRD OUTDIR"
device=$1 kernel=$2 initrd=$3 out=$4
case $role in test | reproduce | reference) ;; *) die "--role must be test, reproduce or reference, not '$role'" ;; esac
IFS='|' read -r machine cpu cmdline < <(device_row "$device")

image=$kernel vmlinux="" srctree=""
if [ -d "$kernel" ]; then
	image=$kernel/Image
	[ -f "$image" ] || die "artifact '$kernel' has no Image"
	[ ! -f "$kernel/vmlinux.path" ] || vmlinux=$(cat "$kernel/vmlinux.path")
	[ ! -f "$kernel/source.path" ] || srctree=$(cat "$kernel/source.path")
fi
# (ci/run-matrix.sh picks a device's tests from ci/tests.conf.)
[ -n "$tests" ] || die "--tests is required (DRY_RUN=1 ci/run-matrix.sh prints each device's list)"
[ ${#args[@]} -gt 0 ] || mapfile -t args < <(conf_rows "$TOPDIR/ci/test-args.conf")
tests=$(echo "$tests" | tr -s ', ' '\n' | sed '/^$/d' | paste -sd, -)
[ -n "$tests" ] || die "no test to run"

rm -rf "$out"
mkdir -p "$out"
# First, so that a job that stops below is still in the report.
echo "$tests" | tr ',' '\n' >"$out/tests"
qemu_bin=$(qemu_path)
export QEMU=$qemu_bin
qemu_version=$("$qemu_bin" --version 2>/dev/null | head -n 1 | sed -n 's/.*version \([0-9][0-9.]*\).*/\1/p')
# Known issues (ci/known-issues.conf, or KNOWN_ISSUES) of this device and
# QEMU: a test that is "not run" is not started; each applying entry goes
# to OUTDIR/known-issues as "test|what|reason" for ci/job-metadata.py.
ki_file=${KNOWN_ISSUES:-$TOPDIR/ci/known-issues.conf}
ki=$(conf_rows "$ki_file") || die "known issues: '$ki_file' not found"
while IFS='|' read -r pat devs qv what why extra; do
	[ -n "$pat" ] || continue
	if [ -z "$why" ] || [ -n "$extra" ]; then
		die "$ki_file: '$pat': a known issue has five fields: test | devices | QEMU version | what | reason"
	fi
	case $what in "not run" | fails) ;; *) die "$ki_file: '$pat': 'what' must be 'not run' or 'fails', not '$what'" ;; esac
	[[ -z $qv || $qv =~ ^[0-9]+(\.[0-9]+)*$ ]] || die "$ki_file: '$pat': QEMU version '$qv' is not a version like 7.2"
done <<<"$ki"
: >"$out/known-issues"
run_tests=""
while IFS=, read -r -d, t; do
	skip=""
	while IFS='|' read -r pat devs qv what why; do
		[ -n "$pat" ] || continue
		# shellcheck disable=SC2053 # $pat is a pattern
		[[ $t == $pat ]] || continue
		[ -z "$devs" ] || [[ " $devs " == *" $device "* ]] || continue
		[ -z "$qv" ] || [[ $qemu_version == "$qv" || $qemu_version == "$qv".* ]] || continue
		echo "$t|$what|$why" >>"$out/known-issues"
		[ "$what" != "not run" ] || skip=1
		break
	done <<<"$ki"
	[ -n "$skip" ] || run_tests="${run_tests:+$run_tests,}$t"
done <<<"$tests,"
# The arguments of the tests that run (the kernel command line is short).
argstr=""
for a in "${args[@]}"; do
	[ "${a#*=}" != "$a" ] || die "--arg '$a' is not TEST=ARGS"
	[[ ",$run_tests," == *[,:]"${a%%=*}",* ]] || continue
	argstr="${argstr:+$argstr;}$(echo "$a" | tr ' ' _)"
done
read -r -a extra <<<"$cmdline"
# A stage running in the background beside this boot (tools/lib.sh
# stage_bg: BG_MARKER holds its name), at the boot's start or end: recorded
# in metadata.json and counted in the report.
beside() { [ -z "${BG_MARKER:-}" ] || cat "$BG_MARKER" 2>/dev/null || true; }
beside_start=$(beside)
# The boot's start and end (s since the epoch; QEMU's run, not the scan and
# decoding after it), recorded as job.start and job.end: the report names
# the boots that ran side by side.
t_start=$(date +%s.%N)
brc=0
if [ -z "$run_tests" ]; then
	# Every test is a known issue not run: nothing to boot for.
	: >"$out/console.log"
	: >"$out/results.ktap"
	echo 0 >"$out/seconds"
	booted=0
else
	booted=1
	QEMU_CPU=$cpu RUN_TIMEOUT=$run_timeout "$TOPDIR/ci/boot-guest.sh" "$image" "$initrd" "$out" "$machine" \
		"${extra[@]}" "ci.tests=$run_tests" "ci.timeout=$timeout" ${argstr:+"ci.args=$argstr"} \
		>"$out/boot.log" 2>&1 || brc=$?
fi
t_end=$(date +%s.%N)
src=0
"$TOPDIR/ci/scan-console.sh" "$out/console.log" >"$out/splats.txt" 2>"$out/scan.log" || src=$?
[ "$src" != 1 ] || [ -s "$out/splats.txt" ] || src=2
if [ "$src" = 1 ] && [ -n "$vmlinux" ] && [ -f "$vmlinux" ]; then
	# Kept only when decoding worked: a decoder error never hides the splat.
	"$TOPDIR/ci/decode-splats.sh" "$out/splats.txt" "$vmlinux" "$srctree" >"$out/splats-decoded.txt" \
		2>"$out/decode.log" || rm -f "$out/splats-decoded.txt"
fi

# A watchdog fired: name the code the vCPUs were in.
if [ -s "$out/cpu-state.txt" ] && [ -n "$vmlinux" ] && [ -f "$vmlinux" ]; then
	"$TOPDIR/ci/decode-cpu-state.sh" "$out/cpu-state.txt" "$out/console.log" "$vmlinux" \
		>"$out/cpu-state-decoded.txt" 2>"$out/decode-cpu.log" || rm -f "$out/cpu-state-decoded.txt"
fi

# The verdicts (ci/job-metadata.py judges; this script only runs), the
# device and the job go to metadata.json; lava-job.yaml: the same job for a
# LAVA lab.
beside_end=$(beside)
verdict=$(BESIDE=${beside_start:-$beside_end} START=$t_start END=$t_end BOOTED=$booted BRC=$brc SRC=$src DEVICE=$device CPU=$cpu DCMD=$cmdline TESTS=$tests ARGS=$argstr \
	TIMEOUT=$timeout RUN_TIMEOUT=$run_timeout ROLE=$role LABEL=${label:-$(basename "$out")} \
	VMLINUX=$vmlinux ARTIFACT=$(if [ -d "$kernel" ]; then realpath "$kernel"; fi) \
	python3 "$TOPDIR/ci/job-metadata.py" "$out")
echo "$verdict"
# A base run (reproduce, reference) fails only when it is evidence of nothing.
case $verdict in
pass | skip) exit 0 ;;
fail | splat) [ "$role" = test ] || exit 0; exit 1 ;;
timeout) exit 2 ;;
*) exit 3 ;;
esac
