"""Boot tests of the strategies: each leaves the mem_map bsp leaves (verified, one digest) on every
kind of machine; async grows instead of failing; strategy=all runs them all; the NUMA model labels."""
from bootlib import GiB, MiB, boot, check, expect_clean_success, of_type, strategies
from cases_memmap import DEFERRING, check_result, check_times
from cases_topology import SLIT4
from meminit_bench.topology import DEFAULT, Node, Topology, even

# The machines the topology tests boot, each with something a strategy could get wrong.
MACHINES = {
    'two_nodes': (DEFAULT, ''),
    'memoryless': (Topology([Node(1 * GiB, [0]), Node(1 * GiB, [1]), Node(1 * GiB, [2]), Node(0, [3])],
                            SLIT4), ''),
    'cpuless': (Topology([Node(1 * GiB, [0, 1]), Node(1 * GiB, [2]), Node(1 * GiB, [])]), ''),
    'split': (Topology([Node(1 * GiB, [0]), Node(5 * GiB, [1])]), ''),
    'fake': (None, 'numa=fake=3'),
    'one_cpu': (Topology([Node(512 * MiB, [0]), Node(512 * MiB, [])]), ''),
    'nosmp': (even(2, 1, 512 * MiB), 'nosmp'),
}


def machine_args(name):
    topo, _ = MACHINES[name]
    return topo.qemu_args() if topo else ['-smp', '3', '-m', '3G']


def results(b):
    """The strategies' runs: memmap.method's bsp runs under strategy=all are cases_method.py's."""
    return [r for r in of_type(b.records, 'result') if not r.get('method_run')]


def check_run(res, topo_rec, what):
    """One @result: verified, every page accounted for, node by node, times in order."""
    check(res['verified'] is True, f'{what}: not verified')
    check(res['total_pages'] == res['free_pages'] + res['reserved_pages'] + res['allocated_pages'],
          f'{what}: pages unaccounted for')
    check(res['total_pages'] == sum(n['pages'] for n in topo_rec['nodes']),
          f'{what}: total_pages differs from @topology')
    check_times(res, what)
    samples = res['free_samples']
    check(samples and len(samples) <= 64 and samples[-1][0] == res['done_ns'],
          f'{what}: free_samples must end at done_ns: {samples[-3:]}')
    check(all(a[0] <= b[0] for a, b in zip(samples, samples[1:])), f'{what}: samples out of order')


def all_strategies_case(name):
    """strategy=all on one machine: every strategy, every round, verified, one digest."""
    def run(iso):
        _, cmdline = MACHINES[name]
        b = boot(iso, cmdline=f'strategy=all strategy.rounds=1 {cmdline}', qemu_args=machine_args(name),
                 timeout=240)
        expect_clean_success(b)
        topo_rec = of_type(b.records, 'topology')[0]
        runs = results(b)
        check(sorted(r['strategy'] for r in runs if not r['cold']) == sorted(strategies(iso)),
              f'warm runs: {[r["strategy"] for r in runs]}')
        for r in runs:
            check_run(r, topo_rec, f'{r["strategy"]} run {r["run"]}')
        check(len({r['digest'] for r in runs}) == 1, f'digests differ: {[(r["strategy"], r["digest"]) for r in runs]}')
    return run


def case_each_strategy_alone(iso):
    """Each strategy in a boot of its own (the path a user takes) leaves bsp's digest."""
    topo, _ = MACHINES['cpuless']
    digests = {}
    for s in strategies(iso):
        b = boot(iso, cmdline=f'strategy={s}', qemu_args=topo.qemu_args())
        expect_clean_success(b)
        res = check_result(b)
        check(res['strategy'] == s, f'ran {res["strategy"]}, asked for {s}')
        digests[s] = res['digest']
        cpus = [n['cpus'] for n in res['nodes']]
        if s == 'migrate':
            # Node 0 by the boot CPU itself, node 1 by its own CPU, CPU-less node 2 by the nearest.
            check(cpus[0] == [0] and cpus[1] == [2] and len(cpus[2]) == 1, f'migrate cpus per node {cpus}')
        if s == 'bsp':
            check(all(c == [0] for c in cpus), f'bsp: not all by the boot CPU: {cpus}')
    check(len(set(digests.values())) == 1, f'digests differ: {digests}')


def case_xcall_no_steal_and_threads(iso):
    """steal=off keeps every CPU on its node (and the CPU-less node's adopters); threads caps CPUs."""
    topo = Topology([Node(512 * MiB, [0, 1]), Node(2 * GiB, [2, 3]), Node(512 * MiB, [])])
    b = boot(iso, cmdline='strategy=xcall strategy.steal=off', qemu_args=topo.qemu_args())
    expect_clean_success(b)
    res = check_result(b)
    check('steal=off' in res['params'], f'params {res["params"]!r}')
    node_of = {c['id']: c['node'] for c in of_type(b.records, 'topology')[0]['cpus']}
    for n in res['nodes'][:2]:
        check(all(node_of[c] == n['id'] for c in n['cpus']), f'steal=off, yet node {n["id"]} had {n["cpus"]}')
    b = boot(iso, cmdline='strategy=xcall strategy.threads=1', qemu_args=topo.qemu_args())
    expect_clean_success(b)
    res = check_result(b)
    check('threads=1' in res['params'] and res['cpus'] == 2, f'params {res["params"]!r}, cpus {res["cpus"]}')


def async_growth_case(cmdline, topo):
    """A workload far over the boot budget: async grows on demand, never fails, and verifies."""
    def run(iso):
        b = boot(iso, cmdline=f'strategy=async strategy.async_boot_mb=16 {cmdline}', qemu_args=topo.qemu_args())
        expect_clean_success(b)
        res = check_result(b)
        check(res['boot_budget_pages'] <= len(topo.nodes) * 16 * 256 + 2048,
              f'boot_budget_pages {res["boot_budget_pages"]}')
        work = [s for s in of_type(b.records, 'span') if s['what'] == 'workload']
        check(len(work) == 1, f'workload spans: {work}')
        return b, res, work[0]
    return run


def case_async_grows_alone(iso):
    """nosmp: nobody initializes in the background, so every MiB past the budget is grown."""
    topo = even(2, 1, 512 * MiB)
    b, res, work = async_growth_case('nosmp boot.workload_mb=600', topo)(iso)
    check(work['pages'] == 600 * 256, f'workload got {work["pages"]} pages of {600 * 256}')
    check(res['grow_events'] > 0, 'no growth with a workload over the budget')
    grows = [s for s in of_type(b.records, 'span') if s['what'] == 'grow']
    check(grows and sum(s['pages'] for s in grows) > 0, 'growth without grow spans')


def case_async_grows_beside_background(iso):
    """With CPUs initializing in the background, the workload overlaps them and still never fails."""
    topo = even(2, 1, 1 * GiB)
    # The background CPU pauses 20 ms before its first chunk: on a loaded host it could otherwise
    # finish before the boot CPU's 16 MiB budget (a -j2 run saw usable after done).
    b, res, work = async_growth_case('boot.workload_mb=1500 debug.slow_cpu=1,20', topo)(iso)
    check(work['pages'] == 1500 * 256, f'workload got {work["pages"]} pages')
    check(res['usable_ns'] < res['done_ns'], 'async usable no earlier than done')
    check(len(res['free_samples']) > 2, f'free_samples {res["free_samples"]}')


def case_bench_mode(iso):
    """strategy=all strategy.rounds=2: a cold pass, 2 rounds of 4, one @bench each, all verified."""
    b = boot(iso, cmdline='strategy=all strategy.rounds=2', qemu_args=DEFAULT.qemu_args(), timeout=240)
    expect_clean_success(b)
    runs = results(b)
    check(len(runs) == 1 + 2 * len(strategies(iso)), f'{len(runs)} runs')
    check(sum(r['cold'] for r in runs) == 1, 'one cold pass')
    check(all(r['verified'] for r in runs) and len({r['digest'] for r in runs}) == 1, 'a run did not verify')
    benches = {r['strategy']: r for r in of_type(b.records, 'bench')}
    check(list(benches) == strategies(iso), f'@bench for {list(benches)}, the ELF registers {strategies(iso)}')
    for s, r in benches.items():
        check(r['rounds'] == 2 and 0 < r['done_ns_min'] <= r['done_ns_median'] <= r['done_ns_max'],
              f'{s}: {r}')
        check(0 < r['usable_ns_min'] <= r['usable_ns_median'], f'{s} usable: {r}')
        if s not in DEFERRING:  # usable when run() returned: after its last chunk
            check(r['done_ns_min'] <= r['usable_ns_min'], f'{s} usable before done: {r}')
        check(0 < r['fill_1cpu_gbps'] <= r['fill_1cpu_gbps_best'] and 0 < r['fill_all_gbps'] <= r['fill_all_gbps_best']
              and r['efficiency'] > 0 and r['efficiency_best'] > 0, f'{s}: {r}')
    # A Latin square: each round starts with another strategy, every strategy once per round.
    orders = [[r['strategy'] for r in runs if r.get('round') == k] for k in range(2)]
    check(orders[0][1:] + orders[0][:1] == orders[1] and sorted(orders[0]) == sorted(strategies(iso)),
          f'the order must rotate by one each round: {orders}')
    gens = [r['generation'] for r in runs]
    check(len(set(gens)) == len(gens), f'every run its own generation: {gens}')
    check(sum(r['cold_done_ns'] is not None for r in benches.values()) == 1, 'exactly one cold time')
    check(benches['async']['usable_ns_median'] < benches['async']['done_ns_median'], 'async not usable early')
    for run in {r['run'] for r in runs}:
        per_cpu = {}
        for s in of_type(b.records, 'span'):
            if s['run'] == run and not s.get('phase'):  # the boot's phases are not the run's work
                per_cpu[s['cpu']] = per_cpu.get(s['cpu'], 0) + 1
        check(max(per_cpu.values(), default=0) <= 64, f'run {run}: spans per cpu {per_cpu}')


def case_numa_model(iso):
    """numa.model=slit: modelled waits are spans of their own and every record says "model": "slit"."""
    topo = Topology([Node(512 * MiB, [0]), Node(512 * MiB, [1]), Node(512 * MiB, [2]), Node(512 * MiB, [3])],
                    SLIT4)
    b = boot(iso, cmdline='strategy=all strategy.rounds=1 numa.model=slit', qemu_args=topo.qemu_args(),
             timeout=240)
    expect_clean_success(b)
    unlabelled = [(t, r) for t, r in b.records if t != 'unparsable' and r.get('model') != 'slit']
    check(not unlabelled, f'records without the model label: {unlabelled[:3]}')
    model = [s for s in of_type(b.records, 'span') if s['what'] == 'numa_model']
    check(model, 'no numa_model spans')
    check(all(r['verified'] for r in results(b)), 'a modelled run did not verify')
    # bsp writes three remote nodes from node 0 and waits for each; migrate writes only
    # local memory, so it never waits. (Which is faster is a measurement, not a test.)
    strategy_of_run = {r['run']: r['strategy'] for r in results(b)}
    waited = {}
    for span in model:
        waited.setdefault(strategy_of_run.get(span['run']), set()).add(span['node'])
    check(waited.get('bsp') == {1, 2, 3}, f'bsp should wait for nodes 1-3 only: {waited.get("bsp")}')
    check('migrate' not in waited, f'migrate wrote remote memory: nodes {waited.get("migrate")}')


def case_unknown_strategy(iso):
    b = boot(iso, cmdline='strategy=bogus', qemu_args=DEFAULT.qemu_args())
    errs = [e for e in b.errors() if 'bogus' in e['detail'] + e['what']]
    check(errs and all(s in errs[0]['detail'] for s in strategies(iso)), f'@error must echo bogus and list: {b.errors()}')
    res = check_result(b)
    check(res['strategy'] == 'xcall', f'fallback ran {res["strategy"]}, expected the default xcall')


CASES = {
    **{f'strategies_all_{name}': all_strategies_case(name) for name in MACHINES},
    'strategies_each_alone': case_each_strategy_alone,
    'strategies_xcall_steal_threads': case_xcall_no_steal_and_threads,
    'strategies_async_grows_alone': case_async_grows_alone,
    'strategies_async_grows_beside_background': case_async_grows_beside_background,
    'strategies_bench_mode': case_bench_mode,
    'strategies_numa_model': case_numa_model,
    'strategies_unknown': case_unknown_strategy,
}
