"""The report's answers: one sentence per machine, naming the fastest strategy,
and a warning when the vCPUs had no parallel headroom in that boot."""
import copy
import os
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
import bench_fixture as fx  # noqa: E402
from meminit_bench import results
from meminit_bench import summary as S
from meminit_bench.answers import answers, fastest_synchronous, overlap_answer, parallel_headroom

SAMPLE = fx.SAMPLE


class Answers(unittest.TestCase):
    def setUp(self):
        lines, problems = results.load(SAMPLE)
        self.summary = S.summarize(lines)

    def test_one_sentence_per_machine_naming_the_fastest(self):
        said = answers(self.summary)
        cases = S.sorted_cases(self.summary)
        self.assertEqual(len(said), len(cases))
        for case, sentence in zip(cases, said):
            self.assertTrue(sentence.startswith(case['case'] + ':'), sentence)
            best = fastest_synchronous(case)
            if best:
                done = S.bench_of(case, best)['done_ns_median']
                for other in ('bsp', 'migrate', 'xcall'):
                    self.assertLessEqual(done, S.bench_of(case, other)['done_ns_median'])
                # The fastest, or bsp when the fastest leads only within the rounds' noise.
                self.assertTrue(f'fastest synchronous is {best} ' in sentence
                                or 'fastest synchronous is bsp (no other strategy beat it' in sentence, sentence)
            else:
                self.assertIn('no host-warm benchmark-mode figures', sentence)  # the hung boot

    def test_no_headroom_is_said(self):
        case = copy.deepcopy(self.summary['cases']['2n-2c-1G'])
        for bench in case['all']['bench'].values():
            bench['fill_all_gbps'] = bench['fill_1cpu_gbps'] * 1.05
        self.assertAlmostEqual(parallel_headroom(case), 1.05)
        self.summary['cases'] = {'2n-2c-1G': case}
        self.assertIn('stored only 1.05×', answers(self.summary)[0])


def span(what, start, end):
    return ('span', {'cpu': 0, 'node': 0, 'what': what, 'start_ns': start, 'end_ns': end, 'phase': True})


class OverlapGain(unittest.TestCase):
    MS = 1000000

    def boot(self, phases, done, scrub):
        records = [span(*p) for p in phases] + [('code_pages', {'ns': scrub})]
        return S.plain_boot('b', {}, records + [('result', {'strategy': 'x', 'done_ns': done,
                                                            'start_ns': 0, 'usable_ns': done})])

    def test_the_gain_is_counted_from_where_the_two_part_less_the_scrub(self):
        ms = self.MS
        # xcall: bring-up 10-13 ms, then the layout (its scrub 30 ms), done at 60; overlap: the
        # layout first (a scrub of 20 ms, host noise), the bring-up, done at 48.
        xc = self.boot([('percpu', 0, 10 * ms), ('ap_wake', 10 * ms, 12 * ms), ('tsc_sync', 12 * ms, 13 * ms),
                        ('memmap_setup', 13 * ms, 45 * ms)], 60 * ms, 30 * ms)
        over = self.boot([('percpu', 0, 10 * ms), ('memmap_setup', 10 * ms, 32 * ms),
                          ('ap_wake', 32 * ms, 34 * ms), ('tsc_sync', 34 * ms, 35 * ms)], 48 * ms, 20 * ms)
        self.assertEqual(xc['done_after_common_ns'], 20 * ms)
        self.assertEqual(over['done_after_common_ns'], 18 * ms)
        self.assertEqual(xc['bring_up_ns'], 3 * ms)
        said = overlap_answer('m', over, xc)
        self.assertIn('2 ms sooner, 67% of xcall\'s AP bring-up', said)
        self.assertIn('from time zero: 48 and 60 ms', said)

    def test_without_the_phases_the_gain_is_from_time_zero(self):
        xc = {'done_from_zero_ns': 50 * self.MS, 'bring_up_ns': 2 * self.MS, 'done_after_common_ns': None}
        over = {'done_from_zero_ns': 51 * self.MS, 'done_after_common_ns': None}
        self.assertIn('1 ms later', overlap_answer('m', over, xc))
        self.assertIn('from time zero', overlap_answer('m', over, xc))


if __name__ == '__main__':
    unittest.main()
