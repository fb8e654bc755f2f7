"""Boot tests of memmap.method: every strategy leaves the same verified mem_map
whichever per-page method writes it, and benchmark mode measures both methods."""
from bootlib import GiB, boot, check, check_no_unparsable, expect_clean_success, of_type, one, strategies
from cases_memmap import check_result
from meminit_bench.topology import machine

TWO_NODES = machine(2, 2, 1 * GiB).qemu_args()
METHODS = ('fields', 'template')
EXIT_OK = 0


def bench_boot(iso, cmdline):
    """strategy=all, one round: every @result verified, one digest; the records."""
    b = boot(iso, cmdline=f'strategy=all strategy.rounds=1 {cmdline}', qemu_args=TWO_NODES)
    expect_clean_success(b)
    results = of_type(b.records, 'result')
    for res in results:
        check(res['verified'] is True, f'{cmdline}: {res["strategy"]} run {res["run"]} not verified: {res}')
    digests = {r['digest'] for r in results}
    check(len(digests) == 1, f'{cmdline}: runs left different digests: {digests}')
    return b, digests.pop()


def boot_layout(b):
    """What decides a boot's digest besides its runs: the page counts, the RAM ranges, the page tables."""
    res, rec = of_type(b.records, 'result')[0], one(b.records, 'boot')
    return {k: res[k] for k in ('total_pages', 'free_pages', 'reserved_pages', 'allocated_pages', 'hole_pages',
                                'mem_map_bytes')} | {'mem_ranges': rec['mem_ranges'],
                                                     'page_table_pages': rec['page_table_pages']}


def case_method_same_mem_map(iso):
    """Each strategy with each method (and two template store kinds): one digest,
    every run verified; the @bench_method records name both methods, the boot's
    own as the default, with the stores it used."""
    names = set(strategies(iso))
    digests, layouts = {}, {}
    for cmdline, method, stores, field_stores in (
            ('memmap.method=fields', 'fields', 'movntdq', 'movnti'),
            ('memmap.method=template memmap.template_store=sse', 'template', 'sse', 'movnti'),
            ('memmap.method=template memmap.streaming=off', 'template', 'movntdq', 'plain')):
        b, digests[cmdline] = bench_boot(iso, cmdline)
        results = of_type(b.records, 'result')
        layouts[cmdline] = boot_layout(b)
        by_method = {}
        for res in results:
            by_method.setdefault(res['method'], set()).add(res['strategy'])
        check(by_method.get(method, set()) >= names,
              f'{cmdline}: not every strategy ran with memmap.method={method}: {by_method}')
        method_runs = [r for r in results if r.get('method_run')]
        check(sorted(r['method'] for r in method_runs) == sorted(METHODS) and
              all(r['strategy'] == 'bsp' and 'round' not in r for r in method_runs),
              f'{cmdline}: one bsp run per method, outside the strategies\' rounds: {method_runs}')
        other = next(m for m in METHODS if m != method)
        check(by_method.get(other) == {'bsp'}, f'{cmdline}: benchmark mode ran no bsp with {other}: {by_method}')
        check(all(r['template_store'] == stores for r in results if r['method'] == 'template'),
              f'{cmdline}: template runs did not use {stores}')
        bm = {r['method']: r for r in of_type(b.records, 'bench_method')}
        check(set(bm) == set(METHODS), f'{cmdline}: @bench_method for {sorted(bm)}, expected {METHODS}')
        for m, rec in bm.items():
            check(rec['default'] == (m == method), f'{cmdline}: @bench_method {m} default is {rec["default"]}')
            check(0 < rec['ns_per_page_min'] <= rec['ns_per_page_median'] <= rec['ns_per_page_max'],
                  f'{cmdline}: {m} ns per page not ordered: {rec}')
            check(rec['efficiency'] > 0 and rec['fill_1cpu_gbps'] > 0, f'{cmdline}: {m} without a fill: {rec}')
            check(rec['rounds'] == 1, f'{cmdline}: {m} rounds {rec["rounds"]}')
        check(bm['template']['stores'] == stores, f'{cmdline}: template stores {bm["template"]["stores"]}')
        check(bm['fields']['stores'] == field_stores, f'{cmdline}: fields stores {bm["fields"]["stores"]}')
    # A difference names each boot's page counts and layout, to tell a method's bug from boots whose
    # reservations differed (as when the loader's boot information, which grows with the command
    # line, stayed reserved through the runs: physmem_release_boot_info).
    check(len(set(digests.values())) == 1, f'the methods left different mem_maps: {digests}; {layouts}')


def case_method_bad_values(iso):
    """Unknown values: an @error each, and the defaults (fields; template's movntdq) kept."""
    b = boot(iso, cmdline='memmap.method=copy memmap.template_store=avx512', qemu_args=TWO_NODES)
    check_no_unparsable(b)
    check(b.status == EXIT_OK, f'run-qemu exit {b.status}, expected success')
    bad = {e['detail'].split('=')[0] for e in b.errors() if e['what'] == 'bad parameter value'}
    check(bad == {'memmap.method', 'memmap.template_store'}, f'@error records: {b.errors()}')
    res = check_result(b)
    check(res['method'] == 'fields' and res['template_store'] == 'movntdq',
          f'defaults not kept: {res["method"]}, {res["template_store"]}')
    check(one(b.records, 'result')['verified'] is True, 'not verified')


CASES = {
    'method_same_mem_map': case_method_same_mem_map,
    'method_bad_values': case_method_bad_values,
}
