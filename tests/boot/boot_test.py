#!/usr/bin/env python3
"""Boot tests: boot the ISO through bench/run-qemu and assert on its records.

    boot_test.py --list            the case names (ctest registers one test each)
    boot_test.py CASE [--iso PATH] run one case
"""
import argparse
import os
import sys
import traceback

from bootlib import ROOT, failure_report
import cases_boot
import cases_acpi
import cases_dump
import cases_kmalloc
import cases_bochs
import cases_code_pages
import cases_memmap
import cases_ondemand
import cases_method
import cases_faults
import cases_layouts
import cases_oddmem
import cases_overlap
import cases_params
import cases_sparse
import cases_steady
import cases_strategies
import cases_timeline
import cases_topology

CASES = {**cases_boot.CASES, **cases_acpi.CASES, **cases_topology.CASES, **cases_memmap.CASES, **cases_faults.CASES,
         **cases_oddmem.CASES, **cases_params.CASES, **cases_strategies.CASES, **cases_timeline.CASES,
         **cases_dump.CASES, **cases_bochs.CASES, **cases_layouts.CASES, **cases_sparse.CASES,
         **cases_steady.CASES, **cases_kmalloc.CASES, **cases_ondemand.CASES,
         **cases_overlap.CASES, **cases_method.CASES, **cases_code_pages.CASES}
# Cases for a kernel variant of their own, registered one by one in CMakeLists.txt.
VARIANT_CASES = {**cases_faults.VARIANT_CASES}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('case', nargs='?')
    ap.add_argument('--list', action='store_true')
    ap.add_argument('--iso', default=os.path.join(ROOT, 'build', 'meminit.iso'))
    args = ap.parse_args()
    if args.list:
        print(';'.join(CASES))
        return 0
    cases = {**CASES, **VARIANT_CASES}
    if args.case not in cases:
        ap.error(f'unknown case {args.case!r}; --list shows them')
    try:
        cases[args.case](args.iso)
    except AssertionError as e:
        print(f'FAIL {args.case}: {e}')
        print(failure_report())
        return 1
    except Exception:  # a record without a field, a runner that could not start: the same report
        traceback.print_exc(file=sys.stdout)
        print(f'FAIL {args.case}: an exception')
        print(failure_report())
        return 1
    print(f'PASS {args.case}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
