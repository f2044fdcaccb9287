#!/usr/bin/env python3
"""Tabulate the A/B benchmark runs of ab-bench.sh.

usage: bench-report.py BENCH_CONF RESULTS_DIR [KERNEL...]

KERNEL names the kernels compared (default: base series); the first one is
the reference. For each metric of BENCH_CONF, takes the figure from every
run's results.ktap under RESULTS_DIR/<kernel>/<run>/<n>/ and reports, per
kernel, the median with a 95% bootstrap interval, then the ratio of the
medians (kernel / reference) with its 95% bootstrap interval and a verdict:
"better" or "worse" when the interval excludes 1 (in the metric's direction:
a time is better lower, a rate higher), "no measurable difference" when it
does not. Exit 1 if a metric has no figure for a kernel.
"""
import json
import os
import random
import re
import statistics
import sys

RESAMPLES = 4000
HIGHER_IS_BETTER = ('/s',)


def runs_dir(top, kernel, test, args):
    return os.path.join(top, kernel, test + re.sub(r'[^a-zA-Z0-9\n]', '_', args))


def values(top, kernel, test, args, regex):
    d = runs_dir(top, kernel, test, args)
    out = []
    if not os.path.isdir(d):
        return out
    for rep in sorted(os.listdir(d)):
        path = os.path.join(d, rep, 'results.ktap')
        if not os.path.exists(path):
            continue
        with open(path, errors='replace') as f:
            for line in f:
                m = re.search(regex, line)
                if m:
                    out.append(float(m.group(1)))
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
    if lo <= 1 <= hi:
        return 'no measurable difference'
    higher = unit.endswith(HIGHER_IS_BETTER)
    return 'better' if (lo > 1) == higher else 'worse'


def main():
    conf, top = sys.argv[1], sys.argv[2]
    kernels = sys.argv[3:] or ['base', 'series']
    ref = kernels[0]
    rng = random.Random(1)  # the same figures give the same intervals
    rows, data, missing = [], {}, []
    with open(conf) as f:
        for line in f:
            line = line.split('#', 1)[0].strip() if not line.lstrip().startswith('#') else ''
            if not line:
                continue
            metric, test, args, regex, unit = [x.strip() for x in line.split('|')]
            vals = {k: values(top, k, test, args, regex) for k in kernels}
            data[metric] = {'unit': unit, 'values': vals}
            absent = [k for k in kernels if not vals[k]]
            if absent:
                missing.append(f'{metric} ({", ".join(absent)})')
                continue
            for k in kernels[1:]:
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
           'verdict: better/worse when the ratio interval excludes 1, else no measurable difference']
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
