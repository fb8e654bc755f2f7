"""Turn captured console logs (a real machine's serial port, another emulator)
into a results directory, and draw its report.

    bench/import-log LOG... [--out DIR] [--case NAME] [--host-memory MODE]

Each LOG is one boot, or several when bench/run-qemu wrote it with --boots
(its marker lines cut it into boots, each with its own host memory and
repeat). The machine (nodes, vCPUs, memory) comes from the boot's own
@topology, the mode from its command line (strategy=all is benchmark mode,
anything else one strategy alone). Nothing is known about the machine's
accelerator or host: the report says "unknown", never guesses. A log
without markers counts as --host-memory says: prealloc (default) for a real
machine, whose RAM is always backed, lazy for an emulator that backed it
lazily.
"""
import argparse
import datetime
import os
import subprocess
import sys

from . import BENCH_DIR as HERE, hostmem, results
from .records import parse_records
from .topology import size_name

# Firmware keeps some RAM for itself: name a machine by its memory to 128 MiB.
GRAIN = 128 << 20


def describe(records, index, log, case_name, host_memory, repeat):
    """The RUN of results.py for one captured boot, read from its own records."""
    boot = next((r for t, r in records if t == 'boot'), {})
    topo = next((r for t, r in records if t == 'topology'), {})
    result = next((r for t, r in records if t == 'result'), {})
    cmdline = boot.get('cmdline', '')
    nodes, cpus = len(topo.get('nodes', [])), len(topo.get('cpus', []))
    mem = boot.get('mem_total')
    mode = 'all' if 'strategy=all' in cmdline.split() else 'plain'
    strategy = None if mode == 'all' else result.get('strategy')
    case = case_name or (f'{nodes}n-{cpus}c-{size_name(round(mem / GRAIN) * GRAIN)}' if mem else 'captured')
    return {'boot': f'{index:03d}-{case}-{strategy or mode}', 'case': case, 'mode': mode, 'strategy': strategy,
            'host_memory': host_memory, 'repeat': repeat,
            'nodes': nodes or None, 'vcpus': cpus or None, 'mem_bytes': mem,
            'topology': {'nodes': [{'mem': n.get('pages', 0) * 4096, 'cpus': n.get('cpus', [])}
                                   for n in topo.get('nodes', [])], 'distance': topo.get('distance')},
            'cmdline': cmdline, 'qemu_args': [], 'log': log}


def main(argv):
    ap = argparse.ArgumentParser(prog='import-log', description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('logs', nargs='+', metavar='LOG')
    ap.add_argument('--out', metavar='DIR', help='results directory (default build/bench/import-<timestamp>)')
    ap.add_argument('--case', metavar='NAME', help='one case name for every log (default from @topology)')
    ap.add_argument('--host-memory', choices=hostmem.MODES, default='prealloc',
                    help='for logs without run-qemu boot markers: prealloc (default: a real machine), or lazy')
    args = ap.parse_args(argv)
    out = args.out or os.path.join(os.path.dirname(HERE), 'build', 'bench',
                                   datetime.datetime.now().strftime('import-%Y%m%d-%H%M%S'))
    os.makedirs(out, exist_ok=True)
    env = {'qemu': None, 'accel': 'unknown (captured log)', 'host_cores': None, 'model': None,
           'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
           'matrix': 'imported'}
    boots = []
    for log in args.logs:
        with open(log, errors='replace') as text:
            for marker, piece in hostmem.split(text.read()):
                marker = marker or {}
                boots.append((log, parse_records(piece), marker.get('host_memory', args.host_memory),
                              marker.get('repeat', 1)))
    with open(os.path.join(out, 'results.jsonl'), 'w') as f:
        for index, (log, records, host_memory, repeat) in enumerate(boots, 1):
            good = [(t, r) for t, r in records if t != 'unparsable']
            run = describe(good, index, log, args.case, host_memory, repeat)
            env.setdefault('kernel_version', next((r.get('version') for t, r in good if t == 'boot'), None))
            env['model'] = env['model'] or next((r.get('model') for t, r in good if t == 'result'), None)
            for rtype, record in good:
                f.write(results.line(rtype, record, run, env) + '\n')
            exit_rec = next((r for t, r in good if t == 'exit'), None)
            status = 'ok' if exit_rec and exit_rec.get('ok') else ('failed' if exit_rec else 'hang')
            outcome = {'status': status, 'exit': None, 'seconds': None,
                       'skipped': [r['line'] for t, r in records if t == 'unparsable']}
            f.write(results.line('outcome', outcome, run, env) + '\n')
            print(f'import-log: {log}: {len(good)} records, {run["mode"]}, case {run["case"]}, '
                  f'{host_memory} {repeat}, {status}')
    return subprocess.run([sys.executable, os.path.join(HERE, 'report.py'), out]).returncode
