#!/usr/bin/env bash
# Look for kernel splats in a guest console log.
#
# usage: scan-console.sh CONSOLE_LOG
# Prints each splat (the whole report, see below) and exits 1 if there
# is any (exit 2 if it cannot scan): BUG, WARNING, lockdep, RCU warnings and stalls, KASAN, UBSAN, Oops,
# panic, soft/hard lockups, hung tasks, list corruption.
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"

# Exit 1 means a splat; its own errors exit 2.
[ $# -eq 1 ] || { echo "usage: ${0##*/} CONSOLE_LOG" >&2; exit 2; }
[ -f "$1" ] || { echo "${0##*/}: error: console log '$1' not found" >&2; exit 2; }
pattern='(^|[] ])(BUG:|WARNING:|kernel BUG at|Kernel panic|Oops|Internal error:|Unable to handle kernel|KASAN:|UBSAN:|Invalid wait context|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|detected stalls? on CPUs|self-detected stall|soft lockup|hard LOCKUP|blocked for more than|list_(add|del) corruption|refcount_t:|DEBUG_LOCKS_WARN_ON|Call trace:)'
# The first line of each splat, not every line of its trace.
lines=$(grep -n -E "$pattern" "$1" | grep -v -E 'Call trace:' | cut -d: -f1 || true)
[ -n "$lines" ] || exit 0
# Each report is printed whole: from its first line (and the "cut here" line
# before it) to its end marker ("---[ end trace", "end Kernel panic", the
# closing "=====" of a KASAN/UBSAN/lockdep report), at most SPLAT_MAX lines;
# without a marker, to the end of its call trace.
max=${SPLAT_MAX:-300}
last=0
for n in $lines; do
	[ "$n" -gt "$last" ] || continue
	start=$n
	[ "$n" -gt 1 ] && sed -n "$((n - 1))p" "$1" | grep -q 'cut here' && start=$((n - 1))
	end=$(awk -v s="$n" -v max="$max" '
		NR < s { next }
		function stop(l) { print l; done = 1; exit }
		NR > s + max { stop(NR - 1) }
		/---\[ end trace|---\[ end Kernel panic/ { stop(NR) }
		NR > s && /^(\[ *[0-9.]+\] )?=+$/ { stop(NR) }
		/Call trace:/ { intrace = 1; next }
		intrace && !/^(\[ *[0-9.]+\] )? +[^ ]+\+0x[0-9a-f]+\/0x[0-9a-f]+/ { stop(NR - 1) }
		END { if (!done) print NR }' "$1")
	printf -- '--- %s:%s\n' "$1" "$n"
	sed -n "${start},${end}p" "$1" | sed 's/^/    /'
	last=$end
done
exit 1
