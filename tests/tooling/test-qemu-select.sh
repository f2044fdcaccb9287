#!/usr/bin/env bash
# QEMU selects the emulator every boot runs (qemu_path in tools/lib.sh):
# unset, QEMU 10 from tools/get-qemu.sh; "system", the one on PATH; a path.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tools/lib.sh
. "$TOP/tools/lib.sh"
mkdir -p "$T/bin"
printf '#!/bin/sh\necho "QEMU emulator version 99.0 (fake)"\n' >"$T/bin/qemu-system-aarch64"
chmod +x "$T/bin/qemu-system-aarch64"
export -f qemu_path need_tool die
check "QEMU=system: the qemu-system-aarch64 on PATH" \
	bash -c '[ "$(PATH="$1:$PATH" QEMU=system qemu_path)" = "$1/qemu-system-aarch64" ]' _ "$T/bin"
check "QEMU=PATH: that executable" bash -c '[ "$(QEMU="$1" qemu_path)" = "$1" ]' _ "$T/bin/qemu-system-aarch64"
fails_with "QEMU naming no executable is an error that names it" "QEMU='$T/nosuch' is not an executable file" \
	env QEMU="$T/nosuch" bash -c qemu_path
# Unset: tools/get-qemu.sh; a fetch that fails names the way back to 7.2.
fails_with "QEMU unset and QEMU 10 unobtainable: a clear error" "could not get QEMU 10.*QEMU=system" \
	env -u QEMU QEMU_VERSION=0.0-nosuch QEMU_SUITE=nosuch-suite TOPDIR="$TOP" bash -c qemu_path
touch "$T/Image" "$T/initrd"
fails_with "boot-guest.sh stops on it before starting anything" "QEMU='$T/nosuch' is not an executable file" \
	env QEMU="$T/nosuch" "$TOP/ci/boot-guest.sh" "$T/Image" "$T/initrd" "$T/o" virt
finish
