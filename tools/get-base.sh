#!/usr/bin/env bash
# Make the pinned base tree available as a commit in a cache repository.
#
# usage: get-base.sh            prints "GIT_DIR COMMIT" on stdout
#
# With KERNEL_DIR=/path/to/linux (a git clone), the tag named in `series`
# (base-tag) is used from it: objects are borrowed through git alternates,
# nothing in that clone or its work tree is changed. Without it, the Debian
# package named in `series` is downloaded, checked against its sha256,
# imported into git once and cached under $XDG_CACHE_HOME.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need_tool git git
[ -f "$SERIES_FILE" ] || die "series file '$SERIES_FILE' not found"
tag=$(series_field base-tag)
want_version=$(series_field base-version)
deb_pkg=$(series_field base-debian-package)
deb_ver=$(series_field base-debian-version)
deb_suite=$(series_field base-debian-suite)
deb_sha=$(series_field base-debian-sha256)
tar_sha=$(series_field base-tarball-sha256)
{ [ -n "$tag" ] && [ -n "$want_version" ]; } || die "series lacks '# base-tag:' or '# base-version:'"

# check_version GIT_DIR COMMIT: the tree must be the kernel version in series.
check_version() {
	local mk v
	mk=$(git --git-dir="$1" show "$2:Makefile" 2>/dev/null) ||
		die "wrong base: $2 has no top-level Makefile, it is not a kernel tree"
	v=$(printf '%s\n' "$mk" | awk -F' = ' '
		$1 == "VERSION" { a = $2 } $1 == "PATCHLEVEL" { b = $2 }
		$1 == "SUBLEVEL" { c = $2 } $1 == "EXTRAVERSION" { d = $2 }
		END { printf "%s.%s.%s%s", a, b, c, d }')
	[ "$v" = "$want_version" ] ||
		die "wrong base: $3 is Linux $v, the series is based on $want_version ($tag)"
}

# The cache repository's configuration, each value written only when it is
# not already so (get-base.sh runs beside other git commands on the same
# repository, and a config write takes its lock):
# - core.bare false: the repository has no work tree of its own, only
#   worktrees; tell git it is not bare, or GitPython (the kernel's
#   scripts/spdxcheck.py, run by checkpatch) refuses the worktrees as
#   belonging to a bare repository.
# - gc.auto 0: no automatic repack. The import leaves about 96000 loose
#   objects, and the first `git am` on them started `git gc --auto` in the
#   background of the run: a repack of the whole tree (about 90 s of CPU)
#   beside the worktree checkouts and the kernel builds. The cache keeps the
#   objects loose (663 MB in a fresh cache, against a 291 MB pack).
configure_repo() {
	[ "$(git --git-dir="$1" config --bool core.bare 2>/dev/null)" = false ] ||
		git --git-dir="$1" config core.bare false
	[ "$(git --git-dir="$1" config --int gc.auto 2>/dev/null)" = 0 ] ||
		git --git-dir="$1" config gc.auto 0
}

mkdir -p "$CACHE_ROOT"
if [ -n "${KERNEL_DIR:-}" ]; then
	src=$(git -C "$KERNEL_DIR" rev-parse --path-format=absolute --git-common-dir 2>/dev/null) ||
		die "KERNEL_DIR='$KERNEL_DIR' is not a git repository"
	commit=$(git --git-dir="$src" rev-parse -q --verify "refs/tags/$tag^{commit}") ||
		die "wrong base: tag '$tag' not found in KERNEL_DIR='$KERNEL_DIR' (git fetch it from upstream first)"
	repo="$CACHE_ROOT/linux-$(printf '%s' "$src" | sha1sum | cut -c1-12).git"
	if [ ! -d "$repo" ]; then
		git init -q --bare "$repo"
		echo "$src/objects" >"$repo/objects/info/alternates"
		configure_repo "$repo"
	fi
	[ "$(git --git-dir="$repo" rev-parse -q --verify "refs/tags/$tag^{commit}" || true)" = "$commit" ] ||
		git --git-dir="$repo" update-ref "refs/tags/$tag" "$commit"
	check_version "$repo" "$commit" "tag $tag in $KERNEL_DIR"
	configure_repo "$repo"
	echo "$repo $commit"
	exit 0
fi

{ [ -n "$deb_pkg" ] && [ -n "$deb_ver" ] && [ -n "$deb_sha" ]; } ||
	die "no KERNEL_DIR given and series names no Debian package for the base"
repo="$CACHE_ROOT/linux-debian.git"
ref="refs/tags/debian/$deb_pkg/$(printf %s "$deb_ver" | tr "~:" "_%")"
if commit=$(git --git-dir="$repo" rev-parse -q --verify "$ref^{commit}" 2>/dev/null); then
	check_version "$repo" "$commit" "cached import of $deb_pkg $deb_ver"
	configure_repo "$repo"
	echo "$repo $commit"
	exit 0
fi

need_tool dpkg-deb dpkg
need_tool xz xz-utils
dl="$CACHE_ROOT/downloads"
deb="$dl/${deb_pkg}_${deb_ver//:/%3a}_all.deb"
mkdir -p "$dl"
if [ ! -f "$deb" ] || ! echo "$deb_sha  $deb" | sha256sum -c --quiet - 2>/dev/null; then
	rm -f "$deb"
	"$TOPDIR/tools/apt-fetch.sh" --suite "$deb_suite" --arch all --dest "$dl" "$deb_pkg=$deb_ver"
fi
echo "$deb_sha  $deb" | sha256sum -c --quiet - >/dev/null 2>&1 || {
	mv "$deb" "$deb.bad"
	die "sha256 of $deb does not match series ($deb_sha); kept as $deb.bad"
}
tmp=$(mktemp -d "$CACHE_ROOT/import.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
info "unpacking $deb_pkg $deb_ver"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './usr/src/linux-source-*.tar.xz'
tarball=$(ls "$tmp"/usr/src/linux-source-*.tar.xz)
if [ -n "$tar_sha" ]; then
	echo "$tar_sha  $tarball" | sha256sum -c --quiet - >/dev/null 2>&1 ||
		die "sha256 of ${tarball##*/} inside $deb does not match series ($tar_sha)"
fi
mkdir "$tmp/tree"
# Debian's tarball is xz in many blocks: xz decompresses them on every CPU.
XZ_OPT=-T0 tar -xJf "$tarball" -C "$tmp/tree" --strip-components=1 ||
	die "could not unpack ${tarball##*/} from $deb (corrupt, or the disk full?)"
rm -f "$tarball"
[ -d "$repo" ] || { git init -q --bare "$repo" && configure_repo "$repo"; }
info "importing into $repo (once)"
# A fixed identity and date make the import commit the same on every machine.
export GIT_AUTHOR_NAME="Debian $deb_pkg" GIT_AUTHOR_EMAIL="debian-kernel@lists.debian.org"
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
export GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z"
export GIT_INDEX_FILE="$tmp/index"
# The Debian tarball's .gitignore ignores everything ('/*'): add with -f.
git --git-dir="$repo" --work-tree="$tmp/tree" add -f -A .
treeid=$(git --git-dir="$repo" write-tree)
commit=$(echo "Linux $want_version ($tag) from Debian $deb_pkg $deb_ver" |
	git --git-dir="$repo" commit-tree "$treeid")
check_version "$repo" "$commit" "$deb_pkg $deb_ver"
git --git-dir="$repo" update-ref "$ref" "$commit"
configure_repo "$repo"
echo "$repo $commit"
