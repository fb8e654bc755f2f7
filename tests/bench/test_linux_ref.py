"""bench/meminit_bench/linux_ref.py on recorded Linux 6.1 consoles (tests/bench/logs/linux-*.log,
captured with bench/linux-reference): the parser, its behaviour on broken
logs, and the deferred page count against figures worked out by hand and
against a literal transcription of 6.1's defer_init(). Needs neither QEMU nor
the network."""
import json
import lzma
import os
import struct
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
from meminit_bench import linux_ref
from meminit_bench.topology import GiB, machine

LOGS = os.path.join(HERE, 'logs')
SECTION = linux_ref.PAGES_PER_SECTION


def read_log(case):
    with open(os.path.join(LOGS, f'linux-{case}.log')) as f:
        return f.read()


def defer_init_literally(node_ranges, zones):
    """6.1's memmap_init() and defer_init() pfn by pfn, for checking the
    arithmetic in linux_ref.deferred_pages(): memory ranges in order, each
    cut by zone, a counter that restarts whenever the zone end changes."""
    first_deferred, prev_end, counted = {}, None, 0
    for node in sorted(node_ranges):
        ranges = sorted(node_ranges[node])
        node_start, node_end = ranges[0][0], max(end for _, end in ranges)
        for start, end in ranges:
            for _, lo, hi in zones:
                zone_start, zone_end = max(lo, node_start), min(hi, node_end)
                a, b = max(start, zone_start), min(end, zone_end)
                for pfn in range(a, b):
                    if prev_end != zone_end:
                        prev_end, counted = zone_end, 0
                    if zone_end < node_end:
                        continue
                    if node in first_deferred:
                        break
                    counted += 1
                    if counted > SECTION and pfn % SECTION == 0:
                        first_deferred[node] = pfn
                        break
    return {node: sum(max(0, end - max(start, first_deferred[node])) for start, end in node_ranges[node])
            if node in first_deferred else 0 for node in node_ranges}


class DeferredPages(unittest.TestCase):
    def test_two_nodes_4g_by_hand(self):
        # q35 with 4 GiB: RAM below 2 GiB, the rest from 4 GiB. Node 0 is the
        # low 2 GiB less page 0, the legacy hole and SeaBIOS' top 128 KiB; its
        # last zone is DMA32 (from pfn 0x1000): one section of pages reaches
        # pfn 0x9000, so pages are deferred from the next boundary, 0x10000,
        # up to 0x7ffe0. Node 1 is 4-6 GiB, all Normal: deferred from 0x108000.
        ranges = linux_ref.q35_node_ranges(machine(2, 2, 4 * GiB))
        self.assertEqual(ranges, {0: [(0x1, 0x9f), (0x100, 0x7ffe0)], 1: [(0x100000, 0x180000)]})
        found = linux_ref.deferred_pages(ranges)
        self.assertEqual(found, {0: (0x10000, 0x7ffe0 - 0x10000), 1: (0x108000, 0x78000)})
        self.assertEqual(found[0][1] + found[1][1], 950240)

    def test_reference_deferred_gib(self):
        # REFERENCE.md's "deferred GiB" column, from the topology model.
        for nodes, gib, deferred_gib in ((2, 4, 3.62), (2, 16, 13.75), (1, 64, 61.88),
                                         (2, 64, 61.75), (4, 64, 61.5)):
            found = linux_ref.deferred_pages(linux_ref.q35_node_ranges(machine(nodes, 2, gib * GiB)))
            total = sum(pages for _, pages in found.values()) * 4096 / GiB
            self.assertAlmostEqual(total, deferred_gib, delta=0.01, msg=f'{nodes} nodes, {gib} GiB')

    def test_section_boundary_in_a_hole(self):
        # The count passes a section inside the first range; the boundary
        # after it (0x110000) is a hole, so the next visited boundary counts.
        ranges = {0: [(0x100800, 0x10c000), (0x111000, 0x120000)]}
        self.assertEqual(linux_ref.deferred_pages(ranges), {0: (0x118000, 0x8000)})

    def test_node_too_small_defers_nothing(self):
        self.assertEqual(linux_ref.deferred_pages({0: [(0x100000, 0x100000 + SECTION)]}), {0: (None, 0)})
        self.assertEqual(linux_ref.deferred_pages({0: [(0x100000, 0x100000 + SECTION + 1)]}),
                         {0: (0x100000 + SECTION, 1)})

    def test_matches_defer_init_pfn_by_pfn(self):
        layouts = [linux_ref.q35_node_ranges(machine(2, 2, 4 * GiB)),
                   linux_ref.q35_node_ranges(machine(1, 1, 2 * GiB)),
                   linux_ref.q35_node_ranges(machine(3, 1, 3 * GiB)),
                   {0: [(0x100800, 0x10c000), (0x111000, 0x120000)], 1: [(0x120000, 0x128001)]},
                   {0: [(0x900, 0xa000), (0x100000, 0x100400)]}]
        for ranges in layouts:
            expected = defer_init_literally(ranges, linux_ref.ZONES)
            found = {n: pages for n, (_, pages) in linux_ref.deferred_pages(ranges).items()}
            self.assertEqual(found, expected, ranges)

    def test_padata_threads(self):
        self.assertEqual(linux_ref.padata_threads(0, 10 * SECTION), 1)   # CPU-less node
        self.assertEqual(linux_ref.padata_threads(4, 10 * SECTION), 4)
        self.assertEqual(linux_ref.padata_threads(4, 2 * SECTION), 2)    # one work per section
        self.assertEqual(linux_ref.padata_threads(2, 100), 1)


class RealLogs(unittest.TestCase):
    CASES = {  # case: (topology, hand-worked deferred pages per node)
        '1n-1c-2G': (machine(1, 1, 2 * GiB), {0: 0x7ffe0 - 0x10000}),
        '2n-2c-4G': (machine(2, 2, 4 * GiB), {0: 0x7ffe0 - 0x10000, 1: 0x78000}),
        '4n-4c-8G': (machine(4, 4, 8 * GiB), {0: 0x7ffe0 - 0x10000, 1: 0x78000, 2: 0x78000, 3: 0x78000}),
    }

    def test_parses_each_log(self):
        for case, (topology, pages) in self.CASES.items():
            with self.subTest(case):
                result = linux_ref.parse(read_log(case), topology)
                self.assertEqual(result['problems'], [])
                self.assertEqual(result['kernel'][:6], '6.1.0-')
                self.assertEqual(result['cpus_activated'], len(topology.nodes[0].cpus) * len(topology.nodes))
                self.assertIn('console', result['deferred_pages_how'])
                self.assertEqual({n['node']: n['deferred_pages'] for n in result['nodes']}, pages)
                self.assertEqual(result['deferred_pages'], sum(pages.values()))
                for node in result['nodes']:
                    self.assertEqual(node['threads'], 1)
                    self.assertEqual(node['ms'] % 4, 0, 'jiffies at HZ=250 tick in 4 ms')
                    self.assertAlmostEqual(node['ns_per_page'], node['ms'] * 1e6 / node['deferred_pages'],
                                           delta=0.06)
                    self.assertGreater(node['end_ms'], result['smpboot_ms'])
                slowest = max(n['ms'] for n in result['nodes'])
                self.assertEqual(result['slowest_node_ms'], slowest)
                self.assertAlmostEqual(result['ns_per_page_machine'], slowest * 1e6 / sum(pages.values()),
                                       delta=0.06)
                self.assertAlmostEqual(result['smpboot_to_last_ms'],
                                       result['last_node_end_ms'] - result['smpboot_ms'], places=2)
                json.dumps(result)

    def test_per_thread_is_thread_time_per_page(self):
        result = linux_ref.parse(read_log('2n-2c-4G'))
        nodes = result['nodes']
        expected = sum(n['ms'] * 1e6 * n['threads'] for n in nodes) / sum(n['deferred_pages'] for n in nodes)
        self.assertAlmostEqual(result['ns_per_page_per_thread'], expected, delta=0.06)

    def test_without_memory_map_uses_topology(self):
        text = ''.join(ln for ln in read_log('2n-2c-4G').splitlines(True)
                       if '[mem 0x' not in ln)
        with_topology = linux_ref.parse(text, machine(2, 2, 4 * GiB))
        self.assertIn('topology', with_topology['deferred_pages_how'])
        self.assertEqual(with_topology['deferred_pages'], 950240)
        alone = linux_ref.parse(text)
        self.assertIsNone(alone['deferred_pages'])
        self.assertIsNone(alone['ns_per_page_machine'])
        self.assertEqual(len(alone['nodes']), 2)
        self.assertTrue(alone['deferred_pages_how'].startswith('unknown'))

    def test_topology_that_disagrees_is_reported(self):
        result = linux_ref.parse(read_log('2n-2c-4G'), machine(2, 2, 8 * GiB))
        self.assertEqual(result['deferred_pages'], 950240)   # the console wins
        self.assertTrue(any('differ' in p for p in result['problems']))


class BrokenLogs(unittest.TestCase):
    def test_truncated_mid_line_before_deferred_lines(self):
        text = read_log('2n-2c-4G')
        cut = text.index('smpboot: Total of') + 10
        result = linux_ref.parse(text[:cut], machine(2, 2, 4 * GiB))
        self.assertEqual(result['nodes'], [])
        self.assertIsNone(result['smpboot_ms'])
        self.assertIsNone(result['slowest_node_ms'])
        self.assertEqual(result['deferred_pages'], 950240)
        problems = ' | '.join(result['problems'])
        for expected in ('truncated', 'smpboot', 'node 0: 458720 pages deferred', 'node 1:'):
            self.assertIn(expected, problems)

    def test_garbled(self):
        lines = read_log('4n-4c-8G').splitlines(True)
        garbled = []
        for i, line in enumerate(lines):
            if i % 5 == 0:
                line = '\x00\x1b[2J\ufffd\x07' + line[len(line) // 2:]   # cut and overwritten
            elif i % 7 == 0:
                line = line[:len(line) // 3] + '\n'
            garbled.append(line)
        garbled.insert(20, '[   0.1] node x deferred pages initialised in ?ms\n')
        garbled.insert(30, '[\x00\x00\x00\n')
        result = linux_ref.parse(''.join(garbled), machine(4, 4, 8 * GiB))
        self.assertTrue(any('unreadable' in p for p in result['problems']), result['problems'])
        json.dumps(result)

    def test_empty(self):
        for text in ('', None, '\n\n'):
            result = linux_ref.parse(text)
            self.assertEqual(result['nodes'], [])
            self.assertEqual(result['problems'], ['empty console log'])
            self.assertIsNone(result['ns_per_page_per_thread'])

    def test_panic_before_deferred_init(self):
        text = read_log('1n-1c-2G')
        text = text[:text.index('node 0 deferred')] + 'Kernel panic - not syncing: Out of memory\n'
        result = linux_ref.parse(text, machine(1, 1, 2 * GiB))
        self.assertTrue(any('panic before deferred init' in p for p in result['problems']))

    def test_threads_from_srat_and_cpu_less_node(self):
        text = ('[    0.000000] Linux version 6.1.0-99-amd64 (x)\n'
                '[    0.001000] SRAT: PXM 0 -> APIC 0x00 -> Node 0\n'
                '[    0.001000] SRAT: PXM 0 -> APIC 0x01 -> Node 0\n'
                '[    0.002000]   node   0: [mem 0x0000000100000000-0x000000017fffffff]\n'
                '[    0.002000]   node   1: [mem 0x0000000180000000-0x00000001ffffffff]\n'
                '[    0.500000] smpboot: Total of 2 processors activated (1.00 BogoMIPS)\n'
                '[    0.600000] node 0 deferred pages initialised in 40ms\n'
                '[    0.700000] node 1 deferred pages initialised in 80ms\n')
        result = linux_ref.parse(text)
        self.assertEqual(result['problems'], [])
        node0, node1 = result['nodes']
        self.assertEqual((node0['threads'], node1['threads']), (2, 1))
        self.assertEqual(node0['deferred_pages'], 0x78000)
        self.assertAlmostEqual(node0['ns_per_page_per_thread'], 40e6 * 2 / 0x78000, delta=0.06)
        self.assertAlmostEqual(result['ns_per_page_per_thread'], (40e6 * 2 + 80e6) / 0xf0000, delta=0.06)
        self.assertAlmostEqual(result['ns_per_page_machine'], 80e6 / 0xf0000, delta=0.06)
        self.assertAlmostEqual(result['smpboot_to_last_ms'], 200.0)


class Kernel(unittest.TestCase):
    @staticmethod
    def bzimage(payload):
        """A minimal bzImage: 4 setup sectors, boot protocol 2.15, the
        payload right after the setup code."""
        image = bytearray(5 * 512)
        image[0x1f1] = 4
        image[0x202:0x206] = b'HdrS'
        struct.pack_into('<H', image, 0x206, 0x20f)
        struct.pack_into('<II', image, 0x248, 16, len(payload))
        return bytes(image) + b'\x00' * 16 + payload + b'\x00' * 8

    def test_xz_payload(self):
        elf = b'\x7fELF' + b'\x04\x00\x00\x00\x08\x00\x00\x00\x12\x00\x00\x00Xen\x00' + bytes(64)
        found = linux_ref.decompress_bzimage(self.bzimage(lzma.compress(elf, lzma.FORMAT_XZ)))
        self.assertEqual(found, elf)
        self.assertTrue(linux_ref.has_pvh_entry(found))
        self.assertFalse(linux_ref.has_pvh_entry(b'\x7fELF' + bytes(64)))

    def test_unreadable_payload_is_unavailable(self):
        with self.assertRaisesRegex(linux_ref.Unavailable, 'zstd'):
            linux_ref.decompress_bzimage(self.bzimage(b'\x28\xb5\x2f\xfd' + bytes(32)))
        with self.assertRaises(linux_ref.Unavailable):
            linux_ref.decompress_bzimage(bytes(4096))

    def test_cached_kernel_needs_no_archive(self):
        with tempfile.TemporaryDirectory() as cache:
            with open(os.path.join(cache, 'vmlinux-6.1.0-0-amd64'), 'wb') as f:
                f.write(b'\x7fELF')
            with open(os.path.join(cache, 'vmlinux.json'), 'w') as f:
                json.dump({'vmlinux': 'vmlinux-6.1.0-0-amd64'}, f)
            self.assertEqual(linux_ref.vmlinux(cache), os.path.join(cache, 'vmlinux-6.1.0-0-amd64'))

    def test_qemu_command(self):
        topology = machine(2, 2, 4 * GiB)
        cmd = linux_ref.qemu_command('/k/vmlinux', topology)
        self.assertEqual(cmd[cmd.index('-kernel') + 1], '/k/vmlinux')
        self.assertEqual(cmd[cmd.index('-accel') + 1], 'tcg,thread=multi')
        self.assertIn('panic=-1', cmd[cmd.index('-append') + 1])
        self.assertEqual(cmd[-len(topology.qemu_args()):], topology.qemu_args())
        self.assertIn('-no-reboot', cmd)
        kvm = linux_ref.qemu_command('/k/vmlinux', topology, 'kvm')
        self.assertEqual(kvm[kvm.index('-accel') + 1], 'kvm')


if __name__ == '__main__':
    unittest.main()
