#!/usr/bin/env bash
# Apply the series (in `series` order) with `git am --3way` onto a fresh
# branch of the pinned base, in a worktree of the cache repository.
#
# usage: apply-series.sh [--dest DIR] [--branch NAME] [--base-only]
#   prints the worktree path on stdout.
# A patch that does not apply is named with its file and hunk; the worktree
# is then removed, so nothing is left half-applied. The user's trees are never
# touched (see get-base.sh).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dest="$WORK_ROOT/worktrees/series"
branch=""
base_only=0
while [ $# -gt 0 ]; do
	case $1 in
	--dest) dest=$2; shift 2 ;;
	--branch) branch=$2; shift 2 ;;
	--base-only) base_only=1; shift ;;
	-h | --help) sed -n '2,10p' "$0"; exit 0 ;;
	*) die "unknown argument '$1'" ;;
	esac
done
branch=${branch:-series/$(date +%Y%m%d-%H%M%S)-$$}

"$TOPDIR/tools/check-series.sh" --quiet
read -r repo base < <("$TOPDIR/tools/get-base.sh")

# Reuse a worktree of ours (checking out the base again is much cheaper than
# a new worktree of the whole tree); refuse to touch anything else.
old_branch=""
if [ -e "$dest" ]; then
	git --git-dir="$repo" worktree list --porcelain | grep -qxF "worktree $(cd "$dest" && pwd -P)" ||
		die "'$dest' exists and is not a worktree of $repo: not touching it"
	old_branch=$(git -C "$dest" symbolic-ref -q --short HEAD || true)
	git -C "$dest" am --abort >/dev/null 2>&1 || true
	git -C "$dest" rebase --abort >/dev/null 2>&1 || true
	git -C "$dest" checkout -q -f -b "$branch" "$base" ||
		die "could not reset worktree '$dest' to $base"
	git -C "$dest" clean -q -f -d -x -e '/.build-*/'
	[ -z "$old_branch" ] || git -C "$dest" branch -q -D "$old_branch" >/dev/null 2>&1 || true
else
	# One worktree is made at a time (ci/pipeline.sh makes several side by
	# side): `worktree prune` would remove another's worktree in the
	# moment between git creating its administrative directory and locking
	# it. (checkout.workers=0: the files are written by one worker per CPU.)
	need_tool flock util-linux
	mkdir -p "$(dirname "$dest")"
	(
		flock 9
		git --git-dir="$repo" worktree prune
		git -c checkout.workers=0 --git-dir="$repo" worktree add -q -b "$branch" "$dest" "$base"
	) 9>"$repo/kvmarm-worktree-add.lock" || die "could not create worktree '$dest' on $base"
fi

cleanup() {
	git -C "$dest" am --abort >/dev/null 2>&1 || true
	git -C "$dest" rebase --abort >/dev/null 2>&1 || true
	git --git-dir="$repo" worktree remove --force "$dest" >/dev/null 2>&1 || true
	git --git-dir="$repo" branch -D "$branch" >/dev/null 2>&1 || true
}

# Patches carry their author; the committer is whoever applies them.
if ! git -C "$dest" var GIT_COMMITTER_IDENT >/dev/null 2>&1; then
	export GIT_COMMITTER_NAME="kvmarm-series tooling" GIT_COMMITTER_EMAIL="tooling@localhost"
fi

if [ "$base_only" = 0 ]; then
	n=0
	while IFS= read -r p; do
		n=$((n + 1))
		f="$PATCH_DIR/$p"
		if ! log=$(git -C "$dest" am --3way --quiet "$f" 2>&1); then
			echo "$log" >&2
			where=$(printf '%s\n' "$log" | sed -n \
				-e 's/^error: patch failed: \(.*\):\([0-9]*\)$/file \1, hunk at line \2/p' \
				-e 's/^error: \(.*\): does not exist in index$/file \1 (does not exist in the base)/p' \
				-e 's/^CONFLICT (.*): Merge conflict in \(.*\)$/file \1 (3-way merge conflict)/p' \
				-e 's/^error: corrupt patch at line \([0-9]*\)$/corrupt patch at line \1/p' \
				-e 's/^Patch format detection failed\.$/not a patch in mbox format/p' \
				-e 's/^Patch is empty\.$/patch is empty/p' | paste -sd';' -)
			hunk=""
			line=$(printf '%s\n' "$log" | sed -n 's/^error: patch failed: .*:\([0-9]*\)$/\1/p' | head -n1)
			if [ -n "$line" ]; then
				hunk=$(grep -m1 -E "^@@ -$line(,[0-9]+)? " "$f" || true)
			fi
			cleanup
			die "patch $n ($p) does not apply to $(series_field base-tag): ${where:-see the git am output above}${hunk:+; hunk "$hunk"}. Nothing was left applied."
		fi
	done < <(series_patches)
fi
echo "$dest"
