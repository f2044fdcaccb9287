#!/usr/bin/env bash
# Build a kernel from a worktree and a fragment set into an artifact: a
# directory with Image, vmlinux.path (the vmlinux, for decoding splats),
# source.path, .config and metadata.json (commit, tree, fragments,
# toolchain and QEMU versions). Artifacts are cached by (source tree,
# fragment set, toolchain): a second request is served without a build.
#
# usage: build-artifact.sh NAME WORKTREE DEST FRAGMENT...
#   (BUILD_KERNEL replaces ci/build-kernel.sh, for the tooling's tests)
#   DEST/NAME/ is the artifact (a copy of the cached one; vmlinux stays in
#   the cache). Prints the artifact's directory.
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"

[ $# -ge 4 ] || die "usage: ${0##*/} NAME WORKTREE DEST FRAGMENT..."
name=$1 wt=$2 dest=$3
shift 3
git -C "$wt" rev-parse --verify -q HEAD >/dev/null || die "'$wt' is not a git worktree"
[ -z "$(git -C "$wt" status --porcelain --untracked-files=no)" ] ||
	die "worktree '$wt' has uncommitted changes: an artifact is built from a commit"
need_tool aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu
commit=$(git -C "$wt" rev-parse HEAD)
tree=$(git -C "$wt" rev-parse 'HEAD^{tree}')
frag_files=()
for f in "$@"; do frag_files+=("$(fragment_file "$f")"); done
gcc_v=$(aarch64-linux-gnu-gcc --version | head -n1)
ld_v=$(aarch64-linux-gnu-ld --version | head -n1)
# The key: what the build reads (the source tree by its git tree id, the
# fragments' contents, the compiler, the build script and how it runs
# ccache).
key=$(printf '%s\n' "$tree" "$gcc_v" "$ld_v" | cat - "${frag_files[@]}" "$TOPDIR/ci/build-kernel.sh" \
	"$TOPDIR/tools/lib.sh" "$TOPDIR/tools/ccache-gcc.sh" |
	sha1sum | cut -c1-16)
fkey=$(cat "${frag_files[@]}" | sha1sum | cut -c1-12)
cache="$WORK_ROOT/artifacts/$key"
if [ -f "$cache/metadata.json" ]; then
	info "[$name] cached artifact $key (tree ${tree:0:12}, fragments: $*)"
else
	# One incremental build directory per worktree and fragment set, inside
	# the worktree (apply-series.sh keeps it): the same relative path to the
	# sources from every build directory, so that ccache (CCACHE_BASEDIR)
	# shares objects between the series, the base and the variants.
	bdir="$(realpath "$wt")/.build-$fkey"
	"${BUILD_KERNEL:-$TOPDIR/ci/build-kernel.sh}" "$wt" "$bdir" "${frag_files[@]}" >/dev/null
	rm -rf "$cache.tmp"
	mkdir -p "$cache.tmp"
	cp "$bdir/arch/arm64/boot/Image" "$bdir/.config" "$cache.tmp/"
	cp "$bdir/vmlinux" "$cache.tmp/vmlinux"
	qemu_v=$(qemu-system-aarch64 --version 2>/dev/null | head -n1 || true)
	NAME=$name COMMIT=$commit TREE=$tree KEY=$key GCC=$gcc_v LD=$ld_v QEMU_V=$qemu_v \
		QEMU10_V=$("${QEMU:-false}" --version 2>/dev/null | head -n1 || true) \
		FRAGS="$*" FRAG_SHA=$(cat "${frag_files[@]}" | sha256sum | cut -d' ' -f1) SRC=$(realpath "$wt") \
		python3 -c '
import json, os, sys, time
e = os.environ
json.dump({"name": e["NAME"], "commit": e["COMMIT"], "tree": e["TREE"], "key": e["KEY"],
           "fragments": e["FRAGS"].split(), "fragments_sha256": e["FRAG_SHA"],
           "source": e["SRC"], "gcc": e["GCC"], "ld": e["LD"],
           "qemu": [q for q in (e["QEMU_V"], e["QEMU10_V"]) if q],
           "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
          open(sys.argv[1], "w"), indent=1)' "$cache.tmp/metadata.json"
	rm -rf "$cache"
	mv "$cache.tmp" "$cache"
	# Keep the newest 12 artifacts: a vmlinux with line tables is large.
	find "$WORK_ROOT/artifacts" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p\n' | sort -rn |
		tail -n +13 | cut -d' ' -f2- | xargs -r rm -rf
fi
touch "$cache"
mkdir -p "$dest/$name"
out=$(cd "$dest/$name" && pwd)
cp "$cache/Image" "$cache/.config" "$cache/metadata.json" "$out/"
echo "$cache/vmlinux" >"$out/vmlinux.path"
# Splats are decoded against this worktree (the same source tree by its id).
realpath "$wt" >"$out/source.path"
echo "$out"
