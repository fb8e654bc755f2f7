"""Graphs (bench/meminit_bench/plots.py, bench/meminit_bench/timeline_plot.py): gnuplot really draws every one
as a non-empty SVG and PNG. No skipping when gnuplot is missing: the bench test
set's setup installs it, and a report without graphs is a failure."""
import os


import shutil
import tempfile
import unittest

import bench_fixture as fx
from meminit_bench import summary as S
from meminit_bench.plots import plot_all
from meminit_bench.results import load
from meminit_bench.timeline_plot import timeline

PNG_MAGIC = b'\x89PNG\r\n\x1a\n'


class Plots(unittest.TestCase):
    def setUp(self):
        self.assertIsNotNone(shutil.which('gnuplot'), 'gnuplot is not installed (apt-get install gnuplot-nox)')
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def assert_drawn(self, graph):
        with open(graph['png'], 'rb') as f:
            self.assertEqual(f.read(8), PNG_MAGIC, graph['png'])
        self.assertGreater(os.path.getsize(graph['png']), 2000, graph['png'])
        with open(graph['svg']) as f:
            svg = f.read()
        self.assertIn('<svg', svg, graph['svg'])
        self.assertGreater(len(svg), 2000, graph['svg'])

    def test_sample_run_draws_every_graph(self):
        summary = S.summarize(load(fx.SAMPLE)[0])
        graphs, notes = plot_all(summary, self.tmp.name)
        names = {g['name'] for g in graphs}
        for case in ('2n-2c-1G', '2n-2c-2G', '2n-1c-2G'):
            self.assertIn(f'compare-{case}', names)
            self.assertIn(f'ns-per-page-{case}', names)
            for strategy in fx.SAMPLE_STRATEGIES:
                self.assertIn(f'timeline-{case}-{strategy}', names)
        self.assertTrue({'scaling-mem-2n-2c', 'scaling-vcpus-2n-2G', 'async-free-memory'} <= names, names)
        for graph in graphs:
            self.assert_drawn(graph)
            self.assertTrue(graph['how'].endswith('.'), graph['name'])
        self.assertTrue(any('hang' in n for n in notes), notes)
        self.assertTrue(S.linux_ok(summary['cases']['2n-2c-1G']), 'the sample has Linux beside 2n-2c-1G')

    def test_captured_logs_with_linux_and_model(self):
        lines, _ = load(fx.write_captured(os.path.join(self.tmp.name, 'results.jsonl')))
        graphs, notes = plot_all(S.summarize(lines), os.path.join(self.tmp.name, 'graphs'))
        for graph in graphs:
            self.assert_drawn(graph)
        self.assertIn('timeline-2n-2c-4G-slit-async', {g['name'] for g in graphs})
        self.assertTrue(any('scaling against memory' in n for n in notes), notes)

    def test_timeline_with_boot_phases_and_unknown_names(self):
        records = fx.log_records('2n-2c-4G-async-workload-slit.log')
        phases = [('tsc_calibration', 0, 5e6, 105e6), ('acpi', 0, 105e6, 107e6), ('ap_wake', 1, 108e6, 118e6),
                  ('some_new_phase', 0, 118e6, 120e6), ('another_one', 1, 119e6, 121e6)]
        records += [('span', {'cpu': cpu, 'node': -1, 'what': what, 'start_ns': int(a), 'end_ns': int(b)})
                    for what, cpu, a, b in phases]
        result = next(r for t, r in records if t == 'result')
        plain = {'records': records, 'result': result, 'done_ns': result['done_ns'] - result['start_ns'],
                 'usable_ns': result['usable_ns'] - result['start_ns']}
        paths, note = timeline(self.tmp.name, 'phases', 'test', 'async', plain)
        self.assertIsNone(note)
        self.assert_drawn({'png': paths[1], 'svg': paths[0]})
        with open(paths[0]) as f:
            svg = f.read()
        for name in ('some_new_phase', 'another_one', 'tsc_calibration', 'NUMA wait (modelled)'):
            self.assertTrue(name in svg, f"{name} is not in the SVG")


if __name__ == '__main__':
    unittest.main()
