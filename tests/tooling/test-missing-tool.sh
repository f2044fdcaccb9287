#!/usr/bin/env bash
# A missing tool is reported with the Debian package that provides it.
. "$(dirname "$0")/lib.sh"
# A PATH with the basics but no cross compiler, no qemu, no sparse.
mkdir -p "$T/bin"
for t in bash sh env cat sed grep awk dirname basename mkdir rm cp mv head tail tr sort uniq \
	git date sha1sum cut ls find mktemp wc xargs nproc printf test id dpkg-query; do
	p=$(command -v "$t" 2>/dev/null) && ln -sf "$p" "$T/bin/$t"
done
mkdir -p "$T/src/arch/arm64" && touch "$T/src/Makefile"
fails_with "no cross compiler: names gcc-aarch64-linux-gnu" \
	"'aarch64-linux-gnu-gcc' not found: install the Debian package 'gcc-aarch64-linux-gnu'" \
	env PATH="$T/bin" "$TOP/ci/build-kernel.sh" "$T/src" "$T/out"
touch "$T/Image" "$T/initrd"
fails_with "no QEMU: names qemu-system-arm" \
	"'qemu-system-aarch64' not found: install the Debian package 'qemu-system-arm'" \
	env PATH="$T/bin" "$TOP/ci/boot-guest.sh" "$T/Image" "$T/initrd" "$T/o" virt
fails_with "no cpio: names cpio" "'cpio' not found: install the Debian package 'cpio'" \
	bash -c 'mkdir -p "$1/kst" && touch "$1/kst/run_kselftest.sh" && chmod +x "$1/kst/run_kselftest.sh" &&
		PATH="$1/bin" "$2/ci/make-initramfs.sh" "$1/kst" "$1/x.cpio.gz"' _ "$T" "$TOP"
finish
