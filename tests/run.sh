#!/usr/bin/env bash
# The test command: the tooling's own tests (tests/tooling/test-*.sh), then
# the main job (ci/pipeline.sh: checks, builds and the QEMU boot matrix).
# Prints "N passed, N failed, N skipped" last; exits non-zero on any failure.
#
# usage: tests/run.sh [--tooling-only]
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
# The main job starts by fetching and importing the base (on an empty cache
# a 166 MB download and ~96000 files into git: 111-117 s here, mostly
# network and disk). That runs here, beside the tooling tests (which use a
# cache of their own), at the lowest CPU priority; the main job then finds
# the base in the cache. A failure shows again, with its error, in the main
# job's apply stage.
prefetch="" base_log=""
if [ "${1:-}" != --tooling-only ]; then
	base_log=$(mktemp "${TMPDIR:-/tmp}/kvmarm-get-base.XXXXXX")
	# (in a process group of its own, so that an early exit stops all of it)
	set -m
	(
		t0=$(date +%s) rc=0
		nice -n 19 "$TOP/tools/get-base.sh" || rc=$?
		echo "get-base.sh: $(($(date +%s) - t0)) s"
		exit "$rc"
	) </dev/null >"$base_log" 2>&1 &
	prefetch=$!
	set +m
fi
trap '[ -z "$prefetch" ] || kill -- "-$prefetch" 2>/dev/null || true; rm -f "$base_log"' EXIT
echo "== tooling tests (prove)"
# prove (perl) runs the TAP scripts, as many at a time as there are CPUs
# (each works in a directory of its own), and judges them: a failed test, a
# script that died, a plan that does not match. The counts come from its TAP.
command -v prove >/dev/null || { echo "error: prove not found: install the Debian package 'perl'" >&2; exit 1; }
prc=0
tap=$(cd "$TOP" && prove -j"$(nproc)" --exec bash --merge --verbose tests/tooling/test-*.sh 2>&1) || prc=$?
printf '%s\n' "$tap"
passed=$(printf '%s\n' "$tap" | grep -E '^ok [0-9]' | grep -vc '# SKIP' || true)
skipped=$(printf '%s\n' "$tap" | grep -cE '^ok [0-9]+.*# SKIP' || true)
failed=$(printf '%s\n' "$tap" | grep -cE '^not ok [0-9]' || true)
if [ "$prc" != 0 ] && [ "$failed" = 0 ]; then
	echo "not ok - prove failed a tooling test script (died, or its plan does not match)"
	failed=1
fi

if [ "${1:-}" != --tooling-only ]; then
	echo "== the base (tools/get-base.sh, beside the tooling tests)"
	if wait "$prefetch"; then
		grep -v '^Get:\|^Fetched\|^Reading' "$base_log" | sed 's/^/  /'
	else
		echo "  failed (the main job tries again):"
		sed 's/^/  /' "$base_log"
	fi
	prefetch=""
	echo "== main job (ci/pipeline.sh)"
	results=${RESULTS_DIR:-$TOP/results}
	mrc=0
	RESULTS_DIR=$results "$TOP/ci/pipeline.sh" || mrc=$?
	[ "$mrc" = 0 ] || echo "main job failed (see $results/summary.txt and $results/check-patches.log)"
	# One report over every job (matrix, A/B, benchmark boots): its counts.
	p=0 f=0 s=0 x=0
	[ ! -f "$results/counts" ] || read -r p f s x <"$results/counts"
	# Expected failures are neither passes nor failures: counted with the
	# skips in the closing line, and listed here and in summary.txt.
	if [ "${x:-0}" -gt 0 ]; then
		echo "$x expected failure(s), each with its reason:"
		grep -h 'expected failure:' "$results/summary.txt" 2>/dev/null | sed 's/^/  /' || true
		s=$((s + x))
	fi
	# The other stages count as one test each (the matrix and the A/B runs
	# through their jobs above; the benchmarks stage also judges the figures).
	while IFS=$'\t' read -r name _ rc _; do
		case $name in "boot matrix" | A/B* | report) continue ;; esac
		if [ "$rc" = 0 ]; then p=$((p + 1)); else f=$((f + 1)); echo "not ok - stage '$name'"; fi
	done < <(cat "$results/stage-times.txt" 2>/dev/null || true)
	[ -f "$results/counts" ] || { f=$((f + 1)); echo "not ok - no report: the jobs did not run"; }
	[ -d "$results/jobs/matrix" ] || { f=$((f + 1)); echo "not ok - the boot matrix did not run"; }
	if grep -qs '^A/B' "$results/stage-times.txt" && [ ! -s "$results/jobs/ab/ab-summary.txt" ]; then
		f=$((f + 1))
		echo "not ok - the A/B runs did not complete"
	fi
	# A main job that failed is never a green line, whatever was counted.
	if [ "$mrc" != 0 ] && [ "$((f))" -eq 0 ]; then
		f=1
		echo "not ok - the main job failed (exit $mrc) and no failure above says why"
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] && [ "${mrc:-0}" = 0 ]
