# shellcheck shell=bash
# Helpers for the tooling's own tests: a small fake kernel repository with a
# v7.3-rc7 tag, a project directory with a series against it, and TAP output.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/kvmarm-tooling-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
export KVMARM_CACHE="$T/cache"
export GIT_AUTHOR_NAME="Test Author" GIT_AUTHOR_EMAIL="author@kvmarm-tooling.dev"
export GIT_COMMITTER_NAME="Test Author" GIT_COMMITTER_EMAIL="author@kvmarm-tooling.dev"
export GIT_CONFIG_NOSYSTEM=1 HOME="$T/home"
# The boots in these tests run the machine's QEMU (7.2 on Debian 12), not
# QEMU 10 fetched into each test's fresh cache.
export QEMU=system
mkdir -p "$HOME"
n_ok=0 n_fail=0 n=0

ok() { n=$((n + 1)); n_ok=$((n_ok + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); n_fail=$((n_fail + 1)); echo "not ok $n - $*"; }
# check NAME CMD...: a test that passes when CMD succeeds.
check() { local name=$1; shift; if "$@" >"$T/.cmd.log" 2>&1; then ok "$name"; else not_ok "$name"; sed 's/^/# /' "$T/.cmd.log"; fi; }
# fails_with NAME REGEX CMD...: CMD must fail, and say REGEX on stderr/stdout.
fails_with() {
	# shellcheck disable=SC2317
	local name=$1 re=$2 rc=0
	shift 2
	"$@" >"$T/.cmd.log" 2>&1 || rc=$?
	if [ "$rc" != 0 ] && grep -qE -- "$re" "$T/.cmd.log"; then
		ok "$name"
	else
		not_ok "$name (exit $rc, expected an error matching /$re/)"
		sed 's/^/# /' "$T/.cmd.log"
	fi
}
finish() { echo "1..$n"; [ "$n_fail" = 0 ]; }

# make_kernel DIR [VERSION-LINES]: a fake kernel git repo tagged v7.3-rc7.
make_kernel() {
	local d=$1 sub=${2:-3} extra=${3--rc7}
	mkdir -p "$d/virt/kvm" "$d/arch/arm64/kvm"
	printf 'VERSION = 7\nPATCHLEVEL = %s\nSUBLEVEL = 0\nEXTRAVERSION = %s\n' "$sub" "$extra" >"$d/Makefile"
	seq 1 40 | sed 's/^/int line_/; s/$/;/' >"$d/virt/kvm/kvm_main.c"
	seq 1 40 | sed 's/^/int pmu_/; s/$/;/' >"$d/arch/arm64/kvm/pmu-emul.c"
	git -C "$d" init -q -b master
	git -C "$d" add -A
	git -C "$d" commit -q -m "Linux 7.$sub$extra"
	git -C "$d" tag v7.3-rc7
}

# make_project DIR KERNEL: a project (series, patches/, cover letter) with two
# patches against KERNEL's v7.3-rc7, by (and signed off by) the author of
# GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL.
make_project() {
	local p=$1 k=$2 w="$T/work.$RANDOM" sob="Signed-off-by: $GIT_AUTHOR_NAME <$GIT_AUTHOR_EMAIL>"
	git clone -q "$k" "$w"
	sed -i 's/^int line_10;/int line_10 = 10;/' "$w/virt/kvm/kvm_main.c"
	git -C "$w" commit -q -am "KVM: Give line 10 a value" -m "Because." -m "$sob"
	sed -i 's/^int pmu_20;/int pmu_20 = 20;/' "$w/arch/arm64/kvm/pmu-emul.c"
	git -C "$w" commit -q -am "KVM: arm64: Give pmu 20 a value" -m "Because." -m "$sob"
	mkdir -p "$p/patches"
	git -C "$w" format-patch -q --numbered --zero-commit -o "$p/patches" v7.3-rc7..HEAD
	{
		sed -n '/^#/p' "$TOP/series" | grep -v -e '^# Patches' -e '^#[[:space:]]*topic:' | sed 's/^# version: .*/# version: 1/'
		echo "# Patches:"
		(cd "$p/patches" && ls -1 -- *.patch)
	} >"$p/series"
	printf 'Subject: [PATCH 0/2] Test series\n\nTwo patches.\n' >"$p/cover-letter.txt"
	rm -rf "$w"
}

# tree_state DIR: everything about a git tree that must not change.
tree_state() {
	git -C "$1" rev-parse HEAD
	git -C "$1" status --porcelain
	git -C "$1" for-each-ref
	git -C "$1" worktree list --porcelain
}
