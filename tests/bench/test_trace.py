"""Chrome traces (bench/meminit_bench/trace.py): the format check itself, and every trace
written from the recorded logs and the sample run passes it."""
import os


import json
import tempfile
import unittest

import bench_fixture as fx
from meminit_bench.results import by_boot, load
from meminit_bench.trace import boot_trace, validate, write_traces


class Validate(unittest.TestCase):
    GOOD = {'traceEvents': [
        {'name': 'process_name', 'ph': 'M', 'pid': 1, 'tid': 0, 'args': {'name': 'meminit'}},
        {'name': 'memmap_init node 0', 'cat': 'memmap', 'ph': 'X', 'ts': 1.0, 'dur': 2.0, 'pid': 1, 'tid': 0},
        {'name': 'done', 'ph': 'i', 's': 'g', 'ts': 3.0, 'pid': 1, 'tid': 0}], 'displayTimeUnit': 'ms'}

    def broken(self, index, **change):
        trace = json.loads(json.dumps(self.GOOD))
        trace['traceEvents'][index].update(change)
        for key, value in change.items():
            if value is None:
                del trace['traceEvents'][index][key]
        return validate(trace)

    def test_good_trace_passes(self):
        self.assertEqual(validate(self.GOOD), [])

    def test_each_required_field_is_checked(self):
        self.assertIn('without dur', self.broken(1, dur=None)[0])
        self.assertIn('without ts', self.broken(1, ts=None)[0])
        self.assertIn('without s', self.broken(2, s=None)[0])
        self.assertIn('without args', self.broken(0, args=None)[0])
        self.assertIn('not a number', self.broken(1, ts='1')[0])
        self.assertIn('negative', self.broken(1, dur=-1)[0])
        self.assertIn('scope', self.broken(2, s='x')[0])
        self.assertIn('phase', self.broken(1, ph='Q')[0])
        self.assertEqual(validate([]), ['not an object with a traceEvents list'])

    def test_partial_overlap_on_one_row_is_a_problem(self):
        trace = json.loads(json.dumps(self.GOOD))
        trace['traceEvents'].append({'name': 'late', 'ph': 'X', 'ts': 2.0, 'dur': 5.0, 'pid': 1, 'tid': 0})
        self.assertIn('partly overlaps', validate(trace)[0])
        trace['traceEvents'][-1]['dur'] = 0.5  # nested inside: fine
        self.assertEqual(validate(trace), [])


class Written(unittest.TestCase):
    def check_dir(self, results):
        boots = by_boot(load(results)[0])
        with tempfile.TemporaryDirectory() as out:
            paths, problems = write_traces(boots, out)
            self.assertEqual(problems, [])
            self.assertEqual(len(paths), sum(1 for b in boots.values() if any(t == 'span' for t, _ in b['records'])))
            for path in paths:
                with open(path) as f:
                    trace = json.load(f)
                self.assertEqual(validate(trace), [], path)
                self.assertEqual(trace['displayTimeUnit'], 'ms')
        return boots

    def test_captured_logs(self):
        with tempfile.TemporaryDirectory() as tmp:
            boots = self.check_dir(fx.write_captured(os.path.join(tmp, 'results.jsonl')))
        trace = boot_trace('c01-bsp', boots['c01-bsp'])
        spans = [e for e in trace['traceEvents'] if e['ph'] == 'X' and e['cat'] == 'memmap']
        # 2n-2c-4G-bsp.log: node 0 from 127526383 to 209025068 ns on CPU 0
        self.assertEqual(spans[0]['name'], 'memmap_init node 0')
        self.assertEqual((spans[0]['ts'], spans[0]['dur'], spans[0]['tid']), (127526.383, 81498.685, 0))
        self.assertEqual(spans[0]['args']['buddy_ns'], 322524)
        names = {e['args']['name'] for e in trace['traceEvents'] if e['name'] == 'thread_name'}
        self.assertTrue({'CPU 0 (node 0)', 'CPU 1 (node 1)'} <= names)  # CPU 1 idle, still named
        instants = sorted(e['name'] for e in trace['traceEvents'] if e['ph'] == 'i')
        self.assertEqual(instants, ['done (bsp run 0)', 'usable (bsp run 0)'])

    def test_sample_run(self):
        self.check_dir(fx.SAMPLE)

    def test_overlapping_spans_get_their_own_row(self):
        records = [('topology', {'cpus': [{'id': 0, 'node': 0}]}),
                   ('span', {'cpu': 0, 'node': 0, 'what': 'memmap_init', 'start_ns': 0, 'end_ns': 2000}),
                   ('span', {'cpu': 0, 'node': -1, 'what': 'workload', 'start_ns': 1000, 'end_ns': 5000})]
        trace = boot_trace('x', {'run': {}, 'records': records})
        self.assertEqual(validate(trace), [])
        self.assertEqual(len({e['tid'] for e in trace['traceEvents'] if e['ph'] == 'X'}), 2)


if __name__ == '__main__':
    unittest.main()
