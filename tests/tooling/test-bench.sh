#!/usr/bin/env bash
# The benchmark report: figures are found by test and arguments, a clear
# difference gets a verdict, a bimodal one does not, a missing figure fails.
. "$(dirname "$0")/lib.sh"
# boot KERNEL REP VALUE: a benchmark boot as ci/run-job.sh leaves it.
boot() {
	local d="$T/b/$1/g1/$2"
	mkdir -p "$d"
	printf 'TAP version 13\n1..1\n# selftests: kvm: my_test\n# # bench: rate median %s\nok 1 selftests: kvm: my_test\n' "$3" >"$d/results.ktap"
	: >"$d/console.log"
	echo '{}' >"$d/metadata.json"
	BRC=0 SRC=0 DEVICE=dev CPU=max DCMD="" TESTS=kvm:my_test ARGS="my_test=-a_1" TIMEOUT=1 RUN_TIMEOUT=2 \
		ROLE=test LABEL="bench/$1" python3 "$TOP/ci/job-metadata.py" "$d" >/dev/null
}
for r in 1 2 3 4 5; do boot base "$r" $((1000 + r)); boot fast "$r" $((2000 + r)); done
for r in 1 2 3; do boot modes "$r" 1000; done
for r in 4 5; do boot modes "$r" 500; done
rows='rate|my_test|-a 1|rate median ([0-9]+)|ops/s'
check "bench-report finds the figures by test and arguments" \
	bash -c 'printf "%s\n" "$1" | python3 "$2/ci/bench-report.py" "$3" base fast modes' _ "$rows" "$TOP" "$T/b"
check "a clear difference is a verdict (twice the rate: faster)" grep -qE 'rate \[fast\].*faster$' "$T/b/bench-summary.txt"
check "two boots in a slow mode are no measurable difference" \
	grep -qE 'rate \[modes\].*no measurable difference$' "$T/b/bench-summary.txt"
fails_with "a benchmark without a figure fails" "without a figure: other" \
	bash -c 'printf "%s\n" "$1" | python3 "$2/ci/bench-report.py" "$3" base fast' _ \
	"other|my_test|-a 1|nothing ([0-9]+)|ops/s" "$TOP" "$T/b"
finish
