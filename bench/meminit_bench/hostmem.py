"""How the host backs a guest's RAM, and the boots of one emulator process.

QEMU backs guest RAM lazily: the host faults each page in when the guest
first touches it, inside whatever the guest is timing. A real machine has no
such first touch (its boot is guest-cold but host-warm), so a figure worth
comparing comes from a boot whose RAM the host had already backed:

    lazy      reserve=off, one process per boot: every boot pays the host's
              page faults (host-cold). Kept for comparison, never the default.
    prealloc  prealloc=on: QEMU faults every page in before the guest starts;
              every boot is host-warm. For small guests that fit in host RAM.
    warm      reserve=off, several boots in one process with a reset between
              them: the first boot faults the pages in (a host-cold warm-up,
              kept and labelled as such), the later ones find them backed.
              For larger guests, up to far larger than the host: the kernel
              touches only its mem_map, not the memory it describes.

bench/run-qemu writes a marker line into the console before every boot of a
process; split() cuts a console log at those lines, so that every record is
attributed to its boot.
"""
import json
import os
import re

GiB = 1 << 30
MODES = ('lazy', 'prealloc', 'warm')
# prealloc only when the guest leaves this much of the host's available
# memory free, and only up to half of what is left: another boot of the same
# size may be starting at once (two host cores, two QEMU processes).
HOST_MARGIN = 4 * GiB
# ... and only up to this size: preallocating costs the host time per GiB at
# every QEMU start (measured on a loaded 2-core host: 4 GiB ~10 s, 8 GiB
# 45-50 s), while a warm-up boot faults in only what the kernel touches (its
# mem_map, 1.6% of RAM) in ~2 s. Beyond it "what fits" is warm.
PREALLOC_MAX = 2 * GiB
MARKER = re.compile(r'^run-qemu boot (\{.*\})\s*$')


def available_bytes(meminfo='/proc/meminfo'):
    """The host's MemAvailable, or None where it cannot be read."""
    try:
        with open(meminfo) as f:
            for line in f:
                if line.startswith('MemAvailable:'):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def fits(guest_bytes, available):
    """True when preallocating @guest_bytes leaves the host its margin."""
    return available is not None and guest_bytes <= (available - HOST_MARGIN) / 2


def choose(guest_bytes, boots, available):
    """The mode "what fits" picks: prealloc when the guest fits and is small
    enough to preallocate quickly; otherwise warm for several boots and lazy
    for a single one (a warm-up boot would double a single boot's cost and
    give one warm figure)."""
    if guest_bytes and guest_bytes <= PREALLOC_MAX and fits(guest_bytes, available):
        return 'prealloc'
    return 'warm' if boots > 1 else 'lazy'


def choose_for_workload(guest_bytes, boots, available):
    """The mode for a boot whose workload touches memory beyond the mem_map
    (benchmark mode's steady workload and late node: pages that arrive in
    background chunks, which differ from boot to boot): a warm-up boot backs
    only the pages it touched, and a page faulted in later stalls the guest for
    milliseconds inside a latency window. So prealloc wherever the guest fits
    in host RAM, at any size; else as choose()."""
    if guest_bytes and fits(guest_bytes, available):
        return 'prealloc'
    return choose(guest_bytes, boots, available)


def boot_plan(mode, boots):
    """[(host_memory, repeat)] of every boot the mode runs for @boots measured
    boots: warm runs one host-cold warm-up first, labelled lazy (its RAM was
    lazily backed and not yet touched), then the warm ones."""
    if mode == 'warm':
        return [('lazy', 1)] + [('warm', i) for i in range(1, boots + 1)]
    return [(mode, i) for i in range(1, boots + 1)]


def host_cold(host_memory):
    """True for a boot whose RAM the host backed while it ran."""
    return host_memory == 'lazy'


def backend_options(mode):
    """The memory-backend-ram options of a mode. QEMU preallocates with one
    thread unless told otherwise: one per host core takes 8 GiB here in about
    5 s instead of 20."""
    if mode == 'prealloc':
        return f'prealloc=on,prealloc-threads={os.cpu_count() or 1}'
    return 'reserve=off'


def backed(qemu_args, mode):
    """@qemu_args with every memory-backend-ram object backed as @mode wants
    (reserve=off or prealloc=on in place of whichever it had)."""
    out, want = [], backend_options(mode)
    for arg in qemu_args:
        if arg.startswith('memory-backend-ram,'):
            parts = [p for p in arg.split(',') if not p.startswith(('reserve=', 'prealloc=', 'prealloc-threads='))]
            arg = ','.join(parts + [want])
        out.append(arg)
    return out


def guest_bytes(qemu_args):
    """The guest's RAM from its memory-backend-ram sizes, else its -m, else 0."""
    total, m_size = 0, None
    for i, arg in enumerate(qemu_args):
        if arg.startswith('memory-backend-ram,'):
            for part in arg.split(','):
                if part.startswith('size='):
                    total += _bytes(part[5:])
        elif arg in ('-m', '--m') and i + 1 < len(qemu_args):
            first = qemu_args[i + 1].split(',')[0]
            m_size = _bytes(first[5:] if first.startswith('size=') else first, default_unit='M')
    return total or m_size or 0


def _bytes(text, default_unit=''):
    match = re.fullmatch(r'(\d+(?:\.\d+)?)([kKmMgGtT]?)[bB]?', text.strip())
    if not match:
        return 0
    unit = (match.group(2) or default_unit).upper()
    return int(float(match.group(1)) * {'': 1, 'K': 1 << 10, 'M': 1 << 20, 'G': GiB, 'T': 1 << 40}[unit])


def marker(index, boots, host_memory, repeat):
    """The line bench/run-qemu writes into the console before a boot."""
    return 'run-qemu boot ' + json.dumps({'boot': index, 'boots': boots, 'host_memory': host_memory,
                                          'repeat': repeat}, sort_keys=True)


def split(text):
    """[(marker dict or None, text of that boot)]: a console log cut at the
    marker lines. A log without markers is one boot, marker None."""
    pieces, current, lines = [], None, []
    for line in text.splitlines(keepends=True):
        match = MARKER.match(line.strip('\r\n'))
        if match:
            if current is not None or any(ln.strip() for ln in lines):
                pieces.append((current, ''.join(lines)))
            try:
                current = json.loads(match.group(1))
            except ValueError:
                current = {}
            lines = []
            continue
        lines.append(line)
    if current is not None or any(ln.strip() for ln in lines):
        pieces.append((current, ''.join(lines)))
    return pieces
