#!/usr/bin/env bash
# Pack an initramfs for the arm64 guest: busybox (Debian busybox-static:arm64),
# glibc (Debian libc6-arm64-cross), the installed kselftests and ci/guest/init.
#
# usage: make-initramfs.sh KSELFTEST_INSTALL_DIR OUTPUT.cpio.gz [EXTRA_DIR]
#   EXTRA_DIR, if given, is copied to /extra in the guest.
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"

[ $# -ge 2 ] || die "usage: ${0##*/} KSELFTEST_INSTALL_DIR OUTPUT.cpio.gz [EXTRA_DIR]"
kst=$1 out=$2 extra=${3:-}
[ -x "$kst/run_kselftest.sh" ] || die "'$kst' is not a kselftest install directory"
need_tool cpio cpio
need_tool gzip gzip
need_tool dpkg-deb dpkg
cross_lib=/usr/aarch64-linux-gnu/lib
[ -e "$cross_lib/libc.so.6" ] || die "arm64 glibc missing: install the Debian package 'libc6-arm64-cross'"

dl="$CACHE_ROOT/downloads/arm64"
mkdir -p "$dl"
find_bb() { find "$dl" -maxdepth 1 -name 'busybox-static_*_arm64.deb' | sort | tail -n1; }
bb_deb=$(find_bb)
if [ -z "$bb_deb" ]; then
	"$TOPDIR/tools/apt-fetch.sh" --arch arm64 --dest "$dl" busybox-static
	bb_deb=$(find_bb)
fi
[ -n "$bb_deb" ] || die "could not get busybox-static:arm64"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,proc,sys,dev,tmp,run,results}
dpkg-deb --fsys-tarfile "$bb_deb" | tar -x -C "$root" ./bin/busybox
for l in ld-linux-aarch64.so.1 libc.so.6 libm.so.6 libpthread.so.0 librt.so.1 libdl.so.2 \
	libgcc_s.so.1 libstdc++.so.6 libresolv.so.2; do
	[ -e "$cross_lib/$l" ] && cp -L "$cross_lib/$l" "$root/lib/"
done
ln -s lib "$root/lib64"
cp -a "$kst" "$root/kselftest"
[ -z "$extra" ] || cp -a "$extra" "$root/extra"
install -m 0755 "$TOPDIR/ci/guest/init" "$root/init"
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$out"
