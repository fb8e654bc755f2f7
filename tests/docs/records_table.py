#!/usr/bin/env python3
"""README.md's records table ("## Records") is generated from the records
schema, init/records.schema.json: one row per record type with when it is
printed (the type's description) and its fields (required ones plain, the
others in italics). This check fails when the two differ; --write puts the
generated table into README.md.

    tests/docs/records_table.py           check (exit 1 and the table it expects)
    tests/docs/records_table.py --write   rewrite the table in README.md
"""
import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
README = os.path.join(ROOT, 'README.md')
SCHEMA = os.path.join(ROOT, 'init', 'records.schema.json')
SECTION = '## Records'
MODEL_TAG = {'$ref': '#/$defs/model_tag'}
HEADER = ['| record | when | fields (_italic_: only some records carry it) |', '| --- | --- | --- |']


def generated():
    with open(SCHEMA) as f:
        defs = json.load(f)['$defs']
    rows = list(HEADER)
    for key, rec in defs.items():
        if not key.startswith('@'):
            continue
        required = rec.get('required', [])
        names = [f'`{n}`' if n in required else f'_`{n}`_' for n, field in rec.get('properties', {}).items()
                 if field != MODEL_TAG]  # the numa.model label every record may carry, said once above
        when = rec['description'].replace('|', '\\|')
        rows.append(f'| `{key}` | {when} | {", ".join(names)} |')
    return rows


def table_span(lines):
    """(first, end) line indexes of the table in the Records section; (None, None) without one."""
    inside, first = False, None
    for i, line in enumerate(lines):
        if line.startswith('## '):
            inside = line.strip() == SECTION
            if first is not None:
                return first, i
        elif inside and line.startswith('|') and first is None:
            first = i
        elif first is not None and not line.startswith('|'):
            return first, i
    return (first, len(lines)) if first is not None else (None, None)


def main():
    ap = argparse.ArgumentParser(prog='tests/docs/records_table.py', description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--write', action='store_true', help="rewrite README.md's records table from the schema")
    args = ap.parse_args()
    with open(README) as f:
        lines = f.read().split('\n')
    first, end = table_span(lines)
    if first is None:
        print(f'FAIL: README.md has no table under "{SECTION}"')
        return 1
    want = generated()
    if args.write:
        lines[first:end] = want
        with open(README, 'w') as f:
            f.write('\n'.join(lines))
        print(f'README.md: records table written, {len(want) - len(HEADER)} record types')
        return 0
    have = lines[first:end]
    if have == want:
        print(f'PASS: README.md\'s records table is the schema\'s {len(want) - len(HEADER)} record types')
        return 0
    for line in sorted(set(have) - set(want)):
        print(f'in README.md, not from the schema: {line[:160]}')
    for line in sorted(set(want) - set(have)):
        print(f'from the schema, not in README.md: {line[:160]}')
    print('FAIL: README.md\'s records table differs from init/records.schema.json '
          '(tests/docs/records_table.py --write regenerates it)')
    return 1


if __name__ == '__main__':
    sys.exit(main())
