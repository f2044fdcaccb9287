#!/usr/bin/env bash
# Build an arm64 kernel Image from allnoconfig plus the fragments in ci/config.
#
# usage: build-kernel.sh SRC_TREE BUILD_DIR [FRAGMENT...]
#   FRAGMENT is a file or a name in ci/config (default: $KERNEL_FRAGMENTS,
#   or base kvm debug; KERNEL_FRAGMENTS="base kvm debug kasan" adds KASAN).
# Uses ccache; the cache lives under $XDG_CACHE_HOME, never in the clone.
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"

[ $# -ge 2 ] || die "usage: ${0##*/} SRC_TREE BUILD_DIR [FRAGMENT...]"
src=$(cd "$1" && pwd) || die "source tree '$1' not found"
mkdir -p "$2"
out=$(cd "$2" && pwd)
shift 2
# shellcheck disable=SC2086 # a list of fragment names
[ $# -gt 0 ] || set -- ${KERNEL_FRAGMENTS:-base kvm debug}
{ [ -f "$src/Makefile" ] && [ -d "$src/arch/arm64" ]; } || die "'$src' is not a kernel source tree"

need_tool aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu
need_tool ccache ccache
need_tool flex flex
need_tool bison bison
need_tool bc bc
[ -e /usr/include/openssl/ssl.h ] || die "OpenSSL headers missing: install the Debian package 'libssl-dev'"
[ -e /usr/include/gelf.h ] || die "libelf headers missing: install the Debian package 'libelf-dev'"

frags=()
for f in "$@"; do frags+=("$(fragment_file "$f")"); done

ccache_env "$src"
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
jobs=${JOBS:-$(($(nproc) + 1))}
mk=(make -s -C "$src" O="$out" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
	CC="$TOPDIR/tools/ccache-gcc.sh" -j"$jobs")

# Configure only when the fragments changed: allnoconfig with the merged
# fragments (scripts/kconfig/merge_config.sh), which in strict mode fails if
# a fragment redefines a value or an option did not take effect (an unmet
# dependency).
stamp=$(cat "${frags[@]}" | sha1sum | cut -c1-16)
if [ ! -f "$out/.config" ] || [ "$(cat "$out/.fragments" 2>/dev/null)" != "$stamp" ]; then
	rm -f "$out/.fragments"
	(cd "$src" && ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
		scripts/kconfig/merge_config.sh -n -s -O "$out" "${frags[@]}" >"$out/merge_config.log" 2>&1) ||
		die "merge_config.sh -n -s failed (an option did not take effect, or a fragment redefines one): $(grep -E -A1 'Value requested|redefined|differ' "$out/merge_config.log" | head -n 6 | tr '\n' ' ')see $out/merge_config.log"
	echo "$stamp" >"$out/.fragments"
fi
info "building arm64 Image in $out (-j$jobs, ccache $CCACHE_DIR)"
"${mk[@]}" ${KBUILD_EXTRA:+$KBUILD_EXTRA} Image ||
	die "kernel build failed in $out"
echo "$out/arch/arm64/boot/Image"
