#!/usr/bin/env bash
# Count SGIs left active after their EOI (the lost deactivations the race
# tests report) per kernel, QEMU and test variant, one boot each, and print
# a table. Used for the stuck-SGI investigation (docs/stuck-sgi/).
#
# usage: count-stuck-sgi.sh INITRD OUTDIR NAME=IMAGE... [-- QEMU_NAME=QEMU...]
#   Without "--", the machine's QEMU only. Variants: ci/stuck-sgi.conf.
#   BOOTS=N (default 1) boots each cell N times; the table then gives the
#   boots with a stuck SGI and the total over all of them.
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"

[ $# -ge 3 ] || die "usage: ${0##*/} INITRD OUTDIR NAME=IMAGE... [-- QEMU_NAME=QEMU...]"
initrd=$1 out=$2
shift 2
kernels=() qemus=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do kernels+=("$1"); shift; done
[ $# -gt 0 ] && shift
qemus=("$@")
[ ${#qemus[@]} -gt 0 ] || qemus=("$(qemu-system-aarch64 --version | head -n 1 | awk '{print $4}')=")
conf=${STUCK_CONF:-$TOPDIR/ci/stuck-sgi.conf}
boots=${BOOTS:-1}
[[ $boots =~ ^[1-9][0-9]*$ ]] || die "BOOTS='$boots' is not a positive number"
mkdir -p "$out"
printf '%-10s %-8s %-40s %s\n' kernel qemu "test (configuration)" "stuck / iterations" | tee "$out/table.txt"
while IFS='|' read -r test cfg args; do
	device_row "$cfg" >/dev/null
	for q in "${qemus[@]}"; do
		for k in "${kernels[@]}"; do
			stuck=0 iters=0 hit=0 bad=""
			for b in $(seq 1 "$boots"); do
				d="$out/${k%%=*}-${q%%=*}-$test-$cfg-$(echo "$args" | tr -c 'a-z0-9' _)-$b"
				rm -rf "$d"
				# A stuck SGI fails the test: the verdict is read, not the exit.
				v=$(QEMU=${q#*=} "$TOPDIR/ci/run-job.sh" --tests "kvm:$test" --arg "$test=$args" \
					--timeout 600 --label "stuck-sgi/$test" "$cfg" "${k#*=}" "$initrd" "$d" 2>"$d.log" || true)
				n=$(grep -ao 'SGIs left active after EOI outside the LRs: [0-9]* in [0-9]*' "$d/results.ktap" | tail -n 1 |
					awk '{ print $9 " " $11 }' || true)
				case $v in pass | fail) ;; *) bad="$bad boot $b: ${v:-no verdict};" ;; esac
				if [ -n "$n" ]; then
					read -r ns ni <<<"$n"
					stuck=$((stuck + ns)) iters=$((iters + ni))
					[ "$ns" -eq 0 ] || hit=$((hit + 1))
				else
					bad="$bad boot $b: no count;"
				fi
			done
			printf '%-10s %-8s %-40s %s\n' "${k%%=*}" "${q%%=*}" "$test $args ($cfg)" \
				"$stuck / $iters (in $hit of $boots boots)${bad:+ -$bad}" | tee -a "$out/table.txt"
		done
	done
done < <(conf_rows "$conf")
