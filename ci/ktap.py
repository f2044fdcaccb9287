"""The one reader of a guest's results.ktap (what the kselftest runner printed).

parse(path) gives the top-level results, each with the output the test
printed before its result line; xfails(log) the subtests a test reported as
expected failures; section(path, test) one test's output.
"""
import os
import re

RESULT = re.compile(r'^(not ok|ok) (\d+) (?:selftests: )?([^#]*?)\s*(?:#\s*(.*))?$')
# A subtest's expected failure, as the kselftest runner relays it ("# " prefix).
XFAIL = re.compile(r'^[#\s]*ok \d+ (.*?)\s*# XFAIL\s*(.*)$')
HEADER = re.compile(r'^K?TAP version')
# The runner's result line glued to the end of a test's last output line,
# when the test's output did not end with a newline (a timeout cuts it).
GLUED = re.compile(r'^(.*\S)((?:not ok|ok) \d+ selftests: .*)$')


def parse(path):
    """[{'name', 'status' (pass/fail/skip), 'directive', 'log'}] in order."""
    tests, log = [], []
    if not os.path.exists(path):
        return tests
    with open(path, errors='replace') as f:
        for line in f:
            line = line.rstrip('\n').replace('\r', '')
            # The guest calls the runner once per test: a new TAP header
            # ends the previous call's trailer ("# Totals: ..."), which
            # is no part of the next test's output.
            if HEADER.match(line):
                log = []
                continue
            m = RESULT.match(line)
            g = None if m else GLUED.match(line)
            if g:
                log.append(g.group(1))
                m = RESULT.match(g.group(2))
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
            tests.append({'name': name.strip().replace(': ', ':'), 'status': status,
                          'directive': directive, 'log': '\n'.join(log[-200:]),
                          'output': '\n'.join(log)})
            log = []
    return tests


def xfails(log):
    """(subtest, reason) of each expected failure in a test's output."""
    return [m.groups() for m in map(XFAIL.match, log.splitlines()) if m]


def section(path, test):
    """The whole output of TEST (collection:name) in the KTAP file, or ''."""
    for t in parse(path):
        if t['name'] == test:
            return t['output']
    return ''
