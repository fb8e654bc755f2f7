"""Boot tests of the one allocator API (mm/kmalloc.h, @kmalloc): the stages in
order, objects served before the mem_map existed (the SRAT's copy, the nodes'
ranges), the early copy given back to the buddy allocator late with every page
still accounted, and the slab stage serving after the switch, in both modes; the
inline path safe against interrupt handlers that allocate; and a mempool whose
callers get their elements when memory runs out."""
from bootlib import boot, check, expect_clean_success, of_type, one
from meminit_bench.topology import machine, MiB

PAGE = 4096
TWO_NODES = machine(2, 2, 1024 * MiB).qemu_args()


def check_kmalloc(rec):
    stages = rec['stage_ns']
    check(rec['stage'] == 'slab', f'ended in stage {rec["stage"]}')
    check(0 < stages['memblock'] < stages['frozen'] < stages['slab'], f'stages out of order: {stages}')
    check(rec['served']['memblock'] >= 2, f'the topology allocated nothing early: {rec["served"]}')
    check(rec['served']['slab'] > 0 and rec['first_slab_ns'] >= stages['slab'], f'slab served nothing: {rec}')
    check(rec['failures'] == 0 and 0 < rec['pair_ns_min'] <= rec['pair_ns_median'], f'pairs: {rec}')
    check(0 < rec['pair_loop_ns_min'] < rec['pair_ns_min'], f'the loop alone costs more than with the pair: {rec}')
    # The SRAT's copy, freed after the topology was built, comes back once the mem_map is verified.
    check(rec['returned_late_bytes'] >= PAGE and rec['returned_late_bytes'] % PAGE == 0, f'returned {rec}')


def case_kmalloc_stages(iso):
    b = boot(iso, cmdline='strategy=async', qemu_args=TWO_NODES)
    expect_clean_success(b)
    rec = one(b.records, 'kmalloc')
    check_kmalloc(rec)
    result = one(b.records, 'result')
    # Under async the switch comes at usable (memory may still be arriving).
    check(result['usable_ns'] <= rec['stage_ns']['slab'], f'switch {rec["stage_ns"]} before usable')
    # Every page still accounted: the free pages are @result's plus exactly what came back.
    check(rec['free_pages_after_return'] == result['free_pages'] + rec['returned_late_bytes'] // PAGE,
          f'{rec["free_pages_after_return"]} free after, {result["free_pages"]} + {rec["returned_late_bytes"]} bytes')


def case_kmalloc_bench_mode(iso):
    """In benchmark mode the runs rebuild the buddy allocator: the switch waits for the last."""
    b = boot(iso, cmdline='strategy=all strategy.rounds=1', qemu_args=TWO_NODES, timeout=240)
    expect_clean_success(b)
    rec = one(b.records, 'kmalloc')
    check_kmalloc(rec)
    last = max(r['done_ns'] for r in of_type(b.records, 'result'))
    check(rec['stage_ns']['slab'] > last, f'switched at {rec["stage_ns"]["slab"]}, before the last run ended ({last})')


def case_mempool_exhausted(iso):
    """boot.pool_exhaust=on under async with a small budget: every page taken while
    memory is still deferred (the allocation grows it), and the pool's callers still
    get their elements: eight from the reserve, then a refusal for one that may not
    wait, and the one that may wait served after another CPU's free."""
    # The background CPU pauses 100 ms on its first chunk (the exhaustion waits for it): on a loaded
    # host it could otherwise finish the deferred init before the boot's rest (a -j2 run saw it).
    b = boot(iso, cmdline='strategy=async strategy.async_boot_mb=16 boot.pool_exhaust=on debug.slow_cpu=1,100',
             qemu_args=machine(2, 2, 2048 * MiB).qemu_args())
    expect_clean_success(b)
    rec, result = one(b.records, 'mempool'), one(b.records, 'result')
    check(result['verified'] is True, 'not verified')
    check(rec['start_ns'] < result['done_ns'], f'the pool ran after the deferred init ended: {rec["start_ns"]}')
    check(rec['held_pages'] >= result['free_pages'] - rec['min'] - 64, f'held {rec["held_pages"]} of '
          f'{result["free_pages"]} free pages')
    check(rec['no_wait_served'] == rec['min'] and rec['failed'] == 1, f'non-waiting callers: {rec}')
    check(rec['waiter_served'] is True and rec['waits'] == 1 and rec['waited_ns'] > 0, f'the waiter: {rec}')
    served = rec['served']
    # Seed 003's order: the reserve while at least half full, then below half, the waiter from it too.
    check(served['reserve_half'] == rec['min'] // 2 + 1 and served['reserve_low'] == rec['min'] // 2,
          f'reserve steps {served}')
    check(served['alloc_atomic'] > 0 and 0 < rec['pair_ns_min'] <= rec['pair_ns_median'], f'pairs {rec}')


def case_kmalloc_irq(iso):
    """kmalloc's inline path has no cli/sti: the boot CPU allocates in a loop while
    the other CPU's cross-calls allocate inside its interrupt handler; no object
    is handed out twice, the handlers' went past the CPU's cache, none is lost."""
    b = boot(iso, cmdline='strategy=xcall selftest=kmalloc_irq', qemu_args=TWO_NODES)
    expect_clean_success(b)
    tests = [t for t in of_type(b.records, 'test') if t['name'] == 'kmalloc_irq']
    check(len(tests) == 1 and tests[0]['ok'] is True, f'kmalloc_irq did not pass: {tests}')
    rec = one(b.records, 'kmalloc')
    check(rec['failures'] == 0, f'kmalloc failed: {rec}')


CASES = {'kmalloc_stages': case_kmalloc_stages, 'kmalloc_bench_mode': case_kmalloc_bench_mode,
         'mempool_exhausted': case_mempool_exhausted, 'kmalloc_irq': case_kmalloc_irq}
