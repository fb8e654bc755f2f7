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
PAGE = 4096
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


def case_sparse_fragmented_firmware_map(iso):
    # GRUB's cutmem takes a 4 KiB page out of the memory map it hands over every
    # 16 MiB from 16 MiB: the firmware map itself arrives in 65 pieces, over 16
    # RAM ranges a node, with no memmap= word at all.
    plain = boot(iso, cmdline='strategy=bsp', qemu_args=TWO_NODES)
    baseline = one(plain.records, 'result')['total_pages']
    holes = range(16 * MiB, 1024 * MiB, 16 * MiB)
    scratch = tempfile.mkdtemp(prefix='sparse-case.')
    try:
        patched = iso_with_grub_commands(iso, ['insmod mmap'] + [f'cutmem {a // 1024}K {(a + PAGE) // 1024}K'
                                                                for a in holes], scratch)
        b = boot(patched, cmdline='strategy=all strategy.rounds=1', qemu_args=TWO_NODES)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    check_accounted(b, f'{len(holes)} firmware holes', baseline - len(holes))
    rec = one(b.records, 'boot')
    check(rec['mem_carved'] == [], f'the holes came from memmap=: {rec["mem_carved"]}')
    check(len(rec['mem_ranges']) == len(holes) + 2, f'{len(rec["mem_ranges"])} usable ranges')
    ranges = node_ranges(b)
    check(min(ranges) > 16, f'RAM ranges per node: {ranges}')


CASES = {
    'sparse_many_memmap_holes': case_sparse_many_memmap_holes,
    'sparse_fragmented_firmware_map': case_sparse_fragmented_firmware_map,
}
