# shellcheck shell=bash
# Common helpers for the series tooling. Source it; do not run it.

# Where everything cached lives: never inside the clone, never in a user's tree.
export CACHE_ROOT=${KVMARM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kvmarm-series}
# Worktrees and build directories belong to one repository: with KERNEL_DIR
# they live under a directory of their own (named like get-base.sh's cache
# repository for it), so that runs with and without KERNEL_DIR never share
# or refuse each other's worktrees, nor build one tree in another's objects.
WORK_ROOT=$CACHE_ROOT
if [ -n "${KERNEL_DIR:-}" ]; then
	_gitdir=$(git -C "$KERNEL_DIR" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
	[ -z "$_gitdir" ] || WORK_ROOT="$CACHE_ROOT/linux-$(printf '%s' "$_gitdir" | sha1sum | cut -c1-12)"
	unset _gitdir
fi
export WORK_ROOT
TOPDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The series being worked on: `series`, patches/ and cover-letter.txt side by
# side (SERIES_FILE points elsewhere for the tooling's own tests).
SERIES_FILE=${SERIES_FILE:-$TOPDIR/series}
SERIES_DIR=$(cd "$(dirname "$SERIES_FILE")" && pwd)
PATCH_DIR=$SERIES_DIR/patches
export SERIES_FILE SERIES_DIR PATCH_DIR

die() {
	printf '%s: error: %s\n' "${0##*/}" "$*" >&2
	exit 1
}

info() {
	printf '%s: %s\n' "${0##*/}" "$*" >&2
}

# need_tool TOOL PACKAGE: fail with the Debian package that provides TOOL.
need_tool() {
	command -v "$1" >/dev/null 2>&1 ||
		die "'$1' not found: install the Debian package '$2' (apt-get install $2)"
}

# ccache_env SRC: the compiler cache for a build of the source tree SRC:
# in the cache (never in the clone), shared between worktrees (paths taken
# relative to SRC), and in depend mode: ccache takes the files a compile
# read from the compiler's own dependency output (kbuild's -MMD, the
# selftests' -MD) instead of running the preprocessor once more on every
# miss. (The 87 files that include arm_vgic.h, all misses, took 135 s of CPU
# to compile that way, 93 s in depend mode, 91 s without ccache.) Assembler
# sources are the exception (tools/ccache-gcc.sh, the kernel builds' CC).
# A namespace keeps these results apart from those stored before.
ccache_env() {
	export CCACHE_DIR=${CCACHE_DIR:-$CACHE_ROOT/ccache}
	CCACHE_BASEDIR=$(realpath "$1")
	export CCACHE_BASEDIR CCACHE_NOHASHDIR=1 CCACHE_DEPEND=1 CCACHE_NAMESPACE=kvmarm-depend
}

# fragment_file NAME: a config fragment given as a file or as a name in
# ci/config (NAME.config); prints its absolute path.
fragment_file() {
	if [ -f "$1" ]; then realpath "$1"
	elif [ -f "$TOPDIR/ci/config/$1.config" ]; then echo "$TOPDIR/ci/config/$1.config"
	else die "config fragment '$1' not found (neither a file nor ci/config/$1.config)"
	fi
}

# conf_rows FILE: the one parser of the CI's "|"-separated configuration
# files (ci/*.conf): comments ("#" to the end of a line) and blank lines
# dropped, each field trimmed; prints "field|field|..." per row.
conf_rows() {
	[ -f "$1" ] || die "configuration file '$1' not found"
	sed 's/#.*//' "$1" | awk -F'|' -v OFS='|' '
		{ for (i = 1; i <= NF; i++) { gsub(/^[ \t]+|[ \t]+$/, "", $i) } }
		{ line = $0; gsub(/[|]/, "", line) } line != "" { $1 = $1; print }'
}

# device_row NAME [MATRIX]: "machine|cpu|cmdline" of device NAME in
# ci/matrix.conf (or MATRIX), or an error naming the file.
device_row() {
	local m=${2:-${MATRIX:-$TOPDIR/ci/matrix.conf}} row
	row=$(conf_rows "$m" | awk -F'|' -v n="$1" '$1 == n { print $2 "|" $3 "|" $4; exit }')
	[ -n "$row" ] || die "device '$1' is not in $m"
	echo "$row"
}

# qemu_path: the qemu-system-aarch64 the boots run, after QEMU:
#   unset     QEMU 10.0 from Debian bookworm-backports (tools/get-qemu.sh,
#             fetched into the cache on first use): the default
#   system    the one on PATH (Debian 12's qemu-system-arm, QEMU 7.2)
#   a path    that executable
qemu_path() {
	case ${QEMU:-} in
	"") "$TOPDIR/tools/get-qemu.sh" || die "could not get QEMU 10 (tools/get-qemu.sh failed; QEMU=system boots Debian 12's QEMU 7.2)" ;;
	system)
		need_tool qemu-system-aarch64 qemu-system-arm
		command -v qemu-system-aarch64
		;;
	*)
		if [ ! -f "$QEMU" ] || [ ! -x "$QEMU" ]; then
			die "QEMU='$QEMU' is not an executable file (QEMU=system: the one on PATH; unset: QEMU 10)"
		fi
		echo "$QEMU"
		;;
	esac
}

# series_field KEY: value of a '# KEY: value' line in the series file.
series_field() {
	sed -n "s/^#[[:space:]]*$1:[[:space:]]*//p" "$SERIES_FILE" | head -n1
}

# series_patches: the patch files named by the series file, in order.
series_patches() {
	sed 's/#.*//; s/^[[:space:]]*//; s/[[:space:]]*$//' "$SERIES_FILE" |
		sed '/^$/d'
}

# series_topics: "NAME<TAB>N N N" per "# topic: NAME FIRST-LAST [text]" line of
# the series file (patch numbers, 1-based), e.g. "# topic: vgic 1-6 (kvmarm)".
series_topics() {
	sed -n 's/^#[[:space:]]*topic:[[:space:]]*\([^[:space:]]*\)[[:space:]]*\([0-9]*\)-\([0-9]*\).*/\1 \2 \3/p' "$SERIES_FILE" |
		while read -r name first last; do
			printf '%s\t%s\n' "$name" "$(seq -s ' ' "$first" "$last")"
		done
}

# stage NAME CMD...: run a step in a child shell with errexit in force (also
# in its command substitutions), print its wall time, and leave its exit
# status in STAGE_RC; stage itself returns 0. Call it as a plain command,
# never in a condition or an || list: bash ignores errexit in the whole of a
# function called there, and a stage whose first command failed could go on
# and report success. A stage cannot set variables for later ones: it
# writes files. must_pass exits with the stage's status if it failed.
stage() {
	local name=$1 t0
	shift
	t0=$(date +%s)
	info ">>> $name"
	set +e
	(
		set -e
		shopt -s inherit_errexit
		"$@"
	)
	STAGE_RC=$?
	set -e
	info "<<< $name: $(($(date +%s) - t0)) s$([ "$STAGE_RC" = 0 ] || echo " (failed, exit $STAGE_RC)")"
	[ -z "${STAGE_TIMES:-}" ] || printf '%s\t%s\t%s\n' "$name" "$(($(date +%s) - t0))" "$STAGE_RC" >>"$STAGE_TIMES"
}
# must_pass: exit with the stage's status if it failed (after waiting for
# a background stage and showing its log: its verdict, e.g. which patch
# does not build, is what a failed build needs most).
must_pass() {
	[ "$STAGE_RC" = 0 ] && return 0
	local rc=$STAGE_RC
	[ -z "${_BG_PID:-}" ] || stage_wait
	exit "$rc"
}

# stage_bg NAME LOG CMD...: start a stage like stage() but in the
# background, its output (stdout and stderr) to the file LOG, and go on;
# stage_wait waits for it, shows LOG, and then does what stage() does at
# its end (its time from its start to its own end, STAGE_RC, a line in
# STAGE_TIMES marked "background"). One at a time. It runs at idle CPU priority
# (SCHED_IDLE, inherited by all it starts: it gets the CPU time the
# foreground leaves; caches and memory bandwidth it shares), with stdin from
# /dev/null, in a process group of its own that dies with this shell:
# stage_bg_kill (an EXIT trap) stops it, and a watcher inside it stops it if
# this shell is killed outright. Timed work (benchmarks) must not run beside
# it. While it runs, the file BG_MARKER (if set) holds its name:
# ci/run-job.sh records it in the metadata of a boot that ran beside it.
stage_bg() {
	[ -z "${_BG_PID:-}" ] || die "stage_bg '$1': '$_BG_NAME' is still running"
	_BG_NAME=$1 _BG_LOG=$2 _BG_T0=$(date +%s)
	_BG_END=$(mktemp "${TMPDIR:-/tmp}/stage-bg-end.XXXXXX")
	shift 2
	info ">>> $_BG_NAME (in the background, at idle CPU priority; its output: $_BG_LOG, shown when it ends)"
	set -m
	(
		set +m -e
		shopt -s inherit_errexit
		chrt --idle -p 0 "$BASHPID" >/dev/null 2>&1 || renice -n 19 -p "$BASHPID" >/dev/null 2>&1 ||
			info "could not lower the priority of '$_BG_NAME' (chrt, renice): it competes with the foreground"
		pg=$BASHPID
		# The watcher: this shell gone (or a zombie nobody reaps), the group goes.
		{
			while kill -0 "$$" && ! grep -qs '^[0-9]* (.*) Z' "/proc/$$/stat"; do sleep 2; done
			kill -KILL -- "-$pg"
		} >/dev/null 2>&1 &
		# shellcheck disable=SC2064 # the watcher's pid, now
		# (and the time it ended, for its line in STAGE_TIMES)
		trap "kill $! 2>/dev/null || true; ${BG_MARKER:+rm -f $(printf %q "$BG_MARKER");} date +%s >$(printf %q "$_BG_END")" EXIT
		[ -z "${BG_MARKER:-}" ] || echo "$_BG_NAME" >"$BG_MARKER"
		"$@"
	) </dev/null >"$_BG_LOG" 2>&1 &
	_BG_PID=$!
	set +m
}
stage_wait() {
	[ -n "${_BG_PID:-}" ] || die "stage_wait: no background stage"
	info "... waiting for '$_BG_NAME'"
	set +e
	wait "$_BG_PID"
	STAGE_RC=$?
	set -e
	_BG_PID=""
	info "--- the output of '$_BG_NAME' ($_BG_LOG):"
	sed 's/^/  | /' "$_BG_LOG" >&2 || true
	_bg_record
}
_bg_record() {
	local end how t
	end=$(cat "$_BG_END" 2>/dev/null || true)
	rm -f "$_BG_END"
	[ -n "$end" ] || end=$(date +%s) # stopped: no end time of its own
	t=$((end - _BG_T0))
	[ -z "${BG_MARKER:-}" ] || rm -f "$BG_MARKER"
	case $STAGE_RC in 0) how="" ;; 143) how=" (stopped)" ;; *) how=" (failed, exit $STAGE_RC)" ;; esac
	info "<<< $_BG_NAME: $t s from its start, in the background$how"
	[ -z "${STAGE_TIMES:-}" ] || printf '%s\t%s\t%s\tbackground\n' "$_BG_NAME" "$t" "$STAGE_RC" >>"$STAGE_TIMES"
}
# _group_alive PGID: a process of group PGID is still running (zombies,
# which an init that does not reap leaves, do not count).
_group_alive() {
	# (cat, not awk, opens the files: mawk stops at one that has vanished;
	# and cat fails then, which is no answer under pipefail)
	{ cat /proc/[0-9]*/stat 2>/dev/null || true; } |
		awk -v pg="$1" '{ sub(/^.*\) /, "") } $3 == pg && $1 != "Z" { found = 1 } END { exit !found }'
}
stage_bg_kill() {
	[ -n "${_BG_PID:-}" ] || return 0
	if ! kill -0 "$_BG_PID" 2>/dev/null; then
		stage_wait
		return 0
	fi
	# TERM to the group; its leader (the stage's subshell) dies of it at
	# once and is reaped, then what it started gets 10 s to end.
	kill -TERM -- "-$_BG_PID" 2>/dev/null || true
	wait "$_BG_PID" 2>/dev/null || true
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		_group_alive "$_BG_PID" || break
		sleep 1
	done
	kill -KILL -- "-$_BG_PID" 2>/dev/null || true
	STAGE_RC=143 _BG_PID=""
	info "stopped '$_BG_NAME': still running when the run ended"
	_bg_record
}

# Boots as lanes: up to BOOT_LANES jobs at a time (default: the number of
# CPUs), but one at a time while a background stage runs (BG_MARKER is
# not empty), which takes the CPU a TCG boot leaves idle. The limit is read
# again whenever a lane is wanted. (Which boots did run side by side, the
# report tells from their start and end times in metadata.json.)
#   lane_run CMD...  start CMD in the background once a lane is free
#   lane_wait        wait for every job; non-zero if any of them failed
#   lane_stop        stop the jobs still running, and what they started
_LANE_PIDS=() _LANE_RC=0
lane_limit() {
	local n=${BOOT_LANES:-$(nproc)}
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "BOOT_LANES must be a positive number, not '$n'"
	if [ -n "${BG_MARKER:-}" ] && [ -s "$BG_MARKER" ]; then n=1; fi
	echo "$n"
}
# _lane_reap: wait until at least one job has ended, forget those that have,
# record their status. Polled against this shell's own list of running
# jobs (jobs -rp), so that a PID that ended and was reused by another
# process is never taken for a lane.
_lane_reap() {
	local p st keep=() ended=0 running
	while :; do
		running=" $(jobs -rp | tr '\n' ' ') "
		for p in "${_LANE_PIDS[@]}"; do
			if [[ $running == *" $p "* ]]; then
				keep+=("$p")
			else
				st=0
				wait "$p" || st=$?
				[ "$st" = 0 ] || _LANE_RC=1
				ended=1
			fi
		done
		_LANE_PIDS=("${keep[@]}")
		[ "$ended" = 0 ] || return 0
		keep=()
		sleep 0.5
	done
}
lane_run() {
	local n
	while :; do
		n=$(lane_limit) || exit 1
		[ "${#_LANE_PIDS[@]}" -ge "$n" ] || break
		_lane_reap
	done
	"$@" &
	_LANE_PIDS+=("$!")
}
lane_wait() {
	while [ "${#_LANE_PIDS[@]}" -gt 0 ]; do _lane_reap; done
	local rc=$_LANE_RC
	_LANE_RC=0
	return "$rc"
}
lane_stop() {
	local p running
	running=" $(jobs -rp | tr '\n' ' ') "
	for p in "${_LANE_PIDS[@]}"; do
		[[ $running != *" $p "* ]] || _kill_tree "$p"
	done
}
# _kill_tree PID: SIGTERM to PID, then to every process below it (a job's
# boot-guest.sh stops its QEMU on it); the children are named first.
_kill_tree() {
	local c kids
	# (a process that ends while cat reads makes it fail: not an error)
	kids=$({ cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v p="$1" '{ pid = $1; sub(/^.*\) /, "") } $2 == p { print pid }')
	kill "$1" 2>/dev/null || true
	for c in $kids; do _kill_tree "$c"; done
}

# is_placeholder_email ADDR: true when ADDR (with or without <>) cannot be a
# person's deliverable address: a reserved domain (TLD .example, .invalid,
# .test, .localhost; example.com/.net/.org and their subdomains), any address
# containing "noreply" (users.noreply.github.com, a machine's git identity),
# or no domain at all. Such an identity must never be mailed.
is_placeholder_email() {
	local e=${1,,} d
	e=${e#*<} e=${e%>*} e=${e//[[:space:]]/}
	case $e in *noreply*) return 0 ;; *@?*) ;; *) return 0 ;; esac
	d=${e##*@} d=${d%.}
	case .$d in
	*.example | *.invalid | *.test | *.localhost) return 0 ;;
	*.example.com | *.example.net | *.example.org) return 0 ;;
	esac
	return 1
}
