"""Injected faults (debug.*=): each ends in a clear @error, a defined
fallback, and a result that verifies with every page accounted for."""
from bootlib import EXIT_OK, boot, check, check_no_unparsable, strategies
from cases_oddmem import check_all_strategies
from meminit_bench.records import of_type, one
from meminit_bench.topology import GiB, machine

TWO_NODES = machine(2, 2, 1 * GiB).qemu_args()


def case_fault_alloc_fail_node(iso):
    for node in (0, 1):
        b = boot(iso, cmdline=f'debug.alloc_fail_node={node} strategy=all strategy.rounds=1', qemu_args=TWO_NODES)
        results = check_all_strategies(b, f'alloc_fail_node={node}')
        other = 1 - node
        for r in results:
            check(r['nodes'][node]['memmap_node'] == other, f'node {node} mem_map not on node {other}: {r["nodes"]}')
        errors = b.errors()
        check(len(errors) == 1 and errors[0]['what'] == 'mem_map' and f'node {node}' in errors[0]['detail'],
              f'want one mem_map @error for node {node}: {errors}')


CASES = {'fault_alloc_fail_node': case_fault_alloc_fail_node}


def check_rescued(b, what, cpu, node=None):
    """One @error naming the lost CPU (and its node); the boot verifies, no page lost."""
    check_no_unparsable(b)
    check(b.status == EXIT_OK, f'{what}: exit {b.status}')
    errors = [e for e in b.errors() if e['what'] == 'worker cpu']
    check(len(errors) == 1 and f'cpu {cpu} ' in errors[0]['detail'], f'{what}: want one @error for cpu {cpu}: '
          f'{b.errors()}')
    if node is not None:
        check(f'node {node}' in errors[0]['detail'], f'{what}: the @error does not name node {node}: {errors}')
    check(errors[0]['action'], f'{what}: no fallback in {errors}')
    for r in of_type(b.records, 'result'):
        check(r['verified'] and r['total_pages'] == r['free_pages'] + r['reserved_pages'] + r['allocated_pages'],
              f'{what}: {r["strategy"]} not verified or loses pages')


FAST = 'strategy.timeout_ms=300'


def case_fault_dead_cpu(iso):
    # A CPU that stops answering cross-calls: xcall without stealing (its node
    # has nobody else), migrate (its node's one CPU), and every strategy after.
    for strategy in ('xcall strategy.steal=off', 'migrate', 'all strategy.rounds=1'):
        b = boot(iso, cmdline=f'debug.dead_cpu=1 strategy={strategy} {FAST}', qemu_args=TWO_NODES)
        check_rescued(b, strategy, 1)
        plain = one(b.records, 'result') if 'all' not in strategy else None
        if plain:
            check(plain['nodes'][1]['cpus'] == [0], f'{strategy}: node 1 not done by cpu 0: {plain["nodes"]}')


def case_fault_stalled_worker(iso):
    # A CPU that stops holding a chunk it claimed: async's background and
    # xcall both finish its chunk and everything it would have claimed. xcall
    # without stealing: else, on a loaded host, the boot CPU can write every
    # chunk before CPU 1 claims one (a -j2 run saw no stall at all).
    for strategy in ('async', 'xcall strategy.steal=off'):
        b = boot(iso, cmdline=f'debug.stall_cpu=1 strategy={strategy} {FAST}', qemu_args=TWO_NODES)
        check_rescued(b, strategy, 1, node=1)


def check_every_chunk_once(b, what):
    """Every run wrote each of its chunks once and every struct page of the spans (engine's account)."""
    for r in of_type(b.records, 'result'):
        present = sum(n['span_pages'] for n in r['nodes']) - r['absent_pages']
        check(r['chunks_written'] == r['chunks'] and r['pages_written'] == present,
              f'{what}: run {r["run"]} wrote {r["chunks_written"]} of {r["chunks"]} chunks, '
              f'{r["pages_written"]} of {present} struct pages')


def case_fault_slow_worker(iso):
    # A CPU that pauses holding a claimed chunk, longer than the bound, and
    # then carries on: the waiter gives it up and takes the chunk over; when
    # it wakes it finds the chunk taken and writes nothing. Nothing is
    # written twice; the pause itself is its debug_slow span.
    for strategy in ('xcall strategy.steal=off', 'async', 'all strategy.rounds=2'):
        b = boot(iso, cmdline=f'debug.slow_cpu=1,700 strategy={strategy} strategy.timeout_ms=200',
                 qemu_args=TWO_NODES)
        check_rescued(b, strategy, 1, node=1)
        check_every_chunk_once(b, strategy)


CASES.update({'fault_dead_cpu': case_fault_dead_cpu, 'fault_stalled_worker': case_fault_stalled_worker,
              'fault_slow_worker': case_fault_slow_worker})


def case_bench_catches_skipped_chunk(iso):
    # meminit-skip.iso: a work engine that never writes the second chunk of
    # a run (and counts it as written). Each run stamps its generation into
    # every struct page, so verification fails in every run of benchmark
    # mode, naming the run, though the pages left hold an earlier run's
    # correct contents.
    b = boot(iso, cmdline='strategy=all strategy.rounds=3', qemu_args=TWO_NODES)
    check_no_unparsable(b)
    results = of_type(b.records, 'result')
    nr = len(strategies(iso))
    timed = [r for r in results if not r.get('method_run')]  # memmap.method's runs must fail too (below)
    check(len(timed) == 1 + 3 * nr, f'want the cold run and 3 rounds of {nr} strategies: {len(timed)} results')
    failed_runs = {e['run'] for e in b.errors() if e['what'] == 'mem_map verification'}
    for r in results:
        check(not r['verified'], f'run {r["run"]} ({r["strategy"]}) verified with a chunk skipped')
        check(r['run'] in failed_runs, f'run {r["run"]} has no verification @error naming it')
    # Which field a run fails on depends on what the skipped pages last held: after
    # a parallel run, its buddy hand-off state rarely matches; the stamp alone is
    # what catches a page holding an earlier run's exact contents, and host.verify
    # (test_generation_catches_skipped_chunk) proves that case deterministically.
    check(b.status != EXIT_OK, 'a boot whose runs skip work must fail')


# Run against the skip-chunk kernel only (tests/boot/CMakeLists.txt), never listed with the rest.
VARIANT_CASES = {'bench_catches_skipped_chunk': case_bench_catches_skipped_chunk}


def case_fault_undefined(iso):
    # The sanitized kernel stops at each with an @error naming file, line and
    # kind; the measured kernel has no checks and boots on (index and shift
    # are harmless there; smash overwrites a return address and faults).
    for kind, what, where in (('shift', 'undefined behaviour', 'shift out of bounds'),
                              ('overflow', 'undefined behaviour', 'signed addition overflow'),
                              ('index', 'undefined behaviour', 'index out of bounds'),
                              ('smash', 'stack protector', 'canary')):
        b = boot(iso, cmdline=f'debug.undefined={kind}', qemu_args=['-m', '256M'])
        check_no_unparsable(b)
        if not one(b.records, 'boot')['sanitized']:
            if kind != 'smash':
                check(b.status == EXIT_OK and not b.errors(), f'{kind}: unsanitized kernel should boot on')
            continue
        check(b.status != EXIT_OK, f'{kind}: the sanitized kernel must fail the boot')
        errors = b.errors()
        check(len(errors) == 1 and errors[0]['what'] == what and where in errors[0]['detail'],
              f'{kind}: want one @error {what!r} mentioning {where!r}: {errors}')
        if what == 'undefined behaviour':
            check(errors[0]['detail'].startswith('cpu 0: init/debug_undefined.c:'),
                  f'{kind}: no repository file and line: {errors[0]["detail"]}')


CASES['fault_undefined'] = case_fault_undefined


def case_fault_stack_overflow(iso):
    # Every CPU's kernel stack sits above an unmapped guard page: running
    # off its end is a fault report naming the CPU, not silent corruption.
    for cpu in (0, 1):
        b = boot(iso, cmdline=f'debug.stack_overflow={cpu}', qemu_args=TWO_NODES)
        check_no_unparsable(b)
        check(b.status != EXIT_OK, f'cpu {cpu}: a stack overflow must fail the boot')
        errors = b.errors()
        check(len(errors) == 1 and errors[0]['what'] == 'stack overflow' and errors[0]['cpu'] == cpu
              and f"cpu {cpu}'s kernel stack ran into its guard page" in errors[0]['detail'],
              f'cpu {cpu}: want one stack overflow @error naming it: {errors}')


CASES['fault_stack_overflow'] = case_fault_stack_overflow
