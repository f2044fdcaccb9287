#!/usr/bin/env bash
# Download Debian binary packages with a private apt state, leaving the
# machine's apt configuration untouched. The archive URI is taken from the
# machine's own apt sources.
#
# usage: apt-fetch.sh [--arch ARCH] [--suite SUITE] [--reuse] --dest DIR PKG[=VERSION]...
#   --reuse  a package whose .deb is already in DIR is not fetched again;
#            prints the path of each package's .deb, one per line
set -euo pipefail
. "$(dirname "$0")/lib.sh"

arch=$(dpkg --print-architecture)
suite=""
dest=""
reuse=0
while [ $# -gt 0 ]; do
	case $1 in
	--arch) arch=$2; shift 2 ;;
	--reuse) reuse=1; shift ;;
	--suite) suite=$2; shift 2 ;;
	--dest) dest=$2; shift 2 ;;
	-h | --help) sed -n '2,9p' "$0"; exit 0 ;;
	-*) die "unknown option '$1'" ;;
	*) break ;;
	esac
done
[ -n "$dest" ] || die "--dest DIR is required"
[ $# -gt 0 ] || die "no package named"
# The machine's Debian archive: the first deb822 or one-line source whose
# suite is the release itself (not -security, -updates or -backports).
debian_uri() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		awk '
			/^[[:space:]]*$/ { if (uri != "" && rel) { print uri; exit } uri=""; rel=0; next }
			tolower($1) == "uris:" { uri=$2 }
			tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i !~ /-/) rel=1 }
			END { if (uri != "" && rel) print uri }
		' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -e "$f" ] || continue
		awk '$1 == "deb" { u = ($2 ~ /^\[/) ? $3 : $2; s = ($2 ~ /^\[/) ? $4 : $3; if (s !~ /-/) print u }' "$f"
	done
}
# fetch PKG...: download into DEST.
fetch() {
	local uri keyring state opts
	uri=$(debian_uri | grep -v '^$' | head -n1)
	[ -n "$uri" ] || die "no Debian archive found in /etc/apt/sources.list*; cannot download packages"
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	[ -r "$keyring" ] || die "$keyring missing: install the Debian package 'debian-archive-keyring'"
	if [ -z "$suite" ]; then
		suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-stable}")
	fi

	state="$CACHE_ROOT/apt/$suite-$arch"
	mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$dest"
	cat >"$state/private.sources" <<SRC
Types: deb
URIs: $uri
Suites: $suite
Components: main
Architectures: $arch
Signed-By: $keyring
SRC
	opts=(
		-o "Dir::State::Lists=$state/lists"
		-o "Dir::State::status=/dev/null"
		-o "Dir::Etc::SourceList=$state/private.sources"
		-o "Dir::Etc::SourceParts=/dev/null"
		-o "Dir::Cache=$state/cache"
		-o "APT::Architecture=$arch"
		-o "APT::Architectures=$arch"
		-o "Debug::NoLocking=1"
		-o "APT::Sandbox::User=root"
	)
	# Refresh the private lists at most once a day.
	if [ -z "$(find "$state/lists" -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null)" ]; then
		info "updating private package lists for $suite/$arch from $uri"
		apt-get "${opts[@]}" -q update >&2 ||
			die "apt-get update failed for $uri $suite ($arch)"
	fi
	(cd "$dest" && apt-get "${opts[@]}" -q download "$@" >&2) ||
		die "could not download '$*' from $uri $suite ($arch)"
}
# in_dest PKG: the newest .deb of PKG (name only) for ARCH in DEST, if any.
in_dest() {
	find "$dest" -maxdepth 1 \( -name "${1%%=*}_*_$arch.deb" -o -name "${1%%=*}_*_all.deb" \) 2>/dev/null |
		sort | tail -n1
}
pkgs=("$@")
if [ "$reuse" = 1 ]; then
	missing=()
	for p in "${pkgs[@]}"; do [ -n "$(in_dest "$p")" ] || missing+=("$p"); done
	set -- "${missing[@]}"
fi
if [ $# -gt 0 ]; then
	need_tool apt-get apt
	fetch "$@"
fi
if [ "$reuse" = 1 ]; then
	for p in "${pkgs[@]}"; do
		f=$(in_dest "$p")
		[ -n "$f" ] || die "'$p' ($arch) is not in $dest after downloading it"
		echo "$f"
	done
fi
exit 0

