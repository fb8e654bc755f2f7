"""Memory as real machines lay it out: RAM in many pieces. A node may have
as many RAM ranges as the firmware map and the memmap= holes give it; every
page stays accounted for, every strategy verifies, and no record is lost."""
import os
import shutil
import subprocess
import tempfile

from bootlib import EXIT_OK, boot, check, check_no_unparsable
from meminit_bench.records import of_type, one
from meminit_bench.topology import machine

MiB = 1 << 20
GiB = 1 << 30
PAGE = 4096
STRUCT_PAGE = 64        # mm/page.h: bytes of a struct page
SECTION = 128 * MiB     # mm/memmap.c: a stretch without RAM has no struct pages
TWO_NODES = machine(2, 2, 1024 * MiB).qemu_args()
PARAM_VALUE_MAX = 255   # init/params.h: a word's value is cut past this
CMDLINE_ROOM = 990      # of the 1024 bytes multiboot2 hands over, some kept for other words


def memmap_words(holes, room=CMDLINE_ROOM):
    """As many of @holes ((start, size) in bytes) as fit, written as memmap=
    words of comma lists; returns (words, holes written)."""
    words, cur, used = [], [], []

    def text(ws, c):
        return ' '.join(ws + ([f'memmap={",".join(c)}'] if c else []))

    for start, size in holes:
        item = f'{size // 1024}K${start // MiB}M' if start % MiB == 0 else f'{size // 1024}K${start:#x}'
        if len(f'memmap={",".join(cur + [item])}') > PARAM_VALUE_MAX:
            words.append(f'memmap={",".join(cur)}')
            cur = []
        if len(text(words, cur + [item])) > room:
            break
        cur.append(item)
        used.append((start, size))
    if cur:
        words.append(f'memmap={",".join(cur)}')
    return words, used


def check_accounted(b, what, want_pages):
    """Every run verified, one digest, every page accounted, @boot printed whole."""
    check_no_unparsable(b)
    check(b.status == EXIT_OK, f'{what}: exit {b.status}')
    check(not b.errors(), f'{what}: unexpected @error records: {b.errors()}')
    results = of_type(b.records, 'result')
    check(results, f'{what}: no @result')
    for r in results:
        check(r['verified'], f'{what}: {r["strategy"]} not verified')
        check(r['total_pages'] == want_pages, f'{what}: {r["strategy"]} has {r["total_pages"]} pages, want {want_pages}')
        check(r['total_pages'] == r['free_pages'] + r['reserved_pages'] + r['allocated_pages'],
              f'{what}: {r["strategy"]} loses pages')
    check(len({r['digest'] for r in results}) == 1, f'{what}: digests differ')
    return results


def node_ranges(b):
    return [len(n['ranges']) for n in one(b.records, 'topology')['nodes']]


def case_sparse_many_memmap_holes(iso):
    # One 4 KiB hole every 8 MiB from 16 MiB on both nodes of a 1 GiB machine:
    # each node gets dozens of RAM ranges (16 was once the most a node could list).
    plain = boot(iso, cmdline='strategy=bsp', qemu_args=TWO_NODES)
    baseline = one(plain.records, 'result')['total_pages']
    words, holes = memmap_words([(a * MiB, PAGE) for a in range(16, 1024, 8)])
    check(len(holes) > 100, f'only {len(holes)} holes fit the command line')
    b = boot(iso, cmdline=' '.join(words + ['strategy=all', 'strategy.rounds=1']), qemu_args=TWO_NODES)
    check_accounted(b, f'{len(holes)} memmap= holes', baseline - len(holes))
    rec = one(b.records, 'boot')
    check(len(rec['mem_carved']) == len(holes), f'mem_carved has {len(rec["mem_carved"])} of {len(holes)}')
    ranges = node_ranges(b)
    check(sum(ranges) >= len(holes) and min(ranges) > 16, f'RAM ranges per node: {ranges}')


def iso_with_grub_commands(iso, commands, out_dir):
    """A copy of @iso whose GRUB runs @commands (lines of grub.cfg) just
    before it loads the kernel: the route the lying ACPI tables take."""
    work = tempfile.mkdtemp(dir=out_dir)
    cfg = os.path.join(work, 'grub.cfg')
    subprocess.run(['xorriso', '-osirrox', 'on', '-indev', iso, '-extract', '/boot/grub/grub.cfg', cfg],
                   check=True, capture_output=True)
    os.chmod(cfg, 0o644)
    with open(cfg) as f:
        text = f.read()
    anchor = '    multiboot2 /boot/meminit.elf'
    check(anchor in text, 'the ISO\'s grub.cfg has no multiboot2 line to put the commands before')
    with open(cfg, 'w') as f:
        f.write(text.replace(anchor, ''.join(f'    {c}\n' for c in commands) + anchor, 1))
    out = os.path.join(work, 'grub-commands.iso')
    subprocess.run(['xorriso', '-indev', iso, '-outdev', out, '-boot_image', 'any', 'replay', '-hfsplus', 'off',
                    '-map', cfg, '/boot/grub/grub.cfg'], check=True, capture_output=True)
    return out


def boot_with_firmware_holes(iso, every, qemu_args=TWO_NODES, last=1024 * MiB, first=16 * MiB):
    """Boot strategy=all with GRUB's cutmem taking a 4 KiB page out of the memory
    map it hands over every @every bytes from @first up to @last; return (the
    boot, the holes, the RAM pages of the same machine without them)."""
    plain = boot(iso, cmdline='strategy=bsp', qemu_args=qemu_args)
    baseline = one(plain.records, 'result')['total_pages']
    holes = range(first, last, every)
    scratch = tempfile.mkdtemp(prefix='sparse-case.')
    try:
        patched = iso_with_grub_commands(iso, ['insmod mmap'] + [f'cutmem {a // 1024}K {(a + PAGE) // 1024}K'
                                                                for a in holes], scratch)
        return boot(patched, cmdline='strategy=all strategy.rounds=1', qemu_args=qemu_args,
                    timeout=400), holes, baseline
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def case_sparse_fragmented_firmware_map(iso):
    # Every 16 MiB: the firmware map itself arrives in 65 pieces, over 16 RAM
    # ranges a node, with no memmap= word at all.
    b, holes, baseline = boot_with_firmware_holes(iso, 16 * MiB)
    check_accounted(b, f'{len(holes)} firmware holes', baseline - len(holes))
    rec = one(b.records, 'boot')
    check(rec['mem_carved'] == [], f'the holes came from memmap=: {rec["mem_carved"]}')
    check(len(rec['mem_ranges']) == len(holes) + 2, f'{len(rec["mem_ranges"])} usable ranges')
    ranges = node_ranges(b)
    check(min(ranges) > 16, f'RAM ranges per node: {ranges}')


def case_sparse_fragmented_every_8m(iso):
    # cutmem every 8 MiB: no free block of a node is 8 MiB, smaller than its
    # mem_map in one piece (once "no 8386432 bytes for node 1's mem_map"); the
    # struct pages go in pieces and every page is still accounted.
    b, holes, baseline = boot_with_firmware_holes(iso, 8 * MiB)
    check_accounted(b, f'{len(holes)} firmware holes 8 MiB apart', baseline - len(holes))
    check(one(b.records, 'boot')['mem_carved'] == [], 'the holes came from memmap=')


def case_sparse_1000_firmware_ranges(iso):
    # A page cut out every MiB: the firmware map arrives with over 2000
    # entries, 1002 RAM ranges on one node, more than any table in the kernel
    # image holds; the map is read in place and normalized in RAM the map
    # itself says is free, and memblock's tables grow. Every page accounted.
    # The holes fill the upper half of 2 GiB: no free block there holds a section's
    # 2 MiB of struct pages (a section's are one block), so they go in the lower half.
    one_node = machine(1, 2, 2048 * MiB).qemu_args()
    b, holes, baseline = boot_with_firmware_holes(iso, MiB, one_node, 2024 * MiB, first=1024 * MiB)
    check(len(holes) == 1000, f'{len(holes)} holes')
    rec = one(b.records, 'boot')
    ram = rec['mem_ranges']
    check(rec['mem_carved'] == [], f'the holes came from memmap=: {rec["mem_carved"]}')
    check(len(ram) == len(holes) + 2, f'{len(ram)} usable ranges')
    gaps = [(end, nxt) for (_, end), (nxt, _) in zip(ram[1:], ram[2:])]
    check(gaps == [(a, a + PAGE) for a in holes], 'the usable ranges are not cut exactly at the holes')
    # GRUB keeps a few more pages of low memory for itself with so long a
    # configuration (the map's first range ends lower), so the pages are
    # counted from the map the kernel received, and checked against the plain boot.
    want = sum(end - start for start, end in ram) // PAGE
    check(baseline - len(holes) - 16 <= want <= baseline - len(holes), f'{want} RAM pages, plain boot {baseline}')
    results = check_accounted(b, '1000 firmware holes', want)
    check(node_ranges(b) == [len(holes) + 2], f'RAM ranges per node: {node_ranges(b)}')
    # The map's table in RAM goes back at the end, every page still accounted: the free pages are
    # the last run's plus what came back. The loader's 48 KiB of boot information, read and copied,
    # were free RAM in the layout already.
    late = one(b.records, 'kmalloc')
    check(late['returned_late'].get('memory_map_table', 0) > 0 and 'boot_info' not in late['returned_late'],
          f'given back late: {late["returned_late"]}')
    check(late['free_pages_after_return'] == results[-1]['free_pages'] + late['returned_late_bytes'] // PAGE,
          f'{late["free_pages_after_return"]} free after the return, {results[-1]["free_pages"]} + '
          f'{late["returned_late_bytes"]} bytes')


def mem_map_bound(rec):
    """At most 1/64 of RAM plus one section's struct pages per RAM range."""
    ranges = sum(len(n['ranges']) for n in rec['nodes'])
    return rec['pages'] * STRUCT_PAGE + ranges * (SECTION // PAGE) * STRUCT_PAGE


def topology_pages(b):
    topo = one(b.records, 'topology')
    return {'pages': sum(n['pages'] for n in topo['nodes']), 'nodes': topo['nodes']}


def case_sparse_2tib_span(iso):
    # QEMU puts the RAM above 4 GiB at 1 TiB for an AMD CPU when it would reach
    # the HyperTransport hole: 1 TiB of lazily backed RAM spans 0..2 TiB, and
    # memmap= carves all but the top 1 GiB of it away. 3 GiB over a 2 TiB span:
    # struct pages only where RAM is, every strategy verified.
    high = 1024 * GiB
    words = [f'memmap={(1021 * GiB) // MiB}M${high // MiB}M']
    b = boot(iso, cmdline=' '.join(words + ['strategy=all', 'strategy.rounds=1']),
             runner_args=['--mem', '1T'], qemu_args=['-cpu', 'EPYC,phys-bits=48', '-smp', '2'])
    topo = topology_pages(b)
    results = check_accounted(b, '3 GiB over 2 TiB', topo['pages'])
    span = sum(n['span_pages'] for n in results[0]['nodes'])
    check(span * PAGE > 2 * high - 4 * GiB, f'span {span * PAGE:#x} is not about 2 TiB')
    check(3 * GiB - 64 * MiB < topo['pages'] * PAGE <= 3 * GiB, f'{topo["pages"] * PAGE:#x} bytes of RAM')
    bound = mem_map_bound(topo)
    for r in results:
        check(r['mem_map_bytes'] <= bound, f'{r["strategy"]}: mem_map {r["mem_map_bytes"]} > {bound}')
        check(r['mem_map_bytes'] >= r['total_pages'] * STRUCT_PAGE, f'{r["strategy"]}: mem_map too small')
        check(r['absent_pages'] + r['mem_map_bytes'] // STRUCT_PAGE == span,
              f'{r["strategy"]}: absent {r["absent_pages"]} + present is not the span {span}')


def case_sparse_large_hole(iso):
    # 64 GiB with a 60 GiB hole (memmap=) against a 4 GiB machine: the same RAM,
    # the same mem_map bytes to within a section per range, and the hole unwritten.
    small = boot(iso, cmdline='strategy=bsp', runner_args=['--mem', '4G'])
    big = boot(iso, cmdline=f'memmap={60 * GiB // MiB}M${4 * GiB // MiB}M strategy=bsp', runner_args=['--mem', '64G'])
    rs = check_accounted(small, '4 GiB', topology_pages(small)['pages'])[0]
    rb = check_accounted(big, '64 GiB, 60 GiB hole', topology_pages(big)['pages'])[0]
    check(rb['total_pages'] == rs['total_pages'], f'RAM differs: {rb["total_pages"]} vs {rs["total_pages"]}')
    check(abs(rb['mem_map_bytes'] - rs['mem_map_bytes']) * 10 <= rs['mem_map_bytes'],
          f'mem_map {rb["mem_map_bytes"]} vs {rs["mem_map_bytes"]}: more than 10% apart')
    check(rb['absent_pages'] * PAGE >= 60 * GiB - 2 * SECTION, f'only {rb["absent_pages"]} absent pages')


CASES = {
    'sparse_many_memmap_holes': case_sparse_many_memmap_holes,
    'sparse_fragmented_firmware_map': case_sparse_fragmented_firmware_map,
    'sparse_fragmented_every_8m': case_sparse_fragmented_every_8m,
    'sparse_1000_firmware_ranges': case_sparse_1000_firmware_ranges,
    'sparse_2tib_span': case_sparse_2tib_span,
    'sparse_large_hole': case_sparse_large_hole,
}
