#!/usr/bin/env bash
# Print the path of a sparse that can check this kernel.
#
# Linux 7.3 headers use __typeof_unqual__, which Debian 12's sparse (0.6.4)
# does not parse, so the kernel turns C=2 into a no-op ("sparse is not
# available or not up to date"). If the installed sparse fails the kernel's
# own test (scripts/checker-valid.sh), take sparse from Debian unstable,
# with the glibc it was built against, unpacked in the cache (nothing is
# installed), and print a wrapper that runs it.
#
# usage: get-sparse.sh KERNEL_TREE
set -euo pipefail
. "$(dirname "$0")/lib.sh"

{ [ $# -eq 1 ] && [ -x "$1/scripts/checker-valid.sh" ]; } || die "usage: ${0##*/} KERNEL_TREE"
valid() { [ "$("$1/scripts/checker-valid.sh" "$2" --arch=arm64 -mlittle-endian -m64 2>/dev/null)" = 1 ]; }
if command -v sparse >/dev/null && valid "$1" sparse; then
	command -v sparse
	exit 0
fi
suite=${SPARSE_SUITE:-sid}
dir="$CACHE_ROOT/sparse-$suite"
wrapper="$dir/sparse"
if [ ! -x "$wrapper" ] || ! valid "$1" "$wrapper"; then
	info "the installed sparse cannot parse this kernel; using sparse from Debian $suite"
	rm -rf "$dir"
	mkdir -p "$dir/debs" "$dir/root"
	"$TOPDIR/tools/apt-fetch.sh" --suite "$suite" --dest "$dir/debs" sparse libc6
	for d in "$dir"/debs/*.deb; do dpkg-deb -x "$d" "$dir/root"; done
	cat >"$wrapper" <<WRAP
#!/bin/sh
# sparse from Debian $suite, run with that suite's glibc (see tools/get-sparse.sh)
exec "$dir/root/usr/lib64/ld-linux-x86-64.so.2" --library-path "$dir/root/usr/lib/x86_64-linux-gnu" \\
	"$dir/root/usr/bin/sparse" "\$@"
WRAP
	chmod +x "$wrapper"
	valid "$1" "$wrapper" || die "sparse from Debian $suite cannot check this kernel either"
fi
echo "$wrapper"
