#!/usr/bin/env bash
# Regenerate patches/ and the patch list in `series` from a git branch: the
# inverse of apply-series.sh, so that the series is edited in git, never by
# hand.
#
# usage: export-series.sh [--base REV] [-v N] [GIT_DIR_OR_WORKTREE [BRANCH]]
#   The branch (default HEAD of the given tree, default tree: the current
#   directory) must sit on top of the pinned base. patches/ is replaced as a
#   whole, the header comments of `series` are kept, and cover-letter.txt's
#   [PATCH 0/N] is renumbered.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

base="" version=""
while [ $# -gt 0 ]; do
	case $1 in
	--base) base=$2; shift 2 ;;
	-v) version=$2; shift 2 ;;
	-h | --help) sed -n '2,11p' "$0"; exit 0 ;;
	-*) die "unknown option '$1'" ;;
	*) break ;;
	esac
done
tree=${1:-.}
rev=${2:-HEAD}
git -C "$tree" rev-parse --git-dir >/dev/null 2>&1 || die "'$tree' is not a git tree"
tip=$(git -C "$tree" rev-parse --verify -q "$rev^{commit}") || die "'$rev' is not a commit in $tree"
if [ -z "$base" ]; then
	read -r _ base < <("$TOPDIR/tools/get-base.sh")
fi
git -C "$tree" cat-file -e "$base^{commit}" 2>/dev/null ||
	die "wrong base: $base is not in $tree (run from a tree made by apply-series.sh, or pass --base)"
git -C "$tree" merge-base --is-ancestor "$base" "$tip" ||
	die "wrong base: $rev in $tree is not based on $(series_field base-tag) ($base)"
count=$(git -C "$tree" rev-list --count "$base..$tip")
[ "$count" -gt 0 ] || die "no commits between the base and $rev"
[ "$(git -C "$tree" rev-list --merges --count "$base..$tip")" = 0 ] ||
	die "$rev contains merges; a patch series must be linear"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fp=(git -C "$tree" -c core.abbrev=12 -c diff.renames=true -c diff.algorithm=histogram format-patch -q
	--no-signature --zero-commit --base="$base" -o "$tmp/p")
[ "$count" -eq 1 ] || fp+=(--numbered)
[ -z "$version" ] || fp+=(-v "$version")
"${fp[@]}" "$base..$tip" >/dev/null

rm -rf "$PATCH_DIR.new"
mkdir "$PATCH_DIR.new"
cp "$tmp"/p/*.patch "$PATCH_DIR.new/"
# Swap only once everything is written: no half-exported state.
rm -rf "$PATCH_DIR.old"
[ ! -d "$PATCH_DIR" ] || mv "$PATCH_DIR" "$PATCH_DIR.old"
mv "$PATCH_DIR.new" "$PATCH_DIR"
rm -rf "$PATCH_DIR.old"

{
	sed -n '/^[[:space:]]*#/p; /^[[:space:]]*$/p' "$SERIES_FILE" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
	(cd "$PATCH_DIR" && ls -1 -- *.patch)
} >"$tmp/series"
mv "$tmp/series" "$SERIES_FILE"
if [ -f "$SERIES_DIR/cover-letter.txt" ]; then
	sed -i -E "s/^(Subject: \[[^]]*PATCH[^]]* )0\/[0-9]+\]/\10\/$count]/" "$SERIES_DIR/cover-letter.txt"
fi
info "exported $count patch(es) from $rev ($tip) on $base"
