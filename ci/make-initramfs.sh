#!/usr/bin/env bash
# Pack an initramfs for the arm64 guest: busybox (Debian busybox-static:arm64),
# glibc (Debian libc6-arm64-cross), coreutils' timeout (the kselftest runner
# and kvm-unit-tests need -k and --foreground, which busybox's lacks), the
# installed kselftests and ci/guest/init. With --kut, kvm-unit-tests too:
# their standalone tests, kvmtool and bash (bash-static:arm64), run by the
# same kselftest runner as the collection "kvm-unit-tests" (a wrapper per
# test turns kvm-unit-tests' skip, 77, into the runner's, 4).
#
# usage: make-initramfs.sh [--kut KUT_BUILD] KSELFTEST_INSTALL_DIR OUTPUT.cpio.gz
#   KUT_BUILD: the directory ci/build-kut.sh printed.
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"

kut=""
if [ "${1:-}" = --kut ]; then
	kut=$2
	shift 2
	if [ ! -x "$kut/lkvm-static" ] || [ ! -d "$kut/tests" ]; then
		die "'$kut' is not a build of ci/build-kut.sh (no lkvm-static or tests/)"
	fi
fi
[ $# -eq 2 ] || die "usage: ${0##*/} [--kut KUT_BUILD] KSELFTEST_INSTALL_DIR OUTPUT.cpio.gz"
kst=$1 out=$2
[ -x "$kst/run_kselftest.sh" ] || die "'$kst' is not a kselftest install directory"
need_tool cpio cpio
need_tool gzip gzip
need_tool dpkg-deb dpkg
cross_lib=/usr/aarch64-linux-gnu/lib
[ -e "$cross_lib/libc.so.6" ] || die "arm64 glibc missing: install the Debian package 'libc6-arm64-cross'"

dl="$CACHE_ROOT/downloads/arm64"
mkdir -p "$dl"
# The arm64 packages, from the cache (fetched the first time).
pkgs=(busybox-static coreutils)
[ -z "$kut" ] || pkgs+=(bash-static)
debs=$("$TOPDIR/tools/apt-fetch.sh" --reuse --arch arm64 --dest "$dl" "${pkgs[@]}") ||
	die "could not get ${pkgs[*]} for arm64"
{ read -r bb_deb; read -r cu_deb; read -r bash_deb || true; } <<<"$debs"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,proc,sys,dev,tmp,run,results}
dpkg-deb --fsys-tarfile "$bb_deb" | tar -x -C "$root" ./bin/busybox
dpkg-deb --fsys-tarfile "$cu_deb" | tar -x -C "$root" ./usr/bin/timeout
for l in ld-linux-aarch64.so.1 libc.so.6 libm.so.6 libpthread.so.0 librt.so.1 libdl.so.2 \
	libgcc_s.so.1 libstdc++.so.6 libresolv.so.2; do
	[ -e "$cross_lib/$l" ] && cp -L "$cross_lib/$l" "$root/lib/"
done
ln -s lib "$root/lib64"
cp -a "$kst" "$root/kselftest"
if [ -n "$kut" ]; then
	dpkg-deb --fsys-tarfile "$bash_deb" | tar -x -C "$root" ./bin/bash-static
	mv "$root/bin/bash-static" "$root/bin/bash"
	mkdir -p "$root/kut" "$root/kselftest/kvm-unit-tests"
	cp -a "$kut/tests" "$kut/lkvm-static" "$kut/unittests.cfg" "$root/kut/"
	for t in "$kut"/tests/*; do
		name=${t##*/}
		cat >"$root/kselftest/kvm-unit-tests/$name" <<WRAP
#!/bin/sh
# kvm-unit-tests' $name through kvmtool (ci/make-initramfs.sh). MAX_SMP 4:
# its-trigger skips below.
export KVMTOOL=/kut/lkvm-static MAX_SMP=\${KUT_MAX_SMP:-4}
/kut/tests/$name
rc=\$?
[ \$rc -ne 77 ] || exit 4
exit \$rc
WRAP
		chmod +x "$root/kselftest/kvm-unit-tests/$name"
		echo "kvm-unit-tests:$name" >>"$root/kselftest/kselftest-list.txt"
	done
fi
install -m 0755 "$TOPDIR/ci/guest/init" "$root/init"
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$out"
