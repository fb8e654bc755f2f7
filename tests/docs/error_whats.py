#!/usr/bin/env python3
"""Every `what` an @error record of the kernel can carry, read from the C
sources, against README.md's table of them ("Errors"): both must list the
same names, so a new @error is documented or the test fails.

    tests/docs/error_whats.py          check (exit 1 and a list of differences)
    tests/docs/error_whats.py --list   the names the code uses

The kernel hands a `what` down in a few fixed ways; each is one pattern
below. A `what` passed on in a variable is found where it is written down
as a literal.
"""
import argparse
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KERNEL_DIRS = ('arch', 'init', 'mm', 'smp', 'strategies')

PATTERNS = [
    re.compile(r'record_errorf?\(\s*"([^"]+)"'),                         # record_error("what", ...)
    re.compile(r'\.what\s*=\s*"([^"]+)"'),                                # a walker's what
    re.compile(r'\breport\((?:a|w|problem, cookie),\s*"([^"]+)"'),        # acpi.c, multiboot2.c, params.c
    re.compile(r'\bproblem\(\s*[\w>.-]*cookie,\s*"([^"]+)"'),           # a parser's problem callback
    re.compile(r'\b(?:report_value|copy_string_tag)\(\s*w,\s*"([^"]+)"'),  # multiboot2.c
    re.compile(r'acpi_table_usable\(\w+,\s*"(?:SLIT|SRAT|APIC)",\s*\w+,\s*"([^"]+)"'),
    re.compile(r'sanitizer_failure\(\s*"([^"]+)"'),
]
# rec_str(&r, "what", A ? "x" : "y"): every literal of the expression.
WHAT_FIELD = re.compile(r'rec_str\(&r,\s*"what",\s*([^;]+)\);')
TABLE_ROW = re.compile(r'^\|\s*`([^`]+)`\s*\|')


def code_whats():
    found = {}
    for top in KERNEL_DIRS:
        for dirpath, _, files in os.walk(os.path.join(ROOT, top)):
            for name in sorted(files):
                if not name.endswith('.c'):
                    continue
                path = os.path.join(dirpath, name)
                with open(path) as f:
                    text = f.read()
                where = os.path.relpath(path, ROOT)
                for pattern in PATTERNS:
                    for what in pattern.findall(text):
                        found.setdefault(what, where)
                for expr in WHAT_FIELD.findall(text):
                    for what in re.findall(r'"([^"]+)"', expr):
                        found.setdefault(what, where)
    return found


def readme_whats():
    """The first column of the table under README.md's "## Errors"."""
    whats, inside, rows = [], False, 0
    with open(os.path.join(ROOT, 'README.md')) as f:
        for line in f:
            if line.startswith('## '):
                inside = line.strip() == '## Errors'
                continue
            match = TABLE_ROW.match(line) if inside else None
            if match:
                rows += 1
                if rows > 1:  # the first row is the table's header
                    whats.append(match.group(1))
    return whats


def main(argv):
    ap = argparse.ArgumentParser(prog='tests/docs/error_whats.py', description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--list', action='store_true', help='print the names the code uses, and where')
    args = ap.parse_args(argv)
    code = code_whats()
    if args.list:
        for what, where in sorted(code.items()):
            print(f'{what:32} {where}')
        return 0
    table = readme_whats()
    missing = sorted(set(code) - set(table))
    stale = sorted(set(table) - set(code))
    repeated = sorted({w for w in table if table.count(w) > 1})
    for what in missing:
        print(f'not in README.md\'s error table: {what!r} ({code[what]})')
    for what in stale:
        print(f'in README.md\'s error table but no longer in the code: {what!r}')
    for what in repeated:
        print(f'listed twice in README.md\'s error table: {what!r}')
    if not table:
        print('README.md has no "## Errors" table')
    ok = not (missing or stale or repeated) and table
    print(f'{"PASS" if ok else "FAIL"}: {len(code)} @error names in the code, {len(table)} in README.md')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
