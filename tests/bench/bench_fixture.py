"""Shared by the bench tests: paths, and a results.jsonl built from the console logs
recorded in logs/ (2 nodes, 2 vCPUs, 4 GiB under TCG), the way bench/compare
writes one. RUN and ENV are made up along results.py's docstring; the records
are the kernel's own. The Linux line is made up too (figures in the shape
linux_ref.py returns), so that every part of the report has something to show.
"""
import copy
import os

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
BENCH = os.path.join(REPO, 'bench')
LOGS = os.path.join(HERE, 'logs')

from meminit_bench.records import parse_records
from meminit_bench.results import line


def _unpacked_sample():
    """A real compare run (bench/compare --matrix with 2n-2c-1G and Linux,
    2n-2c-2G warm, 2n-1c-2G, and a case that hangs; 3 host-warm boots each),
    kept gzipped in logs/sample/ and unpacked once per test process."""
    import atexit
    import gzip
    import shutil
    import tempfile
    where = tempfile.mkdtemp(prefix='bench-sample.')
    atexit.register(shutil.rmtree, where, True)
    path = os.path.join(where, 'results.jsonl')
    with gzip.open(os.path.join(LOGS, 'sample', 'results.jsonl.gz'), 'rb') as packed, open(path, 'wb') as out:
        shutil.copyfileobj(packed, out)
    return path


SAMPLE = _unpacked_sample()
# The sample kernel's strategies, in its registry's order (as its @bench records list them).
SAMPLE_STRATEGIES = ('bsp', 'migrate', 'xcall', 'async')

CASE = '2n-2c-4G'
ENV = {'qemu': '7.2.19', 'accel': 'tcg', 'host_cores': 2, 'host_mem_bytes': 8 << 30, 'host_cpu': 'test cpu',
       'kernel_version': '0.1.0', 'git_commit': 'abc1234', 'git_dirty': False, 'model': 'off',
       'date': '2026-11-29T05:30:00Z', 'rounds': 2, 'matrix': 'test'}
TOPOLOGY = {'nodes': [{'mem': 2 << 30, 'cpus': [0]}, {'mem': 2 << 30, 'cpus': [1]}], 'distance': None}
LINUX = {'status': 'ok', 'kernel': '6.1.0-28-amd64', 'seconds': 40.0, 'accel': 'tcg', 'cpus_activated': 2,
         'smpboot_ms': 120.0,
         'nodes': [{'node': 0, 'ms': 52.0, 'deferred_pages': 470000, 'threads': 1, 'ns_per_page': 110.6,
                    'ns_per_page_per_thread': 110.6, 'end_ms': 190.0},
                   {'node': 1, 'ms': 48.0, 'deferred_pages': 480000, 'threads': 1, 'ns_per_page': 100.0,
                    'ns_per_page_per_thread': 100.0, 'end_ms': 186.0}],
         'deferred_pages_how': 'made up for the tests', 'deferred_pages': 950000, 'slowest_node_ms': 52.0,
         'last_node_end_ms': 190.0, 'smpboot_to_last_ms': 70.0, 'ns_per_page_machine': 54.7,
         'ns_per_page_per_thread': 105.3, 'problems': [], 'command': ['qemu-system-x86_64', '...']}

# boot id, log file, mode, strategy, cmdline
BOOTS = [('c01-all', '2n-2c-4G-all.log', 'all', None, 'strategy=all strategy.rounds=2'),
         ('c01-bsp', '2n-2c-4G-bsp.log', 'plain', 'bsp', 'strategy=bsp'),
         ('c01-migrate', '2n-2c-4G-migrate.log', 'plain', 'migrate', 'strategy=migrate'),
         ('c01-xcall', '2n-2c-4G-xcall.log', 'plain', 'xcall', 'strategy=xcall'),
         ('c01-async', '2n-2c-4G-async.log', 'plain', 'async', 'strategy=async')]
# An async boot with a workload and the NUMA model, as a case of its own.
SLIT_BOOT = ('c02-async-slit', '2n-2c-4G-async-workload-slit.log', 'plain', 'async',
             'strategy=async boot.workload_mb=256 numa.model=slit')
SLIT_CASE = '2n-2c-4G-slit'


def run_of(boot, case=CASE, mode='plain', strategy=None, cmdline='', log=None, mem_bytes=4 << 30, vcpus=2,
           host_memory='prealloc', repeat=1):
    return {'boot': boot, 'case': case, 'mode': mode, 'strategy': strategy, 'nodes': 2, 'vcpus': vcpus,
            'mem_bytes': mem_bytes, 'topology': TOPOLOGY, 'cmdline': cmdline, 'qemu_args': [],
            'log': log or f'logs/{boot}.log', 'host_memory': host_memory, 'repeat': repeat}


def log_records(name):
    with open(os.path.join(LOGS, name)) as f:
        return parse_records(f.read())


def captured_lines(env=ENV, linux=LINUX):
    """The results.jsonl lines of one compare run of the captured logs."""
    out = []
    for boot, log, mode, strategy, cmdline in BOOTS:
        run = run_of(boot, mode=mode, strategy=strategy, cmdline=cmdline)
        out += [line(t, r, run, env) for t, r in log_records(log)]
        out.append(line('outcome', {'status': 'ok', 'exit': 0, 'seconds': 3.0, 'skipped': []}, run, env))
    boot, log, mode, strategy, cmdline = SLIT_BOOT
    run = run_of(boot, case=SLIT_CASE, mode=mode, strategy=strategy, cmdline=cmdline)
    out += [line(t, r, run, env) for t, r in log_records(log)]
    out.append(line('outcome', {'status': 'ok', 'exit': 0, 'seconds': 3.0, 'skipped': []}, run, env))
    run = run_of('c01-linux', mode='linux')
    out.append(line('linux', copy.deepcopy(linux), run, env))
    return out


def write_captured(path, env=ENV, linux=LINUX, extra=()):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        for text in captured_lines(env, linux) + list(extra):
            f.write(text + '\n')
    return path


def read_lines(path):
    """The lines of a results.jsonl as dicts (for tests that change them)."""
    import json
    with open(path) as f:
        return [json.loads(text) for text in f if text.strip()]


def write_lines(path, objs):
    """Dicts (or ready strings) as a results.jsonl."""
    import json
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        for obj in objs:
            f.write((obj if isinstance(obj, str) else json.dumps(obj)) + '\n')
    return path
