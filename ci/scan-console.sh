#!/usr/bin/env bash
# Look for kernel splats in a guest console log.
#
# usage: scan-console.sh CONSOLE_LOG
# Prints each splat (first line and the lines after it) and exits 1 if there
# is any: BUG, WARNING, lockdep, RCU warnings and stalls, KASAN, UBSAN, Oops,
# panic, soft/hard lockups, hung tasks, list corruption.
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"

[ $# -eq 1 ] || die "usage: ${0##*/} CONSOLE_LOG"
[ -f "$1" ] || die "console log '$1' not found"
pattern='(^|[] ])(BUG:|WARNING:|kernel BUG at|Kernel panic|Oops|Internal error:|Unable to handle kernel|KASAN:|UBSAN:|Invalid wait context|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|detected stalls? on CPUs|self-detected stall|soft lockup|hard LOCKUP|blocked for more than|list_(add|del) corruption|refcount_t:|DEBUG_LOCKS_WARN_ON|Call trace:)'
# The first line of each splat, not every line of its trace.
lines=$(grep -n -E "$pattern" "$1" | grep -v -E 'Call trace:' | cut -d: -f1 || true)
[ -n "$lines" ] || exit 0
last=0
for n in $lines; do
	[ "$n" -gt "$last" ] || continue
	printf -- '--- %s:%s\n' "$1" "$n"
	sed -n "${n},$((n + ${SPLAT_CONTEXT:-25}))p" "$1" | sed 's/^/    /'
	last=$((n + ${SPLAT_CONTEXT:-25}))
done
exit 1
