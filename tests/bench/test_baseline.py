"""--baseline (bench/meminit_bench/baseline.py): a change beyond the rounds' noise is flagged,
one within it is not, and a different environment is said."""
import os


import copy
import io
import tempfile
import unittest

from meminit_bench import baseline
import bench_fixture as fx
from meminit_bench import summary as S
from meminit_bench.report import make_report
from meminit_bench.results import load

# 2n-2c-4G-all.log, xcall: done min 5899904, median 6101454, max 6101454: noise ±100775 ns.


def with_xcall_done_scaled(factor, env=fx.ENV):
    """The captured run with xcall's @bench done figures multiplied by factor."""
    out = []
    for obj in fx.read_lines(fx.write_captured(os.path.join(TMP.name, 'x', 'results.jsonl'), env=env)):
        obj = copy.deepcopy(obj)
        if obj['type'] == 'bench' and obj['record']['strategy'] == 'xcall':
            for key in ('done_ns_min', 'done_ns_median', 'done_ns_max'):
                obj['record'][key] = int(obj['record'][key] * factor)
        out.append(obj)
    return out


def summary_of(objs, name):
    return S.summarize(load(fx.write_lines(os.path.join(TMP.name, name, 'results.jsonl'), objs))[0])


def setUpModule():
    global TMP
    TMP = tempfile.TemporaryDirectory()


def tearDownModule():
    TMP.cleanup()


class Baseline(unittest.TestCase):
    def verdicts(self, factor):
        before = summary_of(with_xcall_done_scaled(1.0), 'before')
        now = summary_of(with_xcall_done_scaled(factor), 'now')
        header, rows, env = baseline.against(now, before)
        return {(r[1], r[2]): r for r in rows}, env

    def test_change_beyond_noise_is_flagged(self):
        rows, env = self.verdicts(1.5)  # +3 ms against ±0.15 ms
        self.assertEqual(rows[('xcall', 'done')][-1], 'SLOWER')
        self.assertAlmostEqual(rows[('xcall', 'done')][5], (int(6101454 * 1.5) - 6101454) / 1e6)
        self.assertEqual(rows[('bsp', 'done')][-1], 'within noise')
        self.assertEqual(env, [])
        rows, _ = self.verdicts(0.5)
        self.assertEqual(rows[('xcall', 'done')][-1], 'FASTER')

    def test_change_within_noise_is_not_flagged(self):
        rows, _ = self.verdicts(1.01)  # +61 µs against ±100 µs (rounds' half range)
        self.assertEqual(rows[('xcall', 'done')][-1], 'within noise')
        self.assertEqual(baseline.flagged(list(rows.values())), [])

    def test_noise_is_the_larger_half_range(self):
        rows, _ = self.verdicts(2.0)
        # half range before (6101454-5899904)/2, now twice that
        self.assertAlmostEqual(rows[('xcall', 'done')][7], (12202908 - 11799808) / 2 / 1e6)

    def test_environment_difference_is_said_in_the_report(self):
        before = os.path.join(TMP.name, 'env-before')
        now = os.path.join(TMP.name, 'env-now')
        fx.write_lines(os.path.join(before, 'results.jsonl'), with_xcall_done_scaled(1.0))
        fx.write_lines(os.path.join(now, 'results.jsonl'),
                       with_xcall_done_scaled(1.5, env=dict(fx.ENV, accel='kvm', git_commit='def5678')))
        out = io.StringIO()
        made = make_report(now, baseline_dir=before, out=out)
        with open(made['md']) as f:
            md = f.read()
        self.assertIn('accelerator differs: before tcg, now kvm', md)
        self.assertIn('commit differs: before abc1234, now def5678', md)
        self.assertIn('| 2n-2c-4G | xcall | done |', md)
        self.assertIn('SLOWER', out.getvalue())


if __name__ == '__main__':
    unittest.main()
