#!/usr/bin/env python3
"""Summarise a CI boot-test run: a table for people, KTAP and JUnit XML.

usage: report.py RESULTS_DIR

RESULTS_DIR holds one directory per configuration, each with results.ktap
(what the kselftest runner printed in the guest), console.log, seconds, and
where they apply watchdog (the watchdog's message) and splats.txt (kernel
splats found in console.log). Writes RESULTS_DIR/summary.txt,
RESULTS_DIR/results.ktap and RESULTS_DIR/junit.xml, prints the summary and
writes "passed failed skipped xfail" to RESULTS_DIR/counts. An expected
failure (a subtest reported "# XFAIL") is listed with its reason in every
report: its own KTAP line, a JUnit <skipped type="xfail">, and the summary.
"""
import os
import re
import sys
from xml.sax.saxutils import escape as _escape, quoteattr as _quoteattr

# Characters XML 1.0 cannot carry (a console log may have any byte).
_INVALID_XML = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]')


def escape(text):
    return _escape(_INVALID_XML.sub('?', text))


def quoteattr(text):
    return _quoteattr(_INVALID_XML.sub('?', text))

RESULT = re.compile(r'^(not ok|ok) (\d+) (?:selftests: )?([^#]*?)\s*(?:#\s*(.*))?$')
# A subtest's expected failure, as the kselftest runner relays it ("# " prefix).
XFAIL = re.compile(r'^[#\s]*ok \d+ (.*?)\s*# XFAIL\s*(.*)$')


def parse_ktap(path):
    """Top-level results of a kselftest KTAP stream, with each test's log."""
    tests, log = [], []
    if not os.path.exists(path):
        return tests
    with open(path, errors='replace') as f:
        for line in f:
            line = line.rstrip('\n').replace('\r', '')
            m = RESULT.match(line)
            if not m:
                log.append(line)
                continue
            ok, _, name, directive = m.groups()
            directive = directive or ''
            if directive.upper().startswith('SKIP'):
                status = 'skip'
            elif ok == 'ok':
                status = 'pass'
            else:
                status = 'fail'
            tests.append({'name': name.strip().replace(': ', ':'),
                          'status': status, 'directive': directive,
                          'log': '\n'.join(log[-200:])})
            log = []
    return tests


def read(path, default=''):
    try:
        with open(path, errors='replace') as f:
            return f.read().strip()
    except OSError:
        return default


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.exit('usage: report.py RESULTS_DIR')
    top = sys.argv[1]
    configs = sorted(d for d in os.listdir(top)
                     if os.path.isdir(os.path.join(top, d))
                     and os.path.exists(os.path.join(top, d, 'console.log')))
    rows, suites, ktap = [], [], ['KTAP version 1', f'1..{len(configs)}']
    total = {'pass': 0, 'fail': 0, 'skip': 0, 'xfail': 0}
    notes = []
    for i, cfg in enumerate(configs, 1):
        d = os.path.join(top, cfg)
        tests = parse_ktap(os.path.join(d, 'results.ktap'))
        watchdog = read(os.path.join(d, 'watchdog'))
        splats = read(os.path.join(d, 'splats.txt'))
        expected = [t for t in read(os.path.join(d, 'tests')).split() if t]
        seen = {t['name'] for t in tests}
        # A test the guest never reported (crash, watchdog) is a failure.
        for t in expected:
            if t not in seen:
                tests.append({'name': t, 'status': 'fail',
                              'directive': 'no result (guest crashed or was killed)',
                              'log': ''})
        tests.append({'name': 'console:no-splat',
                      'status': 'fail' if splats else 'pass',
                      'directive': 'kernel splat in console log' if splats else '',
                      'log': splats})
        if watchdog:
            tests.append({'name': 'boot:watchdog', 'status': 'fail',
                          'directive': watchdog, 'log': ''})
        infra = read(os.path.join(d, 'infra-error'))
        if infra:
            tests.append({'name': 'boot:infra-error', 'status': 'fail',
                          'directive': infra, 'log': read(os.path.join(d, 'qemu.stderr'))})
            notes.append(f'{cfg}: {infra}; not a test result (see {d}/qemu.stderr)')
        booterr = read(os.path.join(d, 'boot-error'))
        if booterr:
            tests.append({'name': 'boot:no-init', 'status': 'fail',
                          'directive': booterr, 'log': ''})
        # Expected failures inside a test's output: shown, never folded into a pass.
        for t in list(tests):
            for line in t['log'].splitlines():
                m = XFAIL.match(line)
                if m:
                    tests.append({'name': f'{t["name"]}: {m.group(1)}', 'status': 'xfail',
                                  'directive': m.group(2), 'log': line})
        c = {s: sum(t['status'] == s for t in tests) for s in total}
        for s in total:
            total[s] += c[s]
        secs = read(os.path.join(d, 'seconds'), '?')
        rows.append((cfg, c['pass'], c['fail'], c['skip'], c['xfail'], secs))
        ktap.append(f'    KTAP version 1')
        ktap.append(f'    1..{len(tests)}')
        for j, t in enumerate(tests, 1):
            word = 'not ok' if t['status'] == 'fail' else 'ok'
            dirv = ' # SKIP' if t['status'] == 'skip' else ''
            if t['status'] == 'xfail':
                dirv = ' # XFAIL ' + t['directive']
            if t['status'] == 'fail' and t['directive']:
                dirv = ' # ' + t['directive']
            ktap.append(f'    {word} {j} {t["name"]}{dirv}')
        ktap.append(f'{"not ok" if c["fail"] else "ok"} {i} {cfg}')
        suites.append((cfg, tests, secs))
        if splats:
            notes.append(f'{cfg}: kernel splat(s) in {d}/console.log:\n{splats}')
        if watchdog:
            notes.append(f'{cfg}: {watchdog}; console log kept in {d}/console.log')
        for t in tests:
            if t['status'] == 'fail' and not t['name'].startswith(('console:', 'boot:')):
                notes.append(f'{cfg}: {t["name"]} failed ({t["directive"]})')
            if t['status'] == 'xfail':
                notes.append(f'{cfg}: expected failure: {t["name"]} ({t["directive"]})')

    w = max([len(r[0]) for r in rows] + [13])
    out = [f'{"configuration":<{w}}  {"passed":>6}  {"failed":>6}  {"skipped":>7}  {"xfail":>5}  {"time":>6}']
    for cfg, p, f, s, xf, secs in rows:
        out.append(f'{cfg:<{w}}  {p:>6}  {f:>6}  {s:>7}  {xf:>5}  {secs:>5}s')
    out.append(f'{"total":<{w}}  {total["pass"]:>6}  {total["fail"]:>6}  {total["skip"]:>7}  {total["xfail"]:>5}')
    if notes:
        out.append('')
        out.extend(notes)
    summary = '\n'.join(out) + '\n'
    with open(os.path.join(top, 'summary.txt'), 'w') as f:
        f.write(summary)
    with open(os.path.join(top, 'results.ktap'), 'w') as f:
        f.write('\n'.join(ktap) + '\n')
    x = ['<?xml version="1.0" encoding="UTF-8"?>',
         f'<testsuites tests="{sum(total.values())}" failures="{total["fail"]}" skipped="{total["skip"] + total["xfail"]}">']
    for cfg, tests, secs in suites:
        nf = sum(t['status'] == 'fail' for t in tests)
        ns = sum(t['status'] in ('skip', 'xfail') for t in tests)
        x.append(f'  <testsuite name={quoteattr(cfg)} tests="{len(tests)}" failures="{nf}" skipped="{ns}" time="{secs if secs != "?" else 0}">')
        for t in tests:
            x.append(f'    <testcase classname={quoteattr(cfg)} name={quoteattr(t["name"])}>')
            if t['status'] == 'fail':
                x.append(f'      <failure message={quoteattr(t["directive"] or "failed")}>{escape(t["log"])}</failure>')
            elif t['status'] == 'skip':
                x.append(f'      <skipped message={quoteattr(t["directive"])}/>')
            elif t['status'] == 'xfail':
                x.append(f'      <skipped type="xfail" message={quoteattr("expected failure: " + t["directive"])}/>')
            if t['log'] and t['status'] != 'fail':
                x.append(f'      <system-out>{escape(t["log"])}</system-out>')
            x.append('    </testcase>')
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
