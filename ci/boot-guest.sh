#!/usr/bin/env bash
# Boot an arm64 kernel + initramfs under qemu-system-aarch64 (TCG, with
# virtualization=on so the guest kernel runs KVM) and collect its logs.
#
# usage: boot-guest.sh KERNEL INITRD OUTDIR MACHINE_OPTS [CMDLINE...]
#   OUTDIR/console.log   the guest's serial console (kernel log)
#   OUTDIR/results.ktap  what the guest wrote to its virtio console
# Watchdogs: BOOT_TIMEOUT (s) to reach init, RUN_TIMEOUT (s) for the whole run;
# when one fires, the vCPUs' registers go to OUTDIR/cpu-state.txt.
# QEMU: the qemu-system-aarch64 to run: unset, QEMU 10.0 (tools/get-qemu.sh);
# "system", the one on PATH (Debian 12: 7.2); or a path (qemu_path in
# tools/lib.sh). Its version goes to OUTDIR/qemu.version.
# Exit: 0 when the guest powered off by itself after reaching init, 2 when a
# watchdog fired (OUTDIR/watchdog), 3 on an infrastructure error: QEMU failed
# or did not start (OUTDIR/infra-error, with the reason from qemu.stderr),
# 4 when the kernel stopped before init (OUTDIR/boot-error).
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"

[ $# -ge 4 ] || die "usage: ${0##*/} KERNEL INITRD OUTDIR MACHINE_OPTS [CMDLINE...]"
kernel=$1 initrd=$2 outdir=$3 machine=$4
shift 4
[ -f "$kernel" ] || die "kernel image '$kernel' not found"
[ -f "$initrd" ] || die "initramfs '$initrd' not found"
qemu_bin=$(qemu_path)
boot_timeout=${BOOT_TIMEOUT:-180}
run_timeout=${RUN_TIMEOUT:-1800}
mkdir -p "$outdir"
console="$outdir/console.log" results="$outdir/results.ktap"
: >"$console"
: >"$results"

cpu=${QEMU_CPU:-max,pauth-impdef=on}
# QEMU's QMP socket: when a watchdog fires, the vCPUs' registers are read
# through it (OUTDIR/cpu-state.txt). A socket path has at most 107 bytes:
# under /tmp when TMPDIR's is too long.
qmpdir=$(mktemp -d "${TMPDIR:-/tmp}/kvmarm-qmp.XXXXXX")
if [ ${#qmpdir} -gt 90 ]; then
	rmdir "$qmpdir"
	qmpdir=$(mktemp -d /tmp/kvmarm-qmp.XXXXXX)
fi
qpid=""
trap 'rm -rf "$qmpdir"' EXIT
# Interrupted: stop QEMU too (bash runs no EXIT trap on an untrapped signal).
trap '[ -z "$qpid" ] || kill "$qpid" 2>/dev/null; rm -rf "$qmpdir"; exit 143' TERM INT HUP
append="console=ttyAMA0 panic=-1 oops=panic $*"
# arm64's COMMAND_LINE_SIZE is 2048: a longer one would be cut silently.
if [ ${#append} -gt 2047 ]; then
	echo "infra-error: the kernel command line has ${#append} bytes, arm64 takes 2047 (fewer tests per job)" |
		tee "$outdir/infra-error" >&2
	exit 3
fi
qemu=("$qemu_bin" -M "$machine" -cpu "$cpu"
	-smp "${SMP:-2}" -m "${MEM:-4G}" -nographic -no-reboot -nic none
	-kernel "$kernel" -initrd "$initrd"
	-append "$append"
	-serial "file:$console" -monitor none -qmp "unix:$qmpdir/qmp,server=on,wait=off"
	-device virtio-serial-device
	-chardev "file,id=results,path=$results" -device "virtconsole,chardev=results")
printf '%q ' "${qemu[@]}" >"$outdir/qemu.cmd"
"$qemu_bin" --version 2>&1 | head -n 1 >"$outdir/qemu.version" || true
echo >>"$outdir/qemu.cmd"

# reproduce.sh: the same boot on the terminal, by hand; "shell" instead of
# the tests gives a shell in the guest (ci.shell=1 in ci/guest/init).
{
	echo '#!/usr/bin/env bash'
	echo "# Re-run this boot (written by ci/boot-guest.sh). usage: ./reproduce.sh [shell]"
	echo '# The console is this terminal (Ctrl-A X quits QEMU); the guest writes'
	echo '# its KTAP to reproduce-results.ktap. "shell": a shell instead of the tests.'
	echo 'set -euo pipefail'
	echo 'cd "$(dirname "$0")"'
	echo 'extra=""'
	echo '[ "${1:-}" != shell ] || extra=" ci.shell=1"'
	printf 'exec %q -M %q -cpu %q -smp %q -m %q -nographic -no-reboot -nic none \\\n' \
		"$qemu_bin" "$machine" "$cpu" "${SMP:-2}" "${MEM:-4G}"
	printf '\t-kernel %q -initrd %q \\\n' "$(realpath "$kernel")" "$(realpath "$initrd")"
	printf '\t-append %q"$extra" \\\n' "$append"
	printf '\t-serial mon:stdio -monitor none -device virtio-serial-device \\\n'
	echo '	-chardev file,id=results,path=reproduce-results.ktap -device virtconsole,chardev=results'
} >"$outdir/reproduce.sh"
chmod +x "$outdir/reproduce.sh"

"${qemu[@]}" </dev/null >"$outdir/qemu.stderr" 2>&1 &
qpid=$!
t0=$(date +%s)
verdict=""
while kill -0 "$qpid" 2>/dev/null; do
	now=$(($(date +%s) - t0))
	if ! grep -q 'ci-guest: init started' "$console" && [ "$now" -ge "$boot_timeout" ]; then
		verdict="watchdog: guest did not reach init within ${boot_timeout}s"
	elif [ "$now" -ge "$run_timeout" ]; then
		verdict="watchdog: guest still running after ${run_timeout}s"
	fi
	if [ -n "$verdict" ]; then
		# Bounded: QMP does not answer while a vCPU holds QEMU's big lock.
		timeout -k 2 30 "$TOPDIR/ci/qemu-cpu-state.py" "$qmpdir/qmp" >"$outdir/cpu-state.txt" 2>&1 ||
			echo "(no vCPU state: QEMU did not answer on its QMP socket within 30 s)" >>"$outdir/cpu-state.txt"
		kill "$qpid" 2>/dev/null || true
		sleep 2
		kill -9 "$qpid" 2>/dev/null || true
		break
	fi
	sleep 1
done
qrc=0
wait "$qpid" 2>/dev/null || qrc=$?
echo "$(($(date +%s) - t0))" >"$outdir/seconds"

# metadata.json: what ran (kernel and initramfs by sha256, machine, command
# line, QEMU) and how the boot ended; written before every exit below.
metadata() {
	KERNEL=$(realpath "$kernel") INITRD=$(realpath "$initrd") MACHINE=$machine CPU=$cpu \
		APPEND=$append QEMU_BIN=$qemu_bin OUT=$outdir STATUS=$1 python3 - <<'PY'
import hashlib, json, os
e, out = os.environ, os.environ["OUT"]
def sha(p):
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()
def first(name):
    try:
        with open(os.path.join(out, name)) as f:
            return f.readline().strip()
    except OSError:
        return ""
json.dump({"kernel": e["KERNEL"], "kernel_sha256": sha(e["KERNEL"]),
           "initrd": e["INITRD"], "initrd_sha256": sha(e["INITRD"]),
           "machine": e["MACHINE"], "cpu": e["CPU"], "cmdline": e["APPEND"],
           "qemu": e["QEMU_BIN"], "qemu_version": first("qemu.version"),
           "seconds": int(first("seconds") or 0), "status": e["STATUS"]},
          open(os.path.join(out, "metadata.json"), "w"), indent=1)
PY
}
# The virtio console is a tty: it wrote CR LF line ends.
sed -i 's/\r$//' "$results"
if [ -n "$verdict" ]; then
	echo "$verdict" >"$outdir/watchdog"
	info "$verdict (console log kept in $console)"
	metadata watchdog
	exit 2
fi
if [ "$qrc" != 0 ]; then
	reason="infra-error: QEMU exited with status $qrc: $(tail -n 3 "$outdir/qemu.stderr" | tr '\n' ' ')"
	echo "$reason" >"$outdir/infra-error"
	info "$reason(QEMU's messages are in $outdir/qemu.stderr)"
	metadata infra-error
	exit 3
fi
if ! grep -q 'ci-guest: init started' "$console"; then
	echo "boot-error: the kernel stopped before init" >"$outdir/boot-error"
	info "the kernel stopped before init (see $console)"
	metadata boot-error
	exit 4
fi
if grep -q 'ci-guest: done' "$console"; then
	metadata completed
else
	info "guest stopped before its init finished (see $console)"
	metadata stopped-before-done
fi
exit 0
