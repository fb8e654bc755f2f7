"""Check that a boot's @span records cover the boot CPU's whole time.

    bench/spancheck.py LOG [--max-gap-pct 1.0]

Reads any console log (bench/meminit_bench/records.py's parser), takes the spans of
CPU 0 (the boot phases, "phase": true, and any run's spans inside them),
and walks from time zero to @exit's "ns". Prints each phase, then every
uncovered stretch: between phases (there should be none: each phase
starts at the reading that ended the one before), and the tail after the
last span, which is the printing of the last records and @exit itself (a
span cannot time its own printing). Exit status 1 when the uncovered
time, in total, is more than --max-gap-pct of the boot, or when there is
no @exit or no phase; 0 otherwise.
"""
import argparse
import os
import sys

from .records import of_type, parse_records


def coverage(records, cpu=0):
    """(boot_ns, phases, gaps): gaps are (start, end, where) not covered by any span of @cpu."""
    exits = of_type(records, 'exit')
    if not exits:
        raise ValueError('no @exit: the boot did not finish')
    boot_ns = exits[-1]['ns']
    spans = sorted((s for s in of_type(records, 'span') if s['cpu'] == cpu),
                   key=lambda s: (s['start_ns'], -s['end_ns']))
    phases = [s for s in spans if s.get('phase')]
    if not phases:
        raise ValueError(f'no boot phases of cpu {cpu}')
    gaps, covered_to = [], 0
    for s in spans:
        if s['start_ns'] > covered_to:
            gaps.append((covered_to, s['start_ns'], f'before {s["what"]}'))
        covered_to = max(covered_to, s['end_ns'])
    if boot_ns > covered_to:
        gaps.append((covered_to, boot_ns, 'tail: printing the last records and @exit'))
    return boot_ns, phases, gaps


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('log')
    ap.add_argument('--max-gap-pct', type=float, default=1.0)
    ap.add_argument('--quiet', action='store_true', help='print only the verdict')
    args = ap.parse_args()
    with open(args.log, errors='replace') as f:
        records = parse_records(f.read())
    try:
        boot_ns, phases, gaps = coverage(records)
    except ValueError as e:
        print(f'spancheck: {e}')
        return 1
    if not args.quiet:
        for s in phases:
            ms = (s['end_ns'] - s['start_ns']) / 1e6
            print(f'{s["start_ns"] / 1e6:10.3f} ms  {ms:9.3f} ms  {100 * ms * 1e6 / boot_ns:5.1f}%  {s["what"]}')
        for start, end, where in gaps:
            print(f'gap {start / 1e6:10.3f} ms  {(end - start) / 1e6:9.3f} ms  {where}')
    uncovered = sum(end - start for start, end, _ in gaps)
    pct = 100 * uncovered / boot_ns if boot_ns else 100.0
    ok = pct <= args.max_gap_pct
    print(f'spancheck: boot {boot_ns / 1e6:.3f} ms, {len(phases)} phases, uncovered {uncovered / 1e6:.3f} ms '
          f'({pct:.3f}%, limit {args.max_gap_pct}%): {"ok" if ok else "FAIL"}')
    return 0 if ok else 1
