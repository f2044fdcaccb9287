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
for f in "$@"; do
	if [ -f "$f" ]; then frags+=("$(cd "$(dirname "$f")" && pwd)/${f##*/}")
	elif [ -f "$TOPDIR/ci/config/$f.config" ]; then frags+=("$TOPDIR/ci/config/$f.config")
	else die "config fragment '$f' not found (neither a file nor ci/config/$f.config)"
	fi
done

export CCACHE_DIR=${CCACHE_DIR:-$CACHE_ROOT/ccache}
export CCACHE_BASEDIR=$src CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
jobs=${JOBS:-$(($(nproc) + 1))}
mk=(make -s -C "$src" O="$out" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
	CC="ccache aarch64-linux-gnu-gcc" -j"$jobs")

# Configure only when the fragments or the tree's Kconfig changed.
stamp=$(cat "${frags[@]}" | sha1sum | cut -c1-16)
if [ ! -f "$out/.config" ] || [ "$(cat "$out/.fragments" 2>/dev/null)" != "$stamp" ]; then
	"${mk[@]}" allnoconfig >/dev/null
	(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" .config "${frags[@]}" >merge_config.log 2>&1) ||
		die "merge_config failed, see $out/merge_config.log"
	"${mk[@]}" olddefconfig >/dev/null
	# Every option a fragment asks for must survive olddefconfig.
	missing=$(cat "${frags[@]}" | sed -n 's/^\(CONFIG_[A-Za-z0-9_]*\)=\(.*\)$/\1=\2/p' |
		while IFS= read -r want; do grep -qxF "$want" "$out/.config" || echo "$want"; done)
	[ -z "$missing" ] || die "config options not set after olddefconfig (unmet dependencies?): $(echo "$missing" | tr '\n' ' ')"
	echo "$stamp" >"$out/.fragments"
fi
info "building arm64 Image in $out (-j$jobs, ccache $CCACHE_DIR)"
"${mk[@]}" ${KBUILD_EXTRA:+$KBUILD_EXTRA} Image ||
	die "kernel build failed in $out"
echo "$out/arch/arm64/boot/Image"
