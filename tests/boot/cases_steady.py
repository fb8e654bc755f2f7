"""Boot tests of the thread's claims as records. The steady workload (steady=on,
init/steady.h): under async the boot CPU allocates while memory is still arriving (a
"during" window) and after; a strategy done when it returns has no "during";
benchmark mode runs it once per strategy, outside the timed rounds. A held-back node
(mem.late_node, init/late_node.h) brought online by each strategy, the workload
serving meanwhile, and the whole mem_map verified after."""
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
    check_window(rec['after_busy'], f'{what} after, others busy')
    samples = rec['free_samples']
    check(all(a[0] <= b[0] for a, b in zip(samples, samples[1:])), f'{what}: samples out of order')
    check(samples[0][0] >= rec['usable_ns'], f'{what}: a sample before usable')
    # Sampled between ops, no page held: memory only arrives, the count never drops.
    check(all(a[1] <= b[1] for a, b in zip(samples, samples[1:])), f'{what}: free pages dropped: {samples}')
    check(samples[-1][1] == result['free_pages'], f'{what}: last sample {samples[-1]}, @result free '
          f'{result["free_pages"]}')


def case_steady_async(iso):
    # A small budget, so most memory arrives while the workload runs; the worker pauses 20 ms
    # before its first chunk, so it does even on a busy host that keeps the boot CPU waiting.
    b = boot(iso, cmdline='strategy=async strategy.async_boot_mb=16 steady=on debug.slow_cpu=1,20',
             qemu_args=TWO_NODES)
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
    timed = [r for r in results if not r.get('steady') and not r['cold'] and not r.get('method_run')]
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


PERIOD_NS = 20000  # steady.period_us's default


def check_late_node(rec, pages, what):
    check(rec['ok'] is True and rec['pages'] == pages, f'{what}: {rec}')
    check(0 < rec['caller_held_ns'] and 0 < rec['online_ns'] and rec['cpu_ns'] > 0, f'{what}: times {rec}')
    check_window(rec['idle'], f'{what} idle')
    # No op falls due in an online shorter than two periods that held the caller throughout.
    if rec['online'] is not None or rec['online_ns'] >= 2 * PERIOD_NS:
        check_window(rec['online'], f'{what} online')


def case_late_node_each_strategy(iso):
    """mem.late_node=1 in benchmark mode: every strategy brings node 1 online after
    its run, the whole mem_map then verifies; bsp writes it on the boot CPU, so it
    holds the caller for the whole online and its workload waits that long."""
    names = strategies(iso)
    b = boot(iso, cmdline='strategy=all strategy.rounds=1 mem.late_node=1', qemu_args=TWO_NODES, timeout=240)
    expect_clean_success(b)
    results = of_type(b.records, 'result')
    check(all(r['verified'] is True for r in results) and len({r['digest'] for r in results}) == 1,
          'a run did not verify')
    node1 = one(b.records, 'topology')['nodes'][1]['pages']
    late = {r['strategy']: r for r in of_type(b.records, 'late_node')}
    check(sorted(late) == sorted(names), f'@late_node for {sorted(late)}')
    for name, rec in late.items():
        check_late_node(rec, node1, name)
    bsp = late['bsp']
    check(bsp['caller_held_ns'] >= bsp['online_ns'], f'bsp let the caller go before the node was in: {bsp}')
    check(bsp['caller_pages'] == node1, f'bsp: the caller did not write the whole node: {bsp}')
    # The rest of the machine has memory: async takes no budget for a late node, the caller writes nothing.
    check(late['async']['caller_pages'] == 0, f'async wrote struct pages on the caller: {late["async"]}')
    # The other CPUs poll (the default): the caller's cross-calls to them send no IPI.
    check(all(r['idle_mode'] == 'poll' for r in late.values()), f'idle modes {late}')
    for name in ('async', 'xcall'):
        check(late[name]['caller_ipis'] == 0 and late[name]['caller_ipis_spared'] >= 1,
              f'{name}: the caller sent IPIs to polling CPUs: {late[name]}')
    check(bsp['online']['max_ns'] >= bsp['caller_held_ns'] // 2, f'bsp: the workload did not wait: {bsp}')


def case_late_node_boot_cpu_node(iso):
    """The boot CPU's own node held back: the boot runs on the other node's memory."""
    b = boot(iso, cmdline='strategy=xcall mem.late_node=0', qemu_args=TWO_NODES)
    expect_clean_success(b)
    result = one(b.records, 'result')
    check(result['verified'] is True, 'not verified')
    topo = one(b.records, 'topology')
    check_late_node(one(b.records, 'late_node'), topo['nodes'][0]['pages'], 'node 0')
    check(result['total_pages'] == sum(n['pages'] for n in topo['nodes']), 'pages lost')


def case_late_node_idle_halt(iso):
    """mem.late_node_idle=halt: the other CPUs halt, so async's request costs its
    caller one IPI per worker, and nothing is spared."""
    b = boot(iso, cmdline='strategy=async mem.late_node=1 mem.late_node_idle=halt', qemu_args=TWO_NODES)
    expect_clean_success(b)
    check(one(b.records, 'result')['verified'] is True, 'not verified')
    rec = one(b.records, 'late_node')
    check_late_node(rec, one(b.records, 'topology')['nodes'][1]['pages'], 'halt')
    check(rec['idle_mode'] == 'halt' and rec['caller_ipis'] == 1 and rec['caller_ipis_spared'] == 0,
          f'one worker, one IPI: {rec}')


def case_late_node_refused(iso):
    b = boot(iso, cmdline='strategy=bsp mem.late_node=5', qemu_args=TWO_NODES)
    check(any(e['what'] == 'mem.late_node' for e in b.errors()), f'no @error: {b.errors()}')
    check(not of_type(b.records, 'late_node'), 'a node was held back')
    check(one(b.records, 'result')['verified'] is True, 'not verified')


CASES.update({
    'late_node_each_strategy': case_late_node_each_strategy,
    'late_node_boot_cpu_node': case_late_node_boot_cpu_node,
    'late_node_idle_halt': case_late_node_idle_halt,
    'late_node_refused': case_late_node_refused,
})
