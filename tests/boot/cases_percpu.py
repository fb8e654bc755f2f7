"""Boot tests of the per-CPU units and the dynamic per-CPU allocator (seed 004,
smp/percpu_area.h, @percpu, @percpu_test): selftest=percpu allocates, writes and
reads back per-CPU objects on every CPU; every CPU's static 2 MiB page and its
dynamic pages sit on its own node; the static pages' tails come back late,
counted in @kmalloc, with every page still accounted."""
from bootlib import boot, check, expect_clean_success, of_type, one
from meminit_bench.topology import machine, MiB

PAGE = 4096
TWO_MIB = 2 * MiB


def check_percpu_boot(b, cpus):
    expect_clean_success(b)
    test, selftest = one(b.records, 'percpu_test'), one(b.records, 'test')
    check(selftest['name'] == 'percpu' and selftest['ok'] is True, f'selftest: {selftest}')
    check(test['cpus'] == cpus and test['objects'] > cpus and test['words_checked'] > 0, f'what it covered: {test}')
    for key in ('alloc_failed', 'misaligned', 'words_wrong', 'pages_off_node', 'bytes_not_zeroed',
                'offsets_moved', 'allocations_left'):
        check(test[key] == 0, f'@percpu_test {key} = {test[key]}: {test}')

    rec, topology = one(b.records, 'percpu'), one(b.records, 'topology')
    node_of = {c['id']: c['node'] for c in topology['cpus']}
    check(len(rec['cpus']) == cpus and sorted(node_of) == [c['cpu'] for c in rec['cpus']],
          f'units of CPUs {[c["cpu"] for c in rec["cpus"]]}, online {sorted(node_of)}')
    for c in rec['cpus']:
        check(c['node'] == node_of[c['cpu']], f'CPU {c["cpu"]} on node {c["node"]}, @topology says {node_of[c["cpu"]]}')
        # The locality check: the RAM behind each CPU's pages, read from the page tables.
        check(c['static_node'] == c['node'] and c['dynamic_node'] == c['node'], f'CPU {c["cpu"]} not node-local: {c}')
        # Nodes of hundreds of MiB: every static part is one 2 MiB page, so every unit has a tail.
        check(c['static_page_size'] == TWO_MIB, f'CPU {c["cpu"]} static part not one 2 MiB page: {c}')
    check(rec['unit_size'] == rec['static_size'] + TWO_MIB and rec['static_size'] == TWO_MIB, f'unit: {rec}')
    # The span logs live there for the whole boot: at least one allocation, pages in every unit.
    check(rec['allocations'] >= 1 and rec['pages_populated'] >= 1 and rec['failed_allocs'] == 0, f'map: {rec}')
    for kind in ('static', 'dynamic', 'global'):
        check(0 < rec[f'{kind}_ns_min'] <= rec[f'{kind}_ns_median'], f'{kind} read: {rec}')

    # Tails: whole pages of each 2 MiB page, the same for every CPU, counted as given back late.
    kmalloc, result = one(b.records, 'kmalloc'), one(b.records, 'result')
    tails = rec['tails_bytes']
    check(tails % (cpus * PAGE) == 0 and 0 < tails < cpus * TWO_MIB, f'tails {tails} for {cpus} CPUs')
    check(kmalloc['returned_late'].get('percpu_tails') == tails,
          f'@kmalloc returned_late {kmalloc["returned_late"]}, @percpu tails {tails}')
    # Every page still accounted: @result's own sums, and the free pages after the return are
    # @result's plus exactly what came back late (the tails among it).
    check(result['verified'] is True, '@result not verified')
    check(result['free_pages'] + result['reserved_pages'] + result['allocated_pages'] == result['total_pages'],
          f'@result does not add up: {result}')
    check(kmalloc['free_pages_after_return'] == result['free_pages'] + kmalloc['returned_late_bytes'] // PAGE,
          f'{kmalloc["free_pages_after_return"]} free after, {result["free_pages"]} + '
          f'{kmalloc["returned_late_bytes"]} bytes')


def case_percpu_2n4c(iso):
    """Two CPUs per node: two units on each node, the cross-calls from every CPU."""
    b = boot(iso, cmdline='strategy=async selftest=percpu', qemu_args=machine(2, 4, 2048 * MiB).qemu_args())
    check_percpu_boot(b, 4)


def case_percpu_4n4c(iso):
    """Four nodes, one CPU each: every unit on a node of its own."""
    b = boot(iso, cmdline='strategy=xcall selftest=percpu', qemu_args=machine(4, 4, 2048 * MiB).qemu_args())
    check_percpu_boot(b, 4)


CASES = {'percpu_2n4c': case_percpu_2n4c, 'percpu_4n4c': case_percpu_4n4c}
