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
