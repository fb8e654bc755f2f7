"""Damaged input: truncated and malformed results lines and records, and a boot
that hung, are reported and skipped, and the report is still written."""
import os


import io
import json
import tempfile
import unittest

import bench_fixture as fx
from meminit_bench import summary as S
from meminit_bench.report import make_report
from meminit_bench.results import load


def hung_boot_lines():
    """A boot that printed @boot and @topology and then nothing: the runner's timeout stopped it."""
    records = fx.log_records('2n-2c-4G-xcall.log')[:2]
    run = fx.run_of('c09-hung', case='2n-2c-8G', mode='plain', strategy='xcall', mem_bytes=8 << 30)
    lines = [fx.line(t, r, run, fx.ENV) for t, r in records]
    lines.append(fx.line('outcome', {'status': 'hang', 'exit': 3, 'seconds': 900.0, 'skipped': []}, run, fx.ENV))
    return lines


class Damaged(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name
        good = fx.captured_lines()
        bench = json.loads(good[1])
        broken_bench = dict(bench, type='bench', record={'strategy': 'bsp', 'done_ns_median': 'soon'})
        broken_result = dict(bench, type='result', record={'strategy': 'xcall'})
        broken_span = dict(bench, type='span', record={'cpu': 0, 'what': 'memmap_init', 'start_ns': 5})
        self.extra = ['{"type": "span", "record": {"cpu": 0, "what": "memm',  # truncated last line
                      'not json at all', json.dumps({'type': 'span', 'record': {}}),  # no run
                      json.dumps(broken_bench), json.dumps(broken_result), json.dumps(broken_span)]
        lines = good[:5] + self.extra[1:] + good[5:] + hung_boot_lines() + self.extra[:1]
        fx.write_lines(os.path.join(self.dir, 'results.jsonl'), lines)

    def tearDown(self):
        self.tmp.cleanup()

    def test_load_reports_bad_lines(self):
        lines, problems = load(os.path.join(self.dir, 'results.jsonl'))
        self.assertEqual(len(problems), 3, problems)  # truncated, not JSON, no run
        summary = S.summarize(lines)
        self.assertEqual(len(summary['problems']), 3, summary['problems'])  # bench, result, span lacking keys
        # the good records still give the figures
        self.assertEqual(S.bench_of(summary['cases'][fx.CASE], 'bsp')['done_ns_median'], 9656112)

    def test_hung_boot_is_a_row(self):
        lines, _ = load(os.path.join(self.dir, 'results.jsonl'))
        summary = S.summarize(lines)
        row = next(r for r in summary['boots'] if r['boot'] == 'c09-hung')
        self.assertEqual(row['status'], 'hang')
        self.assertEqual(row['records'], 2)
        self.assertEqual(summary['cases']['2n-2c-8G']['plain'], {})

    def test_report_is_written_anyway(self):
        out = io.StringIO()
        made = make_report(self.dir, out=out)
        with open(made['md']) as f:
            md = f.read()
        self.assertIn('| c09-hung | 2n-2c-8G | plain | xcall | prealloc | 1 | hang |', md)
        self.assertIn('not JSON', md)
        self.assertIn('@bench without', md)
        self.assertIn('report:', out.getvalue())

    def test_bad_free_samples_cost_only_their_graph(self):
        objs = [json.loads(text) for text in fx.captured_lines()]
        for obj in objs:
            if obj['type'] == 'result' and obj['run']['boot'] == 'c01-async':
                obj['record']['free_samples'] = [[5], 'x']
        path = fx.write_lines(os.path.join(self.dir, 'samples', 'results.jsonl'), objs)
        made = make_report(os.path.dirname(path), out=io.StringIO())
        self.assertTrue(any(n.startswith('async free memory: graph left out') for n in made['notes']), made['notes'])
        self.assertIn('compare-2n-2c-4G', {g['name'] for g in made['graphs']})

    def test_boot_without_outcome(self):
        lines = fx.captured_lines()[:3]  # interrupted during the first boot
        path = fx.write_lines(os.path.join(self.dir, 'cut', 'results.jsonl'), lines)
        summary = S.summarize(load(path)[0])
        self.assertEqual(summary['boots'][0]['status'], 'no outcome')
        make_report(os.path.dirname(path), out=io.StringIO())


if __name__ == '__main__':
    unittest.main()
