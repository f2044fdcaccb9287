#!/usr/bin/env bash
# Benchmarks, A/B: run each benchmark of ci/bench.conf on the base kernel and
# on the patched one, alternately, BENCH_REPS times each (one boot per run,
# GICv3 VHE), and report medians, spreads and ratios (patched / base).
#
# usage: ab-bench.sh BASE_IMAGE SERIES_IMAGE INITRD RESULTS_DIR
# Prints and writes RESULTS_DIR/bench-summary.txt and bench.json. Fails only
# if a benchmark could not run or printed no figure.
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"

[ $# -eq 4 ] || die "usage: ${0##*/} BASE_IMAGE SERIES_IMAGE INITRD RESULTS_DIR"
base_img=$1 series_img=$2 initrd=$3 out=$4
conf=${BENCH_CONF:-$TOPDIR/ci/bench.conf}
reps=${BENCH_REPS:-3}
machine=${BENCH_MACHINE:-virt,virtualization=on,gic-version=3,its=on}
for f in "$base_img" "$series_img" "$initrd" "$conf"; do [ -f "$f" ] || die "'$f' not found"; done
mkdir -p "$out"

# One boot per distinct (test, arguments), per kernel, per repetition.
mapfile -t runs < <(sed 's/#.*//; /^[[:space:]]*$/d' "$conf" |
	awk -F'|' '{ gsub(/^[ \t]+|[ \t]+$/, "", $2); gsub(/^[ \t]+|[ \t]+$/, "", $3); print $2 "|" $3 }' | sort -u)
for r in $(seq 1 "$reps"); do
	for kernel in base series; do
		img=$base_img
		[ "$kernel" = series ] && img=$series_img
		for run in "${runs[@]}"; do
			test=${run%%|*} args=${run#*|}
			d="$out/$kernel/$test$(echo "$args" | tr -c 'a-zA-Z0-9\n' _)/$r"
			mkdir -p "$d"
			info "[$kernel] $test $args (run $r/$reps)"
			RUN_TIMEOUT=300 "$TOPDIR/ci/boot-guest.sh" "$img" "$initrd" "$d" "$machine" \
				"ci.tests=kvm:$test" "ci.timeout=240" "ci.args=$test=$(echo "$args" | tr ' ' _)" \
				>/dev/null 2>&1 || true
		done
	done
done
python3 "$TOPDIR/ci/bench-report.py" "$conf" "$out"
