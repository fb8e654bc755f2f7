"""Firmware tables that lie (tests/boot/acpi_tables.py loads them through GRUB):
for each of MADT, SRAT and SLIT a bad checksum, a length larger and one
smaller than the table, a zero-length entry, and an entry that runs past the
table's end. Each must give an @error naming the table and a defined
fallback; the boot completes, verifies, and loses no page."""
import os
import struct
import tempfile

import acpi_tables as T
from bootlib import EXIT_OK, boot, check, check_no_unparsable
from meminit_bench.records import of_type, one
from meminit_bench.topology import machine

MACHINE = machine(2, 2, 1024 * T.MiB).qemu_args()
NAMES = {'APIC': ('madt', 'apic'), 'SRAT': ('srat',), 'SLIT': ('slit',)}


def zero_length_entry(raw, offset):
    """An entry of length 0 (a walker that trusts it never moves) before the others."""
    return T.fix_checksum(T.set_length(raw[:offset] + bytes([0x7f, 0]) + raw[offset:], len(raw) + 2))


def entry_past_the_end(raw):
    """A last entry whose length says 200 bytes where the table has 8 left."""
    grown = raw + bytes([0x7f, 200]) + bytes(6)
    return T.fix_checksum(T.set_length(grown, len(grown)))


def broken(signature, kind):
    good = T.good_tables()[signature]
    offset = {'APIC': T.MADT_ENTRIES_OFFSET, 'SRAT': T.SRAT_ENTRIES_OFFSET}.get(signature)
    if kind == 'checksum':
        raw = bytearray(good)
        raw[9] ^= 0x5a
        return bytes(raw)
    if kind == 'oversized':
        return T.set_length(good, len(good) + 4096)
    if kind == 'undersized':  # inside the first entry; the SLIT's matrix cut in half
        return T.set_length(good, (offset + 4) if offset else T.HEADER.size + 8 + 2)
    if signature == 'SLIT':
        localities = {'zero_entry': 0, 'past_end': 3}[kind]  # no matrix at all; a 3x3 in a 2x2's bytes
        return T.fix_checksum(good[:T.HEADER.size] + struct.pack('<Q', localities) + good[T.HEADER.size + 8:])
    return zero_length_entry(good, offset) if kind == 'zero_entry' else entry_past_the_end(good)


def boot_with(iso, tables, cmdline=''):
    scratch = tempfile.mkdtemp(prefix='acpi-case.')
    try:
        patched, work = T.iso_with_tables(iso, tables, scratch)
        return boot(patched, cmdline=cmdline, qemu_args=MACHINE)
    finally:
        T.cleanup(scratch)


def check_survived(b, what, pages):
    check_no_unparsable(b)
    check(b.status == EXIT_OK, f'{what}: exit {b.status}')
    r = one(b.records, 'result')
    check(r['verified'] and r['total_pages'] == pages and
          r['total_pages'] == r['free_pages'] + r['reserved_pages'] + r['allocated_pages'],
          f'{what}: {r["total_pages"]} pages (want {pages}), verified {r["verified"]}')


def case_acpi_good_tables(iso):
    """The tables we build are right: GRUB loads them and the kernel takes them as they are."""
    b = boot_with(iso, T.good_tables())
    check(not b.errors(), f'good tables gave @error records: {b.errors()}')
    topo = one(b.records, 'topology')
    check(topo['ignored'] == [], f'good tables, yet something ignored: {topo["ignored"]}')
    check(len(topo['nodes']) == 2 and len(topo['cpus']) == 2 and topo['distance'] == [[10, 21], [21, 10]],
          f'the tables were not used: {topo}')


def table_case(signature):
    def run(iso):
        pages = one(boot_with(iso, T.good_tables()).records, 'result')['total_pages']
        for kind in ('checksum', 'oversized', 'undersized', 'zero_entry', 'past_end'):
            tables = T.good_tables()
            tables[signature] = broken(signature, kind)
            what = f'{signature} {kind}'
            b = boot_with(iso, tables)
            check_survived(b, what, pages)
            named = [e for e in b.errors()
                     if any(n in (e['what'] + ' ' + e['detail']).lower() for n in NAMES[signature])]
            check(named and all(e['action'] for e in named), f'{what}: no @error naming the table: {b.errors()}')
            topo = one(b.records, 'topology')
            if signature == 'SLIT':  # the distances fall back to 10 local, 20 remote
                check(topo['distance'] == [[10, 20], [20, 10]], f'{what}: distances {topo["distance"]}')
    return run


def case_acpi_ignored(iso):
    """What the topology does not use is named in @topology's "ignored", never dropped silently."""
    g = T.good_tables()
    ghost = T.srat(T.TWO_NODE_CPUS + [(9, 3)], T.TWO_NODE_MEMORY)  # domain 3: one CPU the MADT lacks
    for what, tables, wants in (
            ('second SRAT', {'SRAT': [g['SRAT'], g['SRAT']]}, ['a second SRAT']),
            ('SLIT without SRAT', {'SRAT': None, 'SLIT': g['SLIT']}, ['a SLIT without an SRAT']),
            ('SLIT too big', {'SLIT': T.slit([[10, 20, 30], [20, 10, 20], [30, 20, 10]])}, ['SLIT rows beyond']),
            ('ghost domain', {'SRAT': ghost}, ['SRAT domain 3: no RAM and no present CPU',
                                               'SRAT CPU with APIC id 9: absent from the MADT'])):
        b = boot_with(iso, tables)
        check_no_unparsable(b)
        check(b.status == EXIT_OK and one(b.records, 'result')['verified'], f'{what}: boot did not verify')
        ignored = one(b.records, 'topology')['ignored']
        for want in wants:
            check(any(i.startswith(want) for i in ignored), f'{what}: "ignored" lacks {want!r}: {ignored}')


def case_acpi_srat_1000_ranges(iso):
    """An SRAT of 1024 memory entries, 1 MiB each, the two domains taking turns:
    every entry is kept (the table is sized by the SRAT), each node gets its
    512 interleaved ranges, every strategy verifies, every page is accounted."""
    memory = [(0, 0, 640 * 1024)] + [(mb % 2, mb * T.MiB, T.MiB) for mb in range(1, 1024)]
    tables = {'SRAT': T.srat(T.TWO_NODE_CPUS, memory)}
    good = boot_with(iso, {})
    b = boot_with(iso, tables, cmdline='strategy=all strategy.rounds=1')
    # GRUB puts the 41 KiB table in RAM it then lists as ACPI data: the RAM
    # to account is what the map the kernel received says, near the plain boot's.
    plain = one(good.records, 'result')['total_pages']
    pages = sum(end - start for start, end in one(b.records, 'boot')['mem_ranges']) // 4096
    check(plain - 16 <= pages <= plain, f'{pages} RAM pages, plain boot {plain}')
    check_no_unparsable(b)
    check(b.status == EXIT_OK, f'exit {b.status}')
    check(not b.errors(), f'unexpected @error records: {b.errors()}')
    for r in of_type(b.records, 'result'):
        check(r['verified'] is True and r['total_pages'] == pages and
              r['total_pages'] == r['free_pages'] + r['reserved_pages'] + r['allocated_pages'],
              f'{r["strategy"]}: {r["total_pages"]} pages (want {pages}), verified {r["verified"]}')
    nodes = one(b.records, 'topology')['nodes']
    # 512 each; the pages GRUB took for the table can split one more.
    check(all(512 <= len(n['ranges']) <= 513 for n in nodes) and len(nodes) == 2,
          f'ranges per node: {[len(n["ranges"]) for n in nodes]}')
    check(sum(n['pages'] for n in nodes) == pages, f'node pages {[n["pages"] for n in nodes]} of {pages}')


CASES = {'acpi_ignored': case_acpi_ignored, 'acpi_srat_1000_ranges': case_acpi_srat_1000_ranges, 'acpi_good_tables': case_acpi_good_tables, 'acpi_madt_lies': table_case('APIC'),
         'acpi_srat_lies': table_case('SRAT'), 'acpi_slit_lies': table_case('SLIT')}
