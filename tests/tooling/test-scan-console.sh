#!/usr/bin/env bash
# The splat scan prints whole reports: from "cut here" to "end trace", past
# 25 lines, and stops at the end of a call trace without an end marker.
. "$(dirname "$0")/lib.sh"
{
	echo "[    1.0] hello"
	echo "[    2.0] ------------[ cut here ]------------"
	echo "[    2.1] WARNING: CPU: 0 PID: 1 at foo.c:1 bar+0x1/0x2"
	for i in $(seq 40); do echo "[    2.2] Modules linked in: x$i"; done
	echo "[    2.3] Call trace:"
	for i in $(seq 30); do echo "[    2.4]  fn$i+0x10/0x20"; done
	echo "[    2.5] ---[ end trace 0000000000000000 ]---"
	echo "[    3.0] after the report"
	echo "[    4.0] BUG: sleeping function called from invalid context"
	echo "[    4.1] Call trace:"
	echo "[    4.2]  a+0x1/0x2"
	echo "[    4.3] unrelated line"
} >"$T/console.log"
rc=0
"$TOP/ci/scan-console.sh" "$T/console.log" >"$T/out" || rc=$?
check "a splat fails the scan" test "$rc" = 1
check "the cut-here line is included" grep -q 'cut here' "$T/out"
check "the whole call trace is printed" grep -q 'fn30+0x10' "$T/out"
check "the report ends at its end marker" bash -c '! grep -q "after the report" "$1"' _ "$T/out"
check "a second report is found" grep -q 'BUG: sleeping' "$T/out"
check "a report without end marker stops after its call trace" bash -c '! grep -q "unrelated line" "$1"' _ "$T/out"
finish
