#!/usr/bin/env bash
# Benchmarks, A/B: run each benchmark of ci/bench.conf on each kernel, BENCH_REPS
# times (one boot per run, GICv3 VHE), the kernels taking turns (A B A B ...),
# and report medians and ratios with 95% intervals and a verdict per metric
# (ci/bench-report.py). The first kernel is the reference.
#
# usage: ab-bench.sh INITRD RESULTS_DIR NAME=IMAGE NAME=IMAGE [NAME=IMAGE...]
# The kernels should be built without debug options (fragments base kvm).
# Prints and writes RESULTS_DIR/bench-summary.txt and bench.json. Fails only
# if a benchmark could not run or printed no figure.
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"

[ $# -ge 4 ] || die "usage: ${0##*/} INITRD RESULTS_DIR NAME=IMAGE NAME=IMAGE [NAME=IMAGE...]"
initrd=$1 out=$2
shift 2
conf=${BENCH_CONF:-$TOPDIR/ci/bench.conf}
reps=${BENCH_REPS:-5}
machine=${BENCH_MACHINE:-virt,virtualization=on,gic-version=3,its=on}
names=() images=()
for k in "$@"; do
	[ "${k#*=}" != "$k" ] || die "'$k' is not NAME=IMAGE"
	names+=("${k%%=*}") images+=("${k#*=}")
done
for f in "${images[@]}" "$initrd" "$conf"; do [ -f "$f" ] || die "'$f' not found"; done
mkdir -p "$out"
: >"$out/boot-errors.txt"

# One boot per distinct (test, arguments), per kernel, per repetition.
mapfile -t runs < <(sed 's/#.*//; /^[[:space:]]*$/d' "$conf" |
	awk -F'|' '{ gsub(/^[ \t]+|[ \t]+$/, "", $2); gsub(/^[ \t]+|[ \t]+$/, "", $3); print $2 "|" $3 }' | sort -u)
for r in $(seq 1 "$reps"); do
	for run in "${runs[@]}"; do
		for i in "${!names[@]}"; do
			kernel=${names[$i]} img=${images[$i]}
			test=${run%%|*} args=${run#*|}
			d="$out/$kernel/$test$(echo "$args" | tr -c 'a-zA-Z0-9\n' _)/$r"
			mkdir -p "$d"
			info "[$kernel] $test $args (run $r/$reps)"
			RUN_TIMEOUT=300 "$TOPDIR/ci/boot-guest.sh" "$img" "$initrd" "$d" "$machine" \
				"ci.tests=kvm:$test" "ci.timeout=240" "ci.args=$test=$(echo "$args" | tr ' ' _)" \
				>"$d/boot.log" 2>&1 || echo "$d: the boot did not end normally (see $d/boot.log)" >>"$out/boot-errors.txt"
			# A benchmark boot is scanned like any other.
			"$TOPDIR/ci/scan-console.sh" "$d/console.log" >"$d/splats.txt" 2>&1 ||
				echo "$d: kernel splat (see $d/splats.txt)" >>"$out/boot-errors.txt"
		done
	done
done
rc=0
python3 "$TOPDIR/ci/bench-report.py" "$conf" "$out" "${names[@]}" || rc=1
if [ -s "$out/boot-errors.txt" ]; then
	cat "$out/boot-errors.txt" >&2
	rc=1
fi
exit "$rc"
