#!/usr/bin/env bash
# A stage whose first command fails fails, and runs nothing after it.
. "$(dirname "$0")/lib.sh"
# shellcheck source=../../tools/lib.sh
. "$TOP/tools/lib.sh"
# shellcheck disable=SC2317 # called through stage()
body() { false; echo "after the failure" >"$T/after"; }
stage "failing stage" body 2>"$T/stage.log"
check "a stage whose first command fails reports failure" test "$STAGE_RC" != 0
check "nothing after the failing command runs" test ! -e "$T/after"
check "the failure is printed" grep -q "failing stage: .* (failed, exit 1)" "$T/stage.log"
# shellcheck disable=SC2317
sub() { local x; x=$(false; echo "after in substitution" >"$T/after2"); echo "$x"; }
stage "failing substitution" sub 2>/dev/null
check "a failure inside a command substitution fails the stage" test "$STAGE_RC" != 0
check "nothing after it in the substitution runs" test ! -e "$T/after2"
# shellcheck disable=SC2317
good() { true; }
stage "passing stage" good 2>/dev/null
check "a passing stage passes" test "$STAGE_RC" = 0
rc=0
bash -c '. "$1/tools/lib.sh"; f() { exit 7; }; stage x f 2>/dev/null; must_pass; exit 0' _ "$TOP" || rc=$?
check "must_pass exits with a failed stage's status" test "$rc" = 7
finish
