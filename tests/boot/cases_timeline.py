"""Boot tests of the boot timeline: every phase a span, the phases tiling the boot CPU's
time (bench/spancheck.py), in both modes (one strategy, benchmark mode), the TSC
calibration's sources, and the AP wake-up's INIT wait."""
from bootlib import EXIT_OK, boot, check, check_no_unparsable, expect_clean_success, of_type, one
from meminit_bench.topology import DEFAULT, even, MiB

from meminit_bench import spancheck

# The boot CPU's phases (init/main.c, smp/smpboot.c, init/memmap_run.c), each name once: up to
# the mem_map's set-up, then those of a boot that runs one strategy or of benchmark mode.
BEFORE_MEMMAP = ['entry', 'console', 'idt', 'bootinfo', 'params', 'memory_map', 'direct_map', 'acpi',
                 'tsc_calibration', 'report_boot', 'topology', 'lapic', 'percpu', 'ap_wake', 'tsc_sync',
                 'report_topology', 'memmap_setup']
PHASES = BEFORE_MEMMAP + ['memmap_run', 'boot_rest', 'memmap_wait', 'verify', 'report_run', 'selftest']
BENCH_PHASES = BEFORE_MEMMAP + ['console_flush', 'bench', 'selftest']
MAX_GAP_PCT = 1.0
TSC_AGREE_PPM = 1000  # arch/x86_64/tsc.h


def check_timeline(b, cpus, expected=PHASES):
    """The boot CPU's phases in order, tiling its time; one ap_wake span on each AP's row."""
    phases = [s for s in of_type(b.records, 'span') if s.get('phase')]
    boot_phases = [s for s in phases if s['cpu'] == 0]
    check([s['what'] for s in boot_phases] == expected, f'boot phases {[s["what"] for s in boot_phases]}, '
          f'expected {expected}')
    for s in phases:
        check(s['pages'] == 0 and s['run'] == 0 and s['start_ns'] <= s['end_ns'], f'bad phase span {s}')
    check(boot_phases[0]['start_ns'] == 0, 'the first phase does not start at time zero')
    wakes = sorted(s['cpu'] for s in phases if s['what'] == 'ap_wake' and s['cpu'] != 0)
    check(wakes == list(range(1, cpus)), f'ap_wake spans on cpus {wakes}, expected 1..{cpus - 1}')
    topo = one(b.records, 'topology')
    nodes = {c['id']: c['node'] for c in topo['cpus']}
    for s in phases:
        if s['cpu'] != 0:
            check(s['node'] == nodes[s['cpu']], f'{s} not on its CPU\'s node {nodes[s["cpu"]]}')
    boot_ns, _, gaps = spancheck.coverage(b.records)
    uncovered = sum(e - s for s, e, _ in gaps)
    check(uncovered <= boot_ns * MAX_GAP_PCT / 100,
          f'{uncovered} of {boot_ns} ns in no span of the boot CPU: {gaps}')


def check_tsc(b):
    rec = one(b.records, 'boot')
    for key in ('tsc_source', 'tsc_check_source', 'tsc_check_ppm', 'tsc_calibration_ns'):
        check(key in rec, f'@boot lacks {key}')
    check(rec['tsc_source'] and rec['tsc_check_source'], f'TSC sources {rec["tsc_source"]!r} '
          f'and {rec["tsc_check_source"]!r}: expected two')
    check(abs(rec['tsc_check_ppm']) <= TSC_AGREE_PPM,
          f'{rec["tsc_source"]} and {rec["tsc_check_source"]} disagree by {rec["tsc_check_ppm"]} ppm')
    calibration = [s for s in of_type(b.records, 'span') if s.get('phase') and s['what'] == 'tsc_calibration']
    check(len(calibration) == 1 and calibration[0]['end_ns'] - calibration[0]['start_ns'] >=
          rec['tsc_calibration_ns'], f'tsc_calibration span {calibration} shorter than '
          f'tsc_calibration_ns {rec["tsc_calibration_ns"]}')
    return rec


def case_timeline(iso):
    b = boot(iso, qemu_args=DEFAULT.qemu_args())
    expect_clean_success(b)
    check_timeline(b, len(one(b.records, 'topology')['cpus']))
    check_tsc(b)
    check(one(b.records, 'topology')['init_delay_ns'] == 0,
          'QEMU -cpu max is a modern CPU: no wait after INIT expected')


def case_timeline_8cpus(iso):
    topo = even(2, 4, 512 * MiB)
    b = boot(iso, qemu_args=topo.qemu_args())
    expect_clean_success(b)
    check_timeline(b, 8)


def case_timeline_bench(iso):
    b = boot(iso, cmdline='strategy=all strategy.rounds=1', qemu_args=even(2, 1, 256 * MiB).qemu_args())
    expect_clean_success(b)
    check_timeline(b, 2, BENCH_PHASES)


def case_init_delay_forced(iso):
    b = boot(iso, cmdline='smp.init_delay_us=10000', qemu_args=DEFAULT.qemu_args())
    expect_clean_success(b)
    topo = one(b.records, 'topology')
    check(topo['init_delay_ns'] == 10_000_000, f'init_delay_ns {topo["init_delay_ns"]}')
    check(topo['ap_wake_ns'] >= 10_000_000, f'a forced 10 ms wait, but ap_wake_ns {topo["ap_wake_ns"]}')
    check_timeline(b, len(topo['cpus']))


def case_init_delay_bad(iso):
    b = boot(iso, cmdline='smp.init_delay_us=5000000', qemu_args=DEFAULT.qemu_args())
    check_no_unparsable(b)
    check(b.status == EXIT_OK, f'a bad value must not stop the boot (exit {b.status})')
    errors = [e for e in b.errors() if e['detail'].startswith('smp.init_delay_us="5000000"')]
    check(len(errors) == 1 and 'default' in errors[0]['action'],
          f'no @error naming smp.init_delay_us and its value: {b.errors()}')
    check(one(b.records, 'topology')['init_delay_ns'] == 0, 'the default (no wait) not kept')


def case_uefi_tsc(iso):
    b = boot(iso, qemu_args=['-m', '1G', '-smp', '2'], runner_args=['--firmware', 'uefi'])
    expect_clean_success(b)
    rec = check_tsc(b)
    check(rec['firmware'] == 'uefi', f'not a UEFI boot: {rec["firmware"]}')
    check_timeline(b, 2)


CASES = {
    'timeline': case_timeline,
    'timeline_8cpus': case_timeline_8cpus,
    'timeline_bench': case_timeline_bench,
    'init_delay_forced': case_init_delay_forced,
    'init_delay_bad': case_init_delay_bad,
    'uefi_tsc': case_uefi_tsc,
}
