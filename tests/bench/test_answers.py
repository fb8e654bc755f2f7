"""The report's answers: one sentence per machine, naming the fastest strategy,
and a warning when the vCPUs had no parallel headroom in that boot."""
import copy
import os
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
import bench_fixture as fx  # noqa: E402
from meminit_bench import results
from meminit_bench import summary as S
from meminit_bench.answers import answers, fastest_synchronous, parallel_headroom

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


if __name__ == '__main__':
    unittest.main()
