"""Machines and command lines a hostile user would try (issue 18): a workload
larger than RAM, verification that checked less than everything or failed,
asymmetric and unreachable SLIT distances, a word cut by the command line's
length limit, more SRAT domains than nodes, the boot CPU made silent. Each
must give the @error the Errors table names, and the boot must say exactly
what it checked and lose no page."""
import re
import tempfile

import acpi_tables as T
from bootlib import EXIT_KERNEL_FAILURE, EXIT_OK, MiB, boot, check, check_no_unparsable
from records import of_type, one
from topology import Node, Topology

ONE_GIB = Topology([Node(512 * MiB, [0]), Node(512 * MiB, [1])])


def check_accounted(r, total, what):
    """Every page in @result: the machine's @total, free + reserved + allocated."""
    check(r['total_pages'] == total and
          r['total_pages'] == r['free_pages'] + r['reserved_pages'] + r['allocated_pages'],
          f'{what}: {r["total_pages"]} pages (want {total}) = {r["free_pages"]} free + '
          f'{r["reserved_pages"]} reserved + {r["allocated_pages"]} allocated')


def check_ok_exit(b, what):
    check_no_unparsable(b)
    check(b.status == EXIT_OK, f'{what}: run-qemu exit {b.status}, expected success')
    exits = of_type(b.records, 'exit')
    check(len(exits) == 1 and exits[0]['ok'] is True, f'{what}: @exit {exits}')


# ---- item 3: a workload larger than RAM is the workload's failure, not the boot's

def case_layouts_workload_over_ram(iso):
    """boot.workload_mb=2048 on 1 GiB: a "workload" @error with its fallback, and the boot succeeds."""
    for strategy in ('xcall', 'async'):
        b = boot(iso, cmdline=f'strategy={strategy} boot.workload_mb=2048', qemu_args=ONE_GIB.qemu_args())
        what = f'{strategy}, 2048 MiB workload on 1 GiB'
        check_ok_exit(b, what)
        errors = b.errors()
        check(len(errors) == 1 and errors[0]['what'] == 'workload' and errors[0]['action'] and
              '2048 MiB' in errors[0]['detail'], f'{what}: want one "workload" @error: {errors}')
        r = one(b.records, 'result')
        check(r['verified'] is True, f'{what}: not verified')
        work = [s for s in of_type(b.records, 'span') if s['what'] == 'workload']
        # It took what there was (more than half of the RAM), and less than it asked for.
        check(len(work) == 1 and r['total_pages'] // 2 < work[0]['pages'] < 2048 * 256,
              f'{what}: workload spans {work}')


# ---- item 6: "verified" says what was checked; a failed check still accounts every page

def case_layouts_verified_says_what(iso):
    """verified: true after verify=full, "sample" and "off" after less; false (with every page
    accounted) when a check fails, whatever page is corrupted, page 0 included."""
    clean = boot(iso, qemu_args=ONE_GIB.qemu_args())
    check_ok_exit(clean, 'clean boot')
    total = one(clean.records, 'result')['total_pages']
    for mode, want in (('full', True), ('sample', 'sample'), ('off', 'off')):
        b = boot(iso, cmdline=f'verify={mode}', qemu_args=ONE_GIB.qemu_args())
        check_ok_exit(b, f'verify={mode}')
        r = one(b.records, 'result')
        check(r['verified'] == want and type(r['verified']) is type(want),
              f'verify={mode}: verified is {r["verified"]!r}, want {want!r}')
        check_accounted(r, total, f'verify={mode}')
    for pfn in (0, 0x12345):
        for mode in ('full', 'sample', 'off'):
            what = f'debug.corrupt_page={pfn:#x} verify={mode}'
            b = boot(iso, cmdline=f'debug.corrupt_page={pfn:#x} verify={mode}', qemu_args=ONE_GIB.qemu_args())
            check_no_unparsable(b)
            r = one(b.records, 'result')
            check(r['verified'] is not True, f'{what}: says verified after checking less than every page')
            check_accounted(r, total, what)
            if mode == 'full':
                check(b.status == EXIT_KERNEL_FAILURE and r['verified'] is False,
                      f'{what}: exit {b.status}, verified {r["verified"]!r}')
                bad = [e for e in b.errors() if e['what'] == 'mem_map verification']
                check(len(bad) == 1 and bad[0]['pfn'] == pfn, f'{what}: {b.errors()}')


CASES = {
    'layouts_workload_over_ram': case_layouts_workload_over_ram,
    'layouts_verified_says_what': case_layouts_verified_says_what,
}
