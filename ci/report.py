#!/usr/bin/env python3
"""The one report over the job directories of ci/run-job.sh: a table for
people, KTAP and JUnit XML for machines.

usage: report.py OUTDIR JOBS_DIR [JOBS_DIR...]

Every directory under a JOBS_DIR with a metadata.json written by run-job.sh
is a job. Writes OUTDIR/summary.txt (a row per job label, runs of the same
label added up, then a note for everything that is not a pass),
OUTDIR/results.ktap (a test line per job), OUTDIR/junit.xml (a testsuite per
job) and OUTDIR/counts ("passed failed skipped xfail"); prints the summary.
A job of role "reference" (the base's run of tests compared with the
series', ci/ab-compare.py) contributes one line: its counts, a failure only
for a timeout or an infrastructure error.

A job of role "test" contributes a line per test (pass, fail, skip; a test
that gave no result fails with the job's verdict: timeout, infra-error,
splat), console:no-splat, and boot:* lines when the boot did not end
normally. A job of role "reproduce" (an A/B base run) contributes one line:
a pass whether or not the bug showed (the A/B summary counts how often), a
failure when the run ended in a timeout or an infrastructure error, as that
is evidence of nothing. An expected failure (a subtest reported "# XFAIL")
is listed with its reason in every report and counted apart.

OUTDIR/not-run.txt, if there, lists stages the run left out ("name<TAB>why",
ci/pipeline.sh): each is a skip in all three reports and in the counts.
"""
import json
import os
import re
import sys
from xml.sax.saxutils import escape as _escape, quoteattr as _quoteattr

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402

# Characters XML 1.0 cannot carry (a console log may have any byte).
_INVALID_XML = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]')


def escape(text):
    return _escape(_INVALID_XML.sub('?', text))


def quoteattr(text):
    return _quoteattr(_INVALID_XML.sub('?', text))


def read(path, default=''):
    try:
        with open(path, errors='replace') as f:
            return f.read().strip()
    except OSError:
        return default


def find_jobs(roots):
    jobs = []
    for root in roots:
        for d, _, files in os.walk(root):
            if 'metadata.json' not in files:
                if 'tests' in files:
                    # A job stopped before it wrote any metadata (run-job.sh
                    # writes tests first), e.g. by a lane_stop: not lost,
                    # each of its tests without a result.
                    names = read(os.path.join(d, 'tests')).split()
                    jobs.append((d, {'job': {'label': os.path.basename(d), 'role': 'test',
                                             'tests': names},
                                     'verdict': 'infra-error',
                                     'tests': dict.fromkeys(names, 'infra-error')}))
                continue
            try:
                with open(os.path.join(d, 'metadata.json')) as f:
                    m = json.load(f)
            except (OSError, ValueError):
                continue
            if 'job' in m:
                jobs.append((d, m))
            elif os.path.exists(os.path.join(d, 'tests')):
                # A job that died before run-job.sh completed it.
                jobs.append((d, {'job': {'label': os.path.basename(d), 'role': 'test',
                                         'tests': []},
                                 'verdict': 'infra-error', 'tests': {}}))
    return sorted(jobs, key=lambda j: j[0])


def job_tests(d, m):
    """The result lines of one job."""
    verdict = m.get('verdict', 'infra-error')
    splats = read(os.path.join(d, 'splats-decoded.txt')) or read(os.path.join(d, 'splats.txt'))
    if m['job']['role'] == 'reproduce':
        shown = m.get('reproduced', False)
        ok = shown or verdict in ('pass', 'skip')
        what = ('reproduced (kernel splat)' if verdict == 'splat' else
                'reproduced (test failure)' if shown else
                {'pass': 'not reproduced in this run', 'skip': 'skipped',
                 'fail': 'the kernel failed before the test ran: not evidence of the bug'}.get(
                    verdict, f'{verdict}: not evidence of the bug'))
        test = m['job']['tests'][0] if m['job']['tests'] else '?'
        status = 'skip' if verdict == 'skip' else 'pass' if ok else 'fail'
        return [{'name': f'reproduce:{test}', 'status': status,
                 'directive': what, 'log': splats if shown else ''}]
    if m['job']['role'] == 'reference':
        # The base's results, to compare with (ci/ab-compare.py): recorded,
        # and failed only when the run is evidence of nothing.
        c = {}
        for v in m.get('tests', {}).values():
            c[v] = c.get(v, 0) + 1
        ok = verdict not in ('timeout', 'infra-error')
        what = ', '.join(f'{k} {n}' for k, n in sorted(c.items())) or 'no test'
        return [{'name': f'reference:{m["job"]["label"]}', 'status': 'pass' if ok else 'fail',
                 'directive': f'base results: {what}' if ok else f'{verdict}: no base results',
                 'log': splats}]
    parsed = {t['name']: t for t in ktap.parse(os.path.join(d, 'results.ktap'))}
    known = m.get('known_issues', {})
    tests = []
    for name, v in m.get('tests', {}).items():
        t = parsed.get(name, {'directive': '', 'log': ''})
        k = known.get(name)
        if k and k['what'] == 'not run':
            tests.append({'name': name, 'status': 'skip', 'log': '',
                          'directive': f'known issue, not run: {k["reason"]}'})
        elif v == 'xfail' and name in parsed:
            tests.append(dict(t, status='xfail', directive=f'known issue: {k["reason"] if k else "?"}'))
        elif v in ('pass', 'skip', 'fail') and name in parsed:
            if k and v == 'pass':
                t = dict(t, directive=f'known issue did not show: {k["reason"]}')
            tests.append(dict(t, status=v))
        else:
            tests.append({'name': name, 'status': 'fail',
                          'directive': f'no result ({v})', 'log': ''})
    if m.get('booted', True):
        tests.append({'name': 'console:no-splat', 'status': 'fail' if splats else 'pass',
                      'directive': 'kernel splat in console log' if splats else '',
                      'log': splats})
    else:
        tests.append({'name': 'console:no-splat', 'status': 'skip', 'log': '',
                      'directive': 'not booted: every test is a known issue not run'})
    for f, name in (('watchdog', 'boot:watchdog'), ('infra-error', 'boot:infra-error'),
                    ('boot-error', 'boot:no-init')):
        why = read(os.path.join(d, f))
        if why:
            # QEMU's own messages; after a watchdog, where the vCPUs were.
            logs = {'infra-error': ['qemu.stderr'],
                    'watchdog': ['cpu-state-decoded.txt', 'cpu-state.txt']}.get(f, [])
            log = next((t for t in (read(os.path.join(d, n)) for n in logs) if t), '')
            tests.append({'name': name, 'status': 'fail', 'directive': why, 'log': log})
    for t in tests:
        t['time'] = m.get('durations', {}).get(t['name'])
    # A job whose verdict is not a pass or a skip never reports as one.
    if verdict not in ('pass', 'skip') and not any(t['status'] == 'fail' for t in tests):
        tests.append({'name': f'job:{verdict}', 'status': 'fail',
                      'directive': f'the job ended with verdict {verdict}', 'log': ''})
    # Expected failures inside a test's output: shown, never folded into a pass.
    for t in list(tests):
        for sub, why in ktap.xfails(t['log']):
            tests.append({'name': f'{t["name"]}: {sub}', 'status': 'xfail',
                          'directive': why, 'log': ''})
    return tests


def side_by_side(jobs, base):
    """The boots that ran while another did, {boot: [the others]}, by the
    start and end times run-job.sh records, and how many jobs booted (a job
    that booted nothing counts in neither)."""
    spans, booted = [], 0
    for d, m in jobs:
        j = m.get('job', {})
        booted += bool(m.get('booted', True))
        if m.get('booted', True) and j.get('start') and j.get('end'):
            spans.append((os.path.relpath(d, base), j['start'], j['end']))
    side = {}
    for n, s0, e0 in spans:
        others = [o for o, s1, e1 in spans if o != n and s0 < e1 and s1 < e0]
        if others:
            side[n] = others
    return side, booted


def main():
    if len(sys.argv) < 3 or not all(os.path.isdir(a) for a in sys.argv[2:]):
        sys.exit('usage: report.py OUTDIR JOBS_DIR [JOBS_DIR...]')
    top, roots = sys.argv[1], sys.argv[2:]
    os.makedirs(top, exist_ok=True)
    jobs = find_jobs(roots)
    if not jobs:
        sys.exit(f'report.py: no job directory under {", ".join(roots)}')
    base = os.path.commonpath([os.path.abspath(r) for r in roots])
    kinds = ('pass', 'fail', 'skip', 'xfail')
    total = dict.fromkeys(kinds, 0)
    rows, order, suites, notes = {}, [], [], []
    beside = {}  # background stage -> {job label: boots beside it}
    notrun = [tuple((x.split('\t', 1) + [''])[:2])
              for x in read(os.path.join(top, 'not-run.txt')).splitlines() if x.strip()]
    total['skip'] += len(notrun)
    ktap_out = ['KTAP version 1', f'1..{len(jobs) + len(notrun)}']
    for i, (d, m) in enumerate(jobs, 1):
        tests = job_tests(d, m)
        name = os.path.relpath(d, base)
        if name == '.':
            name = os.path.basename(os.path.abspath(d))
        label = m['job']['label']
        if m['job'].get('beside'):
            per = beside.setdefault(m['job']['beside'], {})
            per[label] = per.get(label, 0) + 1
        c = {k: sum(t['status'] == k for t in tests) for k in kinds}
        for k in kinds:
            total[k] += c[k]
        secs = int(m.get('seconds', 0))
        if label not in rows:
            rows[label] = {'runs': 0, 'secs': 0, 'verdicts': {}, **dict.fromkeys(kinds, 0)}
            order.append(label)
        r = rows[label]
        r['runs'] += 1
        r['secs'] += secs
        r['verdicts'][m['verdict']] = r['verdicts'].get(m['verdict'], 0) + 1
        for k in kinds:
            r[k] += c[k]
        ktap_out.append('    KTAP version 1')
        ktap_out.append(f'    1..{len(tests)}')
        for j, t in enumerate(tests, 1):
            word = 'not ok' if t['status'] == 'fail' else 'ok'
            dirv = {'skip': ' # SKIP' + (' ' + t['directive'] if t['directive'] else ''),
                    'xfail': ' # XFAIL ' + t['directive']}.get(t['status'], '')
            if t['status'] == 'fail' and t['directive']:
                dirv = ' # ' + t['directive']
            elif t['name'].startswith(('reproduce:', 'reference:')):
                dirv = ' # ' + t['directive']
            ktap_out.append(f'    {word} {j} {t["name"]}{dirv}')
        ktap_out.append(f'{"not ok" if c["fail"] else "ok"} {i} {name} # {m["verdict"]}')
        suites.append((name, tests, secs))
        for t in tests:
            if t['status'] == 'fail':
                notes.append(f'{name}: {t["name"]} failed ({t["directive"]})' +
                             (f', see {d}' if not t['log'] else ':\n' + '\n'.join(
                                 '    ' + x for x in t['log'].splitlines()[:80])))
            elif t['status'] == 'xfail':
                notes.append(f'{name}: expected failure: {t["name"]} ({t["directive"]})')
            elif t['directive'].startswith('known issue'):
                notes.append(f'{name}: {t["name"]}: {t["directive"]}')
            elif t['name'].startswith('reproduce:') and t['log']:
                first = next((x.strip() for x in t['log'].splitlines()
                              if re.search(r'BUG:|WARNING:|Unable|Oops|KASAN|panic', x)), '')
                if first and not any(n.startswith(f'{label}: ') for n in notes):
                    notes.append(f'{label}: {t["directive"]}: {first}')

    for i, (stage, why) in enumerate(notrun, len(jobs) + 1):
        ktap_out.append(f'ok {i} stage:{stage} # SKIP not run: {why}')

    w = max([len(x) for x in order] + [5])
    out = [f'{"job":<{w}}  {"runs":>4}  {"passed":>6}  {"failed":>6}  {"skipped":>7}  {"xfail":>5}  {"time":>6}  verdicts']
    for label in order:
        r = rows[label]
        v = ', '.join(f'{k} {n}' for k, n in sorted(r['verdicts'].items()))
        out.append(f'{label:<{w}}  {r["runs"]:>4}  {r["pass"]:>6}  {r["fail"]:>6}  {r["skip"]:>7}  '
                   f'{r["xfail"]:>5}  {r["secs"]:>5}s  {v}')
    out.append(f'{"total":<{w}}  {len(jobs):>4}  {total["pass"]:>6}  {total["fail"]:>6}  '
               f'{total["skip"]:>7}  {total["xfail"]:>5}')
    # What the time goes to: the slowest tests (from the guests' markers).
    slow = sorted(((t['time'], n, t['name']) for n, ts, _ in suites for t in ts
                   if t.get('time')), reverse=True)[:10]
    if slow:
        out.append('')
        out.append('Slowest tests (s): ' + ', '.join(f'{tn} on {n} {tm:.0f}' for tm, n, tn in slow))
    if notes:
        out.append('')
        out.extend(notes)
    for stage, per in beside.items():
        out.append('')
        out.append(f'Booted while "{stage}" ran in the background at idle CPU priority: '
                   f'{sum(per.values())} of {len(jobs)} boots (metadata.json: job.beside): ' +
                   ', '.join(f'{lb} {n}/{rows[lb]["runs"]}' for lb, n in per.items()))
    side, booted = side_by_side(jobs, base)
    if side:
        out.append('')
        out.append(f'Booted side by side with another boot (metadata.json: job.start, job.end): '
                   f'{len(side)} of {booted} boots: ' +
                   ', '.join(f'{n} (beside {", ".join(o)})' for n, o in side.items()))
    if notrun:
        out.append('')
        out.append(f'Not run in this run ({len(notrun)}, each counted as a skip in the total above):')
        out.extend(f'  {stage}: {why}' for stage, why in notrun)
    summary = '\n'.join(out) + '\n'
    with open(os.path.join(top, 'summary.txt'), 'w') as f:
        f.write(summary)
    with open(os.path.join(top, 'results.ktap'), 'w') as f:
        f.write('\n'.join(ktap_out) + '\n')
    x = ['<?xml version="1.0" encoding="UTF-8"?>',
         f'<testsuites tests="{sum(total.values())}" failures="{total["fail"]}" '
         f'skipped="{total["skip"] + total["xfail"]}">']
    for name, tests, secs in suites:
        nf = sum(t['status'] == 'fail' for t in tests)
        ns = sum(t['status'] in ('skip', 'xfail') for t in tests)
        x.append(f'  <testsuite name={quoteattr(name)} tests="{len(tests)}" failures="{nf}" '
                 f'skipped="{ns}" time="{secs}">')
        for t in tests:
            tm = f' time="{t["time"]}"' if t.get('time') is not None else ''
            x.append(f'    <testcase classname={quoteattr(name)} name={quoteattr(t["name"])}{tm}>')
            if t['status'] == 'fail':
                x.append(f'      <failure message={quoteattr(t["directive"] or "failed")}>'
                         f'{escape(t["log"])}</failure>')
            elif t['status'] == 'skip':
                x.append(f'      <skipped message={quoteattr(t["directive"])}/>')
            elif t['status'] == 'xfail':
                x.append(f'      <skipped type="xfail" message='
                         f'{quoteattr("expected failure: " + t["directive"])}/>')
            if t['log'] and t['status'] != 'fail':
                x.append(f'      <system-out>{escape(t["log"])}</system-out>')
            x.append('    </testcase>')
        x.append('  </testsuite>')
    if notrun:
        x.append(f'  <testsuite name="stages" tests="{len(notrun)}" failures="0" skipped="{len(notrun)}">')
        for stage, why in notrun:
            x.append(f'    <testcase classname="stages" name={quoteattr(stage)}>'
                     f'<skipped message={quoteattr("not run: " + why)}/></testcase>')
        x.append('  </testsuite>')
    x.append('</testsuites>')
    with open(os.path.join(top, 'junit.xml'), 'w') as f:
        f.write('\n'.join(x) + '\n')
    with open(os.path.join(top, 'counts'), 'w') as f:
        f.write(f'{total["pass"]} {total["fail"]} {total["skip"]} {total["xfail"]}\n')
    sys.stdout.write(summary)
    return 1 if total['fail'] else 0


if __name__ == '__main__':
    sys.exit(main())
