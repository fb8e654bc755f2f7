"""Boot tests of the mem_map and the buddy allocator: verified, exact accounting, one digest."""
from bootlib import GiB, MiB, boot, check, check_no_unparsable, expect_clean_success, of_type, one
from meminit_bench.topology import DEFAULT, Node, Topology, even

EXIT_KERNEL_FAILURE = 1


def check_result(b):
    """@result: verified, and every RAM page counted exactly once, node by node."""
    res = one(b.records, 'result')
    topo = one(b.records, 'topology')
    # True only after a full check (verify=full); a sample or none says which it was.
    check(res['verified'] is True if res['verify'] == 'full' else res['verified'] == res['verify'],
          f'mem_map not verified ({res["verify"]} check): {res}')
    check(res['total_pages'] == res['free_pages'] + res['reserved_pages'] + res['allocated_pages'],
          f'accounting: {res["total_pages"]} != {res["free_pages"]} + {res["reserved_pages"]} + '
          f'{res["allocated_pages"]}')
    check(res['total_pages'] == sum(n['pages'] for n in topo['nodes']),
          'total_pages differs from the RAM pages of @topology')
    check([n['pages'] for n in res['nodes']] == [n['pages'] for n in topo['nodes']],
          'per-node pages differ from @topology')
    check(res['free_pages'] > res['reserved_pages'], 'most RAM should be free after boot')
    check_times(res, 'result')
    check(len(res['digest']) == 16, f'digest {res["digest"]!r}')
    return res


# Strategies that leave work behind after run() returns (async); the rest are synchronous.
DEFERRING = ('async', 'ondemand')


def check_times(res, what):
    """Start first; a synchronous run is done before run() returns, when it is usable."""
    check(res['start_ns'] <= res['usable_ns'] and res['start_ns'] <= res['done_ns'],
          f'{what}: a time before the start: {res["start_ns"]}, {res["usable_ns"]}, {res["done_ns"]}')
    if res['strategy'] not in DEFERRING:
        check(res['done_ns'] <= res['usable_ns'],
              f'{what}: {res["strategy"]} usable at {res["usable_ns"]} before done at {res["done_ns"]}')


def result_case(topo, cmdline=''):
    def run(iso):
        b = boot(iso, cmdline=cmdline, qemu_args=topo.qemu_args())
        expect_clean_success(b)
        return check_result(b)
    return run


# ~900 bytes more of command line: the loader's boot information grows with it, and whatever pages it
# touches must not show in the mem_map (its reservation goes before the layout).
LONG_CMDLINE = ' '.join(['memmap.streaming=on'] * 45)


def case_digest_depends_on_layout_only(iso):
    """The same machine twice, with streaming stores, and with a far longer command line: one digest."""
    digests, reserved = set(), set()
    for cmdline in ('', 'memmap.streaming=on', 'memmap.streaming=off verify=sample', LONG_CMDLINE):
        b = boot(iso, cmdline=cmdline, qemu_args=DEFAULT.qemu_args())
        expect_clean_success(b)
        res = check_result(b)
        digests.add(res['digest'])
        reserved.add(res['reserved_pages'])
    check(len(digests) == 1 and len(reserved) == 1, f'digests differ: {digests}, reserved pages {reserved}')


def case_corrupt_page(iso):
    pfn = 0x12345
    b = boot(iso, cmdline=f'debug.corrupt_page={pfn:#x}', qemu_args=DEFAULT.qemu_args())
    check_no_unparsable(b)
    check(b.status == EXIT_KERNEL_FAILURE, f'run-qemu exit {b.status}: a corrupt mem_map must fail')
    res = one(b.records, 'result')
    check(res['verified'] is False, '@result says verified')
    bad = [e for e in b.errors() if e['what'] == 'mem_map verification']
    check(len(bad) == 1 and bad[0]['pfn'] == pfn and bad[0]['field'] == 'mapping',
          f'verification did not name pfn {pfn:#x} and its field: {b.errors()}')


def case_sixty_four_gib(iso):
    topo = Topology([Node(32 * GiB, [0]), Node(32 * GiB, [1])])
    b = boot(iso, qemu_args=topo.qemu_args(), timeout=240)
    expect_clean_success(b)
    res = check_result(b)
    check(res['total_pages'] > 16_700_000, f'{res["total_pages"]} pages for 64 GiB')


def case_spans(iso):
    b = boot(iso, qemu_args=even(2, 1, 512 * MiB).qemu_args())
    expect_clean_success(b)
    spans = of_type(b.records, 'span')
    check({s['node'] for s in spans if s['what'] == 'memmap_init'} == {0, 1}, f'spans: {spans}')
    for s in spans:
        # Boot phases (cases_timeline.py) do no page work: pages 0.
        check(s['start_ns'] <= s['end_ns'] and (s['pages'] > 0 or s.get('phase')), f'bad span {s}')


CASES = {
    'memmap_digest_layout_only': case_digest_depends_on_layout_only,
    'memmap_corrupt_page': case_corrupt_page,
    'memmap_64g': case_sixty_four_gib,
    'memmap_spans': case_spans,
}
