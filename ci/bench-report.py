#!/usr/bin/env python3
"""Tabulate the A/B benchmark runs of ab-bench.sh.

usage: bench-report.py JOBS_DIR [KERNEL...] < ROWS

ROWS: ci/bench.conf as tools/lib.sh's conf_rows prints it (metric|test|
arguments|regex|unit). KERNEL names the kernels compared (default: base
series); the first one is the reference. For each metric, takes the figure
from the output of its test in every job under JOBS_DIR/<kernel>/ that ran
the test with those arguments, and reports, per kernel, the median with a
95% bootstrap interval, then the ratio of the medians (kernel / reference)
with its 95% bootstrap interval and a verdict: "faster" or "slower" when the
whole interval lies beyond the smallest difference reported (MARGIN, 5%) in
the metric's direction (a time is better lower, a rate higher), else "no
measurable difference". Exit 1 if a metric has no figure for a kernel.
"""
import json
import os
import random
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402

RESAMPLES = 4000
MARGIN = 0.05
HIGHER_IS_BETTER = ('/s',)


def jobs(top, kernel):
    """(directory, metadata) of each job run on KERNEL."""
    out = []
    for d, _, files in os.walk(os.path.join(top, kernel)):
        if 'metadata.json' in files:
            try:
                with open(os.path.join(d, 'metadata.json')) as f:
                    out.append((d, json.load(f)))
            except (OSError, ValueError):
                pass
    return sorted(out)


def ran(top, kernel, test, args):
    return any(f'kvm:{test}' in m.get('job', {}).get('tests', []) and
               f'{test}={args}' in m.get('job', {}).get('args', []) for _, m in jobs(top, kernel))


def values(top, kernel, test, args, regex):
    out = []
    for d, m in jobs(top, kernel):
        job = m.get('job', {})
        if f'kvm:{test}' not in job.get('tests', []) or f'{test}={args}' not in job.get('args', []):
            continue
        for line in ktap.section(os.path.join(d, 'results.ktap'), f'kvm:{test}').splitlines():
            mt = re.search(regex, line)
            if mt:
                out.append(float(mt.group(1)))
                break
    return out


def interval(samples):
    """2.5th and 97.5th percentiles of a list of resampled statistics."""
    s = sorted(samples)
    return s[int(0.025 * (len(s) - 1))], s[int(0.975 * (len(s) - 1))]


def bootstrap(rng, ref, other):
    """95% intervals of median(ref), median(other), median(other)/median(ref)."""
    mr, mo, ratio = [], [], []
    for _ in range(RESAMPLES):
        a = statistics.median(rng.choices(ref, k=len(ref)))
        b = statistics.median(rng.choices(other, k=len(other)))
        mr.append(a)
        mo.append(b)
        ratio.append(b / a if a else float('inf'))
    return interval(mr), interval(mo), interval(ratio)


def verdict(lo, hi, unit):
    higher = unit.endswith(HIGHER_IS_BETTER)
    if lo > 1 + MARGIN:
        return 'faster' if higher else 'slower'
    if hi < 1 - MARGIN:
        return 'slower' if higher else 'faster'
    return 'no measurable difference'


def main():
    top = sys.argv[1]
    kernels = sys.argv[2:] or ['base', 'series']
    ref = kernels[0]
    rng = random.Random(1)  # the same figures give the same intervals
    rows, data, missing = [], {}, []
    for line in sys.stdin.read().splitlines():
        metric, test, args, regex, unit = line.split('|')
        # A kernel that never ran this test (NAME=KERNEL@TESTS) is not compared.
        here = [k for k in kernels if k == ref or ran(top, k, test, args)]
        vals = {k: values(top, k, test, args, regex) for k in here}
        data[metric] = {'unit': unit, 'values': vals}
        absent = [k for k in here if not vals[k]]
        if absent:
            missing.append(f'{metric} ({", ".join(absent)})')
            continue
        for k in here[1:]:
            (rl, rh), (kl, kh), (lo, hi) = bootstrap(rng, vals[ref], vals[k])
            mr, mk = statistics.median(vals[ref]), statistics.median(vals[k])
            ratio = mk / mr if mr else float('nan')
            v = verdict(lo, hi, unit)
            rows.append((metric if len(kernels) == 2 else f'{metric} [{k}]', unit,
                         f'{mr:.0f} [{rl:.0f}-{rh:.0f}]', f'{mk:.0f} [{kl:.0f}-{kh:.0f}]',
                         f'{ratio:.2f} [{lo:.2f}-{hi:.2f}]', v))
            data[metric][k] = {'median': mk, 'median_ci95': [kl, kh],
                               'ratio': ratio, 'ratio_ci95': [lo, hi], 'verdict': v}
        data[metric][ref] = {'median': statistics.median(vals[ref])}
    n = min([len(v) for d in data.values() for v in d['values'].values()] or [0])
    out = [f'Benchmarks: median [95% interval] over {n} or more boots per kernel, '
           f'kernels booted in turn in the same run; ratio = kernel / {ref} '
           f'[95% bootstrap interval]',
           f'verdict: faster/slower when the whole ratio interval lies beyond {MARGIN:.0%} '
           f'(the smallest difference reported), else no measurable difference']
    if rows:
        w = max(len(r[0]) for r in rows)
        out.append(f'{"metric":<{w}}  {"unit":<6}  {ref:>22}  {"/".join(kernels[1:]):>22}  '
                   f'{"ratio":>18}  verdict')
        for metric, unit, b, s, ratio, v in rows:
            out.append(f'{metric:<{w}}  {unit:<6}  {b:>22}  {s:>22}  {ratio:>18}  {v}')
    text = '\n'.join(out) + '\n'
    if missing:
        text += 'benchmarks without a figure: ' + '; '.join(missing) + '\n'
    with open(os.path.join(top, 'bench-summary.txt'), 'w') as f:
        f.write(text)
    with open(os.path.join(top, 'bench.json'), 'w') as f:
        json.dump(data, f, indent=1)
    sys.stdout.write(text)
    return 1 if missing else 0


if __name__ == '__main__':
    sys.exit(main())
