"""Injected faults (debug.*=): each ends in a clear @error, a defined
fallback, and a result that verifies with every page accounted for."""
from bootlib import EXIT_OK, boot, check, check_no_unparsable
from cases_oddmem import check_all_strategies
from records import of_type, one
from topology import GiB, machine

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
    # xcall both finish its chunk and everything it would have claimed.
    for strategy in ('async', 'xcall'):
        b = boot(iso, cmdline=f'debug.stall_cpu=1 strategy={strategy} {FAST}', qemu_args=TWO_NODES)
        check_rescued(b, strategy, 1, node=1)


CASES.update({'fault_dead_cpu': case_fault_dead_cpu, 'fault_stalled_worker': case_fault_stalled_worker})


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
