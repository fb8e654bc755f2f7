"""Boot tests of the boot foundation: memory sizes, parameters, faults, firmware, TSC."""
from cases_memmap import check_result
from bootlib import (EXIT_KERNEL_FAILURE, EXIT_OK, GiB, MiB, boot, check, check_memory,
                     check_no_unparsable, expect_clean_success, of_type, one)


def memory_case(size_bytes, qemu_args, runner_args=()):
    def run(iso):
        b = boot(iso, qemu_args=qemu_args, runner_args=runner_args)
        expect_clean_success(b)
        check_result(b)  # every memory size: the mem_map verifies, every page counted
        rec = check_memory(b, size_bytes)
        check(rec['tsc_hz'] > 0 and rec['tsc_source'], 'no TSC frequency')
        check(rec['cmdline'] == '', f'cmdline {rec["cmdline"]!r}')
        if size_bytes > 3 * GiB:
            check(any(e > 4 * GiB for _, e in rec['mem_ranges']), 'no RAM above 4 GiB reported')
    return run


def case_bad_param(iso):
    b = boot(iso, cmdline='no.such=1 debug.fault=sideways selftest=nonexistent', qemu_args=['-m', '256M'])
    check_no_unparsable(b)
    check(b.status == EXIT_OK, f'a bad parameter must not stop the boot (exit {b.status})')
    details = [e['detail'] for e in b.errors()]
    for name in ('no.such', 'debug.fault', 'selftest'):
        check(any(d.startswith(name) for d in details), f'no @error naming {name}: {details}')
    for e in b.errors():
        check(e['what'] and e['action'], f'@error without what/action: {e}')
    rec = one(b.records, 'boot')
    check(rec['cmdline'] == 'no.such=1 debug.fault=sideways selftest=nonexistent',
          f'cmdline not passed through: {rec["cmdline"]!r}')


def case_quoted_param(iso):
    b = boot(iso, cmdline='help selftest="format"', qemu_args=['-m', '256M'])
    expect_clean_success(b)
    tests = of_type(b.records, 'test')
    check([t['name'] for t in tests] == ['format'], f'quoted value not parsed: {tests}')


def fault_case(kind, vector, error_bits=0):
    def run(iso):
        b = boot(iso, cmdline=f'debug.fault={kind}', qemu_args=['-m', '256M'])
        check_no_unparsable(b)
        check(b.status == EXIT_KERNEL_FAILURE, f'run-qemu exit {b.status}, expected kernel failure')
        one(b.records, 'boot')
        faults = [e for e in b.errors() if e['what'] == 'cpu exception']
        check(len(faults) == 1, f'expected one cpu exception @error, got {b.errors()}')
        check(faults[0]['vector'] == vector, f'vector {faults[0]["vector"]}, expected {vector}')
        check(faults[0]['error_code'] & error_bits == error_bits,
              f'error code {faults[0]["error_code"]:#x} lacks bits {error_bits:#x}')
        check(of_type(b.records, 'exit')[-1]['ok'] is False, '@exit not failed')
    return run


def case_selftests(iso):
    b = boot(iso, cmdline='selftest=all', qemu_args=['-m', '512M', '-smp', '2'])
    expect_clean_success(b)
    tests = of_type(b.records, 'test')
    check(len(tests) >= 3, f'too few self-tests ran: {tests}')
    failed = [t for t in tests if not t['ok']]
    check(not failed, f'self-tests failed: {failed}')


def case_uefi(iso):
    b = boot(iso, qemu_args=['-m', '1G'], runner_args=['--firmware', 'uefi'])
    check_no_unparsable(b)
    check(b.status == EXIT_OK, f'run-qemu exit {b.status}')
    rec = check_memory(b, 1 * GiB, tolerance=0.03)  # OVMF keeps more for itself
    check_result(b)  # the EFI memory map's layout verifies too
    check(rec['firmware'] == 'uefi' and rec['mem_source'] == 'efi', f'not a UEFI boot: {rec}')
    check(rec['acpi_tables'] > 0, 'no ACPI tables found through UEFI')


def case_tsc(iso):
    b = boot(iso, qemu_args=['-m', '256M'])
    expect_clean_success(b)
    rec = one(b.records, 'boot')
    check(rec['tsc_source'] in ('cpuid-15h', 'hypervisor', 'hpet', 'pmtimer', 'pit'), rec['tsc_source'])
    check(rec['tsc_check_hz'] > 0, 'no second TSC source to cross-check')
    check(abs(rec['tsc_check_ppm']) <= 1000, f'TSC sources disagree: {rec["tsc_check_ppm"]} ppm')
    check(0 < rec['ns'] < 60 * 10**9, f'@boot time {rec["ns"]} ns')


def case_no_1g_pages(iso):
    b = boot(iso, qemu_args=['-m', '3G', '-cpu', 'qemu64'])
    expect_clean_success(b)
    rec = check_memory(b, 3 * GiB)
    check_result(b)
    check(rec['direct_map_page'] == 2 * MiB, 'qemu64 has no 1 GiB pages: expected 2 MiB')


CASES = {
    'mem_128m': memory_case(128 * MiB, ['-m', '128M']),
    'mem_1g': memory_case(1 * GiB, ['-m', '1G', '-smp', '2']),
    'mem_6g': memory_case(6 * GiB, ['-m', '6G']),
    'mem_64g': memory_case(64 * GiB, ['-m', '64G']),
    'mem_64g_backend': memory_case(64 * GiB, [], ['--mem', '64G']),
    'no_1g_pages': case_no_1g_pages,
    'bad_param': case_bad_param,
    'quoted_param': case_quoted_param,
    'fault_pf': fault_case('pf', 14),
    'fault_gp': fault_case('gp', 13),
    'fault_ud': fault_case('ud', 6),
    'fault_de': fault_case('de', 0),
    'fault_nx': fault_case('nx', 14, 0x10 | 0x1),
    'fault_wp': fault_case('wp', 14, 0x2 | 0x1),
    'fault_df': fault_case('df', 8),
    'selftests': case_selftests,
    'uefi': case_uefi,
    'tsc': case_tsc,
}


