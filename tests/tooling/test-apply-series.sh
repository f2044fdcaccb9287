#!/usr/bin/env bash
# apply-series.sh and get-base.sh with KERNEL_DIR: applying, failing cleanly,
# wrong bases, and never touching the user's tree.
. "$(dirname "$0")/lib.sh"
make_kernel "$T/linux"
make_project "$T/p" "$T/linux"
export SERIES_FILE="$T/p/series" KERNEL_DIR="$T/linux"
apply="$TOP/tools/apply-series.sh"
before=$(tree_state "$T/linux")

check "the series applies with git am" "$apply" --dest "$T/wt"
check "the worktree has both patches on v7.3-rc7" \
	test "$(git -C "$T/wt" rev-list --count v7.3-rc7..HEAD 2>/dev/null || git -C "$T/wt" log --oneline | wc -l)" -ge 2
check "the user's kernel tree is untouched" test "$before" = "$(tree_state "$T/linux")"
# The cache repository is never repacked behind a run's back: the Debian
# import's ~96000 loose objects made the first `git am` start a whole-tree
# `git gc --auto` beside the worktree checkouts and the kernel builds.
check "the cache repository has no automatic gc (gc.auto 0)" \
	test "$(git --git-dir="$(ls -d "$KVMARM_CACHE"/linux-*.git)" config gc.auto)" = 0

# A patch whose context is not in the base.
p2=$(ls "$T/p/patches/0002-"*.patch)
cp "$p2" "$T/save"
sed -i 's/^ int pmu_19;/ int pmu_19_renamed;/' "$p2"
fails_with "a patch that does not apply names patch, file and hunk" \
	"patch 2 \(0002-.*\) does not apply .*arch/arm64/kvm/pmu-emul.c.*hunk '?\"?@@ -" "$apply" --dest "$T/wt2"
check "nothing is left half-applied (no worktree)" test ! -e "$T/wt2"
check "no branch is left behind" test -z "$(git --git-dir="$(ls -d "$KVMARM_CACHE"/linux-*.git)" branch --list 'series/*' | grep -v '^\*' | grep -v "$(git -C "$T/wt" branch --show-current)" || true)"
cp "$T/save" "$p2"

fails_with "an existing directory that is not ours is refused" "is not a worktree of" \
	bash -c 'mkdir -p "$1/mine" && touch "$1/mine/keep" && "$2" --dest "$1/mine"' _ "$T" "$apply"
check "...and left as it was" test -f "$T/mine/keep"

# Wrong bases.
mkdir "$T/notgit"
fails_with "KERNEL_DIR that is not a git repository" "not a git repository" \
	env KERNEL_DIR="$T/notgit" "$TOP/tools/get-base.sh"
git init -q "$T/notag" && git -C "$T/notag" commit -q --allow-empty -m x
fails_with "KERNEL_DIR without the base tag" "wrong base: tag 'v7.3-rc7' not found" \
	env KERNEL_DIR="$T/notag" "$TOP/tools/get-base.sh"
make_kernel "$T/old" 2 ""
fails_with "a v7.3-rc7 tag on another kernel version" "wrong base: .* is Linux 7.2.0, the series is based on 7.3.0-rc7" \
	env KERNEL_DIR="$T/old" "$TOP/tools/get-base.sh"
check "the user's kernel tree is still untouched" test "$before" = "$(tree_state "$T/linux")"

# Default worktrees of two repositories (a default run, then KERNEL_DIR) do
# not collide: each repository has its own.
make_kernel "$T/linux2"
check "the default worktree of one repository" "$apply"
check "...and of another (KERNEL_DIR changed)" env KERNEL_DIR="$T/linux2" "$apply"
check "they are two worktrees" test "$(env KERNEL_DIR="$T/linux2" "$apply")" != "$("$apply")"

# A worktree whose directory was deleted (still registered in git) is made
# again at the same place.
check "a worktree whose directory was deleted is made again" bash -c '
	"$1" --dest "$2/gone" >/dev/null && rm -rf "$2/gone" && "$1" --dest "$2/gone" >/dev/null &&
	git -C "$2/gone" log -1 --format=%s | grep -q .' _ "$apply" "$T"
# ci/pipeline.sh makes worktrees side by side (the base's beside the series'
# build, the checks' in the background): each is made whole. (A
# smoke test: the window a `worktree prune` could hit is far too short.)
check "worktrees made side by side are each made" bash -c '
	pids=()
	for i in 1 2 3 4; do "$1" --dest "$2/side-$i" >/dev/null 2>"$2/side-$i.log" & pids+=($!); done
	rc=0; for p in "${pids[@]}"; do wait "$p" || rc=1; done
	for i in 1 2 3 4; do git -C "$2/side-$i" log -1 --format=%s | grep -q . || rc=1; done
	[ "$(git -C "$2/side-1" worktree list | grep -c /side-)" = 4 ] || rc=1
	[ "$rc" = 0 ] || { cat "$2"/side-*.log; git -C "$2/side-1" worktree list; for i in 1 2 3 4; do git -C "$2/side-$i" log --oneline -1; done; }
	exit "$rc"' _ "$apply" "$T"
finish
