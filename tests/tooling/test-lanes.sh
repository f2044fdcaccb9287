#!/usr/bin/env bash
# Boots as lanes (tools/lib.sh lane_run): up to BOOT_LANES jobs at a time,
# one at a time while a background stage runs; a failed job fails
# lane_wait; lane_stop stops the jobs and what they started.
. "$(dirname "$0")/lib.sh"
# shellcheck source=../../tools/lib.sh
. "$TOP/tools/lib.sh"

# job NAME [PEER]: records its start and end (in ms); with PEER, waits (up
# to 10 s) for PEER to have started, so that two lanes are seen to overlap
# without depending on how fast the machine is.
# shellcheck disable=SC2317 # called through lane_run
job() {
	echo "$1 start $(date +%s%3N)" >>"$T/log.$1"
	if [ -n "${2:-}" ]; then
		for _ in $(seq 100); do [ -e "$T/log.$2" ] && break; sleep 0.1; done
	else
		sleep 0.3
	fi
	echo "$1 end $(date +%s%3N)" >>"$T/log.$1"
}
# overlapped A B: job A started before job B ended and B before A ended.
overlapped() {
	local as ae bs be
	read -r _ _ as <"$T/log.$1"; ae=$(sed -n 's/.* end //p' "$T/log.$1")
	read -r _ _ bs <"$T/log.$2"; be=$(sed -n 's/.* end //p' "$T/log.$2")
	[ "$as" -lt "$be" ] && [ "$bs" -lt "$ae" ]
}
# run_three: jobs a and b, each waiting for the other if both may run;
# then c.
run_three() {
	rm -f "$T"/log.*
	if [ "$(lane_limit)" -gt 1 ]; then
		lane_run job a b
		lane_run job b a
	else
		lane_run job a
		lane_run job b
	fi
	lane_run job c
	lane_wait
}

unset BG_MARKER
BOOT_LANES=2 run_three
check "two lanes: the first two jobs run side by side" overlapped a b
check "...and the third starts only after one of them has ended" bash -c '
	read -r _ _ cs _ <"$1/log.c"
	ae=$(sed -n "s/.* end //p" "$1/log.a"); be=$(sed -n "s/.* end //p" "$1/log.b")
	[ "$cs" -ge "$ae" ] || [ "$cs" -ge "$be" ]' _ "$T"
BOOT_LANES=1 run_three
check "one lane: no two jobs overlap" bash -c "! { $(declare -f overlapped); T=$T; overlapped a b || overlapped b c || overlapped a c; }"
export BG_MARKER="$T/marker"
echo "checks" >"$BG_MARKER"
BOOT_LANES=2 run_three
check "one at a time while a background stage runs (BG_MARKER)" bash -c "! { $(declare -f overlapped); T=$T; overlapped a b || overlapped b c || overlapped a c; }"
: >"$BG_MARKER"
BOOT_LANES=2 run_three
check "two at a time once the background stage has ended" overlapped a b
unset BG_MARKER

# A failed job fails lane_wait, after every job has ended.
# shellcheck disable=SC2317
failing() { sleep 0.2; return 3; }
rm -f "$T"/log.*
rc=0
BOOT_LANES=2 lane_run failing
BOOT_LANES=2 lane_run job a
lane_wait || rc=$?
check "a failed job fails lane_wait" test "$rc" != 0
check "...which waits for the others first" grep -q ' end ' "$T/log.a"
rc=0
BOOT_LANES=2 lane_run job b
lane_wait || rc=$?
check "the next lane_wait starts from a clean slate" test "$rc" = 0

fails_with "BOOT_LANES that is not a positive number is an error naming it" "BOOT_LANES must be a positive number, not '0'" \
	bash -c '. "$1/tools/lib.sh"; BOOT_LANES=0 lane_run true' _ "$TOP"

# lane_stop: the job, and the process it started, are stopped.
# shellcheck disable=SC2317
spawner() { sleep 30 >/dev/null 2>&1 & echo "$!" >"$T/grandchild"; wait; }
rm -f "$T/grandchild"
BOOT_LANES=2 lane_run spawner
for _ in $(seq 50); do [ -s "$T/grandchild" ] && break; sleep 0.1; done
lane_stop
gc=$(cat "$T/grandchild")
for _ in $(seq 50); do kill -0 "$gc" 2>/dev/null || break; sleep 0.1; done
check "lane_stop stops a job and the processes it started" bash -c '! kill -0 "$1" 2>/dev/null' _ "$gc"
lane_wait || true
finish
