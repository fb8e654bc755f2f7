"""The report (bench/report.py) of the real sample run and of the captured logs:
its files exist and hold the tables, graphs and the environment statement."""
import os
import sys


import io
import re
import shutil
import subprocess
import tempfile
import unittest

import bench_fixture as fx
from meminit_bench.report import make_report
from meminit_bench.results import by_boot, load


class SampleReport(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        shutil.copy(fx.SAMPLE, cls.tmp.name)
        cls.out = io.StringIO()
        cls.made = make_report(cls.tmp.name, out=cls.out)
        with open(cls.made['md']) as f:
            cls.md = f.read()
        with open(cls.made['html']) as f:
            cls.html = f.read()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_summary_table(self):
        self.assertIn('| case | strategy | done ms | done min–max | usable ms | ns/page | efficiency | × bsp | '
                      'own boot done ms | own boot min–max | own boot usable ms | boots (host memory) |', self.md)
        for case in ('2n-2c-1G', '2n-2c-2G', '2n-1c-2G'):
            for strategy in ('bsp', 'migrate', 'xcall', 'async'):
                self.assertIn(f'| {case} | {strategy} |', self.md)
        self.assertIn('| hung | no host-warm results |', self.md)
        printed = self.out.getvalue()
        self.assertIn('own boot done ms', printed)
        self.assertIn(f'report: {self.made["md"]}', printed)

    def test_outcomes_and_environment(self):
        self.assertIn('| 017-hung-all-prealloc1 | hung | all |  | prealloc | 1 | hang |', self.md)
        self.assertIn('TCG', self.md)
        self.assertIn('model no NUMA latency', self.md)
        self.assertIn('7.2.22', self.md)
        self.assertIn('cfddd88b9824', self.md)
        self.assertIn('guest-cold (its first', self.md)
        self.assertIn('host-warm boots only (prealloc, warm)', self.md)

    def test_html_is_self_contained(self):
        self.assertEqual(self.html.count('<svg'), len(self.made['graphs']))
        self.assertGreater(len(self.made['graphs']), 10)
        self.assertNotIn('<script', self.html)
        self.assertNotIn('<img', self.html)
        self.assertNotIn('http://', self.html.replace('http://www.w3.org/', ''))
        self.assertNotIn('https://', self.html)
        ids = re.findall(r'\bid=["\']([^"\']+)', self.html)
        self.assertEqual(len(ids), len(set(ids)), 'two inlined graphs share an id')

    def test_graphs_and_traces_written(self):
        for graph in self.made['graphs']:
            self.assertIn(os.path.relpath(graph['png'], self.tmp.name), self.md)
            self.assertGreater(os.path.getsize(graph['svg']), 0)
        with_spans = [b for b in by_boot(load(fx.SAMPLE)[0]).values() if any(t == 'span' for t, _ in b['records'])]
        self.assertEqual(len(self.made['traces']), len(with_spans))
        self.assertTrue(all(os.path.dirname(p).endswith('traces') for p in self.made['traces']))


class CapturedReport(unittest.TestCase):
    def test_linux_beside_cold_and_model_labelled(self):
        with tempfile.TemporaryDirectory() as tmp:
            fx.write_captured(os.path.join(tmp, 'results.jsonl'))
            env = dict(os.environ, PYTHONPATH='')
            done = subprocess.run([sys.executable, os.path.join(fx.BENCH, 'report.py'), tmp], env=env,
                                  capture_output=True, text=True)
            self.assertEqual(done.returncode, 0, done.stderr)
            with open(os.path.join(tmp, 'report.md')) as f:
                md = f.read()
        self.assertIn('| 2n-2c-4G | ok (6.1.0-28-amd64) | 1 (prealloc) | 52 | 52–52 | whole jiffies, length unknown | '
                      '70 | 105 | 54.7 | 18.2 (xcall) |', md)
        self.assertIn('modelled, not measured', md)
        self.assertIn('report.html', done.stdout)

    def test_more_vcpus_than_host_cores_is_said(self):
        with tempfile.TemporaryDirectory() as tmp:
            fx.write_captured(os.path.join(tmp, 'results.jsonl'), env=dict(fx.ENV, host_cores=1))
            made = make_report(tmp, out=io.StringIO())
            with open(made['md']) as f:
                self.assertIn('2 vCPUs on 1 host cores: its parallel speed-up is capped at 1', f.read())


if __name__ == '__main__':
    unittest.main()
