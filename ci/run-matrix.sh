#!/usr/bin/env bash
# Boot one kernel + initramfs in every configuration of ci/matrix.conf, run the
# selftests of ci/tests.conf in each, scan the console logs for splats, and
# write the report (summary.txt, results.ktap, junit.xml) to RESULTS_DIR.
#
# usage: run-matrix.sh KERNEL INITRD RESULTS_DIR [CONFIG...]
# Environment: MATRIX, TESTS, TEST_ARGS (files), TEST_TIMEOUT (s per test).
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"

[ $# -ge 3 ] || die "usage: ${0##*/} KERNEL INITRD RESULTS_DIR [CONFIG...]"
kernel=$1 initrd=$2 results=$3
shift 3
matrix=${MATRIX:-$TOPDIR/ci/matrix.conf}
tests_file=${TESTS:-$TOPDIR/ci/tests.conf}
args_file=${TEST_ARGS:-$TOPDIR/ci/test-args.conf}
for f in "$matrix" "$tests_file" "$args_file"; do [ -f "$f" ] || die "'$f' not found"; done
mkdir -p "$results"

nocomment() { sed 's/#.*//; s/^[[:space:]]*//; s/[[:space:]]*$//' "$1" | sed '/^$/d'; }
tests=$(nocomment "$tests_file" | paste -sd, -)
args=$(nocomment "$args_file" | tr ' ' _ | paste -sd';' -)
[ -n "$tests" ] || die "no test named in $tests_file"

rc=0
while IFS='|' read -r name machine cmdline; do
	name=$(echo "$name" | xargs) machine=$(echo "$machine" | xargs) cmdline=$(echo "$cmdline" | xargs)
	if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qxF "$name"; then continue; fi
	out="$results/$name"
	rm -rf "$out"
	mkdir -p "$out"
	echo "$tests" | tr ',' '\n' >"$out/tests"
	info "[$name] booting ($machine${cmdline:+, $cmdline})"
	read -r -a extra <<<"$cmdline"
	"$TOPDIR/ci/boot-guest.sh" "$kernel" "$initrd" "$out" "$machine" "${extra[@]}" \
		"ci.tests=$tests" "ci.timeout=${TEST_TIMEOUT:-300}" ${args:+"ci.args=$args"} || rc=1
	"$TOPDIR/ci/scan-console.sh" "$out/console.log" >"$out/splats.txt" || rc=1
	info "[$name] $(grep -c '^ok .*# SKIP' "$out/results.ktap" || true) skipped," \
		"$(grep -c '^not ok' "$out/results.ktap" || true) failed, $(cat "$out/seconds")s"
done < <(nocomment "$matrix")
python3 "$TOPDIR/ci/report.py" "$results" || rc=1
exit "$rc"
