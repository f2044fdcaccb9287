#!/usr/bin/env python3
"""Judge a job directory of ci/run-job.sh and complete it: the job's verdict
(pass, fail, skip, splat, timeout, infra-error) and each test's, from how the
boot ended (BRC: boot-guest.sh's exit), the splat scan (SRC: scan-console.sh's
exit) and the KTAP; added with the device and the job to the metadata.json
that ci/boot-guest.sh wrote, the verdict also to OUTDIR/verdict and stdout.
Writes the same job as a LAVA job definition (lava-job.yaml).

For an A/B base run (role reproduce), "reproduced" is true only for a splat
or the test's own failure: a kernel that did not boot, a timeout or an
infrastructure error is evidence of nothing.

usage: job-metadata.py OUTDIR   (the job's fields come from the environment)
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402


def known_issues(out):
    """{test: (what, reason)} of the known issues run-job.sh applied."""
    known = {}
    try:
        with open(os.path.join(out, 'known-issues')) as f:
            for line in f:
                name, what, why = (line.rstrip('\n').split('|', 2) + ['', ''])[:3]
                known[name] = (what, why)
    except OSError:
        pass
    return known


def durations(out):
    """{test: seconds} from the guest's "ci-guest: start/end TEST" lines."""
    start, took = {}, {}
    try:
        with open(os.path.join(out, 'console.log'), errors='replace') as f:
            lines = f.readlines()
    except OSError:
        return took
    for line in lines:
        w = line.split()
        try:
            if len(w) >= 4 and w[0] == 'ci-guest:' and w[1] == 'start':
                start[w[2]] = float(w[3])
            elif len(w) >= 5 and w[0] == 'ci-guest:' and w[1] == 'end' and w[2] in start:
                took[w[2]] = round(float(w[4]) - start[w[2]], 1)
        except ValueError:
            continue                  # a marker cut by other console output
    return took


def job_verdict(out, brc, src, parsed, names, known=None):
    """What stopped the job first decides; a splat fails it whatever the
    tests said; a watchdog or an infrastructure error is never a pass. A
    known issue's test that is not run is a skip, its expected failure
    (xfail) fails nothing."""
    known = known or {}
    if names and all(known.get(n, ('',))[0] == 'not run' for n in names):
        return 'skip'
    names = [n for n in names if known.get(n, ('',))[0] != 'not run']
    if brc == 3:
        return 'infra-error'          # QEMU did not start or failed
    if src == 1:
        return 'splat'
    if brc == 2:
        return 'timeout'
    if src != 0:
        return 'infra-error'          # no console log to scan
    if brc == 4:
        return 'fail'                 # the kernel stopped before init
    if brc != 0 or not os.path.exists(os.path.join(out, 'results.ktap')):
        return 'infra-error'
    status = [parsed[n]['status'] if n in parsed else None for n in names]
    status = ['xfail' if s == 'fail' and known.get(n, ('',))[0] == 'fails' else s
              for n, s in zip(names, status)]
    if 'fail' in status:
        return 'fail'
    if None in status:
        return 'infra-error'          # the guest ran, but a test gave no result
    return 'skip' if all(s == 'skip' for s in status) else 'pass'


def test_verdicts(out, names, job_verdict, known=None):
    """Each listed test's verdict; one that gave no result takes the job's
    verdict when the job ended abnormally, else it failed. A known issue's
    test not run is a skip; its failure an xfail."""
    known = known or {}
    got = {t['name']: t for t in ktap.parse(os.path.join(out, 'results.ktap'))}
    res = {}
    for n in names:
        what = known.get(n, ('',))[0]
        if what == 'not run':
            res[n] = 'skip'
        elif n in got:
            res[n] = 'xfail' if got[n]['status'] == 'fail' and what == 'fails' else got[n]['status']
        elif job_verdict in ('timeout', 'infra-error', 'splat'):
            res[n] = job_verdict
        else:
            res[n] = 'fail'
    return res


def lava_yaml(m):
    """A LAVA v2 job for the same boot (qemu device type, deploy to tmpfs)."""
    def q(s):
        return json.dumps(str(s))
    tests = m['job']['tests']
    lines = [
        f'job_name: {q("kvmarm " + m["job"]["label"] + " on " + m["device"]["name"])}',
        'device_type: qemu',
        'visibility: public',
        'priority: medium',
        'timeouts:',
        f'  job: {{seconds: {m["job"]["run_timeout"]}}}',
        'context:',
        '  arch: arm64',
        f'  machine: {q(m["device"]["machine"])}',
        f'  cpu: {q(m["device"]["cpu"])}',
        '  memory: 4096',
        f'  extra_options: ["-smp", "2", "-device", "virtio-serial-device", "-append", {q(m["cmdline"])}]',
        'actions:',
        '- deploy:',
        '    to: tmpfs',
        '    images:',
        f'      kernel: {{url: {q("file://" + m["kernel"])}, image_arg: "-kernel {{kernel}}"}}',
        f'      ramdisk: {{url: {q("file://" + m["initrd"])}, image_arg: "-initrd {{ramdisk}}"}}',
        '- boot:',
        '    method: qemu',
        '    media: tmpfs',
        f'    prompts: ["ci-guest: running"]',
        # The guest's /init runs the tests (ci.tests, ci.args on the command
        # line) and powers off: LAVA watches the console between its markers.
        '- test:',
        f'    timeout: {{seconds: {m["job"]["run_timeout"]}}}',
        '    monitors:',
        f'    - name: {q(m["job"]["label"])}',
        '      start: "ci-guest: running"',
        '      end: "ci-guest: done"',
        '      pattern: "(?P<result>ok|not ok) \\\\d+ selftests: \\\\S+: (?P<test_case_id>\\\\S+)"',
        '      fixupdict: {"ok": "pass", "not ok": "fail"}',
        f'# tests: {", ".join(tests)}',
    ]
    return '\n'.join(lines) + '\n'


def main():
    out, e = sys.argv[1], os.environ
    path = os.path.join(out, 'metadata.json')
    try:
        with open(path) as f:
            m = json.load(f)
    except (OSError, ValueError):
        m = {'status': 'no metadata from the boot'}
    tests = [t for t in e['TESTS'].split(',') if t]
    m['device'] = {'name': e['DEVICE'], 'machine': m.get('machine', ''), 'cpu': e['CPU'],
                   'cmdline': e['DCMD']}
    m['job'] = {'label': e['LABEL'], 'role': e['ROLE'], 'tests': tests,
                'args': [n + '=' + v.replace('_', ' ') for n, _, v in
                         (a.partition('=') for a in e['ARGS'].split(';') if a)],
                'timeout': int(e['TIMEOUT']), 'run_timeout': int(e['RUN_TIMEOUT']),
                'artifact': e.get('ARTIFACT', ''), 'vmlinux': e.get('VMLINUX', ''),
                'beside': e.get('BESIDE', ''),
                'start': float(e.get('START') or 0), 'end': float(e.get('END') or 0)}
    parsed = {t['name']: t for t in ktap.parse(os.path.join(out, 'results.ktap'))}
    known = known_issues(out)
    verdict = job_verdict(out, int(e['BRC']), int(e['SRC']), parsed, tests, known)
    m['verdict'] = verdict
    m['tests'] = test_verdicts(out, tests, verdict, known)
    m['known_issues'] = {n: {'what': w, 'reason': r} for n, (w, r) in known.items()}
    m['durations'] = durations(out)
    if e['ROLE'] == 'reproduce':
        # A known issue's expected failure is not the bug showing.
        m['reproduced'] = verdict == 'splat' or any(
            parsed.get(n, {}).get('status') == 'fail' and m['tests'].get(n) == 'fail' for n in tests)
    m['booted'] = e.get('BOOTED', '1') != '0'
    with open(path, 'w') as f:
        json.dump(m, f, indent=1)
    if 'kernel' in m:
        with open(os.path.join(out, 'lava-job.yaml'), 'w') as f:
            f.write(lava_yaml(m))
    with open(os.path.join(out, 'verdict'), 'w') as f:
        f.write(verdict + '\n')
    print(verdict)


if __name__ == '__main__':
    main()
