#!/usr/bin/env bash
# After a watchdog: the vCPUs' PCs and link registers are named as function
# and file:line of vmlinux, wherever KASLR put the kernel; what cannot be
# decoded is shown as it is, with the reason; a QEMU that does not answer is
# said to.
. "$(dirname "$0")/lib.sh"
command -v aarch64-linux-gnu-as >/dev/null || { echo "ok 1 - # SKIP binutils-aarch64-linux-gnu not installed"; echo "1..1"; exit 0; }
# A two-function "vmlinux" linked where the kernel links, with line tables.
printf '\t.text\n\t.globl _text\n_text:\n\tnop\n\t.globl spin_here\nspin_here:\n\tnop\n\tnop\n' >"$T/k.s"
aarch64-linux-gnu-as -g -o "$T/k.o" "$T/k.s"
aarch64-linux-gnu-ld -Ttext=0xffff800080000000 -e _text -o "$T/vmlinux" "$T/k.o"
# Loaded 18 MiB higher, as KASLR would; the console ends lines with CR LF.
printf 'ci-guest: init started\r\nci-guest: _text ffff800081200000\r\n' >"$T/console.log"
# The monitor's own CR LF line ends, as QMP returns them unless converted.
sed 's/$/\r/' >"$T/state" <<'S'
CPU#0
 PC=ffff800081200008 X00=0000000000000000 X01=0000000000000000
X29=0000000000000000 X30=ffff800081200000  SP=ffff800081203d00
PSTATE=604000c9 -ZC- EL2h  SVCR=00000000 --  BTYPE=0
CPU#1
 PC=0000aaaab0001000 X00=0000000000000000 X01=0000000000000000
PSTATE=80000000 N--- EL0t  SVCR=00000000 --  BTYPE=0
S
"$TOP/ci/decode-cpu-state.sh" "$T/state" "$T/console.log" "$T/vmlinux" >"$T/out" 2>&1 || true
check "a PC is named with its function and line, KASLR offset removed" grep -q '^CPU#0 PC=ffff800081200008 spin_here at .*k.s:8' "$T/out"
check "...and so is the link register" grep -q '^CPU#0 X30=ffff800081200000 _text at .*k.s:4' "$T/out"
check "the exception level of each CPU is shown" grep -q '^CPU#1 running at EL0t' "$T/out"
check "a user-space PC is not looked up in vmlinux" grep -q '^CPU#1 PC=0000aaaab0001000 (not a kernel address)' "$T/out"
grep -v '_text' "$T/console.log" >"$T/console2.log"
"$TOP/ci/decode-cpu-state.sh" "$T/state" "$T/console2.log" "$T/vmlinux" >"$T/out2" 2>&1 || true
check "without the guest's _text line the dump is shown undecoded, with the reason" \
	bash -c 'grep -q "not decoded" "$1" && grep -q "PC=ffff800081200008" "$1"' _ "$T/out2"
fails_with "a missing vmlinux is named" "vmlinux '$T/nosuch' not found" \
	"$TOP/ci/decode-cpu-state.sh" "$T/state" "$T/console.log" "$T/nosuch"
fails_with "a QEMU that does not answer on its QMP socket is said to" "QEMU did not answer on $T/nosock" \
	"$TOP/ci/qemu-cpu-state.py" "$T/nosock"
finish
