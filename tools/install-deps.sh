#!/usr/bin/env bash
# Install the Debian packages the tooling needs (and nothing else). Does not
# touch the apt configuration; runs apt-get only when something is missing.
#
# usage: tools/install-deps.sh [--check | --list]
#   --check: only list what is missing; --list: print the package list
set -euo pipefail

pkgs=(
	git perl python3 python3-ply python3-git make gcc bc flex bison libssl-dev libelf-dev cpio gzip xz-utils rsync kmod
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross libc6-arm64-cross
	qemu-system-arm sparse ccache b4 git-filter-repo shellcheck
	debian-archive-keyring ca-certificates
)
if [ "${1:-}" = --list ]; then
	printf '%s\n' "${pkgs[@]}"
	exit 0
fi
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${1:-}" = --check ]; then
	[ ${#missing[@]} = 0 ] && echo "all packages installed" || echo "missing: ${missing[*]}"
	exit 0
fi
[ ${#missing[@]} = 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo=()
[ "$(id -u)" = 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q >&2
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
