#!/usr/bin/env python3
"""Put the base's and the series' verdicts of the same tests side by side:
the jobs of ci/run-job.sh under BASE_JOBS and SERIES_JOBS (one directory
per device), the tests matching PATTERN.

usage: ab-compare.py BASE_JOBS SERIES_JOBS PATTERN OUT.txt

A row per test and device: base and series verdict, and "same", "series
only fails" (a regression), "series only skips" (coverage lost) or "base
only fails". Exit 1 for either of the series' two, or when a test of the
base has no counterpart.
"""
import fnmatch
import json
import os
import sys


def verdicts(root):
    got = {}
    for dev in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        try:
            with open(os.path.join(root, dev, 'metadata.json')) as f:
                m = json.load(f)
        except (OSError, ValueError):
            continue
        for test, v in m.get('tests', {}).items():
            got[(test, dev)] = v
    return got


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__.split('\n\n')[1])
    base, series = verdicts(sys.argv[1]), verdicts(sys.argv[2])
    pattern, out = sys.argv[3], sys.argv[4]
    bad = lambda v: v not in ('pass', 'skip')  # noqa: E731
    rows, rc = [], 0
    for test, dev in sorted(k for k in base if fnmatch.fnmatchcase(k[0], pattern)):
        b, s = base[(test, dev)], series.get((test, dev), 'not run')
        if s == 'not run' or (bad(s) and not bad(b)):
            rc = 1
            what = 'series only fails' if s != 'not run' else 'no series run'
        elif b == 'pass' and s == 'skip':
            rc = 1
            what = 'series only skips'
        elif bad(b) and not bad(s):
            what = 'base only fails'
        else:
            what = 'same' if b == s else 'differ'
        rows.append((test, dev, b, s, what))
    w = max([len(r[0]) for r in rows] + [4])
    lines = [f'{pattern} on the base and the series:',
             f'{"test":<{w}}  {"device":<12}  {"base":<8}  {"series":<8}']
    lines += [f'{t:<{w}}  {d:<12}  {b:<8}  {s:<8}  {x}' for t, d, b, s, x in rows]
    if not rows:
        lines.append(f'(no base result for {pattern})')
        rc = 1
    with open(out, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))
    return rc


if __name__ == '__main__':
    sys.exit(main())
