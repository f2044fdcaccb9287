#!/usr/bin/env bash
# ci/ab-compare.py: the base's and the series' verdicts of the same tests
# side by side; a failure or a skip on the series only fails it.
. "$(dirname "$0")/lib.sh"
# job ROOT DEVICE TEST=VERDICT...: a job directory's metadata.json.
job() {
	local root=$1 dev=$2
	shift 2
	mkdir -p "$root/$dev"
	python3 -c 'import json, sys
json.dump({"tests": dict(a.split("=", 1) for a in sys.argv[2:])}, open(sys.argv[1], "w"))' \
		"$root/$dev/metadata.json" "$@"
}
job "$T/base" d1 kut:a=pass kut:b=fail kut:c=xfail kvm:x=pass
job "$T/series" d1 kut:a=pass kut:b=pass kut:c=xfail kvm:x=fail
check "the same verdicts and a base-only failure pass" python3 "$TOP/ci/ab-compare.py" "$T/base" "$T/series" 'kut:*' "$T/out.txt"
check "...and are listed" bash -c 'grep -q "kut:b .*fail .*pass .*base only fails" "$1" && grep -q "kut:c .*xfail .*xfail .*same" "$1"' _ "$T/out.txt"
check "tests outside the pattern are not compared" bash -c '! grep -q kvm:x "$1"' _ "$T/out.txt"
job "$T/series2" d1 kut:a=fail kut:b=skip kut:c=xfail
job "$T/base2" d1 kut:a=pass kut:b=pass kut:c=xfail
fails_with "a failure on the series only fails the comparison" "kut:a .*series only fails" \
	python3 "$TOP/ci/ab-compare.py" "$T/base2" "$T/series2" 'kut:*' "$T/out2.txt"
check "...as does a skip on the series only" grep -q "kut:b .*series only skips" "$T/out2.txt"
job "$T/base3" d2 kut:a=pass
fails_with "a base result without a series run fails" "no series run" \
	python3 "$TOP/ci/ab-compare.py" "$T/base3" "$T/series" 'kut:*' "$T/out3.txt"
finish
