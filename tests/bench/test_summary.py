"""Aggregation (bench/meminit_bench/summary.py) on the recorded console logs, figures checked
against values worked out by hand from those logs, and on the real sample run."""
import os


import tempfile
import unittest

import bench_fixture as fx
from meminit_bench import summary as S
from meminit_bench.results import load


class CapturedLogs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        lines, problems = load(fx.write_captured(os.path.join(cls.tmp.name, 'results.jsonl')))
        assert not problems, problems
        cls.summary = S.summarize(lines)
        cls.case = cls.summary['cases'][fx.CASE]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_bench_medians_come_from_the_all_boot(self):
        # 2n-2c-4G-all.log: @bench bsp done_ns_median 9656112, xcall 6101454
        self.assertEqual(S.bench_of(self.case, 'bsp')['done_ns_median'], 9656112)
        self.assertEqual(S.bench_of(self.case, 'xcall')['done_ns_median'], 6101454)

    def test_speedup_over_bsp_is_from_the_same_boot(self):
        self.assertAlmostEqual(S.speedup_over_bsp(self.case, 'xcall'), 9656112 / 6101454)
        self.assertAlmostEqual(S.speedup_over_bsp(self.case, 'bsp'), 1.0)

    def test_cold_plain_duration_counts_from_start(self):
        # 2n-2c-4G-bsp.log: done_ns 307798843, start_ns 127481026
        self.assertEqual(self.case['plain']['bsp']['done_ns'], 307798843 - 127481026)
        # 2n-2c-4G-async.log: usable 137912281, done 207593741, from its own start_ns
        plain = self.case['plain']['async']
        start = plain['result']['start_ns']
        self.assertEqual(plain['usable_ns'], 137912281 - start)
        self.assertEqual(plain['done_ns'], 207593741 - start)
        self.assertLess(plain['usable_ns'], plain['done_ns'])

    def test_usable_range_reads_the_warm_rounds(self):
        # async rounds: usable 381743835-380740780 = 1003055 and 541417209-540713991 = 703218
        self.assertEqual(S.usable_range(self.case, 'async'), (703218, 1003055))
        self.assertEqual(S.usable_spread(self.case, 'async'), (1003055 - 703218) / 2)

    def test_warm_runs_exclude_the_cold_first_run(self):
        self.assertEqual(len(self.case['all']['runs']['xcall']), 2)
        self.assertEqual(self.case['all']['cold']['strategy'], 'xcall')
        self.assertTrue(self.case['all']['cold']['cold'])

    def test_fill_limits(self):
        bench = S.bench_of(self.case, 'bsp')
        self.assertAlmostEqual(S.fill_limit_ns(bench, 'fill_all_gbps'), 67106752 / 13.396)
        self.assertAlmostEqual(S.fill_limit_ns(bench, 'fill_1cpu_gbps'), 67106752 / 7.235)
        # bsp's efficiency is the one-CPU fill time over its done median
        self.assertAlmostEqual(S.fill_limit_ns(bench, 'fill_1cpu_gbps') / bench['done_ns_median'],
                               bench['efficiency'], places=2)

    def test_ns_per_page_per_thread(self):
        self.assertAlmostEqual(S.warm_ns_per_page_per_thread(self.case, 'xcall'), 5.819 * 2)
        self.assertAlmostEqual(S.warm_ns_per_page_per_thread(self.case, 'bsp'), 9.209)
        # xcall plain: (141289321 - 123059056) / 1048446 pages x 2 CPUs
        self.assertAlmostEqual(S.own_ns_per_page_per_thread(self.case, 'xcall'),
                               (141289321 - 123059056) / 1048446 * 2)

    def test_linux_figures(self):
        self.assertEqual(S.linux_ok(self.case)['slowest_node_ms'], 52.0)
        self.assertEqual(S.linux_status(self.case), 'ok')

    def test_every_boot_has_an_outcome_row(self):
        rows = {r['boot']: r for r in self.summary['boots']}
        self.assertEqual(rows['c01-all']['status'], 'ok')
        self.assertEqual(rows['c01-linux']['status'], 'ok')
        self.assertEqual(len(rows), len(fx.BOOTS) + 2)

    def test_modelled_case_keeps_its_spans(self):
        plain = self.summary['cases'][fx.SLIT_CASE]['plain']['async']
        whats = {r['what'] for t, r in plain['records'] if t == 'span'}
        self.assertEqual(whats, {'memmap_init', 'numa_model', 'workload'})
        self.assertEqual(plain['result']['model'], 'slit')


def method_record(method, low, mid, high, **more):
    return {'method': method, 'ns_per_page_min': low, 'ns_per_page_median': mid, 'ns_per_page_max': high, **more}


class PerPageMethods(unittest.TestCase):
    """@bench_method merged over boots, and a winner only beyond the rounds' spread."""

    def test_merge_takes_the_median_of_medians_and_the_extremes(self):
        merged = S.merge_method([method_record('template', 9, 12, 20, efficiency=0.8),
                                 method_record('template', 8, 11, 15, efficiency=0.9),
                                 method_record('template', 10, 14, 16, efficiency=1.0)])
        self.assertEqual((merged['ns_per_page_min'], merged['ns_per_page_median'], merged['ns_per_page_max']),
                         (8, 12, 20))
        self.assertEqual((merged['ns_per_page_boots_min'], merged['ns_per_page_boots_max']), (11, 14))
        self.assertEqual(merged['efficiency'], 0.9)
        self.assertEqual(merged['boots'], 3)

    def test_winner_only_beyond_the_spread(self):
        def case(fields, template):
            return {'all': {'methods': {'fields': method_record('fields', *fields),
                                        'template': method_record('template', *template)}}}
        self.assertEqual(S.method_winner(case((10, 11, 12), (13, 14, 15))), 'fields')
        self.assertEqual(S.method_winner(case((13, 14, 15), (10, 11, 12))), 'template')
        # A lead of the medians inside the other's rounds is no lead.
        self.assertIsNone(S.method_winner(case((10, 11, 14), (13, 14, 15))))
        self.assertIsNone(S.method_winner({'all': {'methods': {'fields': method_record('fields', 1, 2, 3)}}}))
        self.assertIsNone(S.method_winner({'all': None}))


class SampleRun(unittest.TestCase):
    """The real results.jsonl of a small compare run."""

    def test_cases_and_hung_boot(self):
        lines, problems = load(fx.SAMPLE)
        self.assertEqual(problems, [])
        summary = S.summarize(lines)
        self.assertEqual(set(summary['cases']), {'2n-2c-1G', '2n-2c-2G', '2n-1c-2G', 'hung'})
        hung = [r for r in summary['boots'] if r['status'] == 'hang']
        self.assertEqual(len(hung), 1)
        self.assertIn('hung', hung[0]['note'])
        self.assertIsNone(summary['cases']['hung']['all'])
        for name in ('2n-2c-1G', '2n-2c-2G', '2n-1c-2G'):
            case = summary['cases'][name]
            self.assertEqual(S.strategies_of(case), list(fx.SAMPLE_STRATEGIES), name)
            for strategy in fx.SAMPLE_STRATEGIES:
                bench = S.bench_of(case, strategy)
                self.assertLessEqual(bench['done_ns_min'], bench['done_ns_median'])
                self.assertLessEqual(bench['done_ns_median'], bench['done_ns_max'])


if __name__ == '__main__':
    unittest.main()


class PercpuAccess(unittest.TestCase):
    """@percpu's read costs come from the strategy's own boot, None when it has none."""

    FIGURES = {'static_ns_min': 1.25, 'static_ns_median': 1.5, 'dynamic_ns_min': 1.3, 'dynamic_ns_median': 1.6,
               'global_ns_min': 1.2, 'global_ns_median': 1.4}

    def test_reads_the_own_boot(self):
        case = {'plain': {'xcall': {'records': [('kmalloc', {}), ('percpu', dict(self.FIGURES))]}}}
        self.assertEqual(S.percpu_access(case, 'xcall'),
                         {'static_min': 1.25, 'static_median': 1.5, 'dynamic_min': 1.3, 'dynamic_median': 1.6,
                          'global_min': 1.2, 'global_median': 1.4})

    def test_none_without_figures(self):
        nulls = dict.fromkeys(self.FIGURES)
        case = {'plain': {'xcall': {'records': [('percpu', nulls)]}, 'bsp': {'records': []}}}
        self.assertIsNone(S.percpu_access(case, 'xcall'))
        self.assertIsNone(S.percpu_access(case, 'bsp'))
        self.assertIsNone(S.percpu_access(case, 'async'))
