"""CI's end-to-end check of the main job: bench/compare's smoke matrix (one
machine, benchmark mode plus two strategies alone, no Linux, each booted twice
in one QEMU) boots the ISO, writes results.jsonl with one row set per boot,
the graphs, the traces and the report."""
import json
import os
import shutil
import subprocess
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get('MEMINIT_BUILD', os.path.join(REPO, 'build'))
from meminit_bench import results
from meminit_bench.records import kernel_elf, strategy_names


class CompareSmoke(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = os.path.join(BUILD, 'bench-smoke')
        shutil.rmtree(cls.out, ignore_errors=True)
        cls.proc = subprocess.run(
            [os.path.join(REPO, 'bench', 'compare'), '--matrix', 'smoke', '--strategies', 'bsp,xcall',
             '--no-linux', '--out', cls.out, '--iso', os.path.join(BUILD, 'meminit.iso')],
            capture_output=True, text=True, timeout=300)
        lines, cls.problems = results.load(os.path.join(cls.out, 'results.jsonl'))
        cls.boots = results.by_boot(lines)

    def test_exits_zero_and_prints_the_report_path(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stdout + self.proc.stderr)
        self.assertIn('report', self.proc.stdout)

    def test_every_boot_ok_and_every_line_well_formed(self):
        self.assertEqual(self.problems, [])
        runs = [(b['run']['mode'], b['run']['strategy'], b['run']['repeat']) for b in self.boots.values()]
        self.assertEqual(runs, [('all', None, 1), ('all', None, 2), ('plain', 'bsp', 1), ('plain', 'bsp', 2),
                                ('plain', 'xcall', 1), ('plain', 'xcall', 2)])
        for boot in self.boots.values():
            self.assertEqual(boot['outcome']['status'], 'ok', boot['run']['boot'])
            self.assertEqual(boot['run']['host_memory'], 'prealloc', boot['run']['boot'])
            self.assertEqual(boot['env']['matrix'], 'smoke')
            self.assertIn(boot['env']['accel'], ('tcg', 'kvm'))

    def test_benchmark_mode_has_every_strategy_and_plain_boots_their_own(self):
        bench = [b for b in self.boots.values() if b['run']['mode'] == 'all'][0]
        benches = {r['strategy'] for t, r in bench['records'] if t == 'bench'}
        # Every strategy the kernel registers, whatever their number.
        self.assertEqual(benches, set(strategy_names(kernel_elf(os.path.join(BUILD, 'meminit.iso')))))
        for boot in self.boots.values():
            if boot['run']['mode'] == 'plain':
                result = [r for t, r in boot['records'] if t == 'result']
                self.assertEqual([r['strategy'] for r in result], [boot['run']['strategy']])
                self.assertTrue(result[0]['verified'])

    def test_each_boot_of_a_qemu_counts_itself(self):
        for boot in self.boots.values():
            counted = [r['boot_count'] for t, r in boot['records'] if t == 'boot']
            self.assertEqual(counted, [boot['run']['repeat']], boot['run']['boot'])

    def test_report_graphs_and_traces_written(self):
        for name in ('report.md', 'report.html'):
            self.assertGreater(os.path.getsize(os.path.join(self.out, name)), 1000, name)
        graphs = os.listdir(os.path.join(self.out, 'graphs'))
        self.assertTrue(any(g.endswith('.png') for g in graphs) and any(g.endswith('.svg') for g in graphs))
        traces = os.listdir(os.path.join(self.out, 'traces'))
        self.assertEqual(len(traces), len(self.boots))
        for name in traces:
            with open(os.path.join(self.out, 'traces', name)) as f:
                self.assertIn('traceEvents', json.load(f))


if __name__ == '__main__':
    unittest.main()
