"""Boot tests of strategy=ondemand (the rejected RFC): every drain mode verifies with every page
written once, first touches happen and are counted, the boot goes on sooner than async's, the
fault injection's rescue covers the drain, and selftest=alloc_speed prices the allocator's test."""
from bootlib import MiB, boot, check, expect_clean_success
from cases_faults import check_every_chunk_once, check_rescued
from cases_memmap import check_result
from cases_oddmem import check_all_strategies
from meminit_bench.records import of_type, one
from meminit_bench.topology import even

# 2 nodes of 512 MiB, one CPU each: 128 max-order blocks per node, a boot of a few seconds.
TWO_NODES = even(2, 1, 512 * MiB)
WORKLOAD_MB = 64
# CPUs planned to drain from the start (run()'s params), by mode, on 2 CPUs.
DRAINERS = {'off': 0, 'idle': 1, 'all': 2}


def check_ondemand_result(b, drain, what):
    """One ondemand @result: verified, every page once, the marks and touches consistent."""
    expect_clean_success(b)
    res = check_result(b)
    check(res['strategy'] == 'ondemand' and res['drain'] == drain, f'{what}: ran {res["strategy"]} {res.get("drain")}')
    check_every_chunk_once(b, what)
    check(res['marked_blocks'] > 0, f'{what}: no free block was left to the first touch or the drain')
    check(res['touched_blocks'] <= res['marked_blocks'], f'{what}: more touches than marked blocks: {res}')
    # The boot writes one struct page per marked block plus the mixed blocks: far less than all.
    check(res['marked_blocks'] <= res['boot_pages'] < res['pages_written'] // 4,
          f'{what}: the boot wrote {res["boot_pages"]} of {res["pages_written"]} struct pages')
    return res


def drain_case(drain):
    def run(iso):
        b = boot(iso, cmdline=f'strategy=ondemand strategy.ondemand_drain={drain} boot.workload_mb={WORKLOAD_MB}',
                 qemu_args=TWO_NODES.qemu_args())
        res = check_ondemand_result(b, drain, f'drain={drain}')
        workload = [s for s in of_type(b.records, 'span') if s['what'] == 'workload']
        check(len(workload) == 1 and workload[0]['pages'] == WORKLOAD_MB * MiB // 4096,
              f'drain={drain}: the workload did not get its {WORKLOAD_MB} MiB: {workload}')
        spans = of_type(b.records, 'span')
        barrier = next(s['start_ns'] for s in spans if s.get('phase') and s['what'] == 'memmap_wait')
        drained = [s for s in spans if s['what'] == 'memmap_init' and s['cpu'] == 1]
        check(f'drainers={DRAINERS[drain]}' in res['params'], f'drain={drain}: params {res["params"]}')
        if drain == 'off':
            # Nothing drains before the barrier: the workload's memory came from first touches
            # (the mixed blocks written at boot hold less than one marked block per node).
            check(res['touched_blocks'] >= WORKLOAD_MB // 4 // 2,
                  f'drain=off: {res["touched_blocks"]} blocks touched for {WORKLOAD_MB} MiB')
            check(all(s['start_ns'] >= barrier for s in drained), f'drain=off: CPU 1 drained before the barrier')
        else:
            # The boot CPU writes only the boot's share before it goes on, the rest at the barrier.
            own = [s for s in spans if s['what'] == 'memmap_init' and s['cpu'] == 0]
            late = [s for s in own if s['end_ns'] > res['usable_ns'] and s['start_ns'] < barrier]
            check(not late, f'drain={drain}: the boot CPU drained between usable and the barrier: {late}')
    return run


def case_ondemand_bench(iso):
    """strategy=all: ondemand's runs verify beside the others, and the boot goes on no later than async's.

    On one CPU (nosmp): waking another vCPU on a loaded 2-core host costs both strategies
    milliseconds at random (the waker loses its host core), more than the difference tested here;
    alone, each run's usable is its boot CPU's own work: ondemand's heads and mixed blocks
    against async's 128 MiB budget per node."""
    b = boot(iso, cmdline='strategy=all strategy.rounds=5 nosmp', qemu_args=even(2, 1, 1024 * MiB).qemu_args(),
             timeout=240)
    check_all_strategies(b, 'ondemand in strategy=all')
    check_every_chunk_once(b, 'strategy=all')
    results = of_type(b.records, 'result')
    ondemand = [r for r in results if r['strategy'] == 'ondemand']
    budget = {r['boot_budget_pages'] for r in results if r['strategy'] == 'async'}
    check(len(budget) == 1, f'async budgets: {budget}')
    for r in ondemand:
        check(r['drain'] == 'idle' and r['touched_blocks'] == 0,
              f'run {r["run"]}: nothing allocates during benchmark mode, yet {r["touched_blocks"]} touches')
        check(r['boot_pages'] < min(budget), f'run {r["run"]}: the boot wrote {r["boot_pages"]} struct pages, '
              f'async\'s budget is {min(budget)}')
    benches = {r['strategy']: r for r in of_type(b.records, 'bench')}
    usable, asynch = benches['ondemand']['usable_ns_median'], benches['async']['usable_ns_median']
    check(usable <= asynch, f'ondemand usable {usable} ns after async\'s {asynch} ns (medians of 5 rounds)')


def case_ondemand_stalled_drainer(iso):
    """debug.stall_cpu: a drainer that stops holding a chunk is given up, its chunk drained by the waiter."""
    b = boot(iso, cmdline='debug.stall_cpu=1 strategy=ondemand strategy.timeout_ms=300',
             qemu_args=TWO_NODES.qemu_args())
    check_rescued(b, 'ondemand', 1, node=1)
    check_every_chunk_once(b, 'ondemand, stalled drainer')


def case_ondemand_alloc_speed(iso):
    """selftest=alloc_speed after ondemand: one record per CPU and order, the figures consistent."""
    topo = even(2, 2, 512 * MiB)
    b = boot(iso, cmdline='strategy=ondemand selftest=alloc_speed', qemu_args=topo.qemu_args())
    expect_clean_success(b)
    check_result(b)
    test = [t for t in of_type(b.records, 'test') if t['name'] == 'alloc_speed']
    check(len(test) == 1 and test[0]['ok'], f'@test alloc_speed: {test}')
    node_of = {c['id']: c['node'] for c in one(b.records, 'topology')['cpus']}
    speeds = of_type(b.records, 'alloc_speed')
    check(sorted((s['cpu'], s['order']) for s in speeds) == sorted((c, o) for c in node_of for o in (0, 9)),
          f'want one @alloc_speed per CPU and order: {[(s["cpu"], s["order"]) for s in speeds]}')
    for s in speeds:
        what = f'cpu {s["cpu"]} order {s["order"]}'
        check(s['node'] == node_of[s['cpu']], f'{what}: measured on node {s["node"]}, not its own')
        check(0 < s['untested_ps_min'] <= s['untested_ps_median'] and 0 < s['tested_ps_min'] <= s['tested_ps_median'],
              f'{what}: min above median or empty: {s}')
        check(s['diff_ps_min'] <= s['diff_ps_q1'] <= s['diff_ps_median'] <= s['diff_ps_q3'] <= s['diff_ps_max'],
              f'{what}: spread out of order: {s}')
        # The cost is the median difference over the untested median (C's division: toward zero).
        diff, base = s['diff_ps_median'], s['untested_ps_median']
        cost = abs(diff) * 10000 // base * (1 if diff >= 0 else -1)
        check(s['cost_pct_x100'] == cost, f'{what}: cost_pct_x100 {s["cost_pct_x100"]}, expected {cost}')


CASES = {
    **{f'ondemand_drain_{drain}': drain_case(drain) for drain in ('off', 'idle', 'all')},
    'ondemand_bench': case_ondemand_bench,
    'ondemand_stalled_drainer': case_ondemand_stalled_drainer,
    'ondemand_alloc_speed': case_ondemand_alloc_speed,
}
