#!/usr/bin/env python3
"""Draw a boot's records as graphs (gnuplot, PNG).

    bench/graphs.py RECORDS_LOG OUT_DIR

timeline.png: one row per online CPU, one bar per @span (what the CPU did, on which
node, from when to when), relative to the start of the mem_map init. Prints
the path of every graph it wrote.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from records import of_type, one, parse_records  # noqa: E402

COLORS = {'memmap_init': '#1f77b4', 'free_to_buddy': '#ff7f0e', 'grow': '#d62728', 'workload': '#9467bd',
          'numa_model': '#7f7f7f'}


def timeline(records, out_dir):
    spans = of_type(records, 'span')
    result = one(records, 'result')
    if not spans:
        return None
    t0 = result['start_ns']
    data = os.path.join(out_dir, 'timeline.dat')
    with open(data, 'w') as f:
        for s in spans:
            # x_start x_end cpu color label
            f.write(f'{(s["start_ns"] - t0) / 1e6:.3f} {(s["end_ns"] - t0) / 1e6:.3f} {s["cpu"]} '
                    f'0x{COLORS.get(s["what"], "#2ca02c")[1:]} "{s["what"]} n{s["node"]}"\n')
    # Every online CPU gets a row, so that idle ones show as idle.
    topo = of_type(records, 'topology')
    cpus = sorted({s['cpu'] for s in spans} | {c['id'] for t in topo for c in t['cpus']})
    png = os.path.join(out_dir, 'timeline.png')
    title = (f'strategy {result["strategy"]}: {result["total_pages"]} pages, '
             f'done in {(result["done_ns"] - t0) / 1e6:.1f} ms, '
             f'{result["ns_per_page"]} ns/page, verified={result["verified"]}')
    script = f'''
set terminal pngcairo noenhanced size 1000,{200 + 60 * len(cpus)} font ",10"
set output "{png}"
set title "{title}"
set xlabel "ms since the mem_map init began"
set ylabel "CPU"
set ytics ({", ".join(f'"{c}" {c}' for c in cpus)})
set yrange [{min(cpus) - 0.6}:{max(cpus) + 0.6}]
set xrange [0:*]
set grid xtics
unset key
set style fill solid 0.8 border -1
plot "{data}" using (($1+$2)/2):3:(($2-$1)/2):(0.3):4 with boxxyerror lc rgb variable, \\
     "{data}" using (($1+$2)/2):($3+0.38):5 with labels font ",8"
'''
    subprocess.run(['gnuplot'], input=script, text=True, check=True)
    return png


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], errors='replace') as f:
        records = parse_records(f.read())
    os.makedirs(sys.argv[2], exist_ok=True)
    for png in filter(None, [timeline(records, sys.argv[2])]):
        print(f'graph: {png}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
