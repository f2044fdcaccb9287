#!/usr/bin/env bash
# Kernels are artifacts cached by (source tree, fragment set): a changed
# fragment or source is rebuilt, an unchanged one is not, a dirty worktree
# is refused.
. "$(dirname "$0")/lib.sh"
make_kernel "$T/k"
mkdir -p "$T/bin"
# A stand-in for ci/build-kernel.sh: counts its calls, "builds" files.
cat >"$T/bin/build" <<'STUB'
#!/usr/bin/env bash
set -euo pipefail
echo x >>"$STUB_CALLS"
out=$2
mkdir -p "$out/arch/arm64/boot"
shift 2
cat "$@" >"$out/arch/arm64/boot/Image"
cp "$out/arch/arm64/boot/Image" "$out/vmlinux"
cp "$out/arch/arm64/boot/Image" "$out/.config"
STUB
chmod +x "$T/bin/build"
export BUILD_KERNEL="$T/bin/build" STUB_CALLS="$T/calls"
printf 'CONFIG_A=y\n' >"$T/a.config"
printf 'CONFIG_B=y\n' >"$T/b.config"
calls() { wc -l <"$STUB_CALLS"; }
need() { [ "$(calls)" = "$1" ]; }
check "a first request builds" "$TOP/ci/build-artifact.sh" k "$T/k" "$T/out1" "$T/a.config"
check "the artifact has Image, .config, metadata.json, vmlinux.path" bash -c \
	'for f in Image .config metadata.json vmlinux.path source.path; do test -f "$1/$f"; done' _ "$T/out1/k"
check "metadata.json names the commit, the fragments and the toolchain" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert len(m["commit"]) == 40 and m["fragments"] == [sys.argv[2]] and m["gcc"], m' "$T/out1/k/metadata.json" "$T/a.config"
"$TOP/ci/build-artifact.sh" k "$T/k" "$T/out2" "$T/a.config" >/dev/null 2>&1
check "the same tree and fragments are served from the cache" need 1
"$TOP/ci/build-artifact.sh" k "$T/k" "$T/out3" "$T/a.config" "$T/b.config" >/dev/null 2>&1
check "another fragment set is built, not reused" need 2
check "...and its Image is the new one" grep -q CONFIG_B "$T/out3/k/Image"
printf 'CONFIG_A=m\n' >"$T/a.config"
"$TOP/ci/build-artifact.sh" k "$T/k" "$T/out4" "$T/a.config" >/dev/null 2>&1
check "a changed fragment is built again" need 3
echo change >>"$T/k/Makefile"
fails_with "a worktree with uncommitted changes is refused" "has uncommitted changes" \
	"$TOP/ci/build-artifact.sh" k "$T/k" "$T/out5" "$T/a.config"
git -C "$T/k" commit -q -am "another commit"
"$TOP/ci/build-artifact.sh" k "$T/k" "$T/out6" "$T/a.config" >/dev/null 2>&1
check "another source tree is built again" need 4
finish
