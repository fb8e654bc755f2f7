"""Boot tests of the steady workload (steady=on, init/steady.h): the thread's "stats
fluctuate" claim as records. Under async the boot CPU allocates while memory is still
arriving (a "during" window) and after; a strategy done when it returns has no
"during"; benchmark mode runs it once per strategy, outside the timed rounds."""
from bootlib import boot, check, expect_clean_success, of_type, one, strategies
from meminit_bench.topology import machine, MiB

TWO_NODES = machine(2, 2, 2048 * MiB).qemu_args()
BENCH_RUNS_PER_STRATEGY = 1  # strategy.rounds=1 below


def check_window(w, what):
    check(w['ops'] >= 1 and w['failed'] == 0, f'{what}: {w}')
    check(0 < w['p50_ns'] <= w['p99_ns'] <= w['max_ns'], f'{what}: percentiles out of order: {w}')


def check_steady(rec, result, what, during):
    """One @steady against its run's @result: windows, samples in time order, the last what @result counts."""
    check(rec['strategy'] == result['strategy'] and rec['run'] == result['run'], f'{what}: {rec} is not its run')
    check(rec['usable_ns'] == result['usable_ns'] and rec['done_ns'] == result['done_ns'], f'{what}: times differ')
    if during:
        check_window(rec['during'], f'{what} during')
    else:
        check(rec['during'] is None, f'{what}: a "during" window for a strategy done when it returned')
    check_window(rec['after'], f'{what} after')
    samples = rec['free_samples']
    check(all(a[0] <= b[0] for a, b in zip(samples, samples[1:])), f'{what}: samples out of order')
    check(samples[0][0] >= rec['usable_ns'], f'{what}: a sample before usable')
    # Sampled between ops, no page held: memory only arrives, the count never drops.
    check(all(a[1] <= b[1] for a, b in zip(samples, samples[1:])), f'{what}: free pages dropped: {samples}')
    check(samples[-1][1] == result['free_pages'], f'{what}: last sample {samples[-1]}, @result free '
          f'{result["free_pages"]}')


def case_steady_async(iso):
    # A small budget, so most memory arrives while the workload runs.
    b = boot(iso, cmdline='strategy=async strategy.async_boot_mb=16 steady=on', qemu_args=TWO_NODES)
    expect_clean_success(b)
    result = one(b.records, 'result')
    rec = one(b.records, 'steady')
    check_steady(rec, result, 'async', during=True)
    check(rec['free_samples'][0][1] < rec['free_samples'][-1][1], 'async: no memory arrived during the workload')
    phases = [s['what'] for s in of_type(b.records, 'span') if s.get('phase') and s['cpu'] == 0]
    check(phases.index('memmap_wait') < phases.index('steady') < phases.index('verify'), f'phases {phases}')


def case_steady_sync(iso):
    b = boot(iso, cmdline='strategy=xcall steady=on', qemu_args=TWO_NODES)
    expect_clean_success(b)
    rec = one(b.records, 'steady')
    check_steady(rec, one(b.records, 'result'), 'xcall', during=False)
    check(len({pages for _, pages in rec['free_samples']}) == 1, 'xcall: free memory changed after it returned')


def case_steady_bench_mode(iso):
    """One steady run per strategy, verified, apart from the timed rounds and their @bench."""
    names = strategies(iso)
    b = boot(iso, cmdline='strategy=all strategy.rounds=1 steady=on', qemu_args=TWO_NODES, timeout=240)
    expect_clean_success(b)
    results = of_type(b.records, 'result')
    steady_runs = [r for r in results if r.get('steady')]
    timed = [r for r in results if not r.get('steady') and not r['cold']]
    check(sorted(r['strategy'] for r in steady_runs) == sorted(names), f'steady runs {steady_runs}')
    check(len(timed) == BENCH_RUNS_PER_STRATEGY * len(names), f'{len(timed)} timed runs')
    check(all(r['verified'] is True for r in results) and len({r['digest'] for r in results}) == 1,
          'a run did not verify')
    check([r['strategy'] for r in of_type(b.records, 'bench')] == names, 'one @bench per strategy')
    by_run = {r['run']: r for r in steady_runs}
    for rec in of_type(b.records, 'steady'):
        result = by_run.get(rec['run'])
        check(result is not None, f'@steady of run {rec["run"]} has no steady @result')
        check_steady(rec, result, rec['strategy'], during=rec['during'] is not None)
    for r in results:
        check(r['cpu_ns'] > 0 and r['cpus'] >= 1, f'{r["strategy"]}: cpu_ns {r["cpu_ns"]}')


CASES = {
    'steady_async': case_steady_async,
    'steady_sync': case_steady_sync,
    'steady_bench_mode': case_steady_bench_mode,
}
