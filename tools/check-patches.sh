#!/usr/bin/env bash
# Check every patch of the series on its own:
#   - checkpatch.pl --strict;
#   - an arm64 build of the kernel after each patch (bisectability), with
#     the CI configuration (ci/config);
#   - W=1 and sparse (C=2) on the kernel .c files the patch touches, failing
#     only on warnings the base does not have for those files;
#   - the KVM selftests build after each patch that touches them;
#   - each topic of the series ("# topic: NAME ..." lines in `series`, which
#     go to different trees) applies alone on the base and builds (a topic
#     whose tree is the tree after one of the patches, built above, is not
#     built again).
#
# usage: check-patches.sh [--worktree DIR] [--build-dir DIR] [--no-build]
#   --worktree DIR   a tree made by apply-series.sh (default: make a new one)
#   --build-dir DIR  kernel build directory (default: in the cache)
# The worktree is left at the tip of the series, built.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

wt="" bdir="$WORK_ROOT/build/kernel" build=1
while [ $# -gt 0 ]; do
	case $1 in
	--worktree) wt=$2; shift 2 ;;
	--build-dir) bdir=$2; shift 2 ;;
	--no-build) build=0; shift ;;
	-h | --help) sed -n '2,17p' "$0"; exit 0 ;;
	*) die "unknown argument '$1'" ;;
	esac
done
need_tool perl perl
[ -n "$wt" ] || wt=$("$TOPDIR/tools/apply-series.sh")
[ -x "$wt/scripts/checkpatch.pl" ] || die "'$wt' is not a kernel tree made by apply-series.sh"
read -r _ base < <("$TOPDIR/tools/get-base.sh")
tip=$(git -C "$wt" rev-parse HEAD)
mapfile -t commits < <(git -C "$wt" rev-list --reverse "$base..$tip")
mapfile -t patches < <(series_patches)
[ "${#commits[@]}" = "${#patches[@]}" ] ||
	die "$wt has ${#commits[@]} commits on the base, the series ${#patches[@]} patches"

failed=0
fail() { printf '%s: FAIL: %s\n' "${0##*/}" "$*" >&2; failed=$((failed + 1)); }

# checkpatch. A base imported from the Debian package has no history, so
# commit ids in Fixes: cannot be looked up there; say so rather than pass.
cp_opts=(--strict --quiet --no-summary --color=never)
if [ "$(git -C "$wt" rev-list --count "$base")" = 1 ]; then
	cp_opts+=(--ignore UNKNOWN_COMMIT_ID)
	info "note: the base has no git history (Debian import): Fixes: ids are not verified; use KERNEL_DIR to verify them"
fi
# checkpatch asks whether MAINTAINERS needs updating for every new file;
# answer that with get_maintainer.pl instead: a new file must be covered by
# an entry other than THE REST.
cp_opts+=(--ignore FILE_PATH_CHANGES)
covered() {
	(cd "$wt" && scripts/get_maintainer.pl --no-git --no-git-fallback --no-email \
		--no-rolestats --subsystem -f "$1" 2>/dev/null) | grep -v '@' |
		grep -v -x -e 'THE REST' -e '' | grep -q .
}
# checkpatch's "Avoid CamelCase" on a register field name that the build
# generates from arch/arm64/tools/sysreg (e.g. ICH_HCR_EL2_EOIcount) is not the
# patch's choice: drop such reports, and say so. Reads checkpatch's output on
# stdin, prints the rest.
generated_camelcase() {
	awk -v sysreg="$1" '
		BEGIN {
			while ((getline line < sysreg) > 0) {
				n = split(line, w, /[ \t]+/)
				if (w[1] ~ /^(Sysreg|SysregFields)$/) reg = w[2]
				else if (w[1] ~ /^(Field|Enum|UnsignedEnum|SignedEnum)$/ && reg != "") gen[reg "_" w[n]] = 1
			}
			RS = ""
		}
		{
			if (match($0, /^CHECK: Avoid CamelCase: <[A-Za-z0-9_]+>/)) {
				id = substr($0, 26, RLENGTH - 26)
				sub(/_(MASK|SHIFT|WIDTH)$/, "", id)
				if (id in gen) { printf "note: generated register field name %s (arch/arm64/tools/sysreg), not a CamelCase choice\n", id > "/dev/stderr"; next }
			}
			print $0 "\n"
		}'
}
i=0
for p in "${patches[@]}"; do
	c=${commits[$i]}
	i=$((i + 1))
	# Debian's python3 (python3-ply, python3-git) for scripts/spdxcheck.py
	out=$(cd "$wt" && PATH=/usr/bin:$PATH scripts/checkpatch.pl "${cp_opts[@]}" "$PATCH_DIR/$p" 2>&1) || true
	out=$(printf '%s\n' "$out" | generated_camelcase "$wt/arch/arm64/tools/sysreg")
	if [ -z "$(printf '%s' "$out" | tr -d '[:space:]')" ]; then
		info "checkpatch: $p: clean"
	else
		printf '%s\n' "$out" >&2
		fail "checkpatch --strict: $p"
	fi
	git -C "$wt" checkout -q --detach "$c"
	while read -r f; do
		covered "$f" || fail "$p adds $f, which no MAINTAINERS entry covers"
	done < <(git -C "$wt" diff --name-only --diff-filter=A "$c~1" "$c")
done
git -C "$wt" checkout -q --detach "$tip"
[ "$build" = 1 ] || { [ "$failed" = 0 ] || die "$failed check(s) failed"; exit 0; }

# Kernel .c files the patch (or the series) touches, as object targets.
objs_of() {
	git -C "$wt" diff --name-only "$1" "$2" -- '*.c' ':!tools/' ':!scripts/' ':!Documentation/' |
		while read -r f; do [ -f "$wt/$f" ] && echo "${f%.c}.o"; done
}
wdir="$bdir-w1"
warnings() { # COMMIT OBJS... -> normalised W=1/sparse warnings on stdout
	[ $# -gt 1 ] || return 0
	local c=$1
	shift
	git -C "$wt" checkout -q --detach "$c"
	make -s -C "$wt" O="$wdir" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
		CC="$TOPDIR/tools/ccache-gcc.sh" W=1 C=2 CHECK="$sparse_bin" -j"${JOBS:-$(($(nproc) + 1))}" "$@" 2>&1 |
		grep -E 'warning:|error:' | sed -E 's#^.*/(arch|virt|include|drivers|kernel|mm|lib)/#\1/#; s/:[0-9]+:[0-9]+:/:/; s/:[0-9]+:/:/' | sort -u || true
}
need_tool sparse sparse
ccache_env "$wt" # (for the W=1 builds; the others set their own)
sparse_bin=$("$TOPDIR/tools/get-sparse.sh" "$wt")
git -C "$wt" checkout -q --detach "$base"
"$TOPDIR/ci/build-kernel.sh" "$wt" "$bdir" >/dev/null
mkdir -p "$wdir"
cp "$bdir/.config" "$wdir/.config"
make -s -C "$wt" O="$wdir" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- olddefconfig prepare >/dev/null
mapfile -t all_objs < <(objs_of "$base" "$tip")
baseline=$(warnings "$base" "${all_objs[@]}")
info "base: $(printf '%s' "$baseline" | grep -c . || true) W=1/sparse warning(s) in the files the series touches"

i=0
declare -A built # tree id -> the patch after which that tree built
for c in "${commits[@]}"; do
	p=${patches[$i]}
	i=$((i + 1))
	git -C "$wt" checkout -q --detach "$c"
	t0=$(date +%s)
	if ! "$TOPDIR/ci/build-kernel.sh" "$wt" "$bdir" >"$bdir/build-$i.log" 2>&1; then
		tail -n 20 "$bdir/build-$i.log" >&2
		fail "arm64 build after patch $i ($p)"
		continue
	fi
	mapfile -t objs < <(objs_of "$c~1" "$c")
	new=$(comm -13 <(printf '%s\n' "$baseline" | sort -u) <(warnings "$c" "${objs[@]}" | sort -u) | sed '/^$/d')
	if [ -n "$new" ]; then
		printf '%s\n' "$new" | sed 's/^/    /' >&2
		fail "new W=1/sparse warnings after patch $i ($p)"
	fi
	# The tree is "built" (a topic with the same tree need not be) when the
	# kernel built and, if the series so far changes the selftests, they did
	# too, after this patch.
	st=ok
	[ -z "$(git -C "$wt" diff --name-only "$base" "$c" -- tools/testing/selftests/kvm)" ] || st=""
	if [ -n "$(git -C "$wt" diff --name-only "$c~1" "$c" -- tools/testing/selftests/kvm)" ]; then
		if "$TOPDIR/ci/build-selftests.sh" "$wt" "$bdir" >/dev/null; then
			st=ok
		else
			fail "KVM selftests build after patch $i ($p)"
		fi
	fi
	if [ -n "$st" ]; then
		tree=$(git -C "$wt" rev-parse "$c^{tree}")
		built[$tree]=$i
	fi
	info "patch $i/${#commits[@]} ($p): built in $(($(date +%s) - t0)) s${objs[0]:+, checked ${objs[*]}}"
done

# Each topic alone on the base: its patches, and nothing else, cherry-picked
# onto the base in the same worktree (the build directory is reused, so only
# what differs is rebuilt).
if ! git -C "$wt" var GIT_COMMITTER_IDENT >/dev/null 2>&1; then
	export GIT_COMMITTER_NAME="kvmarm-series tooling" GIT_COMMITTER_EMAIL="tooling@localhost"
fi
while IFS=$'\t' read -r topic idx; do
	git -C "$wt" checkout -q --detach "$base"
	ok=1
	for n in $idx; do
		if ! git -C "$wt" cherry-pick --allow-empty "${commits[$((n - 1))]}" >/dev/null 2>&1; then
			git -C "$wt" cherry-pick --abort >/dev/null 2>&1 || true
			fail "topic '$topic': patch $n (${patches[$((n - 1))]}) does not apply without the other topics"
			ok=0
			break
		fi
	done
	[ "$ok" = 1 ] || continue
	# A topic that is a prefix of the series has the tree of one of its
	# patches, which built above (kernel and selftests): not built twice.
	tree=$(git -C "$wt" rev-parse 'HEAD^{tree}')
	n=${built[$tree]:-}
	if [ -n "$n" ]; then
		info "topic '$topic' (patches $idx) applies alone on the base: the tree after patch $n, which built above"
	elif ! "$TOPDIR/ci/build-kernel.sh" "$wt" "$bdir" >"$bdir/build-topic.log" 2>&1; then
		tail -n 20 "$bdir/build-topic.log" >&2
		fail "topic '$topic' alone on the base: arm64 build"
	elif [ -n "$(git -C "$wt" diff --name-only "$base" HEAD -- tools/testing/selftests/kvm)" ] &&
		! "$TOPDIR/ci/build-selftests.sh" "$wt" "$bdir" >/dev/null; then
		fail "topic '$topic' alone on the base: KVM selftests build"
	else
		info "topic '$topic' (patches $idx) applies and builds alone on the base"
	fi
done < <(series_topics)
git -C "$wt" checkout -q --detach "$tip"
[ "$failed" = 0 ] || die "$failed check(s) failed"
info "all ${#commits[@]} patch(es) pass checkpatch, build and W=1/sparse"
