"""Odd memory: tiny nodes, holes carved by memmap=, mem_maps that do not fit
their node. Every page stays accounted for and every strategy verifies."""
from bootlib import EXIT_OK, boot, check, check_no_unparsable
from meminit_bench.records import of_type, one
from meminit_bench.topology import machine


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
    # Node 0 is the kernel image's first 2 MiB: a bigger (sanitized) kernel leaves
    # its mem_map no room there. That, and only that, may be reported.
    for e in b.errors():
        check(e['what'] == 'mem_map' and "node 0's" in e['detail'], f'unexpected @error: {e}')
        check(results[0]['nodes'][0]['memmap_node'] != 0, 'node 0 reported elsewhere but is not')
    # A 32 KiB mem_map in a 2 MiB page would reserve a third of this machine.
    check(results[0]['reserved_pages'] < results[0]['total_pages'] // 10,
          f'tiny nodes reserve too much: {results[0]["reserved_pages"]} of {results[0]["total_pages"]}')


MiB = 1 << 20
TWO_NODES = machine(2, 2, 1024 * MiB).qemu_args()
# Node 0 is [0, 512M), node 1 [512M, 1G): a hole mid-node 0, one across the
# boundary, two in one word, one in node 1's middle.
CARVES = ['memmap=64M$256M', 'memmap=32M$496M,1M$0x30000000', 'memmap=0x3000$0x3c001800']
CARVED_PAGES = (64 + 32 + 1) * 256 + 4  # the last is 3 pages unaligned: 4 whole pages


def case_oddmem_memmap_holes(iso):
    plain = boot(iso, cmdline='strategy=bsp', qemu_args=TWO_NODES)
    baseline = one(plain.records, 'result')['total_pages']
    for extra in ('strategy=all strategy.rounds=1', 'strategy=async boot.workload_mb=400'):
        b = boot(iso, cmdline=' '.join(CARVES + [extra]), qemu_args=TWO_NODES)
        check(not b.errors(), f'{extra}: unexpected @error records: {b.errors()}')
        results = check_all_strategies(b, extra) if 'all' in extra else of_type(b.records, 'result')
        for r in results:
            check(r['verified'] and r['total_pages'] == baseline - CARVED_PAGES,
                  f'{extra}: {r["strategy"]} has {r["total_pages"]} pages, want {baseline} - {CARVED_PAGES}')
        rec = one(b.records, 'boot')
        check(len(rec['mem_carved']) == 4, f'mem_carved: {rec["mem_carved"]}')
        for s, e in rec['mem_carved']:
            for rs, re_ in rec['mem_ranges']:
                check(e <= rs or re_ <= s, f'carved [{s:#x}, {e:#x}) still in mem_ranges')


def case_oddmem_memmap_refused(iso):
    # The kernel image sits at 1 MiB: carving it would pull RAM from under the kernel.
    b = boot(iso, cmdline='memmap=1M$0x100000 memmap=1M@2M', qemu_args=TWO_NODES)
    check_no_unparsable(b)
    check(b.status == EXIT_OK and one(b.records, 'result')['verified'], 'boot did not verify')
    whats = {e['what'] for e in b.errors()}
    check(whats == {'memmap', 'bad parameter value'}, f'errors: {b.errors()}')
    check(one(b.records, 'boot')['mem_carved'] == [], 'a refused range was carved')


def case_oddmem_memmap_elsewhere(iso):
    # Node 1 keeps 1 MiB at each end of its 512 MiB: its mem_map (8 MiB, for
    # the whole span) cannot live on it, so it goes to the nearest node.
    b = boot(iso, cmdline='memmap=510M$513M strategy=all strategy.rounds=1', qemu_args=TWO_NODES)
    results = check_all_strategies(b, 'mem_map elsewhere')
    for r in results:
        check([n['memmap_node'] for n in r['nodes']] == [0, 0], f'memmap_node: {r["nodes"]}')
    errors = b.errors()
    check(len(errors) == 1 and errors[0]['what'] == 'mem_map' and 'node 1' in errors[0]['detail'],
          f'want one mem_map @error for node 1: {errors}')


CASES = {'oddmem_memmap_elsewhere': case_oddmem_memmap_elsewhere, 'oddmem_tiny_nodes': case_oddmem_tiny_nodes, 'oddmem_memmap_holes': case_oddmem_memmap_holes,
         'oddmem_memmap_refused': case_oddmem_memmap_refused}
