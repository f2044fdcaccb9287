#!/usr/bin/env bash
# The compiler of the kernel builds (their CC): aarch64-linux-gnu-gcc
# through ccache, in depend mode (tools/lib.sh: ccache_env) for C sources
# and in ccache's default mode for assembler sources (.S). ccache (4.7 in
# Debian 12) notices an .incbin directive only in preprocessor output,
# which depend mode never reads: arch/arm64/kernel/vdso-wrap.S, which
# embeds vdso.so, would be cached without it, and a changed vDSO served
# stale. In its default mode ccache sees the .incbin and does not cache the
# file. (No C source of these builds has an .incbin, nor the KVM selftests.)
set -euo pipefail
for a in "$@"; do
	case $a in *.S) unset CCACHE_DEPEND; break ;; esac
done
exec ccache aarch64-linux-gnu-gcc "$@"
