"""The Linux reference: Debian's own 6.1 kernel booted on a meminit topology,
timing its deferred struct page init ("node N deferred pages initialised in
Xms") so that bench/compare can put Linux's figures beside meminit's.

    vmlinux(cache_dir)      Debian's kernel, fetched once, as an ELF vmlinux
    run(topology, ...)      boot it under QEMU and return the figures (a dict)
    run_boots(topology, boots=N, host_memory=...)
                            boot it N times in one QEMU (bench/meminit_bench/hostmem.py): a
                            list of figures, one per boot
    parse(text, topology, hz)  the figures from a console log; never raises

The kernel is fetched with apt (never installed) and booted through its PVH
ELF note with QEMU's -kernel, so no firmware disk, initramfs or root file
system is needed: memory init happens long before the kernel panics for want
of a root, and as soon as every node has reported its deferred init the run
is stopped, or the machine reset for the next boot (QMP system_reset; a
panic=-1 reboot would come too, seconds later). Python 3 standard library only.

Linux prints its deferred init in whole jiffies (1000/CONFIG_HZ ms). Each
figure carries the band its slowest node surely lies in
(slowest_node_bounds_ms): the printed ms plus or minus one jiffy, its upper
end narrowed by the printk time stamps (the node's line, less the
"smpboot: Total of N processors activated" line that precedes every node's
start) when they say less.
"""
import bz2
import glob
import gzip
import io
import json
import lzma
import os
import re
import shutil
import struct
import subprocess
import tarfile
import tempfile
import threading
import time

from . import hostmem
from .console import kill_group
from .qmp import Qmp, QmpError

PAGE_SIZE = 4096
PAGES_PER_SECTION = 1 << 15   # x86_64 SECTION_SIZE_BITS 27: 128 MiB
DEFAULT_TIMEOUT = 300.0
# loglevel=7 (Debian's default too) lets every pr_info line we parse reach
# the serial console. tsc=reliable: QEMU's TCG "max" CPU has an AMD vendor
# and no constant_tsc, so Linux would call the TSC unsynchronized and keep
# time with jiffies until the HPET registers, after deferred init; its
# clock then lags the host's and the boot runs slower (measured here: the
# 4 GiB 2-node deferred init 80-112 ms without, 24-64 ms with). A real
# machine's TSC is stable, and the TSC under TCG is the host's. Nothing else
# is changed, to time the kernel as Debian ships it. panic=-1 with QEMU's
# -no-reboot ends a single boot if it is not stopped earlier; with several
# boots in one QEMU the runner resets the machine.
KERNEL_CMDLINE = 'console=ttyS0 panic=-1 loglevel=7 tsc=reliable'


class Unavailable(Exception):
    """The reference cannot run here; the message says why."""


# ---------------------------------------------------------------------------
# Fetching the kernel

META_PACKAGE = 'linux-image-amd64'


def _cache_dir(cache_dir):
    if cache_dir:
        return cache_dir
    base = os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache')
    return os.path.join(base, 'meminit', 'linux')


def _tool(cmd, why, cwd=None):
    """Run an apt/dpkg command; its failure means the reference is unavailable."""
    try:
        done = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=600)
    except FileNotFoundError:
        raise Unavailable(f'{why}: {cmd[0]} is not installed') from None
    except subprocess.TimeoutExpired:
        raise Unavailable(f'{why}: {cmd[0]} took over 10 minutes') from None
    if done.returncode != 0:
        errors = [ln for ln in done.stderr.splitlines() if ln.startswith('E:')] or \
            done.stderr.strip().splitlines()[-1:] or [f'exit status {done.returncode}']
        raise Unavailable(f'{why}: {errors[-1]}')
    return done.stdout


def _package_lists_present():
    return bool(glob.glob('/var/lib/apt/lists/*_Packages*'))


def _depends(package):
    """The packages @package depends on, first alternative of each."""
    out = _tool(['apt-cache', 'depends', '--no-recommends', '--no-suggests', package],
                f'looking up {package}')
    return [m.group(1) for m in re.finditer(r'^\s*\|?Depends: <?([^\s>]+)', out, re.MULTILINE)]


def unsigned_image_package():
    """The linux-image-*-amd64-unsigned package behind linux-image-amd64.

    The meta package depends on the signed image (linux-image-6.1.0-NN-amd64),
    built from the same source as linux-image-6.1.0-NN-amd64-unsigned, which
    holds the same kernel without the Secure Boot signature."""
    if not _package_lists_present():
        if os.geteuid() != 0:
            raise Unavailable('apt has no package lists and updating them needs root')
        _tool(['apt-get', 'update', '-qq'], 'apt-get update')
    images = [p for p in _depends(META_PACKAGE) if p.startswith('linux-image-')]
    if not images:
        raise Unavailable(f'{META_PACKAGE} depends on no kernel image (apt lists stale or empty?)')
    image = images[0]
    unsigned = image if image.endswith('-unsigned') else image + '-unsigned'
    _tool(['apt-cache', 'show', unsigned], f'looking up {unsigned}')
    return unsigned


def decompress_bzimage(data):
    """The ELF vmlinux inside a bzImage.

    Boot protocol 2.08+ gives the payload's place (setup header fields
    payload_offset at 0x248 and payload_length at 0x24c, counted from the
    protected-mode code after the setup sectors); the compressor is told by
    the payload's magic bytes. Older images are searched for a magic."""
    starts = []
    if data[0x202:0x206] == b'HdrS' and struct.unpack_from('<H', data, 0x206)[0] >= 0x208:
        setup_sects = data[0x1f1] or 4
        offset, length = struct.unpack_from('<II', data, 0x248)
        starts.append(((setup_sects + 1) * 512 + offset, length))
    decoders = [
        (b'\xfd7zXZ\x00', lambda b: lzma.LZMADecompressor(lzma.FORMAT_XZ).decompress(b)),
        (b'\x1f\x8b\x08', lambda b: gzip.GzipFile(fileobj=io.BytesIO(b)).read()),
        (b'BZh', lambda b: bz2.BZ2Decompressor().decompress(b)),
        (b'\x5d\x00\x00', lambda b: lzma.LZMADecompressor(lzma.FORMAT_ALONE).decompress(b)),
    ]
    unreadable = {b'\x28\xb5\x2f\xfd': 'zstd', b'\x02\x21\x4c\x18': 'lz4', b'\x89LZO': 'lzo'}
    if not starts:
        starts = [(data.find(magic), None) for magic, _ in decoders if data.find(magic) > 0]
    for start, length in starts:
        payload = data[start:start + length] if length else data[start:]
        for magic, decode in decoders:
            if payload.startswith(magic):
                try:
                    elf = decode(payload)
                except (OSError, EOFError, lzma.LZMAError, ValueError) as e:
                    raise Unavailable(f'the kernel payload does not decompress: {e}') from None
                if elf.startswith(b'\x7fELF'):
                    return elf
        for magic, name in unreadable.items():
            if payload.startswith(magic):
                raise Unavailable(f'the kernel is {name}-compressed, which Python cannot read')
    raise Unavailable('no compressed kernel payload found in the bzImage')


def has_pvh_entry(elf):
    """True if the ELF has a Xen note of type 18 (XEN_ELFNOTE_PHYS32_ENTRY),
    which QEMU's -kernel needs to boot a vmlinux."""
    # An ELF note: namesz 4, descsz, type 18, then the name "Xen\0".
    return re.search(rb'\x04\x00\x00\x00.\x00\x00\x00\x12\x00\x00\x00Xen\x00', elf, re.DOTALL) is not None


def _extract_boot(deb, into):
    """Write the files under /boot of the package @deb to @into/boot/."""
    os.makedirs(os.path.join(into, 'boot'), exist_ok=True)
    with subprocess.Popen(['dpkg-deb', '--fsys-tarfile', deb], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL) as dpkg:
        try:
            with tarfile.open(fileobj=dpkg.stdout, mode='r|') as tar:
                for member in tar:
                    parts = member.name.lstrip('./').split('/')
                    if member.isfile() and len(parts) == 2 and parts[0] == 'boot':
                        with open(os.path.join(into, 'boot', parts[1]), 'wb') as out:
                            shutil.copyfileobj(tar.extractfile(member), out)
        except tarfile.TarError as e:
            raise Unavailable(f'dpkg-deb cannot read {os.path.basename(deb)}: {e}') from None


def vmlinux(cache_dir=None):
    """Path of Debian's uncompressed kernel, fetched and extracted on the
    first call and reused afterwards (delete the cache folder to fetch the
    archive's current kernel again). Raises Unavailable."""
    cache = _cache_dir(cache_dir)
    stamp = os.path.join(cache, 'vmlinux.json')
    try:
        with open(stamp) as f:
            path = os.path.join(cache, json.load(f)['vmlinux'])
        if os.path.isfile(path):
            return path
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        os.makedirs(cache, exist_ok=True)
    except OSError as e:
        raise Unavailable(f'cannot create the cache folder {cache}: {e.strerror}') from None
    package = unsigned_image_package()
    with tempfile.TemporaryDirectory(dir=cache) as work:
        _tool(['apt-get', 'download', '-q', package], f'downloading {package}', cwd=work)
        debs = glob.glob(os.path.join(work, '*.deb'))
        if not debs:
            raise Unavailable(f'apt-get download {package} left no .deb')
        # Only /boot is needed: reading dpkg-deb's tar stream spares writing
        # the package's few hundred MiB of modules (what dpkg -x would do).
        _extract_boot(debs[0], work)
        images = glob.glob(os.path.join(work, 'boot', 'vmlinuz-*'))
        if not images:
            raise Unavailable(f'{package} has no /boot/vmlinuz-*')
        release = os.path.basename(images[0])[len('vmlinuz-'):]
        with open(images[0], 'rb') as f:
            elf = decompress_bzimage(f.read())
        if not has_pvh_entry(elf):
            raise Unavailable(f'Linux {release} has no PVH entry (CONFIG_PVH), QEMU cannot boot it')
        name = f'vmlinux-{release}'
        with open(os.path.join(work, name), 'wb') as f:
            f.write(elf)
        os.replace(os.path.join(work, name), os.path.join(cache, name))
        config = os.path.join(work, 'boot', f'config-{release}')
        if os.path.isfile(config):
            shutil.copy(config, os.path.join(cache, f'config-{release}'))
        with open(stamp + '.tmp', 'w') as f:
            json.dump({'package': package, 'release': release, 'vmlinux': name,
                       'deb': os.path.basename(debs[0])}, f)
        os.replace(stamp + '.tmp', stamp)
    return os.path.join(cache, name)


# ---------------------------------------------------------------------------
# Which pages Linux 6.1 defers

# x86_64 zone limits in page frames; ZONE_MOVABLE stays empty without
# kernelcore=/movablecore=.
ZONES = (('DMA', 0, 1 << 12), ('DMA32', 1 << 12, 1 << 20), ('Normal', 1 << 20, 1 << 52))


def deferred_pages(node_ranges, zones=ZONES):
    """{node: (first_deferred_pfn, pages)} under Linux 6.1's defer_init().

    node_ranges: {node: [(start_pfn, end_pfn), ...]} of memory (end exclusive),
    as memblock knows it ("Early memory node ranges"). zones: (name, lo, hi).

    defer_init() defers only in the node's last zone (the one whose end is the
    node's end): it counts the memory pages it initialises there, and at the
    first section-aligned pfn reached after more than one section's worth
    (PAGES_PER_SECTION), it stops; everything from that pfn up to the node's
    end is left to the node's deferred init thread. A node whose last zone
    has too little memory defers nothing (and prints no line)."""
    result = {}
    for node, ranges in node_ranges.items():
        ranges = sorted(r for r in ranges if r[1] > r[0])
        if not ranges:
            continue
        node_start, node_end = ranges[0][0], max(r[1] for r in ranges)
        last_zone = None
        for _, lo, hi in zones:
            if max(lo, node_start) < min(hi, node_end):
                last_zone = (max(lo, node_start), min(hi, node_end))
        if last_zone is None or last_zone[1] < node_end:
            result[node] = (None, 0)
            continue
        zone_start = last_zone[0]
        counted, first = 0, None
        for start, end in ranges:
            start = max(start, zone_start)
            if start >= end:
                continue
            # The pfn where the count first exceeds a section, then the next
            # section boundary at or after it within this range.
            candidate = start + max(PAGES_PER_SECTION - counted, 0)
            candidate = -(-candidate // PAGES_PER_SECTION) * PAGES_PER_SECTION
            if candidate < end:
                first = candidate
                break
            counted += end - start
        if first is None:
            result[node] = (None, 0)
            continue
        pages = sum(max(0, end - max(start, first)) for start, end in ranges)
        result[node] = (first, pages)
    return result


def q35_node_ranges(topology):
    """{node: [(start_pfn, end_pfn)]} of usable memory on QEMU 7.2's q35
    machine for @topology, as the firmware's e820 and QEMU's SRAT give it.

    RAM fills [0, below_4g) then [4 GiB, ...): below_4g is 2 GiB once RAM
    reaches 2.75 GiB, else all of it. Nodes take RAM in order. Linux never
    uses page 0, the legacy hole 0x9f000-0x100000 (the EBDA and BIOS area)
    is not RAM, and SeaBIOS keeps the top 128 KiB below 4 GiB for its
    tables."""
    total = topology.mem_total
    below_4g = min(total, 0x80000000 if total >= 0xb0000000 else 0xb0000000)
    usable = [(1, 0x9f), (0x100, (below_4g - (128 << 10)) // PAGE_SIZE)]
    if total > below_4g:
        usable.append((1 << 20, (1 << 20) + (total - below_4g) // PAGE_SIZE))
    ranges, base = {}, 0
    for node, spec in enumerate(topology.nodes):
        if not spec.mem:
            continue
        # The node's guest-physical pieces: its slice of the RAM sequence.
        lo, hi = base, base + spec.mem // PAGE_SIZE
        base = hi
        pieces = []
        offset = 0
        for start, end in ((0, below_4g // PAGE_SIZE), (1 << 20, (1 << 20) + (total - below_4g) // PAGE_SIZE)):
            size = end - start
            a, b = max(lo, offset), min(hi, offset + size)
            if a < b:
                pieces.append((start + a - offset, start + b - offset))
            offset += size
        ranges[node] = [(max(a, ua), min(b, ub)) for a, b in pieces for ua, ub in usable
                        if max(a, ua) < min(b, ub)]
    return ranges


def padata_threads(node_cpus, pages):
    """Threads deferred_init_memmap() uses on a node in 6.1: padata's
    max_threads is deferred_page_init_max_threads() = the node's CPU count,
    at least 1 (a CPU-less node's thread runs anywhere, alone); padata starts
    no more works than the job has sections (min_chunk = one section)."""
    return max(1, min(max(node_cpus, 1), pages // PAGES_PER_SECTION))


# ---------------------------------------------------------------------------
# Reading the console

STAMP = re.compile(r'^\[\s*(\d+\.\d+)\] ?(.*)$')
VERSION = re.compile(r'Linux version (\S+)')
SMPBOOT = re.compile(r'smpboot: Total of (\d+) processors? activated')
DEFERRED = re.compile(r'node (\d+) deferred pages initialised in (\d+)ms')
MEMORY_RANGE = re.compile(r'^\s+node\s+(\d+): \[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\]$')
ZONE_RANGE = re.compile(r'^\s+(DMA|DMA32|Normal)\s+\[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\]$')
SRAT_CPU = re.compile(r'SRAT: PXM \d+ -> APIC 0x[0-9a-f]+ -> Node (\d+)$')
PANIC = re.compile(r'Kernel panic - not syncing: (.*)')
MISSING_LINE = 'but no "deferred pages initialised" line'


def _round(value, digits=1):
    return None if value is None else round(value, digits)


def _scan(text):
    """What the console says, line by line: (found, node_lines, memory,
    zones, srat_cpus, panic, unreadable). Lines without a printk time stamp
    are skipped; those that are not even text count as unreadable."""
    found = {'kernel': None, 'cpus_activated': None, 'smpboot_ms': None}
    node_lines, memory, zones, srat_cpus, panic, unreadable = {}, {}, {}, {}, None, 0
    for raw in text.splitlines():
        line = raw.rstrip('\r')
        match = STAMP.match(line)
        if not match:
            if line.strip() and not line.isprintable():
                unreadable += 1
            continue
        ms, body = float(match.group(1)) * 1000, match.group(2)
        if (m := VERSION.match(body)) and not found['kernel']:
            found['kernel'] = m.group(1)
        elif m := SMPBOOT.search(body):
            found['cpus_activated'], found['smpboot_ms'] = int(m.group(1)), _round(ms, 3)
        elif m := DEFERRED.search(body):
            node_lines[int(m.group(1))] = (float(m.group(2)), ms)
        elif m := MEMORY_RANGE.match(body):
            start, last = int(m.group(2), 16), int(m.group(3), 16)
            memory.setdefault(int(m.group(1)), []).append(
                (-(-start // PAGE_SIZE), (last + 1) // PAGE_SIZE))
        elif m := ZONE_RANGE.match(body):
            zones[m.group(1)] = (int(m.group(2), 16) // PAGE_SIZE, (int(m.group(3), 16) + 1) // PAGE_SIZE)
        elif m := SRAT_CPU.search(body):
            srat_cpus[int(m.group(1))] = srat_cpus.get(int(m.group(1)), 0) + 1
        elif (m := PANIC.search(body)) and panic is None:
            panic = (m.group(1).strip(), ms)
        elif '\ufffd' in body:
            unreadable += 1
    return found, node_lines, memory, zones, srat_cpus, panic, unreadable


def parse(console_text, topology=None, hz=None):
    """The figures in a Linux console log, in run()'s dict shape (less
    status, seconds, accel and command). Anything missing or unreadable is
    left out or None and said in 'problems'; this never raises."""
    try:
        return _figures(console_text if isinstance(console_text, str) else '', topology, hz)
    except Exception as e:  # noqa: BLE001 -- a log we cannot read is a problem to report
        return {'kernel': None, 'cpus_activated': None, 'smpboot_ms': None, 'nodes': [],
                'deferred_pages_how': 'unknown: the log could not be parsed', 'deferred_pages': None,
                'slowest_node_ms': None, 'last_node_end_ms': None, 'smpboot_to_last_ms': None,
                'ns_per_page_machine': None, 'ns_per_page_per_thread': None, 'jiffy_ms': None,
                'slowest_node_bounds_ms': None, 'problems': [f'parser error: {type(e).__name__}: {e}']}


def slowest_bounds(nodes, smpboot_ms, jiffy_ms):
    """[low, high] ms the slowest node's deferred init surely took: each node
    within one jiffy of what it printed, and no longer than from the smpboot
    line to its own line; None without the jiffy length."""
    if not nodes or not jiffy_ms:
        return None
    low = max(max(0.0, n['ms'] - jiffy_ms) for n in nodes)
    highs = []
    for n in nodes:
        high = n['ms'] + jiffy_ms
        if smpboot_ms is not None and n.get('end_ms') is not None:
            high = min(high, n['end_ms'] - smpboot_ms)
        highs.append(high)
    return [_round(low, 3), _round(max(max(highs), low), 3)]


def _figures(text, topology, hz):
    problems = []
    if not text.strip():
        problems.append('empty console log')
    elif not text.endswith('\n'):
        problems.append('console log ends mid-line (truncated?)')
    found, node_lines, memory, zones, srat_cpus, panic, unreadable = _scan(text)
    if unreadable:
        problems.append(f'{unreadable} unreadable console lines')
    if text.strip() and not found['kernel']:
        problems.append('no "Linux version" line')
    if text.strip() and found['smpboot_ms'] is None:
        problems.append('no "smpboot: Total of N processors activated" line')
    if panic and (not node_lines or panic[1] < max(end for _, end in node_lines.values())):
        problems.append(f'kernel panic before deferred init finished: {panic[0]}')

    deferred, how = _deferred_pages(memory, zones, topology, problems)
    cpus_of = srat_cpus if srat_cpus else (
        {i: len(n.cpus) for i, n in enumerate(topology.nodes)} if topology else {})
    if not srat_cpus and not topology and node_lines:
        problems.append('CPUs per node unknown (no SRAT lines, no topology): 1 thread assumed')

    nodes = []
    for node in sorted(node_lines):
        ms, end_ms = node_lines[node]
        pages = deferred.get(node, (None, None))[1] if deferred is not None else None
        if deferred is not None and not pages:
            problems.append(f'node {node} reported deferred init, but no pages were expected deferred')
        threads = padata_threads(cpus_of.get(node, 0), pages or 0)
        per_page = ms * 1e6 / pages if pages else None
        nodes.append({'node': node, 'ms': ms, 'deferred_pages': pages, 'threads': threads,
                      'ns_per_page': _round(per_page),
                      'ns_per_page_per_thread': _round(per_page * threads if per_page else None),
                      'end_ms': _round(end_ms, 3)})
    if deferred is not None:
        for node in sorted(n for n, (_, pages) in deferred.items() if pages and n not in node_lines):
            problems.append(f'node {node}: {deferred[node][1]} pages deferred, {MISSING_LINE}')
    if text.strip() and not node_lines:
        problems.append('no "node N deferred pages initialised in Xms" line')

    total = sum(pages for _, pages in deferred.values()) if deferred is not None else None
    slowest = max((n['ms'] for n in nodes), default=None)
    jiffy_ms = 1000 / hz if hz else None  # None: CONFIG_HZ unknown, no band
    last_end = max((n['end_ms'] for n in nodes), default=None)
    measured = [n for n in nodes if n['deferred_pages']]
    measured_pages = sum(n['deferred_pages'] for n in measured)
    return {
        **found,
        'nodes': nodes,
        'deferred_pages_how': how,
        'deferred_pages': total,
        'slowest_node_ms': slowest,
        'jiffy_ms': jiffy_ms,
        'slowest_node_bounds_ms': slowest_bounds(nodes, found['smpboot_ms'], jiffy_ms),
        'last_node_end_ms': last_end,
        'smpboot_to_last_ms': _round(last_end - found['smpboot_ms'], 3)
        if last_end is not None and found['smpboot_ms'] is not None else None,
        'ns_per_page_machine': _round(slowest * 1e6 / total) if slowest is not None and total else None,
        # Thread time per page: each node's ms times the threads padata gave
        # it, summed, over the pages those nodes deferred -- the pages-weighted
        # mean of the nodes' ms * 1e6 * threads / pages.
        'ns_per_page_per_thread': _round(sum(n['ms'] * 1e6 * n['threads'] for n in measured)
                                         / measured_pages) if measured_pages else None,
        'problems': problems,
    }


def _deferred_pages(memory, zones, topology, problems):
    """Deferred pages per node and how they were found: from the console's
    memory map when it is there (checked against the topology's model),
    else from the topology's model of QEMU's q35 layout."""
    rule = "with Linux 6.1's defer_init() rule (last zone of each node: from the first " \
           'section boundary after one section of pages)'
    model = deferred_pages(q35_node_ranges(topology)) if topology else None
    if memory:
        # The printed zone ranges are the zone limits clipped to memory.
        zone_list = [(name, lo, hi) for name, (lo, hi) in zones.items()] if zones else ZONES
        found = deferred_pages(memory, zone_list)
        if model is not None and {n: p for n, (_, p) in found.items() if p} != \
                {n: p for n, (_, p) in model.items() if p}:
            problems.append('deferred pages from the console differ from the topology model: '
                            f'{ {n: p for n, (_, p) in found.items()} } vs '
                            f'{ {n: p for n, (_, p) in model.items()} }')
        return found, "from the console's early memory node ranges and zone ranges " + rule
    if model is not None:
        problems.append('no memory map in the console: deferred pages from the topology')
        return model, "from the topology, modelling QEMU q35's memory layout, " + rule
    return None, 'unknown: no memory map in the console and no topology'


# ---------------------------------------------------------------------------
# Booting it

def qemu_command(kernel, topology, accel='tcg', host_memory='lazy', qmp=None):
    """QEMU for Linux on @topology. With @qmp (a socket path) it starts paused
    for the runner and a reset (or a panic) reboots it; without, -no-reboot
    ends it at the panic."""
    accelerator = 'tcg,thread=multi' if accel == 'tcg' else accel
    cmd = [os.environ.get('QEMU', 'qemu-system-x86_64'),
           '-machine', 'q35', '-accel', accelerator, '-cpu', 'max',
           '-nodefaults', '-display', 'none', '-serial', 'stdio', '-monitor', 'none']
    cmd += ['-S', '-qmp', f'unix:{qmp},server=on,wait=off'] if qmp else ['-no-reboot']
    cmd += ['-kernel', kernel, '-append', KERNEL_CMDLINE] + topology.qemu_args()
    return hostmem.backed(cmd, host_memory)


def kernel_hz(kernel):
    """CONFIG_HZ of the cached kernel (its config file beside it), or None."""
    config = os.path.join(os.path.dirname(kernel), os.path.basename(kernel).replace('vmlinux-', 'config-', 1))
    try:
        with open(config) as f:
            for line in f:
                if line.startswith('CONFIG_HZ='):
                    return int(line.split('=', 1)[1])
    except (OSError, ValueError):
        pass
    return None


class _Boots:
    """The console of one QEMU cut into boots, each beginning at its "Linux
    version" line, and which nodes each has reported."""

    def __init__(self, expected_nodes):
        self.expected = expected_nodes
        self.pieces = []            # [{'lines': [...], 'seen': set(), 'measured_at': t or None}]
        self.changed = threading.Condition()

    def line(self, line):
        with self.changed:
            if VERSION.search(line) or not self.pieces:
                self.pieces.append({'lines': [], 'seen': set(), 'started': time.monotonic(), 'measured': None})
            piece = self.pieces[-1]
            piece['lines'].append(line)
            if m := DEFERRED.search(line):
                piece['seen'].add(int(m.group(1)))
                if self.expected and self.expected <= piece['seen'] and piece['measured'] is None:
                    piece['measured'] = time.monotonic()
            self.changed.notify_all()

    def wait(self, index, deadline, proc):
        """'measured' once boot @index (0-based) reported every node, 'exited' when
        QEMU ended or the machine rebooted before that, 'timeout' at @deadline."""
        with self.changed:
            while True:
                if len(self.pieces) > index and self.pieces[index]['measured'] is not None:
                    return 'measured'
                if len(self.pieces) > index + 1 or proc.poll() is not None:
                    return 'exited'
                left = deadline - time.monotonic()
                if left <= 0:
                    return 'timeout'
                self.changed.wait(min(left, 0.2))


def _session(cmd, boots, timeout, expected_nodes, qmp_path):
    """Run one QEMU for @boots boots, resetting it after each boot has
    reported every node in @expected_nodes (nothing after that is measured).
    Returns ([(console text, seconds, 'measured'|'exited'|'timeout')] per boot
    reached, stderr)."""
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
    except OSError as e:
        return [('', 0.0, 'exited')], f'{cmd[0]}: {e.strerror or e}'
    console, stderr = _Boots(expected_nodes), []

    def read_console():
        for raw in proc.stdout:
            # The serial console ends lines with CR LF; keep plain lines.
            console.line(raw.decode('utf-8', 'replace').rstrip('\r\n') + ('\n' if raw.endswith(b'\n') else ''))
        with console.changed:
            console.changed.notify_all()

    readers = [threading.Thread(target=read_console, daemon=True),
               threading.Thread(target=lambda: stderr.append(proc.stderr.read()), daemon=True)]
    for reader in readers:
        reader.start()
    outcomes, qmp = [], None
    try:
        qmp = Qmp(qmp_path, proc, timeout)
        qmp.command('cont')
        for index in range(boots):
            started = time.monotonic()
            how = console.wait(index, started + timeout, proc)
            outcomes.append((how, time.monotonic() - started))
            if how != 'measured' and (how == 'timeout' or proc.poll() is not None):
                break
            if index + 1 < boots and how == 'measured':
                qmp.command('system_reset')
    except QmpError as e:
        stderr.append(f'QMP: {e}\n'.encode())
    finally:
        if qmp is not None:
            qmp.close()
        kill_group(proc)
        for reader in readers:
            reader.join(timeout=5)
    texts = [''.join(p['lines']) for p in console.pieces]
    result = [(texts[i] if i < len(texts) else '', seconds, how) for i, (how, seconds) in enumerate(outcomes)]
    return result, b''.join(stderr).decode('utf-8', 'replace')


def _figures_of_boot(text, seconds, how, topology, hz, timeout, stderr):
    result = parse(text, topology, hz)
    complete = bool(result['nodes']) and not any(MISSING_LINE in p for p in result['problems'])
    if how == 'timeout' and not complete:
        status = 'hang'
        result['problems'].append(f'no complete deferred init within {timeout:g} s')
    else:
        status = 'ok' if complete else 'failed'
    errors = [ln for ln in stderr.splitlines() if ln.strip() and 'warning:' not in ln]
    if errors and status != 'ok':
        result['problems'].append('QEMU: ' + ' / '.join(errors[-3:]))
    return status, result


def run_boots(topology, accel='tcg', timeout=DEFAULT_TIMEOUT, log_path=None, cache_dir=None, boots=1,
              host_memory='lazy'):
    """Boot Debian's kernel on @topology as @host_memory says (bench/meminit_bench/hostmem.py:
    lazy, one QEMU per boot; prealloc or warm, all boots in one QEMU, warm
    with a host-cold warm-up first) and return one figures dict per boot
    reached, each with its "host_memory" and "repeat". Raises Unavailable
    when the kernel cannot be had."""
    kernel = vmlinux(cache_dir)
    hz = kernel_hz(kernel)
    plan = hostmem.boot_plan(host_memory, boots)
    expected = {n for n, (_, pages) in deferred_pages(q35_node_ranges(topology)).items() if pages}
    sessions = [plan] if host_memory != 'lazy' else [[step] for step in plan]
    figures, log = [], []
    with tempfile.TemporaryDirectory(prefix='linux-ref.') as tmp:
        for steps in sessions:
            cmd = qemu_command(kernel, topology, accel, host_memory, os.path.join(tmp, 'qmp.sock'))
            reached, stderr = _session(cmd, len(steps), timeout, expected, os.path.join(tmp, 'qmp.sock'))
            for (mode, repeat), (text, seconds, how) in zip(steps, reached):
                status, result = _figures_of_boot(text, seconds, how, topology, hz, timeout, stderr)
                log.append(hostmem.marker(len(figures) + 1, len(plan), mode, repeat) + '\n' + text)
                figures.append({'status': status, 'kernel': result.pop('kernel'), 'seconds': round(seconds, 3),
                                'accel': accel, 'host_memory': mode, 'repeat': repeat, **result, 'command': cmd})
            if len(reached) < len(steps) or any(f['status'] != 'ok' for f in figures):
                break
    if log_path:
        os.makedirs(os.path.dirname(os.path.abspath(log_path)), exist_ok=True)
        with open(log_path, 'w') as f:
            f.write(''.join(log))
    return figures


def run(topology, accel='tcg', timeout=DEFAULT_TIMEOUT, log_path=None, cache_dir=None):
    """One lazily backed boot of Debian's kernel on @topology: its figures."""
    return run_boots(topology, accel, timeout, log_path, cache_dir)[0]
