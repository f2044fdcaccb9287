#!/usr/bin/env bash
# Print the path of a qemu-system-aarch64 from a newer Debian suite, fetched
# with a private apt state (tools/apt-fetch.sh) and unpacked in the cache;
# the machine's own QEMU and apt configuration are left alone. The boots run
# it unless QEMU says otherwise (qemu_path in tools/lib.sh).
#
# usage: get-qemu.sh
# Environment: QEMU_SUITE (default bookworm-backports), QEMU_VERSION (the
# Debian version to fetch; default 1:10.0.2+ds-2+deb13u1~bpo12+1).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

suite=${QEMU_SUITE:-bookworm-backports}
version=${QEMU_VERSION:-1:10.0.2+ds-2+deb13u1~bpo12+1}
upstream=${version#*:}
upstream=${upstream%%+*}
dir="$CACHE_ROOT/qemu-$upstream"
wrapper="$dir/qemu-system-aarch64"
if [ ! -x "$wrapper" ] || ! "$wrapper" --version >/dev/null 2>&1; then
	info "fetching qemu-system-arm $version from Debian $suite into $dir"
	rm -rf "$dir"
	mkdir -p "$dir/debs" "$dir/root"
	"$TOPDIR/tools/apt-fetch.sh" --suite "$suite" --dest "$dir/debs" \
		"qemu-system-arm=$version" "qemu-system-common=$version" "qemu-system-data=$version" >&2
	for d in "$dir"/debs/*.deb; do dpkg-deb -x "$d" "$dir/root"; done
	cat >"$wrapper" <<WRAP
#!/bin/sh
# qemu-system-aarch64 $version from Debian $suite (see tools/get-qemu.sh)
exec "$dir/root/usr/bin/qemu-system-aarch64" -L "$dir/root/usr/share/qemu" "\$@"
WRAP
	chmod +x "$wrapper"
	"$wrapper" --version >/dev/null 2>&1 ||
		die "qemu-system-aarch64 $version from Debian $suite does not run here: $("$dir/root/usr/bin/qemu-system-aarch64" --version 2>&1 | head -n 2)"
fi
echo "$wrapper"
