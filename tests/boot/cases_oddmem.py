"""Odd memory: tiny nodes, holes carved by memmap=, mem_maps that do not fit
their node. Every page stays accounted for and every strategy verifies."""
from bootlib import EXIT_OK, boot, check, check_no_unparsable
from records import of_type, one


def check_all_strategies(b, what):
    """strategy=all: every run verified, one digest, pages accounted."""
    check_no_unparsable(b)
    check(b.status == EXIT_OK, f'{what}: exit {b.status}')
    results = of_type(b.records, 'result')
    check(len(results) >= 5, f'{what}: {len(results)} @result records')
    for r in results:
        check(r['verified'], f'{what}: {r["strategy"]} not verified')
        check(r['total_pages'] == r['free_pages'] + r['reserved_pages'] + r['allocated_pages'],
              f'{what}: {r["strategy"]} loses pages')
    check(len({r['digest'] for r in results}) == 1, f'{what}: digests differ')
    return results


def case_oddmem_tiny_nodes(iso):
    # 64 nodes of 2 MiB: each smaller than one max-order block, each mem_map 32 KiB.
    b = boot(iso, cmdline='numa=fake=64 strategy=all strategy.rounds=1', qemu_args=['-m', '128M', '-smp', '2'])
    results = check_all_strategies(b, '64 tiny nodes')
    topo = one(b.records, 'topology')
    check(len(topo['nodes']) == 64 and len(topo['distance']) == 64, 'the 64-node @topology is incomplete')
    check(not b.errors(), f'unexpected @error records: {b.errors()}')
    # A 32 KiB mem_map in a 2 MiB page would reserve a third of this machine.
    check(results[0]['reserved_pages'] < results[0]['total_pages'] // 10,
          f'tiny nodes reserve too much: {results[0]["reserved_pages"]} of {results[0]["total_pages"]}')


CASES = {'oddmem_tiny_nodes': case_oddmem_tiny_nodes}
