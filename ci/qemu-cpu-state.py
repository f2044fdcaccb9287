#!/usr/bin/env python3
"""Print the registers of every vCPU of a running QEMU ("info registers -a"),
asked through its QMP socket. boot-guest.sh calls it when a watchdog fires,
before it kills QEMU: where a hung guest's CPUs are is the first thing to
know, and a guest whose CPUs spin with interrupts masked prints nothing.

usage: qemu-cpu-state.py QMP_SOCKET
The guest is stopped first, so the registers are one consistent set. Exit 1
when QEMU does not answer; each socket operation waits at most 20 s (the
caller bounds the whole: QMP hangs while a vCPU holds QEMU's big lock)."""
import json
import socket
import sys


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: qemu-cpu-state.py QMP_SOCKET')
    try:
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(20)
        s.connect(sys.argv[1])
        f = s.makefile('rw')

        def execute(cmd, **args):
            f.write(json.dumps({'execute': cmd, 'arguments': args}) + '\n')
            f.flush()
            while True:
                r = json.loads(f.readline())
                if 'return' in r or 'error' in r:
                    return r
        json.loads(f.readline())                  # the greeting
        execute('qmp_capabilities')
        execute('stop')                   # a consistent set; it is killed next
        r = execute('human-monitor-command', **{'command-line': 'info registers -a'})
    except (OSError, ValueError) as e:
        sys.exit(f'qemu-cpu-state.py: QEMU did not answer on {sys.argv[1]}: {e}')
    if 'error' in r:
        sys.exit(f'qemu-cpu-state.py: {r["error"].get("desc", r["error"])}')
    sys.stdout.write(r['return'].replace('\r\n', '\n'))      # the monitor's CR LF


if __name__ == '__main__':
    main()
