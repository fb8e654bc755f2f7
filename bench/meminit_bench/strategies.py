"""Boot strategy=all a few times on one machine and print each strategy's @bench, per boot.

    bench/strategies.py [--nodes N] [--cpus-per-node C] [--mem SIZE] [--boots B]
                        [--host-memory MODE] [--rounds R] [--cmdline WORDS] [--slit4]

The machine is N nodes of SIZE/N each, C CPUs per node, booted B times in one
QEMU whose guest RAM the host has backed (bench/run-qemu --boots, host-warm;
a warm-up boot first where the guest is too large to preallocate, reported
apart). Prints one line per strategy per boot (done and usable medians in ms,
ns per page, efficiency, and done as a ratio to bsp's in the same boot), then
the min and median of those over the host-warm boots. Figures from different
boots are never mixed in one ratio.
"""
import argparse
import os
import statistics
import subprocess
import sys

from . import BENCH_DIR as HERE, hostmem
from .records import of_type, parse_records
from .topology import Topology, even, parse_size as size

SLIT4 = [[10, 16, 22, 28], [16, 10, 16, 22], [22, 16, 10, 16], [28, 22, 16, 10]]


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--nodes', type=int, default=2, help='NUMA nodes (default 2; 4 with --slit4)')
    ap.add_argument('--cpus-per-node', type=int, default=1, help='vCPUs on every node (default 1)')
    ap.add_argument('--mem', default='8G', help='guest memory in all, split evenly (default 8G)')
    ap.add_argument('--boots', type=int, default=3, help='host-warm boots (default 3)')
    ap.add_argument('--host-memory', choices=('auto',) + hostmem.MODES, default='auto',
                    help='how the host backs guest RAM (bench/run-qemu); default: prealloc for a small guest that fits, else warm')
    ap.add_argument('--rounds', type=int, default=5, help='warm rounds per boot (default 5)')
    ap.add_argument('--cmdline', default='', help='more kernel command-line words')
    ap.add_argument('--slit4', action='store_true', help='4 nodes with distances 10/16/22/28')
    ap.add_argument('--node-mem', help='comma-separated sizes per node (overrides --mem and --nodes)')
    ap.add_argument('--iso', default=os.path.join(HERE, '..', 'build', 'meminit.iso'), help='the ISO to boot')
    args = ap.parse_args()
    nodes = len(args.node_mem.split(',')) if args.node_mem else args.nodes
    if args.slit4 and nodes != 4:
        ap.error(f'--slit4 is a 4-node distance matrix; the machine has {nodes} nodes (use --nodes 4)')
    if args.boots < 1 or args.rounds < 1 or args.nodes < 1 or args.cpus_per_node < 1:
        ap.error('--boots, --rounds, --nodes and --cpus-per-node must be at least 1')
    return args


def main():
    args = parse_args()
    if args.node_mem:
        mems = [size(m) for m in args.node_mem.split(',')]
        topo = even(len(mems), args.cpus_per_node, 0)
        for node, mem in zip(topo.nodes, mems):
            node.mem = mem
    else:
        topo = even(args.nodes, args.cpus_per_node, size(args.mem) // args.nodes)
    if args.slit4:
        topo = Topology(topo.nodes, SLIT4)
    cmd = [os.path.join(HERE, 'run-qemu'), '--iso', args.iso, '--quiet', '--timeout', '900', '--boots',
           str(args.boots), '--host-memory', args.host_memory, '--cmdline',
           f'strategy=all strategy.rounds={args.rounds} {args.cmdline}', '--'] + topo.qemu_args()
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    accel = next((ln.split('accel=', 1)[1].split(' ')[0] for ln in out.stderr.splitlines() if 'accel=' in ln), '?')
    if out.returncode:
        print(f'run-qemu failed ({out.returncode}): {out.stderr.strip().splitlines()[-1:]}', file=sys.stderr)
    per = {}
    for index, (marker, piece) in enumerate(hostmem.split(out.stdout), 1):
        marker = marker or {}
        mode, repeat = marker.get('host_memory', '?'), marker.get('repeat', index)
        recs = parse_records(piece)
        benches = {b['strategy']: b for b in of_type(recs, 'bench')}
        if not benches:
            print(f'boot {index} ({mode} {repeat}): no @bench', file=sys.stderr)
            continue
        cold = hostmem.host_cold(mode)
        bsp = benches['bsp']['done_ns_median']
        print(f'boot {index}: {mode} {repeat}{" (host-cold warm-up: left out below)" if cold else ""} ({accel}; '
              f'{len(of_type(recs, "topology")[0]["cpus"])} vCPUs, {os.cpu_count()} host cores)')
        for name, b in benches.items():
            row = (b['done_ns_median'] / 1e6, b['usable_ns_median'] / 1e6, b['ns_per_page'], b['efficiency'],
                   b['done_ns_median'] / bsp, (b['cold_done_ns'] or 0) / 1e6)
            if not cold:
                per.setdefault(name, []).append(row)
            print(f'  {name:8} done {row[0]:9.2f} ms  usable {row[1]:9.2f} ms  {row[2]:7.2f} ns/page  '
                  f'eff {row[3]:.3f}  x bsp {row[4]:.3f}' + (f'  cold {row[5]:.1f} ms' if row[5] else ''))
    print('min / median over the host-warm boots:')
    for name, rows in per.items():
        cols = list(zip(*rows))
        fmt = lambda i: f'{min(cols[i]):.3f}/{statistics.median(cols[i]):.3f}'  # noqa: E731
        print(f'  {name:8} done ms {fmt(0)}  usable ms {fmt(1)}  ns/page {fmt(2)}  eff {fmt(3)}  x bsp {fmt(4)}')
    return 0 if per and not out.returncode else 1
