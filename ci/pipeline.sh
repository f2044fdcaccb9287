#!/usr/bin/env bash
# The main job: check the series, build it patch by patch, build the patched
# kernel and the KVM selftests for arm64, boot them under QEMU in every
# configuration of ci/matrix.conf, and report.
#
# usage: ci/pipeline.sh [--skip-checks]
# Environment:
#   KERNEL_DIR      your kernel git clone (tag v7.3-rc7 is used from it; the
#                   clone is never modified). Default: Debian's linux-source.
#   RESULTS_DIR     where the report goes (default: results/ here)
#   MATRIX_CONFIGS  space-separated subset of ci/matrix.conf to boot
#   SKIP_AB         set to skip the A/B runs of ci/ab-tests.conf
#   SKIP_BENCH      set to skip the benchmarks of ci/bench.conf
#   BENCH_VARIANTS  set to also measure the alternatives in ci/variants/
# Results: RESULTS_DIR/summary.txt, results.ktap, junit.xml, boot/<config>/
# (console logs), check-patches.log and stage-times.txt.
# The stage functions below are called through stage(), which shellcheck
# cannot see.
# shellcheck disable=SC2317
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"

checks=1
[ "${1:-}" = --skip-checks ] && checks=0
results=${RESULTS_DIR:-$TOPDIR/results}
# Only ever delete a results directory this pipeline made (it leaves a marker).
if [ -d "$results" ] && [ -n "$(ls -A "$results")" ] && [ ! -f "$results/.kvmarm-results" ]; then
	die "RESULTS_DIR '$results' is not empty and was not made by this pipeline: not deleting it (choose an empty or new directory)"
fi
rm -rf "$results"
mkdir -p "$results"
: >"$results/.kvmarm-results"
export STAGE_TIMES="$results/stage-times.txt"
: >"$STAGE_TIMES"
bdir="$WORK_ROOT/build/kernel"
t_start=$(date +%s)
rc=0

print_times() {
	echo
	echo "Stage times (s):"
	awk -F'\t' '{ printf "  %-42s %5s%s\n", $1, $2, ($3 == 0 ? "" : "  (failed)") }' "$STAGE_TIMES"
	printf '  %-42s %5s\n' "total" "$(($(date +%s) - t_start))"
}
trap print_times EXIT

apply() { "$TOPDIR/tools/apply-series.sh" >"$results/worktree"; }
checks() {
	"$TOPDIR/tools/check-patches.sh" --worktree "$wt" --build-dir "$bdir" 2>&1 |
		tee "$results/check-patches.log" >&2
	return "${PIPESTATUS[0]}"
}
build() { "$TOPDIR/ci/build-kernel.sh" "$wt" "$bdir" >/dev/null; }
selftests() { "$TOPDIR/ci/build-selftests.sh" "$wt" "$bdir" >"$results/kselftest-dir"; }
initramfs() {
	cp "$bdir/arch/arm64/boot/Image" "$results/Image"
	"$TOPDIR/ci/make-initramfs.sh" "$(cat "$results/kselftest-dir")" "$results/initramfs.cpio.gz"
}
# The base kernel, built from a worktree of its own (never by checking the
# series' worktree out under another stage), into a build directory keyed by
# the base commit and the fragments, so that a changed fragment set or base
# never reuses an old build. Prints the Image path.
base_image() {
	local frags=$1 base key
	read -r _ base < <("$TOPDIR/tools/get-base.sh")
	key=$(printf '%s\n' "$base" "$frags" | cat - "$TOPDIR"/ci/config/*.config | sha1sum | cut -c1-12)
	"$TOPDIR/tools/apply-series.sh" --base-only --dest "$WORK_ROOT/worktrees/base" >/dev/null
	# shellcheck disable=SC2086 # a list of fragment names
	"$TOPDIR/ci/build-kernel.sh" "$WORK_ROOT/worktrees/base" "$WORK_ROOT/build/base-$key" $frags >/dev/null
	echo "$WORK_ROOT/build/base-$key/arch/arm64/boot/Image"
}
ab() {
	local base_img
	base_img=$(base_image "${KERNEL_FRAGMENTS:-base kvm debug}")
	"$TOPDIR/ci/ab-test.sh" "$base_img" "$results/Image" "$results/initramfs.cpio.gz" "$results/ab"
}
# Benchmarks run on kernels without debug options, base and series alike.
bench() {
	local base_img
	base_img=$(base_image "base kvm")
	"$TOPDIR/ci/build-kernel.sh" "$wt" "$bdir-bench" base kvm >/dev/null
	"$TOPDIR/ci/ab-bench.sh" "$results/initramfs.cpio.gz" "$results/bench" \
		base="$base_img" series="$bdir-bench/arch/arm64/boot/Image"
	[ -n "${BENCH_VARIANTS:-}" ] || return 0
	# Alternatives to a patch (ci/variants/*.patch, applied alone on the base),
	# measured against the base and the series with the benchmarks of the test
	# their "bench-test:" line names.
	local v name vwt="$WORK_ROOT/worktrees/variant" kernels=(base="$base_img")
	local vconf="$results/bench-variants.conf"
	: >"$vconf"
	for v in "$TOPDIR"/ci/variants/*.patch; do
		name=$(basename "$v" .patch)
		"$TOPDIR/tools/apply-series.sh" --base-only --dest "$vwt" >/dev/null
		git -C "$vwt" apply "$v" || die "variant $v does not apply to the base"
		"$TOPDIR/ci/build-kernel.sh" "$vwt" "$WORK_ROOT/build/variant-$name" base kvm >/dev/null
		kernels+=("$name=$WORK_ROOT/build/variant-$name/arch/arm64/boot/Image")
		sed -n 's/^bench-test: *//p' "$v" | while read -r t; do
			awk -F'|' -v t="$t" '{ x = $2; gsub(/[ \t]/, "", x) } x == t' "$TOPDIR/ci/bench.conf"
		done >>"$vconf"
	done
	kernels+=(series="$bdir-bench/arch/arm64/boot/Image")
	BENCH_CONF=$vconf "$TOPDIR/ci/ab-bench.sh" "$results/initramfs.cpio.gz" "$results/bench-variants" "${kernels[@]}"
}
boot() {
	local cfgs
	read -r -a cfgs <<<"${MATRIX_CONFIGS:-}"
	"$TOPDIR/ci/run-matrix.sh" "$results/Image" "$results/initramfs.cpio.gz" "$results/boot" "${cfgs[@]}"
}

# Stages run as plain commands (see stage() in tools/lib.sh): the first
# ones must pass, the checks and the test stages let the others run.
failed() { [ "$STAGE_RC" = 0 ] || rc=1; }
stage "series consistency" "$TOPDIR/tools/check-series.sh"
must_pass
stage "apply series to the base" apply
must_pass
wt=$(cat "$results/worktree")
if [ "$checks" = 1 ]; then
	stage "checkpatch, per-patch build, W=1, sparse" checks
	failed
fi
stage "build patched kernel" build
must_pass
stage "build KVM selftests" selftests
must_pass
stage "pack initramfs" initramfs
must_pass
stage "boot matrix" boot
failed
if [ -z "${SKIP_AB:-}" ]; then
	stage "A/B regression tests (base vs series)" ab
	failed
fi
if [ -z "${SKIP_BENCH:-}" ]; then
	stage "benchmarks (base vs series, kernels without debug options)" bench
	failed
fi
for f in summary.txt results.ktap junit.xml; do
	[ ! -f "$results/boot/$f" ] || cp "$results/boot/$f" "$results/$f"
done
exit "$rc"
