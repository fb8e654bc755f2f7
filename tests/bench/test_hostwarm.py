"""Host-warm boots and the statistics over them: the boot markers that cut a
log into boots (bench/meminit_bench/hostmem.py), compare's rows per boot, and the report's
medians, min-max, winners and host-cold section (summary.py, answers.py,
report.py), on the recorded logs with figures changed per boot."""
import copy
import importlib.machinery
import io
import os
import tempfile
import unittest

import bench_fixture as fx
from meminit_bench import hostmem
from meminit_bench import linux_ref
from meminit_bench import summary as S
from meminit_bench.answers import answers
from meminit_bench.report import make_report
from meminit_bench.results import line, load
from meminit_bench.topology import GiB, machine

COMPARE = importlib.import_module('meminit_bench.compare')


def bench_records(done_by_strategy):
    """The captured benchmark boot's records with each strategy's done figures
    replaced: {strategy: (min, median, max)} in ns."""
    out = []
    for rtype, rec in fx.log_records('2n-2c-4G-all.log'):
        rec = copy.deepcopy(rec)
        if rtype == 'bench' and rec['strategy'] in done_by_strategy:
            low, mid, high = done_by_strategy[rec['strategy']]
            rec.update(done_ns_min=low, done_ns_median=mid, done_ns_max=high)
        out.append((rtype, rec))
    return out


def plain_records(strategy, done_ns):
    """A strategy's captured own boot with its @result taking done_ns from its start."""
    out = []
    for rtype, rec in fx.log_records(f'2n-2c-4G-{strategy}.log'):
        rec = copy.deepcopy(rec)
        if rtype == 'result':
            rec['done_ns'] = rec['usable_ns'] = rec['start_ns'] + done_ns
        out.append((rtype, rec))
    return out


def results_file(path, boots):
    """boots: [(boot id, mode, strategy, host_memory, repeat, records)] as a results.jsonl."""
    lines = []
    for boot, mode, strategy, host_memory, repeat, records in boots:
        run = fx.run_of(boot, mode=mode, strategy=strategy, host_memory=host_memory, repeat=repeat)
        lines += [line(t, r, run, fx.ENV) for t, r in records]
        lines.append(line('outcome', {'status': 'ok', 'exit': 0, 'seconds': 1.0, 'skipped': []}, run, fx.ENV))
    return fx.write_lines(path, lines)


def summarize(boots):
    with tempfile.TemporaryDirectory() as tmp:
        lines, problems = load(results_file(os.path.join(tmp, 'results.jsonl'), boots))
    assert not problems, problems
    return S.summarize(lines)


MS = 1_000_000


class Markers(unittest.TestCase):
    def test_a_log_is_cut_at_the_markers_and_each_record_kept_with_its_boot(self):
        text = ('@error {"what":"before any boot"}\n'
                + hostmem.marker(1, 2, 'lazy', 1) + '\n@boot {"boot_count":1}\n@exit {"ok":true}\n'
                + hostmem.marker(2, 2, 'warm', 1) + '\n@boot {"boot_count":2}\n')
        pieces = hostmem.split(text)
        self.assertEqual([m for m, _ in pieces], [None, {'boot': 1, 'boots': 2, 'host_memory': 'lazy', 'repeat': 1},
                                                  {'boot': 2, 'boots': 2, 'host_memory': 'warm', 'repeat': 1}])
        self.assertIn('"boot_count":2', pieces[2][1])
        self.assertNotIn('"boot_count":2', pieces[1][1])

    def test_a_log_without_markers_is_one_boot(self):
        self.assertEqual(hostmem.split('@boot {}\n@exit {"ok":true}\n'), [(None, '@boot {}\n@exit {"ok":true}\n')])

    def test_compare_rows_per_boot_from_one_log(self):
        text = ''.join(hostmem.marker(i, 3, mode, repeat) + '\n@boot {}\n' + ('@exit {"ok":true}\n' if i < 3 else '')
                       for i, (mode, repeat) in enumerate([('lazy', 1), ('warm', 1), ('warm', 2)], 1))
        got = COMPARE.boot_outcomes(text, hostmem.boot_plan('warm', 3), 3, 9.0)
        self.assertEqual([(m, r, o['status']) for m, r, _, o in got],
                         [('lazy', 1, 'ok'), ('warm', 1, 'ok'), ('warm', 2, 'hang')])

    def test_every_results_row_says_its_host_memory_and_repeat(self):
        case = COMPARE.matrix.even_case(2, 2, 4 * GiB)
        boot = COMPARE.Boot(case, 'plain', 'bsp', 2, 'off', 3, 'warm')
        run = COMPARE.run_description(boot, 'logs/x.log', 'warm', 2)
        self.assertEqual((run['host_memory'], run['repeat']), ('warm', 2))
        self.assertEqual(len(boot.plan), 4)


class Backing(unittest.TestCase):
    def test_prealloc_only_when_the_guest_is_small_and_leaves_the_host_its_margin(self):
        small = hostmem.PREALLOC_MAX
        self.assertEqual(hostmem.choose(small, 3, 2 * small + hostmem.HOST_MARGIN), 'prealloc')
        self.assertEqual(hostmem.choose(small, 3, 2 * small + hostmem.HOST_MARGIN - 1), 'warm')
        self.assertEqual(hostmem.choose(small + 1, 3, 1 << 50), 'warm')
        self.assertEqual(hostmem.choose(small + 1, 1, 1 << 50), 'lazy')
        self.assertEqual(hostmem.choose(small, 3, None), 'warm')

    def test_the_workload_boot_is_preallocated_wherever_it_fits(self):
        big = 8 * GiB
        self.assertEqual(hostmem.choose(big, 3, 1 << 40), 'warm')
        self.assertEqual(hostmem.choose_for_workload(big, 3, 2 * big + hostmem.HOST_MARGIN), 'prealloc')
        self.assertEqual(hostmem.choose_for_workload(big, 3, 2 * big + hostmem.HOST_MARGIN - 1), 'warm')
        self.assertEqual(hostmem.choose_for_workload(big, 3, None), 'warm')
        case = COMPARE.matrix.even_case(2, 2, big)
        boots = COMPARE.plan([case], ['bsp'], 2, 'off', False, 3)
        available = hostmem.available_bytes()
        want = 'prealloc' if hostmem.fits(big, available) else 'warm'
        self.assertEqual([(b.mode, b.host_memory) for b in boots], [('all', want), ('plain', 'warm')])

    def test_warm_runs_a_host_cold_warm_up_first(self):
        self.assertEqual(hostmem.boot_plan('warm', 2), [('lazy', 1), ('warm', 1), ('warm', 2)])
        self.assertEqual(hostmem.boot_plan('prealloc', 2), [('prealloc', 1), ('prealloc', 2)])
        self.assertTrue(hostmem.host_cold('lazy'))
        self.assertFalse(hostmem.host_cold('warm'))

    def test_every_memory_backend_gets_the_mode(self):
        args = machine(2, 2, 4 * GiB).qemu_args()
        backed = hostmem.backed(args, 'prealloc')
        objects = [a for a in backed if a.startswith('memory-backend-ram,')]
        self.assertEqual(len(objects), 2)
        self.assertTrue(all('prealloc=on' in a.split(',') and 'reserve=' not in a for a in objects))
        self.assertEqual(hostmem.backed(backed, 'warm'), hostmem.backed(args, 'warm'))
        self.assertEqual(hostmem.guest_bytes(backed), 4 * GiB)
        self.assertEqual(hostmem.guest_bytes(['-m', '512']), 512 << 20)


class Statistics(unittest.TestCase):
    def test_own_boot_figure_is_the_median_of_the_host_warm_boots_only(self):
        summary = summarize([('w0', 'plain', 'bsp', 'lazy', 1, plain_records('bsp', 900 * MS)),
                             ('w1', 'plain', 'bsp', 'warm', 1, plain_records('bsp', 30 * MS)),
                             ('w2', 'plain', 'bsp', 'warm', 2, plain_records('bsp', 24 * MS)),
                             ('w3', 'plain', 'bsp', 'warm', 3, plain_records('bsp', 27 * MS))])
        case = summary['cases'][fx.CASE]
        self.assertEqual(S.own_range(case, 'bsp'), (24 * MS, 27 * MS, 30 * MS, 3))
        self.assertEqual(case['plain']['bsp']['boot'], 'w3')  # the boot with the median stands for them
        self.assertEqual([(c['boot'], c['done_ns']) for c in case['host_cold']], [('w0', 900 * MS)])

    def test_benchmark_figures_merge_the_boots(self):
        summary = summarize([(f'a{i}', 'all', None, 'prealloc', i,
                              bench_records({'bsp': (lo, mid, hi)})) for i, (lo, mid, hi) in
                             enumerate([(9 * MS, 10 * MS, 11 * MS), (8 * MS, 12 * MS, 13 * MS),
                                        (10 * MS, 11 * MS, 15 * MS)], 1)])
        # The figure: the median of the boots' medians, between the lowest and highest of them.
        self.assertEqual(S.done_range(summary['cases'][fx.CASE], 'bsp'), (10 * MS, 11 * MS, 12 * MS, 3))
        # The rounds' extremes are kept beside it.
        bench = S.bench_of(summary['cases'][fx.CASE], 'bsp')
        self.assertEqual((bench['done_ns_min'], bench['done_ns_max']), (8 * MS, 15 * MS))

    def winner(self, xcall, boots=3):
        """xcall: one (min, median, max) of rounds for every boot, or the same for all."""
        bsp = (9 * MS, 10 * MS, 11 * MS)
        per_boot = xcall if isinstance(xcall, list) else [xcall] * boots
        summary = summarize([(f'a{i}', 'all', None, 'prealloc', i, bench_records({'bsp': bsp, 'xcall': x}))
                             for i, x in enumerate(per_boot, 1)])
        return answers(summary)[0]

    def test_a_winner_only_beyond_the_spread(self):
        self.assertIn('fastest synchronous is xcall', self.winner((5 * MS, 6 * MS, 8 * MS)))
        # One slow round in every boot does not hide a lead its boots' medians all show.
        self.assertIn('fastest synchronous is xcall', self.winner((5 * MS, 6 * MS, 12 * MS)))
        overlapping = self.winner([(5 * MS, 6 * MS, 8 * MS), (5 * MS, 6 * MS, 8 * MS), (9 * MS, 10.5 * MS, 12 * MS)])
        self.assertIn('fastest synchronous is bsp', overlapping)
        self.assertIn('beyond the spread', overlapping)

    def test_no_winner_from_fewer_than_three_host_warm_boots(self):
        said = self.winner((5 * MS, 6 * MS, 8 * MS), boots=2)
        self.assertIn('only 2 host-warm benchmark boots', said)
        self.assertNotIn('fastest synchronous is', said)

    def test_linux_is_the_median_of_its_boots_with_its_band(self):
        records = []
        for repeat, (ms, band) in enumerate([(60.0, [56.0, 62.5]), (72.0, [68.0, 75.0]), (64.0, [60.0, 66.0])], 1):
            records.append(('l', 'linux', None, 'warm', repeat,
                            [('linux', dict(fx.LINUX, slowest_node_ms=ms, slowest_node_bounds_ms=band))]))
        records.append(('l0', 'linux', None, 'lazy', 1, [('linux', dict(fx.LINUX, slowest_node_ms=240.0))]))
        summary = summarize([(f'{b}{r}', m, s, h, r, rec) for b, m, s, h, r, rec in records])
        case = summary['cases'][fx.CASE]
        self.assertEqual(S.linux_range(case), (60.0, 64.0, 72.0, 3))
        self.assertEqual(S.linux_band(case), (56.0, 75.0))
        self.assertEqual([c['slowest_node_ms'] for c in case['host_cold']], [240.0])

    def test_linux_band_is_a_jiffy_narrowed_by_the_printk_stamps(self):
        with open(os.path.join(fx.LOGS, 'linux-2n-2c-4G.log')) as f:
            result = linux_ref.parse(f.read(), machine(2, 2, 4 * GiB), hz=250)
        slowest = result['slowest_node_ms']
        low, high = result['slowest_node_bounds_ms']
        self.assertEqual(result['jiffy_ms'], 4.0)
        self.assertEqual(low, slowest - 4.0)
        self.assertLessEqual(high, slowest + 4.0)
        self.assertLessEqual(high, result['smpboot_to_last_ms'])


class Report(unittest.TestCase):
    def test_host_cold_figures_only_in_their_own_section(self):
        with tempfile.TemporaryDirectory() as tmp:
            results_file(os.path.join(tmp, 'results.jsonl'), [
                ('w0', 'plain', 'bsp', 'lazy', 1, plain_records('bsp', 987 * MS)),
                ('w1', 'plain', 'bsp', 'warm', 1, plain_records('bsp', 30 * MS)),
                ('w2', 'plain', 'bsp', 'warm', 2, plain_records('bsp', 24 * MS)),
                ('w3', 'plain', 'bsp', 'warm', 3, plain_records('bsp', 27 * MS))])
            made = make_report(tmp, out=io.StringIO())
            with open(made['md']) as f:
                md = f.read()
        before, cold = md.split('## Host-cold boots')
        self.assertNotIn('987', before.split('## Boots')[0])
        self.assertIn('| 2n-2c-4G | w0 | bsp alone | 1 | 987 |', cold.split('## Boots')[0])
        self.assertIn('page faults', cold)
        self.assertIn('| 2n-2c-4G | bsp | – | – | – | – | – | – | 27 | 24–30 | 27 | own 3 (warm) |', before)


if __name__ == '__main__':
    unittest.main()
