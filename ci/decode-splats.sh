#!/usr/bin/env bash
# Decode the call traces of scan-console.sh's splat reports to file:line
# with the kernel tree's own scripts/decode_stacktrace.sh.
#
# usage: decode-splats.sh SPLATS_TXT VMLINUX SOURCE_TREE
# vmlinux needs debug info (the debug fragment has it); without it the
# reports are printed as they are, with a note saying why.
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"

[ $# -eq 3 ] || die "usage: ${0##*/} SPLATS_TXT VMLINUX SOURCE_TREE"
splats=$1 vmlinux=$2 src=$3
[ -f "$splats" ] || die "splat file '$splats' not found"
[ -f "$vmlinux" ] || die "vmlinux '$vmlinux' not found"
[ -x "$src/scripts/decode_stacktrace.sh" ] || die "'$src' has no scripts/decode_stacktrace.sh"
need_tool aarch64-linux-gnu-addr2line binutils-aarch64-linux-gnu
if ! grep -qwF .debug_line < <(aarch64-linux-gnu-readelf -WS "$vmlinux"); then
	echo "# $vmlinux has no debug info: call traces not decoded"
	cat "$splats"
	exit 0
fi
# The reports are indented by scan-console.sh; decode_stacktrace.sh wants
# the console's own lines.
# Paths are shown relative to the tree: a cached object names the build
# directory it was first compiled in (".../.build-*/../kernel/...").
sed 's/^    //' "$splats" | CROSS_COMPILE=aarch64-linux-gnu- "$src/scripts/decode_stacktrace.sh" "$vmlinux" "$src" |
	sed -E 's#[^ (]*/\.build-[^/ ]*/\.\./##g'
