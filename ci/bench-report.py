#!/usr/bin/env python3
"""Tabulate the A/B benchmark runs of ab-bench.sh.

usage: bench-report.py JOBS_DIR [KERNEL...] < ROWS

ROWS: ci/bench.conf as tools/lib.sh's conf_rows prints it (metric|test|
arguments|regex|unit). KERNEL names the kernels compared (default: base
series); the first one is the reference. For each metric, takes the figure
from the output of its test in every job under JOBS_DIR/<kernel>/ that ran
the test with those arguments, and reports, per kernel, the median with a
95% bootstrap interval, then the ratio to the reference (the median of all
pairwise ratios, Hodges-Lehmann) with its 95% rank-based interval (exact
Mann-Whitney) and a verdict: "faster" or "slower" when the whole interval
lies beyond the smallest difference reported (MARGIN, 5%) in the metric's
direction (a time is better lower, a rate higher), else "no
measurable difference". Exit 1 if a metric has no figure for a kernel.
"""
import json
import math
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


def median_ci(rng, values):
    """95% bootstrap interval of the median of VALUES (shown per kernel)."""
    return interval([statistics.median(rng.choices(values, k=len(values)))
                     for _ in range(RESAMPLES)])


def mann_whitney_counts(n, m):
    """counts[u]: how many of the C(n+m, n) orderings give U = u."""
    f = {(0, j): [1] for j in range(m + 1)}
    for i in range(1, n + 1):
        f[(i, 0)] = [1]
        for j in range(1, m + 1):
            a, b = f[(i - 1, j)], f[(i, j - 1)]
            c = [0] * (i * j + 1)
            for u, x in enumerate(a):
                c[u + j] += x      # the i-th value of the first sample is the largest
            for u, x in enumerate(b):
                c[u] += x
            f[(i, j)] = c
    return f[(n, m)]


def ratio_ci(ref, other):
    """Hodges-Lehmann ratio other/ref (the median of all pairwise ratios) and
    its distribution-free 95% interval from the exact Mann-Whitney
    distribution: rank-based, so that a few boots in a slow mode (seen here:
    some boots run the same benchmark at half speed, on either kernel) widen
    the interval instead of moving it."""
    d = sorted(math.log(b) - math.log(a) for a in ref for b in other)
    counts = mann_whitney_counts(len(ref), len(other))
    total, acc, c = sum(counts), 0, -1
    for u, x in enumerate(counts):
        if (acc + x) / total > 0.025:
            break
        acc += x
        c = u
    # c: the largest U with P(U <= c) <= 2.5%; the interval is
    # [d(c+1), d(nm-c)] in 1-based order (the whole range when c < 0).
    lo, hi = (d[c + 1], d[-(c + 2)]) if c >= 0 else (d[0], d[-1])
    return math.exp(statistics.median(d)), math.exp(lo), math.exp(hi)


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
            (rl, rh), (kl, kh) = median_ci(rng, vals[ref]), median_ci(rng, vals[k])
            mr, mk = statistics.median(vals[ref]), statistics.median(vals[k])
            ratio, lo, hi = ratio_ci(vals[ref], vals[k])
            v = verdict(lo, hi, unit)
            rows.append((metric if len(kernels) == 2 else f'{metric} [{k}]', unit,
                         f'{mr:.0f} [{rl:.0f}-{rh:.0f}]', f'{mk:.0f} [{kl:.0f}-{kh:.0f}]',
                         f'{ratio:.2f} [{lo:.2f}-{hi:.2f}]', v))
            data[metric][k] = {'median': mk, 'median_ci95': [kl, kh],
                               'ratio': ratio, 'ratio_ci95': [lo, hi], 'verdict': v}
        data[metric][ref] = {'median': statistics.median(vals[ref])}
    n = min([len(v) for d in data.values() for v in d['values'].values()] or [0])
    out = [f'Benchmarks: median [95% interval] over {n} or more boots per kernel, '
           f'kernels booted in turn in the same run; ratio = kernel / {ref}: the median of '
           f'the pairwise ratios (Hodges-Lehmann) [95% rank-based (Mann-Whitney) interval]',
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
