#!/usr/bin/env bash
# export-series.sh is the inverse of apply-series.sh: patches come back with
# the same diffs, series and cover letter are renumbered, bad input refused.
. "$(dirname "$0")/lib.sh"
make_kernel "$T/linux"
make_project "$T/p" "$T/linux"
export SERIES_FILE="$T/p/series" KERNEL_DIR="$T/linux"
"$TOP/tools/apply-series.sh" --dest "$T/wt" >/dev/null
cp -a "$T/p" "$T/orig"

# One more commit on the branch, then export.
sed -i 's/^int line_30;/int line_30 = 30;/' "$T/wt/virt/kvm/kvm_main.c"
git -C "$T/wt" commit -q -am "KVM: Give line 30 a value" -m "Signed-off-by: Test Author <author@kvmarm-tooling.dev>"
check "export from the applied branch" "$TOP/tools/export-series.sh" "$T/wt"
check "three patches, listed in series" test "$(grep -c '\.patch$' "$T/p/series")" = 3
check "header comments of series are kept" grep -q '^# base-tag: v7.3-rc7' "$T/p/series"
check "cover letter renumbered to 0/3" grep -q '^Subject: \[PATCH 0/3\]' "$T/p/cover-letter.txt"
check "patches are numbered n/3" grep -q '^Subject: \[PATCH 3/3\]' "$T/p/patches/0003-"*.patch
check "base-commit is recorded" grep -q "^base-commit: $(git -C "$T/linux" rev-parse v7.3-rc7)" "$T/p/patches/0001-"*.patch
same_diff() { test "$(git patch-id --stable <"$1" | cut -d' ' -f1)" = "$(git patch-id --stable <"$2" | cut -d' ' -f1)"; }
check "the exported diffs are the applied ones" same_diff "$T/orig/patches/0001-"*.patch "$T/p/patches/0001-"*.patch
check "the result is consistent" "$TOP/tools/check-series.sh"

git init -q "$T/other" && git -C "$T/other" commit -q --allow-empty -m x
fails_with "export from a tree without the base is refused" "wrong base" "$TOP/tools/export-series.sh" "$T/other"
check "a refused export leaves patches/ as it was" test "$(find "$T/p/patches" -name '*.patch' | wc -l)" = 3
finish
