#!/usr/bin/env bash
# Name the code each vCPU was in when a watchdog fired: the PC and the link
# register (X30) of every CPU in qemu-cpu-state.py's dump, as function and
# file:line of vmlinux. The guest's init prints where the kernel's _text was
# loaded ("ci-guest: _text ADDR", KASLR moves it); without that line or
# without a vmlinux the dump is printed as it is, with a note saying why.
#
# usage: decode-cpu-state.sh CPU_STATE CONSOLE_LOG VMLINUX
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"

[ $# -eq 3 ] || die "usage: ${0##*/} CPU_STATE CONSOLE_LOG VMLINUX"
state=$1 console=$2 vmlinux=$3
[ -f "$state" ] || die "CPU state '$state' not found"
[ -f "$console" ] || die "console log '$console' not found"
[ -f "$vmlinux" ] || die "vmlinux '$vmlinux' not found"
need_tool aarch64-linux-gnu-addr2line binutils-aarch64-linux-gnu
# The serial console ends its lines with CR LF.
text=$(sed -n 's/^ci-guest: _text \([0-9a-f]\{16\}\)\r\{0,1\}$/\1/p' "$console" | sed -n 1p)
link=$(aarch64-linux-gnu-nm "$vmlinux" | awk '$3 == "_text" { a = $1 } END { print a }')
if [ -z "$text" ] || [ "$text" = 0000000000000000 ] || [ -z "$link" ]; then
	echo "# where the kernel was loaded is unknown (no 'ci-guest: _text' line or no _text in $vmlinux): not decoded"
	cat "$state"
	exit 0
fi
if ! grep -q '^CPU#' "$state"; then
	echo "# no vCPU registers in $state: not decoded"
	cat "$state"
	exit 0
fi
awk '{ sub(/\r$/, "") } /^CPU#/ { cpu = $1 } { for (i = 1; i <= NF; i++) if ($i ~ /^(PC|X30)=/) { split($i, r, "="); print cpu, r[1], r[2] } }
	/EL[0-3][ht]/ { for (i = 1; i <= NF; i++) if ($i ~ /^EL[0-3][ht]$/) print cpu, "EL", $i }' "$state" |
	while read -r cpu reg val; do
		if [ "$reg" = EL ]; then
			echo "$cpu running at $val"
			continue
		fi
		case $val in
		ffff*) ;;
		*) echo "$cpu $reg=$val (not a kernel address)"; continue ;;
		esac
		addr=$(printf '%x' $((16#$val - 16#$text + 16#$link)))
		where=$(aarch64-linux-gnu-addr2line -f -i -p -e "$vmlinux" "$addr" | sed -E 's#[^ (]*/\.build-[^/ ]*/\.\./##g' | paste -sd';' -)
		echo "$cpu $reg=$val $where"
	done
