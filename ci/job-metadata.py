#!/usr/bin/env python3
"""Complete a job directory of ci/run-job.sh: add the device, the job and the
verdicts to the metadata.json that ci/boot-guest.sh wrote, and write the same
job as a LAVA job definition (lava-job.yaml; LAVA's QEMU device type, the
kernel and initramfs by path, the tests as one inline test definition).

usage: job-metadata.py OUTDIR   (the job's fields come from the environment)
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402


def test_verdicts(out, names, job_verdict):
    """Each listed test's verdict; one that gave no result takes the job's
    verdict when the job ended abnormally, else it failed."""
    got = {t['name']: t for t in ktap.parse(os.path.join(out, 'results.ktap'))}
    res = {}
    for n in names:
        if n in got:
            res[n] = got[n]['status']
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
        '      pattern: "(?P<result>ok|not ok) \\\\d+ selftests: kvm: (?P<test_case_id>\\\\S+)"',
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
                'artifact': e.get('ARTIFACT', ''), 'vmlinux': e.get('VMLINUX', '')}
    m['verdict'] = e['VERDICT']
    m['tests'] = test_verdicts(out, tests, e['VERDICT'])
    with open(path, 'w') as f:
        json.dump(m, f, indent=1)
    if 'kernel' in m:
        with open(os.path.join(out, 'lava-job.yaml'), 'w') as f:
            f.write(lava_yaml(m))


if __name__ == '__main__':
    main()
