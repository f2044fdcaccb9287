#!/usr/bin/env python3
"""Tabulate the A/B benchmark runs of ab-bench.sh.

usage: bench-report.py BENCH_CONF RESULTS_DIR

For each metric of BENCH_CONF, takes the figure from every run's
results.ktap under RESULTS_DIR/{base,series}/<run>/<n>/, and reports the
median and range per kernel and the ratio of the medians (patched / base).
Exit 1 if a metric has no figure for a kernel.
"""
import json
import os
import re
import statistics
import sys


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


def main():
    conf, top = sys.argv[1], sys.argv[2]
    rows, data, missing = [], {}, []
    with open(conf) as f:
        for line in f:
            line = line.split('#', 1)[0].strip() if not line.lstrip().startswith('#') else ''
            if not line:
                continue
            metric, test, args, regex, unit = [x.strip() for x in line.split('|')]
            b = values(top, 'base', test, args, regex)
            s = values(top, 'series', test, args, regex)
            data[metric] = {'unit': unit, 'base': b, 'series': s}
            if not b or not s:
                missing.append(metric)
                rows.append((metric, unit, '-', '-', 'no figure'))
                continue
            mb, ms = statistics.median(b), statistics.median(s)
            ratio = ms / mb if mb else float('nan')
            rows.append((metric, unit,
                         f'{mb:.0f} [{min(b):.0f}-{max(b):.0f}]',
                         f'{ms:.0f} [{min(s):.0f}-{max(s):.0f}]',
                         f'{ratio:.2f}'))
            data[metric].update(base_median=mb, series_median=ms, ratio=ratio)
    w = max(len(r[0]) for r in rows)
    n = max([len(v['base']) for v in data.values()] + [0])
    out = [f'Benchmarks, median [min-max] over {n} runs per kernel, same CI run; ratio = patched / base',
           f'{"metric":<{w}}  {"unit":<6}  {"base":>22}  {"patched":>22}  {"ratio":>6}']
    for metric, unit, b, s, ratio in rows:
        out.append(f'{metric:<{w}}  {unit:<6}  {b:>22}  {s:>22}  {ratio:>6}')
    text = '\n'.join(out) + '\n'
    with open(os.path.join(top, 'bench-summary.txt'), 'w') as f:
        f.write(text)
    with open(os.path.join(top, 'bench.json'), 'w') as f:
        json.dump(data, f, indent=1)
    sys.stdout.write(text)
    if missing:
        sys.stdout.write('benchmarks without a figure: ' + ', '.join(missing) + '\n')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
