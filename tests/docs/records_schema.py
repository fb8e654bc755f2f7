#!/usr/bin/env python3
"""init/records.schema.json against the kernel's sources: every record type
the kernel begins (record_begin(&r, "TYPE"), record_begin_in(...)) has a
definition, every definition is a type the kernel prints, and every key the
kernel writes (rec_u64(&r, "key", ...) and the other rec_* calls) is named in
the schema. The boot tests check the records of real boots; this finds a new
record or key at once, without booting the boot that prints it."""
import argparse
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KERNEL_DIRS = ('arch', 'init', 'mm', 'smp', 'strategies')
SCHEMA = os.path.join(ROOT, 'init', 'records.schema.json')
BEGIN = re.compile(r'\brecord_begin(?:_in)?\(\s*[^,]+,\s*"([a-z_]+)"')
KEY = re.compile(r'\brec_(?:str|strf|u64|i64|milli|bool|null|array_begin|object_begin)\(\s*[^,]+,\s*"([a-z0-9_]+)"')
NOT_RECORDS = ('record.c',)  # the writer itself: its one record_begin is the @error helper's


def kernel_sources():
    for top in KERNEL_DIRS:
        for dirpath, _, files in os.walk(os.path.join(ROOT, top)):
            for name in sorted(files):
                if name.endswith('.c'):
                    path = os.path.join(dirpath, name)
                    with open(path) as f:
                        yield os.path.relpath(path, ROOT), f.read()


def schema_names(node, out):
    """Every property name anywhere in the schema (records and the objects inside them)."""
    if isinstance(node, dict):
        out.update(node.get('properties', {}))
        for value in node.values():
            schema_names(value, out)
    elif isinstance(node, list):
        for value in node:
            schema_names(value, out)
    return out


def main():
    argparse.ArgumentParser(prog='tests/docs/records_schema.py', description=__doc__).parse_args()
    with open(SCHEMA) as f:
        schema = json.load(f)
    types = {key[1:] for key in schema['$defs'] if key.startswith('@')}
    names = schema_names(schema, set())
    begun, keys = {}, {}
    for path, text in kernel_sources():
        for t in BEGIN.findall(text):
            begun.setdefault(t, path)
        if os.path.basename(path) in NOT_RECORDS:
            continue
        for k in KEY.findall(text):
            keys.setdefault(k, path)
    problems = [f'@{t} ({begun[t]}): no definition in init/records.schema.json' for t in sorted(set(begun) - types)]
    problems += [f'@{t}: defined in the schema, printed nowhere in the kernel' for t in sorted(types - set(begun))]
    problems += [f'key "{k}" ({keys[k]}): named nowhere in init/records.schema.json' for k in sorted(set(keys) - names)]
    for p in problems:
        print(p)
    ok = begun and keys and not problems
    print(f'{"PASS" if ok else "FAIL"}: {len(begun)} record types and {len(keys)} keys in the kernel, '
          f'{len(types)} types in the schema')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
