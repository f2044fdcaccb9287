#!/usr/bin/env bash
# The main job: check the series, build it patch by patch, build the kernels
# (artifacts) and the KVM selftests for arm64, run the jobs (boot matrix, A/B,
# benchmarks: all through ci/run-job.sh) under QEMU, and report. The checks
# (b4's, checkpatch, the build patch by patch, W=1 and sparse) run in the
# background at idle CPU priority beside the stages from the kernel builds
# to the A/B runs, and are waited for before the benchmarks.
#
# usage: ci/pipeline.sh [--skip-checks]
# Environment:
#   KERNEL_DIR      your kernel git clone (tag v7.3-rc7 is used from it; the
#                   clone is never modified). Default: Debian's linux-source.
#   RESULTS_DIR     where the report goes (default: results/ here)
#   MATRIX_CONFIGS  space-separated subset of ci/matrix.conf to boot
#   SKIP_AB         set to skip the A/B runs of ci/ab-tests.conf
#   BENCH           1: run the benchmarks of ci/bench.conf (two more kernels
#                   and ten boots: about 11 min on a cold cache, 3-4
#                   min warm); 0: not. Default: 1 with COVERAGE=full, else 0.
#                   SKIP_BENCH (set: leave them out) is its older form.
#   BENCH_VARIANTS  set to also measure the alternatives in ci/variants/
#                   (the default with COVERAGE=full; BENCH_VARIANTS= ,
#                   empty, leaves them out there too)
#   SKIP_KUT        set to leave out kvm-unit-tests
#   COVERAGE        "ci" (default): the tests of ci/tests.conf that fit the
#                   CI's time budget; "full": also the rows marked "full"
#                   (the whole kvm collection, every test on every device),
#                   the A/B tests' repeated runs, BENCH=1 and BENCH_VARIANTS
#   KUT_DIR, KVMTOOL_DIR  kvm-unit-tests and kvmtool clones or bundles
#                   (default: ../shared/upstream/*.bundle), see ci/build-kut.sh
#   BOOT_LANES      boots of the matrix (and of kvm-unit-tests on the base)
#                   at a time when no stage runs in the background (default:
#                   the number of CPUs; 1: every boot alone). The A/B
#                   reproducers and the benchmarks always boot alone.
#   QEMU            unset: QEMU 10.0 (tools/get-qemu.sh); "system": the
#                   qemu-system-aarch64 on PATH (Debian 12: 7.2); or a path
# Results: RESULTS_DIR/summary.txt, results.ktap, junit.xml (one report over
# all jobs), jobs/{matrix,ab,bench}/.../ (a directory per boot: console.log,
# results.ktap, metadata.json, reproduce.sh, lava-job.yaml), artifacts/<kernel>/,
# check-patches.log, stage-times.txt and not-run.txt (the stages this run
# left out, and why; each a skip in the report).
# The stage functions below are called through stage() and stage_bg(),
# which shellcheck cannot see.
# shellcheck disable=SC2317
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"

checks=1
[ "${1:-}" = --skip-checks ] && checks=0
export COVERAGE=${COVERAGE:-ci}
case $COVERAGE in ci | full) ;; *) die "COVERAGE must be 'ci' or 'full', not '$COVERAGE'" ;; esac
[ "$COVERAGE" != full ] || BENCH_VARIANTS=${BENCH_VARIANTS-1}
case ${BENCH:-} in '' | 0 | 1) ;; *) die "BENCH must be 0 or 1, not '$BENCH'" ;; esac
if [ -n "${SKIP_BENCH:-}" ]; then
	[ "${BENCH:-}" != 1 ] || die "BENCH=1 and SKIP_BENCH=$SKIP_BENCH contradict each other: set one of them"
	bench=0 bench_why="SKIP_BENCH=$SKIP_BENCH"
elif [ -n "${BENCH:-}" ]; then
	bench=$BENCH bench_why="BENCH=0"
elif [ "$COVERAGE" = full ]; then
	bench=1
else
	bench=0 bench_why="COVERAGE=ci (BENCH=1 runs them)"
fi
results=${RESULTS_DIR:-$TOPDIR/results}
# Only ever delete a results directory this pipeline made (it leaves a marker).
if [ -d "$results" ] && [ -n "$(ls -A "$results")" ] && [ ! -f "$results/.kvmarm-results" ]; then
	die "RESULTS_DIR '$results' is not empty and was not made by this pipeline: not deleting it (choose an empty or new directory)"
fi
rm -rf "$results"
mkdir -p "$results"
: >"$results/.kvmarm-results"
export STAGE_TIMES="$results/stage-times.txt"
# While a background stage runs, its name (see stage_bg in tools/lib.sh).
export BG_MARKER="$results/background-stage"
: >"$STAGE_TIMES"
# The stages this run leaves out, and why: each is a skip in the report
# (ci/report.py: summary, KTAP, JUnit, counts), so that no stage is left out
# silently. (Within a stage, MATRIX_CONFIGS and an empty BENCH_VARIANTS
# choose what runs; the report lists what did.)
: >"$results/not-run.txt"
not_run() {
	local why=${2//[$'\t\n']/ }
	info "--- $1: not run: $why"
	printf '%s\t%s\n' "$1" "$why" >>"$results/not-run.txt"
}
checks_name="checks: b4, checkpatch, builds, W=1, sparse"
if [ "$checks" = 0 ]; then
	not_run "$checks_name" "--skip-checks"
fi
if [ -n "${SKIP_KUT:-}" ]; then
	not_run "kvm-unit-tests" "SKIP_KUT=$SKIP_KUT"
fi
if [ -n "${SKIP_AB:-}" ]; then
	not_run "A/B regression tests (base vs series)" "SKIP_AB=$SKIP_AB"
fi
if [ "$bench" = 0 ]; then
	not_run "benchmarks (base vs series, kernels without debug options)" "$bench_why"
fi
t_start=$(date +%s)
rc=0

print_times() {
	echo
	echo "Stage times (s):"
	awk -F'\t' '{ printf "  %-44s %5s%s%s\n", $1, $2, ($3 == 0 ? "" : $3 == 143 && $4 == "background" ? "  (stopped)" : "  (failed)"),
		($4 == "background" ? "  (in the background, beside the stages above it from its start)" : "") }' "$STAGE_TIMES"
	printf '  %-44s %5s\n' "total" "$(($(date +%s) - t_start))"
}
trap 'stage_bg_kill; print_times' EXIT

# The debug kernels: KERNEL_FRAGMENTS (e.g. "base kvm debug kasan"), with
# what the test suites need (suites.config) and line tables for decoding splats.
debug_frags="${KERNEL_FRAGMENTS:-base kvm debug} suites debuginfo"
# The worktrees. No two stages change the same worktree at once (the
# series' is built, then read, by the stages after this one); worktrees of
# one repository are made side by side (tools/apply-series.sh makes that
# safe). Here the series', and with the variants, each alternative to a
# patch (ci/variants/*.patch) applied alone on the base and committed. The
# background stage makes the checks' (b4's checks run in it first), the
# kernel builds the base's beside the series' build (artifacts).
apply() {
	local v name vwt
	"$TOPDIR/tools/apply-series.sh" >"$results/worktree"
	{ [ "$bench" = 1 ] && [ -n "${BENCH_VARIANTS:-}" ]; } || return 0
	: >"$results/variant-worktrees"
	for v in "$TOPDIR"/ci/variants/*.patch; do
		name=$(basename "$v" .patch)
		vwt=$("$TOPDIR/tools/apply-series.sh" --base-only --dest "$WORK_ROOT/worktrees/variant-$name")
		git -C "$vwt" apply "$v" || die "variant $v does not apply to the base"
		git -C "$vwt" -c user.name="kvmarm-series tooling" -c user.email=tooling@localhost \
			commit -q -a -m "variant: $name"
		printf '%s\t%s\n' "$name" "$vwt" >>"$results/variant-worktrees"
	done
}
# The checks build with the fragments of the debug artifacts (so those
# builds share the compiler cache), in a worktree of their own that they
# make first. A pass is remembered by everything the checks read (the
# patches, the base, the check and build scripts, the fragments, the
# compiler and sparse); the same inputs are not checked twice unless
# CHECKS_CACHE=0.
checks() {
	local cwt key cached
	key=$(cat "$SERIES_FILE" "$PATCH_DIR"/*.patch "$TOPDIR"/tools/{check-patches,lib,get-base,ccache-gcc}.sh \
		"$TOPDIR"/ci/build-{kernel,selftests}.sh "$TOPDIR"/ci/config/*.config |
		cat - <(aarch64-linux-gnu-gcc --version; "$("$TOPDIR/tools/get-sparse.sh" "$wt")" --version;
			"$TOPDIR/tools/get-base.sh" | cut -d' ' -f2; echo "$debug_frags") | sha1sum | cut -c1-16)
	cached="$CACHE_ROOT/checks/$key.log"
	if [ "${CHECKS_CACHE:-1}" != 0 ] && [ -f "$cached" ]; then
		info "checks passed on these exact inputs before (key $key, $(date -r "$cached" '+%F %T')): not run again (CHECKS_CACHE=0 runs them)"
		cat "$cached"
		return 0
	fi
	cwt=$("$TOPDIR/tools/apply-series.sh" --dest "$WORK_ROOT/worktrees/checks")
	# shellcheck disable=SC2086
	KERNEL_FRAGMENTS=$debug_frags "$TOPDIR/tools/check-patches.sh" --worktree "$cwt" \
		--build-dir "$cwt/.build-checks" 2>&1 | tee "$results/check-patches.run"
	mkdir -p "$CACHE_ROOT/checks"
	mv "$results/check-patches.run" "$cached"
}
# b4's own checks as a maintainer's b4 runs them (b4 0.14, tools/get-b4.sh):
# `prep --check-deps` must pass, `prep --check` must report no error; its
# warnings are kept in b4-prep-check.txt and counted in the summary.
# Remembered by the patches, the cover letter, the script and b4's version.
b4check() {
	local b4 key cached="" n
	b4=$("$TOPDIR/tools/get-b4.sh")
	key=$(cat "$SERIES_FILE" "$PATCH_DIR"/*.patch "$SERIES_DIR/cover-letter.txt" "$TOPDIR/tools/send-series.sh" |
		cat - <("$b4" --version) | sha1sum | cut -c1-16)
	cached="$CACHE_ROOT/b4-check/$key.txt"
	if [ -f "$cached" ]; then
		info "b4 prep --check ran on these exact inputs before (key $key): not run again"
	else
		# (in the checks' worktree, which check-patches.sh resets next:
		# a checkout of the whole tree fewer on a cold run)
		B4=$b4 "$TOPDIR/tools/send-series.sh" --check --out "$results/b4-check" \
			--worktree "$WORK_ROOT/worktrees/checks" >&2
		mkdir -p "$CACHE_ROOT/b4-check"
		cp "$results/b4-check/b4-prep-check.txt" "$cached.tmp"
		mv "$cached.tmp" "$cached"
	fi
	cp "$cached" "$results/b4-prep-check.txt"
	n=$(sed -n 's/.*Error: \([0-9]*\).*/\1/p' "$results/b4-prep-check.txt" | tail -n 1)
	[ -n "$n" ] || die "b4 prep --check gave no summary line, see $results/b4-prep-check.txt"
	echo "b4 prep --check ($("$b4" --version)): $(tail -n 1 "$results/b4-prep-check.txt" | sed 's/^[^S]*Success/Success/')" \
		>"$results/b4-check-summary.txt"
	cat "$results/b4-check-summary.txt"
	[ "$n" = 0 ] || die "b4 prep --check reports $n error(s), see $results/b4-prep-check.txt"
}
# The background stage: b4's checks, then check-patches.sh. Each runs in a
# child shell with errexit in force (as stage() runs a stage: not in an ||
# list, where bash would ignore errexit in all of it), and a failure of one
# does not stop the other.
checks_bg() {
	local b4rc crc
	set +e
	(
		set -e
		b4check
	)
	b4rc=$?
	(
		set -e
		checks
	)
	crc=$?
	set -e
	[ "$b4rc" = 0 ] || info "b4 prep --check: failed (exit $b4rc)"
	[ "$crc" = 0 ] || info "check-patches.sh: failed (exit $crc)"
	[ "$b4rc" = 0 ] && [ "$crc" = 0 ]
}
# Every kernel the later stages boot, built here and only here, into
# results/artifacts/<name>/ (cached by source tree and fragment set).
artifacts() {
	local a="$results/artifacts" bwt name vwt bpid="" rc=0
	# The base's worktree is made (mostly disk) beside the series' build (CPU).
	if [ -z "${SKIP_AB:-}" ] || [ "$bench" = 1 ]; then
		"$TOPDIR/tools/apply-series.sh" --base-only --dest "$WORK_ROOT/worktrees/base" >"$results/base-worktree" &
		bpid=$!
	fi
	# shellcheck disable=SC2086 # lists of fragment names
	"$TOPDIR/ci/build-artifact.sh" series "$wt" "$a" $debug_frags >/dev/null || rc=$?
	if [ -n "$bpid" ]; then wait "$bpid" || die "could not make the base's worktree"; fi
	[ "$rc" = 0 ] || return "$rc"
	[ -n "$bpid" ] || return 0
	bwt=$(cat "$results/base-worktree")
	if [ -z "${SKIP_AB:-}" ]; then
		# shellcheck disable=SC2086
		"$TOPDIR/ci/build-artifact.sh" base "$bwt" "$a" $debug_frags >/dev/null
	fi
	[ "$bench" = 1 ] || return 0
	# Benchmarks run on kernels without debug options.
	"$TOPDIR/ci/build-artifact.sh" series-bench "$wt" "$a" base kvm >/dev/null
	"$TOPDIR/ci/build-artifact.sh" base-bench "$bwt" "$a" base kvm >/dev/null
	[ -n "${BENCH_VARIANTS:-}" ] || return 0
	while IFS=$'\t' read -r name vwt; do
		"$TOPDIR/ci/build-artifact.sh" "variant-$name" "$vwt" "$a" base kvm >/dev/null
	done <"$results/variant-worktrees"
}
selftests() {
	local sdir="$WORK_ROOT/build/selftests"
	mkdir -p "$sdir"
	# The selftests build needs a configured kernel build directory: the
	# series artifact's configuration, made current (syncconfig's files).
	cmp -s "$results/artifacts/series/.config" "$sdir/.config" || cp "$results/artifacts/series/.config" "$sdir/.config"
	make -s -C "$wt" O="$sdir" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- olddefconfig
	"$TOPDIR/ci/build-selftests.sh" "$wt" "$sdir" >"$results/kselftest-dir"
}
# kvm-unit-tests and kvmtool, from KUT_DIR and KVMTOOL_DIR (default: the
# bundles in ../shared/upstream), for the initramfs.
kut() {
	"$TOPDIR/ci/build-kut.sh" >"$results/kut-dir"
}
initramfs() {
	local kut=()
	[ ! -s "$results/kut-dir" ] || kut=(--kut "$(cat "$results/kut-dir")")
	"$TOPDIR/ci/make-initramfs.sh" "${kut[@]}" "$(cat "$results/kselftest-dir")" "$results/initramfs.cpio.gz"
}
boot() {
	local devs
	read -r -a devs <<<"${MATRIX_CONFIGS:-}"
	"$TOPDIR/ci/run-matrix.sh" "$results/artifacts/series" "$results/initramfs.cpio.gz" \
		"$results/jobs/matrix" "${devs[@]}"
}
ab() {
	local rc=0 devs
	"$TOPDIR/ci/ab-test.sh" "$results/artifacts/base" "$results/artifacts/series" \
		"$results/initramfs.cpio.gz" "$results/jobs/ab" || rc=$?
	[ -s "$results/kut-dir" ] || return "$rc"
	# kvm-unit-tests on the base, side by side with the series' results
	# from the matrix: on the devices the matrix ran them on with
	# COVERAGE=full, else on GICv3 VHE and GICv2 (the time budget).
	devs=(gicv3-vhe gicv2)
	[ "$COVERAGE" != full ] || devs=()
	[ -z "${MATRIX_CONFIGS:-}" ] || read -r -a devs <<<"$MATRIX_CONFIGS"
	TEST_FILTER='kvm-unit-tests:*' MATRIX_LABEL=ab/kut-base MATRIX_ROLE=reference \
		"$TOPDIR/ci/run-matrix.sh" "$results/artifacts/base" "$results/initramfs.cpio.gz" \
		"$results/jobs/ab/kut-base" "${devs[@]}" || rc=1
	python3 "$TOPDIR/ci/ab-compare.py" "$results/jobs/ab/kut-base" "$results/jobs/matrix" \
		'kvm-unit-tests:*' "$results/jobs/ab/kut-summary.txt" >/dev/null || rc=1
	return "$rc"
}
bench() {
	local a="$results/artifacts" kernels=(base="$results/artifacts/base-bench") v t
	if [ -n "${BENCH_VARIANTS:-}" ]; then
		for v in "$a"/variant-*; do
			[ -d "$v" ] || continue
			# A variant runs the benchmarks of the test its patch names.
			t=$(sed -n 's/^bench-test: *//p' "$TOPDIR/ci/variants/${v##*/variant-}.patch" | paste -sd, -)
			kernels+=("${v##*/}=$v@$t")
		done
	fi
	kernels+=(series="$a/series-bench")
	"$TOPDIR/ci/ab-bench.sh" "$results/initramfs.cpio.gz" "$results/jobs/bench" "${kernels[@]}"
}
# The whole known-issues list, in every report, whichever of its tests ran
# (those that did are listed above it, as skips or expected failures).
known_list() {
	local f=${KNOWN_ISSUES:-$TOPDIR/ci/known-issues.conf}
	echo "Known issues ($f), each applied wherever its test runs on a device and QEMU it names:"
	conf_rows "$f" | while IFS='|' read -r t d q w r; do
		printf '  %s (%s, QEMU %s): %s: %s\n' "$t" "${d:-every device}" "${q:-any}" "$w" "$r"
	done
}
report() {
	local rc=0
	python3 "$TOPDIR/ci/report.py" "$results" "$results/jobs" >/dev/null || rc=$?
	{ echo; known_list; } >>"$results/summary.txt"
	for f in b4-check-summary.txt jobs/ab/ab-summary.txt jobs/ab/kut-summary.txt jobs/bench/bench-summary.txt; do
		[ ! -f "$results/$f" ] || { echo; cat "$results/$f"; } >>"$results/summary.txt"
	done
	cat "$results/summary.txt"
	return "$rc"
}

# Stages run as plain commands (see stage() in tools/lib.sh): the first
# ones must pass, the checks and the test stages let the others run.
failed() { [ "$STAGE_RC" = 0 ] || rc=1; }
stage "series consistency" "$TOPDIR/tools/check-series.sh"
must_pass
# The QEMU every boot runs (QEMU 10.0 unless QEMU says otherwise, see
# qemu_path in tools/lib.sh), fetched once here.
get_qemu() { qemu_path >"$results/qemu-path"; "$(cat "$results/qemu-path")" --version | head -n 1; }
stage "get QEMU" get_qemu
must_pass
QEMU=$(cat "$results/qemu-path")
export QEMU
stage "apply series to the base" apply
must_pass
wt=$(cat "$results/worktree")
# The checks (b4's, then the series built patch by patch) need nothing from
# the stages below, and nothing below needs them. They run beside them at
# idle CPU priority, mostly in the CPU time the boots leave (about 40% of
# two cores under TCG), and are waited for before the benchmarks and the
# report (or before the run stops on a failed stage). Their output is
# check-patches.log, shown when they end. A failed check fails the run.
if [ "$checks" = 1 ]; then
	stage_bg "$checks_name" "$results/check-patches.log" checks_bg
fi
stage "build kernels (artifacts)" artifacts
must_pass
stage "build KVM selftests" selftests
must_pass
if [ -z "${SKIP_KUT:-}" ]; then
	stage "build kvm-unit-tests and kvmtool" kut
	must_pass
fi
stage "pack initramfs" initramfs
must_pass
mkdir -p "$results/jobs"
stage "boot matrix" boot
failed
if [ -z "${SKIP_AB:-}" ]; then
	stage "A/B regression tests (base vs series)" ab
	failed
fi
if [ "$checks" = 1 ]; then
	stage_wait
	failed
fi
if [ "$bench" = 1 ]; then
	stage "benchmarks (base vs series, kernels without debug options)" bench
	failed
fi
stage "report" report
failed
exit "$rc"
