"""The whole-boot timeline (bench/meminit_bench/timeline_plot.py) of real boots with every phase
(logs/2n-2c-4G-{xcall,async}-phases.log: 2 nodes, 2 vCPUs, 4 GiB under TCG): one
colour per phase, phases that follow each other unlike, every phase named on the
picture (inside its bar, beside it or above the plot) with no name on another, and
a phase's name without its CPU's node (the lane says it)."""
import os


import html
import re
import shutil
import tempfile
import unittest

import bench_fixture as fx
from meminit_bench import timeline_plot as T

LOGS = ('2n-2c-4G-xcall-phases.log', '2n-2c-4G-async-phases.log')
MIN_NEIGHBOUR_RGB = 80  # distance in RGB space between phases that follow each other


def plain_of(log):
    records = fx.log_records(log)
    result = next(r for t, r in records if t == 'result')
    return {'records': records, 'result': result}


def spans_of(plain):
    return [r for t, r in plain['records'] if t == 'span']


def rgb_distance(a, b):
    a, b = T.rgb(a), T.rgb(b)
    return sum((((a >> s) & 255) - ((b >> s) & 255)) ** 2 for s in (16, 8, 0)) ** 0.5


def layout(plain):
    """What timeline() places on its whole-boot panel: (spans, lanes, labels, callouts, named)."""
    spans = spans_of(plain)
    lane_of = {cpu: i for i, cpu in enumerate(sorted({s['cpu'] for s in spans}))}
    end = max(s['end_ns'] for s in spans) / 1e6
    labels, callouts, named = T.place_labels(spans, lane_of, 0, T.Axis(0, end), T.phase_colours(spans), True)
    return spans, lane_of, labels, callouts, named


class TimelinePlot(unittest.TestCase):
    def setUp(self):
        self.assertIsNotNone(shutil.which('gnuplot'), 'gnuplot is not installed (apt-get install gnuplot-nox)')
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def test_one_colour_per_phase(self):
        for log in LOGS:
            spans = spans_of(plain_of(log))
            names = {s['what'] for s in spans if s.get('phase')}
            colours = T.phase_colours(spans)
            self.assertGreater(len(names), 20, f'{log}: a boot with every phase')
            self.assertEqual(set(colours), names)
            self.assertEqual(len(set(colours.values())), len(names), f'{log}: phases sharing a colour: {colours}')
            work = set(T.NODE_SHADES) | set(T.WORK.values()) | {T.BUDDY}
            self.assertFalse(set(colours.values()) & work, f'{log}: a phase coloured like the work')

    def test_phases_that_follow_each_other_differ(self):
        palette = T.PHASE_PALETTE
        for a, b in zip(palette, palette[1:] + palette[:1]):
            self.assertGreaterEqual(rgb_distance(a, b), MIN_NEIGHBOUR_RGB, f'{a} next to {b}')
        many = [{'what': f'phase_{i}', 'cpu': 0, 'start_ns': i, 'end_ns': i + 1} for i in range(40)]
        colours = T.phase_colours(many)
        self.assertEqual(len(set(colours.values())), len(palette), 'a name the plot never heard of gets a colour')

    def test_every_phase_named_once_without_a_node(self):
        for log in LOGS:
            plain = plain_of(log)
            paths, note = T.timeline(self.tmp.name, log[:-4], '2n-2c-4G', 'xcall', plain)
            self.assertIsNone(note)
            with open(paths[0]) as f:
                texts = [html.unescape(t).strip() for t in re.findall(r'<text[^>]*>([^<]*)</text>', f.read())]
            for name in {s['what'] for s in spans_of(plain) if s.get('phase')}:
                self.assertIn(name, texts, f'{log}: phase {name} named nowhere on the picture')
            with_node = [t for t in texts if re.fullmatch(r'[a-z_]+ n\d+', t) and not t.startswith('grow')]
            self.assertEqual(with_node, [], f'{log}: phases labelled with a node')

    def test_names_do_not_overlap(self):
        for log in LOGS:
            spans, lane_of, labels, callouts, named = layout(plain_of(log))
            on_boot_cpu = [i for i, s in enumerate(spans) if s.get('phase') and s['cpu'] == 0]
            self.assertEqual(sorted(set(named) & set(on_boot_cpu)), on_boot_cpu,
                             f'{log}: phases of the boot CPU left to the colour key')
            end = max(s['end_ns'] for s in spans) / 1e6
            axis = T.Axis(0, end)
            for lane in set(lane_of.values()):
                extents = sorted((axis.px(x) - T.text_px(text) / 2, axis.px(x) + T.text_px(text) / 2, text)
                                 for x, l, text, _ in labels if l == lane)
                for (_, a_hi, a), (b_lo, _, b) in zip(extents, extents[1:]):
                    self.assertLessEqual(a_hi, b_lo + 6, f'{log}: lane {lane}: {a!r} runs into {b!r}')
            result = plain_of(log)['result']
            lines = [axis.px(x) for x, _, _ in T.marker_lines(result)]
            placed = T.spread([axis.px(x) for x, _ in callouts], T.CALLOUT_GAP, lines)
            self.assertEqual(placed, sorted(placed), f'{log}: names above the plot out of order')
            for a, b in zip(placed, placed[1:]):
                self.assertGreaterEqual(b - a, T.CALLOUT_GAP - 1e-9, f'{log}: names above the plot overlap')
            for x in placed:
                self.assertTrue(0 <= x <= T.PLOT_PX, f'{log}: a name outside the plot at {x} px')
                for line in lines:
                    self.assertGreaterEqual(abs(x - line), T.CALLOUT_GAP - 1e-9,
                                            f'{log}: a name on the usable/done line at {line} px')

    def test_usable_and_done_names_face_away_from_each_other(self):
        # A synchronous strategy: run() returns (usable) just after its last chunk (done).
        sync = T.marker_lines({'start_ns': 0, 'usable_ns': 10_300_000, 'done_ns': 9_900_000})
        self.assertEqual([(x, align) for x, align, _ in sync], [(9.9, 'right'), (10.3, 'left')])
        self.assertTrue(sync[0][2].startswith('done') and sync[1][2].strip().startswith('usable'), sync)
        later = T.marker_lines({'start_ns': 0, 'usable_ns': 1_000_000, 'done_ns': 5_000_000})
        self.assertEqual([align for _, align, _ in later], ['right', 'left'])
        self.assertTrue(later[0][2].startswith('usable'), later)

    def test_ap_wake_named_on_the_boot_cpu_and_the_ap(self):
        _, _, labels, callouts, _ = layout(plain_of('2n-2c-4G-async-phases.log'))  # room left of CPU 1's
        self.assertIn('ap_wake', [text for _, text in callouts], 'the boot CPU\'s ap_wake named above the plot')
        self.assertTrue(any(text == 'ap_wake' and lane != 0 for _, lane, text, _ in labels),
                        'an AP\'s ap_wake named beside its bar')

    def test_a_phase_with_no_room_for_its_name_is_in_the_key(self):
        log = '2n-2c-4G-xcall-phases.log'  # CPU 1's ap_wake: too close to the axis and to its first chunk
        plain = plain_of(log)
        spans, _, _, _, named = layout(plain)
        ap_wake = next(i for i, s in enumerate(spans) if s.get('phase') and s['cpu'] == 1)
        self.assertNotIn(ap_wake, named)
        paths, _ = T.timeline(self.tmp.name, 'key', '2n-2c-4G', 'xcall', plain)
        with open(paths[0]) as f:
            texts = [t.strip() for t in re.findall(r'<text[^>]*>([^<]*)</text>', f.read())]
        self.assertEqual(texts.count('ap_wake'), 2, 'ap_wake above the plot (boot CPU) and in the key (CPU 1)')


if __name__ == '__main__':
    unittest.main()
