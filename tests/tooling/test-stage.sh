#!/usr/bin/env bash
# A stage whose first command fails fails, and runs nothing after it.
. "$(dirname "$0")/lib.sh"
# shellcheck source=../../tools/lib.sh
. "$TOP/tools/lib.sh"
export TMPDIR=$T # stage_bg's end-time files (one is left by the SIGKILL test)
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

# A stage in the background: the foreground goes on while it runs; its
# failure, time and status come at stage_wait; it runs at idle CPU priority
# with stdin from /dev/null; one still running at exit is stopped with all
# it started, and recorded as stopped.
# shellcheck disable=SC2317
bgfail() {
	echo "the stage's own output"
	for _ in $(seq 50); do [ -e "$T/fg" ] && break; sleep 0.1; done
	[ -e "$T/fg" ] && echo waited >"$T/bg-saw-fg"
	chrt -p "$BASHPID" >"$T/bg-policy"
	read -r _ || echo "stdin at end" >"$T/bg-stdin"
	false
	echo after >"$T/bg-after"
}
# dead PID: no such process, or a zombie (an init that does not reap).
dead() { local st; st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || return 0; [[ $st == Z* ]]; }
STAGE_TIMES="$T/times"
: >"$STAGE_TIMES"
stage_bg "bg stage" "$T/bgstage.log" bgfail 2>"$T/bg.log" <<<"a line the stage must not read"
echo "foreground" >"$T/fg"
stage_wait 2>>"$T/bg.log"
check "a background stage runs while the foreground goes on" test -e "$T/bg-saw-fg"
check "its failure is its STAGE_RC at stage_wait" test "$STAGE_RC" = 1
check "nothing after its failing command runs" test ! -e "$T/bg-after"
check "it runs at idle CPU priority" grep -q SCHED_IDLE "$T/bg-policy"
check "its stdin is /dev/null, not the pipeline's" test -e "$T/bg-stdin"
check "its failure is printed" grep -q "bg stage: .* (failed, exit 1)" "$T/bg.log"
check "its output goes to its log" grep -qx "the stage's own output" "$T/bgstage.log"
check "...which stage_wait shows" grep -qx "  | the stage's own output" "$T/bg.log"
check "...and recorded as a background stage" grep -qP '^bg stage\t[0-9]+\t1\tbackground$' "$T/times"
stage_bg "bg pass" "$T/pass.log" true 2>/dev/null
stage_wait 2>/dev/null
check "a passing one is recorded with status 0" grep -qP '^bg pass\t[0-9]+\t0\tbackground$' "$T/times"
# While it runs, BG_MARKER holds its name (run-job.sh reads it); not after.
# shellcheck disable=SC2317
readmark() { cat "$BG_MARKER" >"$T/mark-seen"; }
BG_MARKER="$T/marker" stage_bg "marked stage" "$T/mark.log" readmark 2>/dev/null
BG_MARKER="$T/marker" stage_wait 2>/dev/null
check "BG_MARKER names the stage while it runs" grep -qx "marked stage" "$T/mark-seen"
check "...and is gone when it has ended" test ! -e "$T/marker"
# Its time is its own, not how long the foreground took to wait for it.
: >"$T/times5"
STAGE_TIMES="$T/times5" stage_bg "short" /dev/null sleep 1 2>/dev/null
sleep 3
STAGE_TIMES="$T/times5" stage_wait 2>/dev/null
check "its recorded time is its own (1 s), not the wait's (3 s)" \
	awk -F'\t' '$1 == "short" && $2 <= 2 { ok = 1 } END { exit !ok }' "$T/times5"
fails_with "stage_wait without a background stage is an error" "no background stage" \
	bash -c '. "$1/tools/lib.sh"; stage_wait' _ "$TOP"
fails_with "a second background stage while one runs is an error" "'one' is still running" \
	bash -c '. "$1/tools/lib.sh"; trap stage_bg_kill EXIT; stage_bg one /dev/null sleep 30 2>/dev/null; stage_bg two /dev/null true' _ "$TOP"
# One still running at exit: stopped, with what it started, and recorded.
: >"$T/times2"
bash -c '. "$1/tools/lib.sh"; export STAGE_TIMES=$2/times2 D=$2
	b() { sleep 60 & echo $! >"$D/grandchild"; sleep 60; }
	trap stage_bg_kill EXIT; stage_bg long "$D/long.log" b
	for _ in $(seq 50); do [ -s "$D/grandchild" ] && break; sleep 0.1; done' _ "$TOP" "$T" 2>"$T/kill.log"
check "the stage had started its child" test -s "$T/grandchild"
check "one still running at exit is stopped, with what it started" dead "$(cat "$T/grandchild")"
check "...and recorded as stopped (143), not left out" grep -qP '^long\t[0-9]+\t143\tbackground$' "$T/times2"
check "...and said so" grep -q "stopped 'long'" "$T/kill.log"
# One that ended before the exit: its own verdict is kept, not "stopped".
: >"$T/times3"
bash -c '. "$1/tools/lib.sh"; export STAGE_TIMES=$2/times3
	trap stage_bg_kill EXIT; stage_bg quick /dev/null false
	for _ in $(seq 100); do grep -qs "^[0-9]* (.*) [^Z]" "/proc/$_BG_PID/stat" || break; sleep 0.1; done' _ "$TOP" "$T" 2>/dev/null
check "one that ended before the exit keeps its own status" grep -qP '^quick\t[0-9]+\t1\tbackground$' "$T/times3"
# A foreground stage fails while one runs: must_pass waits for it (its
# verdict is wanted), then exits with the failed stage's status.
: >"$T/times4"
rc=0
bash -c '. "$1/tools/lib.sh"; export STAGE_TIMES=$2/times4 D=$2
	slow() { sleep 2; echo done >"$D/slow-done"; }
	fg() { exit 5; }
	trap stage_bg_kill EXIT; stage_bg slow "$D/slow.log" slow; stage fg fg; must_pass; exit 0' _ "$TOP" "$T" 2>/dev/null || rc=$?
check "a failed foreground stage waits for the background one" test -e "$T/slow-done"
check "...records it" grep -qP '^slow\t[0-9]+\t0\tbackground$' "$T/times4"
check "...and exits with the failed stage's status" test "$rc" = 5
# The pipeline's shell killed outright (no trap runs): the stage's watcher
# stops it.
{
	bash -c '. "$1/tools/lib.sh"; export D=$2
		b() { sleep 60 & echo $! >"$D/orphan"; sleep 60; }
		stage_bg orphan "$D/orphan.log" b 2>/dev/null; sleep 60' _ "$TOP" "$T" &
	pid=$!
	for _ in $(seq 50); do [ -s "$T/orphan" ] && break; sleep 0.1; done
	kill -KILL "$pid"
	wait "$pid" || true
} 2>/dev/null
check "the stage had started its child" test -s "$T/orphan"
for _ in $(seq 50); do dead "$(cat "$T/orphan")" && break; sleep 0.1; done
check "a run killed outright (SIGKILL) takes its background stage with it" dead "$(cat "$T/orphan")"
finish
