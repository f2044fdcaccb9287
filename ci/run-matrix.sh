#!/usr/bin/env bash
# The boot matrix: one job per device of ci/matrix.conf, each running the
# selftests that ci/tests.conf lists for it, with ci/test-args.conf
# (ci/run-job.sh).
#
# usage: run-matrix.sh KERNEL INITRD JOBS_DIR [DEVICE...]
#   KERNEL: an artifact directory (ci/build-artifact.sh) or an Image.
# Environment: MATRIX, TESTS, TEST_ARGS (files), TEST_TIMEOUT (s per test,
# default 180), MATRIX_RUN_TIMEOUT (s per boot, default 600: a boot takes
# 60-170 s, with a KASAN kernel about 350 s; a hung guest costs no more).
# Writes JOBS_DIR/<device>/ per device; exits 1 unless every job passed.
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"

[ $# -ge 3 ] || die "usage: ${0##*/} KERNEL INITRD JOBS_DIR [DEVICE...]"
kernel=$1 initrd=$2 jobs=$3
shift 3
export MATRIX=${MATRIX:-$TOPDIR/ci/matrix.conf}
tests_file=${TESTS:-$TOPDIR/ci/tests.conf}
[ -n "$(conf_rows "$tests_file")" ] || die "no test named in $tests_file"
mapfile -t args < <(conf_rows "${TEST_ARGS:-$TOPDIR/ci/test-args.conf}")
mapfile -t devices < <(conf_rows "$MATRIX" | cut -d'|' -f1)
for d in "$@"; do
	printf '%s\n' "${devices[@]}" | grep -qxF "$d" || die "device '$d' is not in $MATRIX"
done
[ $# -eq 0 ] || devices=("$@")
mkdir -p "$jobs"

rc=0
for dev in "${devices[@]}"; do
	# The tests of this device: those with no device list, or naming it.
	tests=$(conf_rows "$tests_file" | awk -F'|' -v d="$dev" \
		'$2 == "" { print $1; next } { n = split($2, l, " "); for (i = 1; i <= n; i++) if (l[i] == d) print $1 }' |
		paste -sd, -)
	[ -n "$tests" ] || { info "[$dev] no test for this device in $tests_file"; continue; }
	info "[$dev] booting"
	v=$("$TOPDIR/ci/run-job.sh" --tests "$tests" "${args[@]/#/--arg=}" \
		--timeout "${TEST_TIMEOUT:-180}" --run-timeout "${MATRIX_RUN_TIMEOUT:-600}" --label "matrix/$dev" \
		"$dev" "$kernel" "$initrd" "$jobs/$dev") || rc=1
	info "[$dev] $v: $(grep -c '^ok .*# SKIP' "$jobs/$dev/results.ktap" || true) skipped," \
		"$(grep -c '^not ok' "$jobs/$dev/results.ktap" || true) failed, $(cat "$jobs/$dev/seconds")s"
done
exit "$rc"
