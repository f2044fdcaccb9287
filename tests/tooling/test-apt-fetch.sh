#!/usr/bin/env bash
# tools/apt-fetch.sh --reuse: a package already in the destination is not
# fetched again (no network, no apt), and each package's .deb is printed.
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/dl"
touch "$T/dl/foo_1.0-1_arm64.deb" "$T/dl/foo_1.1-1_arm64.deb" "$T/dl/bar_2_all.deb" "$T/dl/foo_1.2_amd64.deb"
check "--reuse prints the cached .deb of each package, the newest for the arch" bash -c '
	[ "$(PATH=/usr/bin:/bin "$1" --reuse --arch arm64 --dest "$2" foo bar | paste -sd" ")" = "$2/foo_1.1-1_arm64.deb $2/bar_2_all.deb" ]' _ \
	"$TOP/tools/apt-fetch.sh" "$T/dl"
mkdir -p "$T/bin"
for t in bash sh env cat sed grep awk dirname basename mkdir find sort tail dpkg paste; do
	p=$(command -v "$t" 2>/dev/null) && ln -sf "$p" "$T/bin/$t"
done
check "...without apt when every package is there" \
	env PATH="$T/bin" "$TOP/tools/apt-fetch.sh" --reuse --arch arm64 --dest "$T/dl" foo
fails_with "a package not there needs apt, which is named" "'apt-get' not found: install the Debian package 'apt'" \
	env PATH="$T/bin" "$TOP/tools/apt-fetch.sh" --reuse --arch arm64 --dest "$T/dl" foo baz
finish
