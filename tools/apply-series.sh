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

# Worktrees of one repository are made side by side (ci/pipeline.sh: the
# base's beside the series' build, the checks' in the background, where
# b4's checks use it first).
# git 2.39 is not safe for that: a command that lists the worktrees
# (worktree add and list, checkout -b, branch -D) dies on the administrative
# directory of one that `worktree add` has made but not yet filled ("failed
# to read .../commondir"), and `worktree prune` can remove it. Every such
# command here runs under one lock; the checkout of the files, the long
# part, runs outside it. (b4's own git commands do not take the lock: its
# temporary worktrees, made only for a series with prerequisites, are not
# covered.)
need_tool flock util-linux
locked() { flock "$repo/kvmarm-worktrees.lock" "$@"; }

# Reuse a worktree of ours (checking out the base again is much cheaper than
# a new worktree of the whole tree); refuse to touch anything else.
old_branch=""
if [ -e "$dest" ]; then
	wts=$(locked git --git-dir="$repo" worktree list --porcelain) || die "git worktree list failed in $repo"
	grep -qxF "worktree $(cd "$dest" && pwd -P)" <<<"$wts" ||
		die "'$dest' exists and is not a worktree of $repo: not touching it"
	old_branch=$(git -C "$dest" symbolic-ref -q --short HEAD || true)
	git -C "$dest" am --abort >/dev/null 2>&1 || true
	git -C "$dest" rebase --abort >/dev/null 2>&1 || true
	{ git -C "$dest" checkout -q -f --detach "$base" && locked git -C "$dest" switch -q -c "$branch"; } ||
		die "could not reset worktree '$dest' to $base"
	git -C "$dest" clean -q -f -d -x -e '/.build-*/'
	[ -z "$old_branch" ] || locked git -C "$dest" branch -q -D "$old_branch" >/dev/null 2>&1 || true
else
	# No `git worktree prune` (it could remove b4's temporary worktrees,
	# which are not made under the lock): a worktree whose directory was
	# deleted is replaced with -f (it is not locked, and the branch is new,
	# so that is all -f overrides). (checkout.workers=0: the files are
	# written by one worker per CPU.)
	mkdir -p "$(dirname "$dest")"
	locked git --git-dir="$repo" worktree add -f -q --no-checkout -b "$branch" "$dest" "$base" ||
		die "could not create worktree '$dest' on $base"
	git -c checkout.workers=0 -C "$dest" reset -q --hard ||
		die "could not check out $base in worktree '$dest'"
fi

cleanup() {
	git -C "$dest" am --abort >/dev/null 2>&1 || true
	git -C "$dest" rebase --abort >/dev/null 2>&1 || true
	locked git --git-dir="$repo" worktree remove --force "$dest" >/dev/null 2>&1 || true
	locked git --git-dir="$repo" branch -D "$branch" >/dev/null 2>&1 || true
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
