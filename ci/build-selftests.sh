#!/usr/bin/env bash
# Build and install the KVM selftests for arm64 with the kernel's own
# kselftest-install target.
#
# usage: build-selftests.sh SRC_TREE BUILD_DIR   prints the install directory
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"

[ $# -eq 2 ] || die "usage: ${0##*/} SRC_TREE BUILD_DIR"
src=$(cd "$1" && pwd) || die "source tree '$1' not found"
mkdir -p "$2"
out=$(cd "$2" && pwd)
need_tool aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu
[ -d /usr/aarch64-linux-gnu/include ] ||
	die "arm64 libc headers missing: install the Debian package 'libc6-dev-arm64-cross'"
ccache_env "$src"
# The selftests' Makefile takes CC from CROSS_COMPILE; ccache goes in front.
make -s -C "$src" O="$out" ARCH=arm64 CROSS_COMPILE="ccache aarch64-linux-gnu-" \
	-j"${JOBS:-$(($(nproc) + 1))}" TARGETS=kvm kselftest-install >"$out/kselftest-build.log" 2>&1 ||
	{ tail -n 30 "$out/kselftest-build.log" >&2; die "KVM selftests build failed, see $out/kselftest-build.log"; }
inst="$out/kselftest/kselftest_install"
[ -x "$inst/run_kselftest.sh" ] || die "kselftest-install produced no $inst/run_kselftest.sh"
echo "$inst"
