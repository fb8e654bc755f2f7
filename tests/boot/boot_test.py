#!/usr/bin/env python3
"""Boot tests: boot the ISO through bench/run-qemu and assert on its records.

    boot_test.py --list            the case names (ctest registers one test each)
    boot_test.py CASE [--iso PATH] run one case

Every assertion reads @ records (bench/records.py), never prose.
"""
import argparse
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'bench'))
from records import of_type, one, parse_records  # noqa: E402

MiB = 1 << 20
GiB = 1 << 30
PAGE = 4096

# run-qemu's exit statuses (bench/README.md).
EXIT_OK, EXIT_KERNEL_FAILURE = 0, 1


class Boot:
    """One boot's records and exit status."""

    def __init__(self, status, records, output):
        self.status = status
        self.records = records
        self.output = output

    def errors(self):
        return of_type(self.records, 'error')


def boot(iso, cmdline='', qemu_args=(), runner_args=(), timeout=120):
    cmd = [os.path.join(ROOT, 'bench', 'run-qemu'), '--iso', iso, '--timeout', str(timeout),
           '--accel', 'tcg']
    if cmdline:
        cmd += ['--cmdline', cmdline]
    cmd += list(runner_args) + ['--'] + list(qemu_args)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, errors='replace', timeout=timeout + 60)
    return Boot(proc.returncode, parse_records(proc.stdout), proc.stdout)


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def check_no_unparsable(b):
    bad = of_type(b.records, 'unparsable')
    check(not bad, f'unparsable record lines: {bad}')


def check_memory(b, expected_bytes, tolerance=0.02):
    """@boot reports usable RAM close to what QEMU was given, in clean ranges."""
    rec = one(b.records, 'boot')
    total, ranges = rec['mem_total'], rec['mem_ranges']
    # Firmware keeps a little (the low 1 MiB holes, ACPI, its own data).
    check(expected_bytes * (1 - tolerance) <= total <= expected_bytes,
          f'mem_total {total} not within {tolerance:.0%} below {expected_bytes}')
    check(sum(e - s for s, e in ranges) == total, 'mem_ranges do not add up to mem_total')
    for s, e in ranges:
        check(s < e and s % PAGE == 0 and e % PAGE == 0, f'range {s:#x}-{e:#x} not page-aligned')
    for (_, e1), (s2, _) in zip(ranges, ranges[1:]):
        check(e1 < s2, 'mem_ranges unsorted, overlapping or unmerged')
    return rec


def expect_clean_success(b):
    check_no_unparsable(b)
    check(b.status == EXIT_OK, f'run-qemu exit {b.status}, expected success')
    check(not b.errors(), f'unexpected @error records: {b.errors()}')
    check(of_type(b.records, 'exit') == [of_type(b.records, 'exit')[-1]] and
          of_type(b.records, 'exit')[-1]['ok'] is True, '@exit ok missing')


def memory_case(size_bytes, qemu_args, runner_args=()):
    def run(iso):
        b = boot(iso, qemu_args=qemu_args, runner_args=runner_args)
        expect_clean_success(b)
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
    check(rec['firmware'] == 'uefi' and rec['mem_source'] == 'efi', f'not a UEFI boot: {rec}')
    check(rec['acpi_tables'] > 0, 'no ACPI tables found through UEFI')


def case_tsc(iso):
    b = boot(iso, qemu_args=['-m', '256M'])
    expect_clean_success(b)
    rec = one(b.records, 'boot')
    check(rec['tsc_source'] in ('cpuid-15h', 'hypervisor', 'pmtimer', 'pit'), rec['tsc_source'])
    check(rec['tsc_check_hz'] > 0, 'no second TSC source to cross-check')
    check(abs(rec['tsc_check_ppm']) < 20000, f'TSC sources disagree: {rec["tsc_check_ppm"]} ppm')
    check(0 < rec['ns'] < 60 * 10**9, f'@boot time {rec["ns"]} ns')


def case_no_1g_pages(iso):
    b = boot(iso, qemu_args=['-m', '3G', '-cpu', 'qemu64'])
    expect_clean_success(b)
    rec = check_memory(b, 3 * GiB)
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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('case', nargs='?')
    ap.add_argument('--list', action='store_true')
    ap.add_argument('--iso', default=os.path.join(ROOT, 'build', 'meminit.iso'))
    args = ap.parse_args()
    if args.list:
        print(';'.join(CASES))
        return 0
    if args.case not in CASES:
        ap.error(f'unknown case {args.case!r}; --list shows them')
    try:
        CASES[args.case](args.iso)
    except AssertionError as e:
        print(f'FAIL {args.case}: {e}')
        return 1
    print(f'PASS {args.case}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
