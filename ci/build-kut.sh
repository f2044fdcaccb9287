#!/usr/bin/env bash
# Build kvm-unit-tests (its standalone tests, for kvmtool) and a static
# kvmtool for the arm64 guest. The sources are git clones or bundles, read
# and never modified: the commit at their HEAD is cloned into the cache.
#
# usage: build-kut.sh     prints the build directory: tests/ (one script per
#                         test), lkvm-static, unittests.cfg, metadata.json
# Environment:
#   KUT_DIR      kvm-unit-tests clone or bundle (default:
#                ../shared/upstream/kvm-unit-tests.bundle beside this repository)
#   KVMTOOL_DIR  kvmtool clone or bundle (default: ../shared/upstream/kvmtool.bundle)
# Cached by the two commits and this script; nothing is fetched but
# libfdt-dev:arm64 (Debian, for kvmtool's device tree code).
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"

shared=$(cd "$TOPDIR/.." && pwd)/shared/upstream
kut_src=${KUT_DIR:-$shared/kvm-unit-tests.bundle}
kvmtool_src=${KVMTOOL_DIR:-$shared/kvmtool.bundle}
need_tool git git
need_tool aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu
need_tool make make
# head_of SRC NAME VAR: the commit at HEAD of a clone or a bundle.
head_of() {
	[ -e "$1" ] || die "$2 sources not found at '$1' (point $3 at a clone or a bundle of $2)"
	git ls-remote "$1" HEAD 2>/dev/null | cut -f1 | grep -m1 . ||
		die "$2 sources at '$1' are not a git clone or bundle with a HEAD"
}
kut_commit=$(head_of "$kut_src" kvm-unit-tests KUT_DIR)
kvmtool_commit=$(head_of "$kvmtool_src" kvmtool KVMTOOL_DIR)
key=$(sha1sum <"$0" | cut -c1-8)
out="$CACHE_ROOT/kut/${kut_commit:0:12}-${kvmtool_commit:0:12}-$key"
if [ -f "$out/metadata.json" ]; then
	info "cached: kvm-unit-tests ${kut_commit:0:12}, kvmtool ${kvmtool_commit:0:12}"
	echo "$out"
	exit 0
fi

# checkout SRC COMMIT DIR: a clone of SRC at COMMIT in the cache.
checkout() {
	[ -d "$3/.git" ] || { rm -rf "$3"; git clone -q --no-checkout "$1" "$3"; }
	# (Reads the source only; its HEAD may be newer than the cached clone.)
	git -C "$3" fetch -q "$1" HEAD || die "could not fetch HEAD of '$1'"
	git -C "$3" -c advice.detachedHead=false checkout -q -f "$2" || die "commit $2 of '$1' not found"
	git -C "$3" clean -qfdx
}
src="$CACHE_ROOT/kut/src"
mkdir -p "$src"
info "building kvm-unit-tests ${kut_commit:0:12} (from $kut_src)"
checkout "$kut_src" "$kut_commit" "$src/kvm-unit-tests"
(cd "$src/kvm-unit-tests" &&
	./configure --arch=arm64 --cross-prefix=aarch64-linux-gnu- --target=kvmtool &&
	make -j"${JOBS:-$(($(nproc) + 1))}" && make standalone) >"$src/kvm-unit-tests.log" 2>&1 ||
	{ tail -n 20 "$src/kvm-unit-tests.log" >&2; die "kvm-unit-tests build failed, see $src/kvm-unit-tests.log"; }

info "building kvmtool ${kvmtool_commit:0:12} (lkvm-static, from $kvmtool_src)"
fdt_deb=$("$TOPDIR/tools/apt-fetch.sh" --reuse --arch arm64 --dest "$CACHE_ROOT/downloads/arm64" libfdt-dev) ||
	die "could not get libfdt-dev:arm64"
fdt="$src/libfdt"
rm -rf "$fdt" "$fdt.deb"
mkdir -p "$fdt" "$fdt.deb"
dpkg-deb -x "$fdt_deb" "$fdt.deb"
cp "$fdt.deb"/usr/lib/aarch64-linux-gnu/libfdt.a "$fdt.deb"/usr/include/*.h "$fdt/"
checkout "$kvmtool_src" "$kvmtool_commit" "$src/kvmtool"
make -C "$src/kvmtool" -j"${JOBS:-$(($(nproc) + 1))}" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
	LIBFDT_DIR="$fdt" lkvm-static >"$src/kvmtool.log" 2>&1 ||
	{ tail -n 20 "$src/kvmtool.log" >&2; die "kvmtool build failed, see $src/kvmtool.log"; }

rm -rf "$out"
mkdir -p "$out"
cp -a "$src/kvm-unit-tests/tests" "$out/tests"
cp "$src/kvm-unit-tests/arm/unittests.cfg" "$out/"
cp "$src/kvmtool/lkvm-static" "$out/"
aarch64-linux-gnu-strip "$out/lkvm-static"
KUT=$kut_commit KUT_SRC=$kut_src KVMTOOL=$kvmtool_commit KVMTOOL_SRC=$kvmtool_src \
	FDT=$(basename "$fdt_deb") python3 -c '
import json, os, sys
e = os.environ
json.dump({"kvm-unit-tests": {"commit": e["KUT"], "source": e["KUT_SRC"]},
           "kvmtool": {"commit": e["KVMTOOL"], "source": e["KVMTOOL_SRC"]},
           "libfdt": e["FDT"]}, open(sys.argv[1], "w"), indent=1)' "$out/metadata.json"
echo "$out"
