"""Compare the mem_map strategies over a matrix of machines, with Linux beside them.

    bench/compare [--matrix quick|full|smoke|FILE] [--out DIR] [--strategies LIST]
                  [--rounds R] [--boots N] [--host-memory MODE] [--model slit]
                  [--no-linux] [--baseline DIR]

Per case of the matrix (bench/meminit_bench/matrix.py), in this order so that the things
compared run close together: benchmark mode (strategy=all: every strategy
over R warm rounds, in an order that changes from round to round, after one
cold pass of the default), each strategy on its own (its guest-cold time and
whole-boot timeline), and Linux's own deferred init on the same machine
(bench/linux-reference). Each of these boots N times in one QEMU whose guest
RAM the host has backed (host-warm, bench/meminit_bench/hostmem.py): preallocated when the
guest is small and fits in host RAM, else warmed up by one host-cold boot
that is kept and reported apart. Every record goes to DIR/results.jsonl (bench/meminit_bench/results.py),
every console to DIR/logs/; then bench/report.py draws the graphs and writes
the report from the medians of the host-warm boots. A failed or hung boot is
reported and the run goes on.
"""
import argparse
import datetime
import importlib
import os
import subprocess
import sys
import tempfile
import time

from . import BENCH_DIR as HERE, REPO_DIR as REPO, hostmem, matrix, results
from .records import kernel_elf, parse_records, strategy_names
from .summary import MIN_BOOTS
from .topology import GiB

STATUS = {0: 'ok', 1: 'failed', 3: 'hang', 4: 'emulator'}


def late_node_idle(case):
    """How the other CPUs idle while the late node comes online: polling spares the
    caller the IPIs (under TCG ~50 µs each, charged to the sender), but each polling
    vCPU keeps a host core busy, so only where every vCPU has a core of its own."""
    return 'poll' if case.vcpus <= (os.cpu_count() or 1) else 'halt'


class Boot:
    """One planned boot: its case, what it runs, and its rough cost for the estimate."""

    def __init__(self, case, mode, strategy, rounds, model, boots=1, host_memory='lazy'):
        self.case, self.mode, self.strategy, self.rounds = case, mode, strategy, rounds
        self.boots, self.host_memory = boots, host_memory
        self.plan = hostmem.boot_plan(host_memory, boots)
        words = []
        if mode == 'all':
            # One extra run per strategy, outside the timed rounds, for the thread's claims:
            # @steady, and on a machine of several nodes its last one held back (@late_node).
            words = ['strategy=all', f'strategy.rounds={rounds}', 'steady=on']
            nodes = len(case.topology.nodes) if case.topology else 0
            if nodes > 1:
                words.append(f'mem.late_node={nodes - 1}')
                words.append(f'mem.late_node_idle={late_node_idle(case)}')
        elif mode == 'plain':
            words = [f'strategy={strategy}']
        if mode != 'linux' and model != 'off':
            words.append(f'numa.model={model}')
        self.cmdline = ' '.join(words + ([case.cmdline] if case.cmdline and mode != 'linux' else []))
        self.id = None

    @property
    def what(self):
        what = {'all': f'benchmark mode, {self.rounds} rounds', 'plain': f'{self.strategy} alone',
                'linux': 'Linux reference'}[self.mode]
        return f'{what}, {len(self.plan)} boot{"s" if len(self.plan) > 1 else ""} ({self.host_memory})'

    def estimate(self):
        """Seconds all boots of this run should take here."""
        return len(self.plan) * self.estimate_one()

    def estimate_one(self):
        """Seconds this boot should take here, before any is measured: GRUB and
        firmware ~1 s, a cold pass ~25 ms per GiB, a warm strategy run ~5-10 ms
        per GiB, verification ~6 ms per GiB; Linux boots for ~5 s before its
        deferred init, which costs ~60 ns per page."""
        gib = (self.case.mem or 2 * GiB) / GiB
        if self.mode == 'linux':
            return 5 + gib * 0.02
        if self.mode == 'plain':
            return 1 + gib * 0.035
        return 1.5 + gib * (0.03 + self.rounds * 0.06)

    def timeout(self):
        """Seconds one boot may take before it counts as hung."""
        if self.case.timeout:
            return self.case.timeout
        return 120 + 20 * self.estimate_one()


def host_memory_of(case, boots, requested, available, workload=False):
    """How the host backs the case's RAM; @workload for benchmark mode's boot,
    whose steady workload touches pages the kernel itself does not."""
    if case.host_memory:
        return case.host_memory
    if requested != 'auto':
        return requested
    if workload:
        return hostmem.choose_for_workload(case.mem, boots, available)
    return hostmem.choose(case.mem, boots, available)


def plan(cases, strategies, rounds, model, linux, boots=1, host_memory='auto'):
    runs, available = [], hostmem.available_bytes()
    for case in cases:
        case_rounds = case.rounds or rounds
        mode = host_memory_of(case, boots, host_memory, available)
        runs.append(Boot(case, 'all', None, case_rounds, model, boots,
                         host_memory_of(case, boots, host_memory, available, workload=True)))
        if case.plain:
            runs += [Boot(case, 'plain', s, case_rounds, model, boots, mode) for s in strategies]
        if linux and case.linux:
            runs.append(Boot(case, 'linux', None, case_rounds, model, boots, mode))
    boots = runs
    for i, boot in enumerate(boots):
        boot.id = f'{i + 1:03d}-{boot.case.name}-{boot.strategy or boot.mode}'
    return boots


def run_qemu_module():
    """bench/run-qemu as a module, for its accelerator probe (one place decides)."""
    return importlib.import_module(__package__ + '.run_qemu')


def choose_accel(requested, iso):
    if requested != 'auto':
        return requested, 'requested'
    rq = run_qemu_module()
    with tempfile.TemporaryDirectory() as tmp:
        use_kvm, reason = rq.probe_kvm(os.environ.get('QEMU', 'qemu-system-x86_64'), iso, tmp)
    return ('kvm' if use_kvm else 'tcg'), reason


def _first_line(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=REPO).stdout.splitlines()[0].strip()
    except (OSError, IndexError):
        return None


def environment(args, accel, matrix_name, rounds):
    """Where this run happened, written on every results line."""
    qemu = _first_line([os.environ.get('QEMU', 'qemu-system-x86_64'), '--version'])
    host_cpu = None
    try:
        with open('/proc/cpuinfo') as f:
            host_cpu = next((ln.split(':', 1)[1].strip() for ln in f if ln.startswith('model name')), None)
        with open('/proc/meminfo') as f:
            host_mem = int(f.readline().split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        host_mem = None
    version = None
    with open(os.path.join(REPO, 'init', 'version.h')) as f:
        for ln in f:
            if 'MEMINIT_VERSION' in ln and '"' in ln:
                version = ln.split('"')[1]
    dirty = subprocess.run(['git', 'status', '--porcelain', '--untracked-files=no'], capture_output=True,
                           text=True, cwd=REPO).stdout.strip()
    return {'qemu': qemu.split('version')[-1].strip() if qemu else None, 'accel': accel,
            'host_cores': os.cpu_count(), 'host_mem_bytes': host_mem, 'host_cpu': host_cpu,
            'kernel_version': version, 'git_commit': _first_line(['git', 'rev-parse', '--short=12', 'HEAD']),
            'git_dirty': bool(dirty), 'model': args.model,
            'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
            'rounds': rounds, 'matrix': matrix_name, 'strategies': list(args.strategies)}


def run_description(boot, log, host_memory, repeat):
    """RUN of one boot (results.py): the planned run's, and which of its boots this is."""
    case = boot.case
    topo = case.topology
    return {'boot': f'{boot.id}-{host_memory}{repeat}', 'case': case.name, 'mode': boot.mode,
            'strategy': boot.strategy, 'nodes': len(topo.nodes) if topo else None, 'vcpus': case.vcpus or None,
            'mem_bytes': case.mem or None, 'topology': topo.describe() if topo else None,
            'cmdline': boot.cmdline, 'qemu_args': case.all_qemu_args(), 'log': log,
            'host_memory': host_memory, 'repeat': repeat}


def boot_outcomes(text, plan, code, seconds):
    """[(host_memory, repeat, records, outcome)] of every boot a run-qemu log
    shows, cut at its markers. A boot that printed @exit says itself how it
    ended; the last one without @exit ended as run-qemu's status says."""
    pieces = hostmem.split(text)
    out = []
    for index, (marker, piece) in enumerate(pieces):
        host_memory, repeat = plan[min(index, len(plan) - 1)]
        if marker:
            host_memory, repeat = marker.get('host_memory', host_memory), marker.get('repeat', repeat)
        records = parse_records(piece)
        skipped = [r['line'] for t, r in records if t == 'unparsable']
        records = [(t, r) for t, r in records if t != 'unparsable']
        exits = [r for t, r in records if t == 'exit']
        if exits:
            status = 'ok' if exits[-1].get('ok') is True else 'failed'
        else:
            status = STATUS.get(code, 'failed') if code else 'failed'
        out.append((host_memory, repeat, records, {'status': status, 'exit': code if status != 'ok' else 0,
                                                   'seconds': round(seconds / max(len(pieces), 1), 3),
                                                   'skipped': skipped}))
    if not out:  # QEMU never got as far as the first boot
        host_memory, repeat = plan[0]
        out.append((host_memory, repeat, [], {'status': STATUS.get(code, 'failed'), 'exit': code,
                                              'seconds': round(seconds, 3), 'skipped': []}))
    return out


def boot_kernel(boot, args, accel, out):
    """Boot the ISO as the run plans (N boots in one QEMU, or one per QEMU);
    return (log, [(host_memory, repeat, records, outcome)])."""
    log = os.path.join('logs', boot.id + '.log')
    cmd = [os.path.join(HERE, 'run-qemu'), '--iso', args.iso, '--accel', accel, '--quiet',
           '--timeout', str(boot.timeout()), '--log', os.path.join(out, log), f'--cmdline={boot.cmdline}',
           '--boots', str(boot.boots), '--host-memory', boot.host_memory, '--'] + boot.case.all_qemu_args()
    t0 = time.monotonic()
    with open(os.path.join(out, 'logs', boot.id + '.err'), 'w') as err:
        code = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=err).returncode
    seconds = time.monotonic() - t0
    try:
        with open(os.path.join(out, log), errors='replace') as f:
            text = f.read()
    except OSError:
        text = ''
    return log, boot_outcomes(text, boot.plan, code, seconds)


class LinuxReference:
    """bench/linux-reference, fetched once; after the first 'unavailable', every
    later case is skipped with the same reason instead of trying again."""

    def __init__(self):
        self.unavailable = None
        try:
            from . import linux_ref
            self.module = linux_ref
        except ImportError as e:
            self.module, self.unavailable = None, f'bench/meminit_bench/linux_ref.py cannot be loaded: {e}'

    def run(self, boot, accel, out):
        """(log, [(host_memory, repeat, [('linux', figures)], outcome)]) of the run's boots."""
        log = os.path.join('logs', boot.id + '.log')
        t0 = time.monotonic()
        if self.unavailable:
            records = [{'status': 'skipped', 'skipped': self.unavailable}]
        elif boot.case.topology is None:
            records = [{'status': 'skipped', 'skipped': 'raw QEMU arguments: no topology to give Linux'}]
        else:
            try:
                records = self.module.run_boots(boot.case.topology, accel=accel, timeout=boot.timeout(),
                                                log_path=os.path.join(out, log), boots=boot.boots,
                                                host_memory=boot.host_memory)
            except self.module.Unavailable as e:
                self.unavailable = str(e)
                records = [{'status': 'skipped', 'skipped': self.unavailable}]
            except Exception as e:  # noqa: BLE001 -- the reference must never sink the main job
                records = [{'status': 'failed', 'problems': [f'{type(e).__name__}: {e}']}]
        seconds = round((time.monotonic() - t0) / len(records), 3)
        out_boots = []
        for index, record in enumerate(records):
            host_memory, repeat = boot.plan[min(index, len(boot.plan) - 1)]
            out_boots.append((record.get('host_memory', host_memory), record.get('repeat', repeat),
                              [('linux', record)], {'status': record.get('status', 'failed'), 'exit': None,
                                                    'seconds': seconds, 'skipped': []}))
        return log, out_boots


def clock(seconds):
    seconds = int(seconds)
    return f'{seconds // 60}:{seconds % 60:02d}'


def parser():
    """compare's options; bench/main checks its arguments with it before it installs or builds."""
    ap = argparse.ArgumentParser(prog='compare', description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--matrix', default='quick', metavar='quick|full|smoke|FILE',
                    help='quick (default), full (up to 512 GiB), smoke (CI), '
                    'or a JSON file (bench/meminit_bench/matrix.py says how)')
    ap.add_argument('--out', metavar='DIR', help='results directory (default build/bench/<timestamp>, '
                    'linked as build/bench/latest)')
    ap.add_argument('--strategies', metavar='LIST',
                    help='strategies booted alone, comma-separated (default every strategy the kernel registers); '
                    'benchmark mode always runs every strategy in one boot')
    ap.add_argument('--rounds', type=int, metavar='R', help="benchmark mode's warm rounds (1-64; default the "
                    f"matrix's: {matrix.DEFAULT_ROUNDS['quick']}, smoke {matrix.DEFAULT_ROUNDS['smoke']})")
    ap.add_argument('--boots', type=int, metavar='N', help="host-warm boots of every run (default the matrix's: "
                    f"{matrix.DEFAULT_BOOTS['quick']}, smoke {matrix.DEFAULT_BOOTS['smoke']}); a figure is compared, "
                    f"and a winner named, from {MIN_BOOTS} or more")
    ap.add_argument('--host-memory', choices=('auto',) + hostmem.MODES, default='auto',
                    help='how the host backs guest RAM (bench/meminit_bench/hostmem.py); auto (default): prealloc for a small '
                    'guest that fits, else warm; lazy gives host-cold boots only, for comparison')
    ap.add_argument('--model', choices=('off', 'slit'), default='off',
                    help='numa.model for every meminit boot: slit adds modelled remote-memory waits')
    ap.add_argument('--no-linux', action='store_true', help='skip the Linux reference boots')
    ap.add_argument('--baseline', metavar='DIR', help='an earlier results directory to compare against')
    ap.add_argument('--accel', choices=('auto', 'kvm', 'tcg'), default='auto',
                    help='auto: KVM only when a probe boot proves it works')
    ap.add_argument('--iso', default=os.path.join(REPO, 'build', 'meminit.iso'))
    return ap


def parse_args(argv):
    ap = parser()
    args = ap.parse_args(argv)
    if not os.path.isfile(args.iso):
        ap.error(f'no ISO at {args.iso}: build it first (cmake -S . -B build && cmake --build build)')
    known = strategy_names(kernel_elf(args.iso))  # the kernel's registry, from the ELF built beside the ISO
    args.strategies = [s for s in (args.strategies or ','.join(known)).split(',') if s]
    bad = [s for s in args.strategies if s not in known]
    if bad:
        ap.error(f'--strategies: unknown {bad} (known: {",".join(known)})')
    if args.rounds is not None and not 1 <= args.rounds <= 64:
        ap.error('--rounds: 1-64')
    if args.boots is not None and args.boots < 1:
        ap.error('--boots: at least 1')
    if args.baseline and not os.path.isfile(os.path.join(args.baseline, 'results.jsonl')):
        ap.error(f'--baseline: no results.jsonl in {args.baseline}')
    return args


def output_dir(requested):
    if requested:
        os.makedirs(os.path.join(requested, 'logs'), exist_ok=True)
        return requested
    base = os.path.join(REPO, 'build', 'bench')
    out = os.path.join(base, datetime.datetime.now().strftime('%Y%m%d-%H%M%S'))
    os.makedirs(os.path.join(out, 'logs'), exist_ok=True)
    latest = os.path.join(base, 'latest')
    if os.path.islink(latest) or not os.path.exists(latest):
        if os.path.islink(latest):
            os.unlink(latest)
        os.symlink(os.path.basename(out), latest)
    return out


def main(argv):
    args = parse_args(argv)
    try:
        matrix_name, cases, matrix_rounds = matrix.load(args.matrix)
    except (OSError, ValueError) as e:
        print(f'compare: --matrix {args.matrix}: {e}', file=sys.stderr)
        return 2
    rounds = args.rounds or matrix_rounds or 5
    boots = args.boots or matrix.DEFAULT_BOOTS.get(matrix_name, 3)
    out = output_dir(args.out)
    accel, why = choose_accel(args.accel, args.iso)
    env = environment(args, accel, matrix_name, rounds)
    env['boots'] = boots
    boots = plan(cases, args.strategies, rounds, args.model, not args.no_linux, boots, args.host_memory)
    print(f'compare: {len(cases)} machines, {len(boots)} runs of {env["boots"]} host-warm boots, accelerator {accel} ({why}), '
          f'{env["host_cores"]} host cores; results in {out}', flush=True)
    linux = LinuxReference() if not args.no_linux else None
    t_start = time.monotonic()
    spent_actual = spent_estimate = 0.0
    failures = 0
    with open(os.path.join(out, 'results.jsonl'), 'w') as results_file:
        for i, boot in enumerate(boots):
            elapsed = time.monotonic() - t_start
            scale = spent_actual / spent_estimate if spent_estimate else 1.0
            left = scale * sum(b.estimate() for b in boots[i:])
            print(f'[{i + 1}/{len(boots)}] {boot.case.name}: {boot.what} | elapsed {clock(elapsed)}, '
                  f'~{clock(left)} left ... ', end='', flush=True)
            t0 = time.monotonic()
            if boot.mode == 'linux':
                log, reached = linux.run(boot, accel, out)
            else:
                log, reached = boot_kernel(boot, args, accel, out)
            for host_memory, repeat, records, outcome in reached:
                run = run_description(boot, log, host_memory, repeat)
                for rtype, record in records:
                    results_file.write(results.line(rtype, record, run, env) + '\n')
                results_file.write(results.line('outcome', outcome, run, env) + '\n')
            results_file.flush()
            seconds = time.monotonic() - t0
            spent_actual += seconds
            spent_estimate += boot.estimate()
            statuses = [outcome['status'] for *_, outcome in reached]
            note = reached[0][2][0][1].get('skipped', '') if boot.mode == 'linux' and reached[0][2] else ''
            failures += sum(s not in ('ok', 'skipped') for s in statuses)
            if len(reached) < len(boot.plan) and statuses[-1] in ('ok', 'skipped') and not note:
                failures += 1
                statuses.append(f'{len(boot.plan) - len(reached)} not reached')
            print(f'{", ".join(statuses)} in {seconds:.1f} s' + (f' ({note})' if note else ''), flush=True)
    print(f'compare: {len(boots)} runs in {clock(time.monotonic() - t_start)}, {failures} not ok', flush=True)
    report = [sys.executable, os.path.join(HERE, 'report.py'), out]
    if args.baseline:
        report += ['--baseline', args.baseline]
    return subprocess.run(report).returncode
