#!/usr/bin/env bash
# Benchmarks, A/B: run the benchmarks of ci/bench.conf on each kernel,
# BENCH_REPS times, the kernels taking turns (A B A B ...), each boot a job
# of ci/run-job.sh (scanned for splats like every boot), and report medians,
# ratios with 95% intervals and a verdict per metric (ci/bench-report.py).
# The first kernel is the reference. A boot runs as many benchmarks as it
# can: one (test, arguments) pair per test name.
#
# usage: ab-bench.sh INITRD JOBS_DIR NAME=KERNEL[@TEST,TEST] NAME=KERNEL...
#   KERNEL: an artifact directory or an Image, built without debug options;
#   @TEST,...: this kernel runs only these tests' benchmarks.
# Writes JOBS_DIR/bench-summary.txt and bench.json; exits 1 if a boot did
# not pass or a benchmark printed no figure.
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"

[ $# -ge 4 ] || die "usage: ${0##*/} INITRD JOBS_DIR NAME=KERNEL[@TEST,...] NAME=KERNEL..."
initrd=$1 out=$2
shift 2
conf=${BENCH_CONF:-$TOPDIR/ci/bench.conf}
reps=${BENCH_REPS:-5}
dev=${BENCH_DEVICE:-gicv3-vhe}
[[ $reps =~ ^[1-9][0-9]*$ ]] || die "BENCH_REPS='$reps' is not a positive number"
device_row "$dev" >/dev/null
names=() kernels=() only=()
for k in "$@"; do
	[ "${k#*=}" != "$k" ] || die "'$k' is not NAME=KERNEL"
	names+=("${k%%=*}") v=${k#*=}
	kernels+=("${v%@*}")
	if [ "${v%@*}" != "$v" ]; then only+=(",${v##*@},"); else only+=(""); fi
done
for f in "${kernels[@]}" "$initrd" "$conf"; do [ -e "$f" ] || die "'$f' not found"; done
mkdir -p "$out"
: >"$out/boot-errors.txt"

# Boot groups: the distinct (test, arguments) pairs, a test at most once per
# group (the guest passes one argument string per test).
mapfile -t groups < <(conf_rows "$conf" | awk -F'|' '
	!seen[$2 "|" $3]++ { n = ++count[$2]; g[n] = g[n] (g[n] == "" ? "" : ";") $2 "|" $3; if (n > max) max = n }
	END { for (i = 1; i <= max; i++) print g[i] }')
for r in $(seq 1 "$reps"); do
	for gi in "${!groups[@]}"; do
		for ki in "${!names[@]}"; do
			tests="" targs=()
			IFS=';' read -r -a pairs <<<"${groups[$gi]}"
			for p in "${pairs[@]}"; do
				t=${p%%|*} a=${p#*|}
				[ -z "${only[$ki]}" ] || [[ ${only[$ki]} == *",$t,"* ]] || continue
				tests="$tests${tests:+,}kvm:$t" targs+=(--arg "$t=$a")
			done
			[ -n "$tests" ] || continue
			d="$out/${names[$ki]}/g$((gi + 1))/$r"
			info "[${names[$ki]}] $tests (run $r/$reps)"
			v=$("$TOPDIR/ci/run-job.sh" --tests "$tests" "${targs[@]}" --timeout 240 --run-timeout 600 \
				--label "bench/${names[$ki]}" "$dev" "${kernels[$ki]}" "$initrd" "$d") || true
			[ "$v" = pass ] || echo "$d: ${v:-no verdict} (see $d)" >>"$out/boot-errors.txt"
		done
	done
done
rc=0
conf_rows "$conf" | python3 "$TOPDIR/ci/bench-report.py" "$out" "${names[@]}" || rc=1
if [ -s "$out/boot-errors.txt" ]; then
	echo "benchmark boots that did not pass:" >&2
	cat "$out/boot-errors.txt" >&2
	rc=1
fi
exit "$rc"
