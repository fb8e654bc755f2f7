"""Boot tests of strategy=overlap: the APs join the run inside smp_boot, as each comes online, and the
boot leaves xcall's mem_map; an AP that never comes and an AP that stops a while both end with every
page written once and an @error naming the CPU."""
from bootlib import boot, check, expect_clean_success, of_type, one
from cases_faults import check_every_chunk_once, check_rescued
from cases_memmap import check_result
from cases_timeline import BEFORE_MEMMAP, PHASES as PLAIN_PHASES, check_timeline
from meminit_bench.topology import GiB, even

# 2 nodes x 4 CPUs, 8 GiB each (backed lazily: the host gives only the 256 MiB of struct pages
# and what the boot touches): APs that wake one by one, a boot of a few seconds. The boot CPU alone
# takes ~55 ms on this mem_map (strategy=bsp, quiet host), longer than the APs' bring-up on a
# loaded host (the first AP online 13-22 ms after INIT under -j2), so APs find chunks left. 512 MiB
# and then 2 GiB a node each let a -j2 run's boot CPU write it all first (2 GiB a node in 13 ms, the
# first AP at 18 ms).
MACHINE = even(2, 4, 8 * GiB)
CPUS = 8

# The mem_map is laid out and the run begun before the first INIT; the rest as for any strategy.
SMP_WAKE = ['ap_wake', 'wake_work', 'tsc_sync']
BEFORE_WAKE = BEFORE_MEMMAP[:BEFORE_MEMMAP.index('ap_wake')]
PHASES = (BEFORE_WAKE + ['memmap_setup', 'memmap_start'] + SMP_WAKE + ['report_topology'] +
          PLAIN_PHASES[PLAIN_PHASES.index('memmap_run'):])


def boot_phase(b, what):
    """The boot CPU's phase @what (each is there once: check_timeline)."""
    return next(s for s in of_type(b.records, 'span') if s.get('phase') and s['cpu'] == 0 and s['what'] == what)


def check_overlap(b, what, aps_write=True):
    """The run began before the first INIT; the APs' chunks (@aps_write: there are some) began after
    each came online and before smp_boot ended; every chunk and struct page written once."""
    res = check_result(b)
    check(res['strategy'] == 'overlap' and res['early'] is True, f'{what}: not an early overlap run: {res}')
    wake, smp_end = boot_phase(b, 'ap_wake'), boot_phase(b, 'tsc_sync')['end_ns']
    check(res['start_ns'] <= wake['start_ns'], f'{what}: run began at {res["start_ns"]}, after the first INIT '
          f'at {wake["start_ns"]}')
    check(0 < res['early_pages'] <= res['pages_written'], f'{what}: early_pages {res["early_pages"]}')
    check_every_chunk_once(b, what)
    online = {s['cpu']: s['end_ns'] for s in of_type(b.records, 'span') if s.get('phase') and s['what'] == 'ap_wake'
              and s['cpu'] != 0}
    first = {}
    for s in of_type(b.records, 'span'):
        if not s.get('phase') and s['what'] == 'memmap_init' and s['cpu'] != 0:
            first[s['cpu']] = min(first.get(s['cpu'], s['start_ns']), s['start_ns'])
    check(first or not aps_write, f'{what}: no AP wrote any struct page')
    for cpu, start in first.items():
        check(online[cpu] <= start < smp_end, f'{what}: cpu {cpu} began its chunks at {start}, not between its '
              f'wake-up at {online[cpu]} and the end of smp_boot at {smp_end}')
    return res, first


def case_overlap(iso):
    b = boot(iso, cmdline='strategy=overlap', qemu_args=MACHINE.qemu_args())
    expect_clean_success(b)
    check_timeline(b, CPUS, PHASES)
    # Which APs find chunks left depends on how soon the host runs their vCPUs: at least one
    # (check_overlap), every one of them inside smp_boot.
    res, _ = check_overlap(b, 'overlap')
    xcall = boot(iso, cmdline='strategy=xcall', qemu_args=MACHINE.qemu_args())
    expect_clean_success(xcall)
    check(check_result(xcall)['digest'] == res['digest'],
          f'overlap digest {res["digest"]} differs from xcall\'s {one(xcall.records, "result")["digest"]}')


def case_overlap_init_delay(iso):
    # A forced 10 ms wait after INIT (the SDM's, for older CPUs): the boot CPU writes chunks in it,
    # before any AP can be online (about a fifth of the boot CPU's time alone on the whole mem_map).
    b = boot(iso, cmdline='strategy=overlap smp.init_delay_us=10000', qemu_args=MACHINE.qemu_args())
    expect_clean_success(b)
    check_overlap(b, 'overlap, init delay', aps_write=False)
    wake = boot_phase(b, 'ap_wake')['start_ns']
    first_online = min(s['end_ns'] for s in of_type(b.records, 'span') if s.get('phase') and s['what'] == 'ap_wake'
                       and s['cpu'] != 0)
    boot_cpu = [s for s in of_type(b.records, 'span') if not s.get('phase') and s['what'] == 'memmap_init'
                and s['cpu'] == 0 and wake <= s['start_ns'] < first_online]
    check(boot_cpu, f'no chunk of the boot CPU between the INIT at {wake} and the first AP online at {first_online}')


def case_overlap_dead_ap(iso):
    # CPU 1 (APIC id 1) is never woken: the boot CPU drops it from the run as soon as smp_boot
    # gives it up, and its node's other CPUs (and the boot CPU) write its share.
    b = boot(iso, cmdline='strategy=overlap debug.ap_silent=1 smp.timeout_ms=300', qemu_args=MACHINE.qemu_args())
    check_rescued(b, 'overlap, silent AP', 1)
    check(any(e['what'] == 'smp' and 'APIC id 1 ' in e['detail'] for e in b.errors()),
          f'no smp @error for the silent AP: {b.errors()}')
    res, first = check_overlap(b, 'overlap, silent AP')
    check(1 not in first and all(1 not in n['cpus'] for n in res['nodes']), f'cpu 1 wrote pages: {res["nodes"]}')


def case_overlap_slow_ap(iso):
    # CPU 1 pauses holding the first chunk it claimed, longer than the bound: the boot CPU gives it
    # up and writes that chunk; when CPU 1 wakes it finds the chunk taken and writes nothing. One CPU
    # a node, 8 GiB each (as MACHINE): the boot CPU is still on its own node (tens of milliseconds of
    # work) when CPU 1 comes online and claims its first chunk of node 1.
    b = boot(iso, cmdline='strategy=overlap debug.slow_cpu=1,1500 strategy.timeout_ms=200',
             qemu_args=even(2, 1, 8 * GiB).qemu_args())
    check_rescued(b, 'overlap, slow AP', 1, node=1)
    check_every_chunk_once(b, 'overlap, slow AP')
    slow = [s for s in of_type(b.records, 'span') if s['what'] == 'debug_slow']
    check(not slow or slow[0]['cpu'] == 1, f'debug_slow spans {slow}')


CASES = {
    'overlap': case_overlap,
    'overlap_init_delay': case_overlap_init_delay,
    'overlap_dead_ap': case_overlap_dead_ap,
    'overlap_slow_ap': case_overlap_slow_ap,
}
