#!/usr/bin/env python3
"""Every parameter the kernel registers (PARAM("name", ...), PARAM_UINT(...) and
the other typed forms in its sources)
has a row in README.md's "## Kernel command line" table, and the table names
no parameter the kernel lacks."""
import argparse
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KERNEL_DIRS = ('arch', 'init', 'mm', 'smp', 'strategies')


def registered():
    names = set()
    for top in KERNEL_DIRS:
        for dirpath, _, files in os.walk(os.path.join(ROOT, top)):
            for name in files:
                if name.endswith('.c'):
                    with open(os.path.join(dirpath, name)) as f:
                        names |= set(re.findall(r'\bPARAM(?:_[A-Z0-9]+)*\(\s*"([^"]+)"', f.read()))
    return names


def documented():
    """The names in the first column: `name=VALUE`, `name`, several per cell."""
    names, inside = set(), False
    with open(os.path.join(ROOT, 'README.md')) as f:
        for line in f:
            if line.startswith('## '):
                inside = line.strip() == '## Kernel command line'
            elif inside and line.startswith('| `'):
                cell = line.split(' | ')[0]
                names |= {re.split(r'[=\\]', item)[0] for item in re.findall(r'`([^`]+)`', cell)}
    return names


def main():
    argparse.ArgumentParser(prog='tests/docs/params_documented.py', description=__doc__).parse_args()
    code, readme = registered(), documented()
    for name in sorted(code - readme):
        print(f'not in README.md\'s parameter table: {name}')
    for name in sorted(readme - code):
        print(f'in README.md\'s parameter table but not registered: {name}')
    ok = code == readme and code
    print(f'{"PASS" if ok else "FAIL"}: {len(code)} parameters registered, {len(readme)} documented')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
