#!/usr/bin/env bash
# Print the path of a b4 that has `prep --check` (b4 >= 0.14).
#
# Debian 12's b4 (0.12) has no `prep --check`/`--check-deps`. Take b4 from
# Debian trixie (architecture all, pure Python) with a private apt state,
# unpack it in the cache (nothing is installed) and print a wrapper that runs
# it with Debian's python3, whose modules (requests, dkim, patatt, git) come
# from the machine's own b4 dependencies. b4 0.16 would need a newer pygit2.
#
# usage: get-b4.sh        (B4_SUITE, B4_VERSION select another package)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

suite=${B4_SUITE:-trixie} version=${B4_VERSION:-0.14.2-2}
dir="$CACHE_ROOT/b4-$version"
wrapper="$dir/b4"
[ -x /usr/bin/python3 ] || die "/usr/bin/python3 not found: install the Debian package 'python3'"
if [ ! -x "$wrapper" ] || ! "$wrapper" --version >/dev/null 2>&1; then
	info "fetching b4 $version from Debian $suite (unpacked in $dir)"
	rm -rf "$dir"
	mkdir -p "$dir/debs" "$dir/root"
	"$TOPDIR/tools/apt-fetch.sh" --suite "$suite" --dest "$dir/debs" "b4=$version" >&2
	dpkg-deb -x "$dir"/debs/b4_*.deb "$dir/root"
	cat >"$wrapper" <<WRAP
#!/bin/sh
# b4 $version from Debian $suite, run with Debian's python3 (see tools/get-b4.sh).
# /usr/bin first: checkpatch's spdxcheck.py must find Debian's python3-ply.
PATH=/usr/bin:\$PATH PYTHONPATH="$dir/root/usr/lib/python3/dist-packages\${PYTHONPATH:+:\$PYTHONPATH}" \\
	exec /usr/bin/python3 "$dir/root/usr/bin/b4" "\$@"
WRAP
	chmod +x "$wrapper"
	"$wrapper" --version >/dev/null 2>&1 || die "b4 $version from Debian $suite does not run here (missing python3 modules? install the Debian package 'b4' for its dependencies)"
fi
echo "$wrapper"
