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

# A stage in the background: the foreground goes on; its failure, time and
# status come at stage_wait; it runs at idle CPU priority; one still running
# at exit is stopped with everything it started.
# shellcheck disable=SC2317
bgfail() { policy=$(chrt -p "$BASHPID"); echo "$policy" >"$T/bg-policy"; false; echo after >"$T/bg-after"; }
STAGE_TIMES="$T/times"
: >"$STAGE_TIMES"
stage_bg "bg stage" bgfail 2>"$T/bg.log"
echo "foreground" >"$T/fg"
stage_wait 2>>"$T/bg.log"
check "a background stage lets the foreground go on" test -e "$T/fg"
check "its failure is its STAGE_RC at stage_wait" test "$STAGE_RC" = 1
check "nothing after its failing command runs" test ! -e "$T/bg-after"
check "it runs at idle CPU priority" grep -q SCHED_IDLE "$T/bg-policy"
check "its failure is printed and recorded" eval 'grep -q "bg stage: .* (failed, exit 1)" "$T/bg.log" && grep -qx "bg stage.*1" "$T/times"'
fails_with "stage_wait without a background stage is an error" "no background stage" \
	bash -c '. "$1/tools/lib.sh"; stage_wait' _ "$TOP"
fails_with "a second background stage while one runs is an error" "'one' is still running" \
	bash -c '. "$1/tools/lib.sh"; stage_bg one sleep 5 2>/dev/null; trap stage_bg_kill EXIT; stage_bg two true' _ "$TOP"
bash -c '. "$1/tools/lib.sh"; b() { sleep 60 & echo $! >"$2/grandchild"; sleep 60; }
	trap stage_bg_kill EXIT; stage_bg long b; sleep 1' _ "$TOP" "$T" 2>/dev/null
sleep 1
check "one still running at exit is stopped, with what it started" eval '! kill -0 "$(cat "$T/grandchild")" 2>/dev/null'
finish
