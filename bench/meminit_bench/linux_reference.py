"""Boot Debian's Linux 6.1 on an even NUMA machine under QEMU and time its
deferred struct page init, the figures meminit is compared with.

    bench/linux-reference [--nodes N] [--cpus C] [--mem SIZE] [--accel tcg|kvm]
                          [--boots N] [--host-memory lazy|prealloc|warm|auto]
                          [--cache DIR] [--log FILE] [--timeout S]

Prints the figures of each boot as one JSON line on stdout (bench/meminit_bench/linux_ref.py,
run_boots()) and a one-line summary per boot on stderr. The exit status is 0 whatever the boot
did ("status": ok, failed, hang, or skipped when no kernel can be had here),
so that a caller never fails because of Linux; 2 on bad usage. The kernel is fetched with apt once and cached in
${XDG_CACHE_HOME:-~/.cache}/meminit/linux/ (or --cache DIR).
"""
import argparse
import json
import os
import sys

from . import hostmem
from . import linux_ref
from .topology import machine, parse_size


def summary(result):
    if result['status'] == 'skipped':
        return f"linux-reference: skipped: {result['skipped']}"
    if result['status'] == 'failed' and not result.get('nodes'):
        return f"linux-reference: failed: {'; '.join(result.get('problems') or [])}"
    nodes = ', '.join(f"node {n['node']} {n['ms']:g} ms" for n in result['nodes']) or 'no node lines'
    text = (f"linux-reference: {result.get('host_memory', '?')} {result.get('repeat', '?')}: "
            f"{result['status']}, Linux {result['kernel']}, {nodes}, "
            f"{result['ns_per_page_machine']} ns/page machine, "
            f"{result['ns_per_page_per_thread']} ns/page per thread, {result['seconds']:.1f} s")
    if result['problems']:
        text += f" ({len(result['problems'])} problems: {result['problems'][0]})"
    return text


def main():
    ap = argparse.ArgumentParser(prog='linux-reference', description=__doc__.split('\n\n')[0])
    ap.add_argument('--nodes', type=int, default=2, help='NUMA nodes (default 2)')
    ap.add_argument('--cpus', type=int, help='vCPUs in all, dealt round-robin over the nodes '
                    '(default: one per node)')
    ap.add_argument('--mem', default='4G', help='memory in all, split evenly (default 4G)')
    ap.add_argument('--accel', choices=('tcg', 'kvm'), default='tcg')
    ap.add_argument('--cache', metavar='DIR', help='where the kernel is kept')
    ap.add_argument('--log', metavar='FILE', help='write the console here')
    ap.add_argument('--timeout', type=float, default=linux_ref.DEFAULT_TIMEOUT,
                    help='seconds before a boot counts as hung (default %(default)g)')
    ap.add_argument('--boots', type=int, default=1, metavar='N',
                    help='boots measured (default 1); warm adds a host-cold warm-up boot before them')
    ap.add_argument('--host-memory', choices=('auto',) + hostmem.MODES, default='auto',
                    help='how the host backs guest RAM (bench/meminit_bench/hostmem.py); auto: prealloc for a small guest that fits, '
                    'else warm (lazy for one boot)')
    args = ap.parse_args()
    try:
        topology = machine(args.nodes, args.cpus or args.nodes, parse_size(args.mem))
    except ValueError as e:
        ap.error(str(e))
    if args.timeout <= 0:
        ap.error('--timeout must be positive')
    if args.boots < 1:
        ap.error('--boots must be at least 1')
    host_memory = args.host_memory if args.host_memory != 'auto' else \
        hostmem.choose(topology.mem_total, args.boots, hostmem.available_bytes())

    try:
        results = linux_ref.run_boots(topology, accel=args.accel, timeout=args.timeout, log_path=args.log,
                                      cache_dir=args.cache, boots=args.boots, host_memory=host_memory)
    except linux_ref.Unavailable as e:
        results = [{'status': 'skipped', 'skipped': str(e)}]
    except Exception as e:  # noqa: BLE001 -- a broken reference is a result, not a crash
        results = [{'status': 'failed', 'kernel': None, 'seconds': 0.0, 'accel': args.accel,
                    'nodes': [], 'ns_per_page_machine': None, 'ns_per_page_per_thread': None,
                    'problems': [f'{type(e).__name__}: {e}']}]
    for result in results:
        print(json.dumps(result), flush=True)
        print(summary(result), file=sys.stderr)
    return 0
