"""The whole-boot timeline of one plain boot, in the style of systemd-analyze plot:
one lane per CPU of @topology (an idle CPU shows as an empty lane), time across
in ms from TSC zero, one bar per @span coloured by what it was, the buddy
hand-off as the dark tail of each mem_map span, and lines at usable and done.
When the mem_map init is a small slice of the boot, a second panel zooms on it.

Every boot phase is named on the picture: inside its bar when the name fits,
beside it on an AP's lane, and otherwise above the plot with a line down to
the phase (the boot CPU's lane is tiled with phases, many too short to hold
their names). The colour key lists only what the picture does not name.
"""
from .gnuplot import q, render, rgb

# Boot phases take these in the order the boot first meets them, so any phase name
# (also one this file has never heard of) gets a colour of its own, and phases that
# follow each other differ strongly (the order alternates hue and lightness). No
# blue (the mem_map init's), red, purple or grey (the work kinds' below).
PHASE_PALETTE = ['#f3c300', '#e7298a', '#008856', '#d95f02', '#e377c2', '#2ca02c', '#f38400', '#17becf',
                 '#8db600', '#b3446c', '#66c2a5', '#dcd300', '#e68fac', '#98df8a', '#654522', '#f7b6d2',
                 '#bcbd22', '#882d17', '#c2b280', '#2b3d26', '#a6761d', '#f99379', '#8c564b', '#ffbb78']
# Shades of blue for memmap_init, one per node, none as dark as the buddy hand-off.
NODE_SHADES = ['#2b7bba', '#9fd0f5', '#3b5ba5', '#6fb1e3', '#1f9bc4', '#c3ddf7', '#5a7fc7', '#89a9e0']
BUDDY = '#0b1f3a'
WORK = {'grow': '#d62728', 'workload': '#9467bd', 'numa_model': '#a0a0a0'}
WORK_NAMES = {'numa_model': 'NUMA wait (modelled)', 'grow': 'grow (on demand)',
              'workload': 'workload (boot goes on)'}
MEMMAP = ('memmap_init',)
MEMMAP_WINDOW = ('memmap_init', 'grow', 'numa_model')

WIDTH = 1100
PLOT_LEFT, PLOT_RIGHT = 0.2, 0.97  # the drawing area, as fractions of the width
PLOT_PX = (PLOT_RIGHT - PLOT_LEFT) * WIDTH
CHAR_PX = 6.5      # a character of the ",8" font, generously
CALLOUT_GAP = 12   # px between the names standing above the plot (one line of ",8" text)
LEADER_PX = 22     # the line from a phase up to its name
LANE_PX = 34
AXIS_PX = 58       # under a panel: the tick labels and the axis name
KEY_COLUMNS = 4


def is_phase(span):
    """A boot phase: what is not one of the work kinds (as bench/meminit_bench/trace.py reads it)."""
    return span['what'] not in MEMMAP and span['what'] not in WORK


def phase_colours(spans):
    """{phase name: colour}, in the order the boot meets the phases."""
    colours = {}
    for span in sorted(spans, key=lambda s: s['start_ns']):
        if is_phase(span) and span['what'] not in colours:
            colours[span['what']] = PHASE_PALETTE[len(colours) % len(PHASE_PALETTE)]
    return colours


def colour_of(span, phases):
    if span['what'] in MEMMAP:
        node = span.get('node')
        return NODE_SHADES[node % len(NODE_SHADES)] if isinstance(node, int) and node >= 0 else NODE_SHADES[0]
    return WORK.get(span['what']) or phases[span['what']]


def key_name(span):
    if span['what'] in MEMMAP:
        return f'memmap_init node {span.get("node")}'
    return WORK_NAMES.get(span['what'], span['what'])


def key_order(entry):
    """memmap_init by node first, then the rest as the boot met them (a stable sort)."""
    words = entry[0].split()
    return (0, int(words[-1])) if entry[0].startswith('memmap_init node ') and words[-1].isdigit() else (1, 0)


def text_colour(hex_colour):
    """Black on light bars, white on dark ones."""
    value = rgb(hex_colour)
    r, g, b = (value >> 16) & 255, (value >> 8) & 255, value & 255
    return '#000000' if 0.299 * r + 0.587 * g + 0.114 * b > 110 else '#ffffff'


def bars(spans, lane_of, phases):
    """Rows 'x1 x2 lane colour' in ms, and the colour key {text: colour}."""
    rows, key = [], {}
    for span in spans:
        lane = lane_of.get(span['cpu'])
        if lane is None:
            continue
        colour = colour_of(span, phases)
        key.setdefault(key_name(span), colour)
        start, end = span['start_ns'] / 1e6, span['end_ns'] / 1e6
        buddy = (span.get('buddy_ns') or 0) / 1e6
        if span['what'] in MEMMAP and 0 < buddy <= end - start:
            rows.append((start, end - buddy, lane, rgb(colour)))
            rows.append((end - buddy, end, lane, rgb(BUDDY)))
            key.setdefault('buddy hand-off (dark tail)', BUDDY)
        else:
            rows.append((start, end, lane, rgb(colour)))
    return rows, key


class Axis:
    """One panel's time axis: ms lo..hi across PLOT_PX pixels."""

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def px(self, ms):
        return (ms - self.lo) / (self.hi - self.lo) * PLOT_PX

    def ms(self, px):
        return self.lo + px / PLOT_PX * (self.hi - self.lo)


def visible_pieces(span, spans):
    """The stretches (ms) of a phase that no work span on its CPU is drawn over:
    memmap_run holds the boot CPU's memmap_init bars, its name belongs in what is left."""
    pieces = [(span['start_ns'] / 1e6, span['end_ns'] / 1e6)]
    for work in spans:
        if is_phase(work) or work['cpu'] != span['cpu']:
            continue
        a, b = work['start_ns'] / 1e6, work['end_ns'] / 1e6
        pieces = [p for lo, hi in pieces for p in ((lo, min(hi, a)), (max(lo, b), hi)) if p[1] > p[0]]
    return pieces


def label_text(span):
    """memmap_init bars say their node; a phase says its name alone (its lane names
    the CPU and node); other work says what it was and for which node."""
    node = span.get('node')
    if span['what'] in MEMMAP:
        return f'n{node}'
    if is_phase(span) or not isinstance(node, int) or node < 0:
        return span['what']
    return f'{span["what"]} n{node}'


def text_px(text):
    return len(text) * CHAR_PX + 6


def place_labels(spans, lane_of, boot_lane, axis, phases, callouts):
    """Names on the picture for the window of axis: inside a bar when they fit; a
    phase that is too short is named beside its bar on an AP's lane, or (on the
    boot CPU's lane, with callouts) listed for a name above the plot.
    Returns (labels [(x ms, lane, text, colour)], callouts [(x ms, text)], named): named
    holds the index in spans of each phase the picture names."""
    labels, above, named = [], [], set()
    taken = {}  # lane -> [(px lo, px hi)] of bars and of names put beside them
    for span in spans:
        if span['cpu'] in lane_of:
            a, b = axis.px(span['start_ns'] / 1e6), axis.px(span['end_ns'] / 1e6)
            taken.setdefault(lane_of[span['cpu']], []).append((a, b))
    for i, span in sorted(enumerate(spans), key=lambda e: e[1]['start_ns']):
        lane = lane_of.get(span['cpu'])
        if lane is None:
            continue
        text, colour = label_text(span), colour_of(span, phases)
        pieces = visible_pieces(span, spans) if is_phase(span) else [(span['start_ns'] / 1e6, span['end_ns'] / 1e6)]
        pieces = [(max(a, axis.lo), min(b, axis.hi)) for a, b in pieces if min(b, axis.hi) > max(a, axis.lo)]
        if not pieces:
            continue
        lo, hi = max(pieces, key=lambda p: p[1] - p[0])
        if axis.px(hi) - axis.px(lo) > text_px(text):
            labels.append(((lo + hi) / 2, lane, text, text_colour(colour)))
            if is_phase(span):
                named.add(i)
        elif not is_phase(span):
            continue
        elif lane != boot_lane:
            beside = free_beside(taken.setdefault(lane, []), axis.px(lo), axis.px(hi), len(text) * CHAR_PX)
            if beside is not None:
                taken[lane].append(beside)
                labels.append((axis.ms(sum(beside) / 2), lane, text, '#000000'))
                named.add(i)
        elif callouts:
            above.append(((lo + hi) / 2, text))
            named.add(i)
    return labels, above, named


def free_beside(taken, lo, hi, width):
    """(px lo, px hi) for a name right of the bar lo..hi, else left of it, where no
    bar or name is; None when neither side has room."""
    for a, b in ((hi + 3, hi + 3 + width), (lo - 3 - width, lo - 3)):
        if a >= 6 and b <= PLOT_PX - 6 and not any(a < t_hi and t_lo < b for t_lo, t_hi in taken):
            return a, b
    return None


def spread(anchors, gap, fixed):
    """x (px) for names standing above the plot at anchors (sorted), at least gap
    apart, keeping clear of the fixed x of the usable and done lines, inside the plot."""
    out, previous = [], -gap
    for x in anchors:
        x = max(x, previous + gap, 0)
        for f in sorted(fixed):
            if abs(x - f) < gap:
                x = f + gap
        out.append(x)
        previous = x
    limit = PLOT_PX
    for i in reversed(range(len(out))):  # too many at the right end: pack them leftwards
        out[i] = min(out[i], limit)
        limit = out[i] - gap
    return out


def marker_lines(result):
    """[(x ms, align, text)] for usable and done: the earlier line's name left of
    it, the later one's right of it, so the two never overlap (a synchronous
    strategy's usable, when run() returned, comes just after its done)."""
    usable, done = result['usable_ns'] / 1e6, result['done_ns'] / 1e6
    start = result['start_ns'] / 1e6
    if abs(done - usable) < 1e-3:
        return [(done, 'left', f' usable = done, init +{done - start:.1f} ms')]
    (first, first_name), (last, last_name) = sorted([(usable, 'usable'), (done, 'done')])
    return [(first, 'right', f'{first_name} +{first - start:.1f} ms '),
            (last, 'left', f' {last_name} +{last - start:.1f} ms')]


class Layout:
    """Vertical positions in px from the top of the picture, turned into screen fractions."""

    def __init__(self, height):
        self.height = height

    def y(self, px):
        return f'{1 - px / self.height:.4f}'


def panel(lanes, axis, layout, top, bottom, markers, labels, callouts=(), marker_top=None, shade=None):
    """One lane chart: its plot area from px top to bottom, its labels, lines and
    names above it; the caller adds the plot command."""
    cmds = [f'set lmargin at screen {PLOT_LEFT}', f'set rmargin at screen {PLOT_RIGHT}',
            f'set tmargin at screen {layout.y(top)}', f'set bmargin at screen {layout.y(bottom)}',
            f'set xrange [{axis.lo}:{axis.hi}]', 'set xtics nomirror out',
            f'set yrange [{len(lanes) - 0.5}:-0.5]', 'set ytics nomirror (' +
            ', '.join(f'{q(name)} {i}' for i, name in enumerate(lanes)) + ')',
            'set grid xtics lc rgb "#dddddd"', 'unset arrow', 'unset label', 'unset object']
    if shade:
        cmds.append(f'set object 1 rect from first {shade[0]}, graph 0 to first {shade[1]}, graph 1 '
                    'fc rgb "#fff3c4" fs solid 0.6 noborder behind')
    marker_top = top - 4 if marker_top is None else marker_top
    shown = [(x, align, text) for x, align, text in markers if axis.lo <= x <= axis.hi]
    names = []  # [x, align, text] of each line's name
    for x, align, text in shown:
        cmds.append(f'set arrow from first {x}, graph 0 to first {x}, screen {layout.y(marker_top)} '
                    'nohead lw 1.5 dt 2 lc rgb "#000000" front')
        if align == 'left' and axis.px(x) > 0.75 * PLOT_PX:
            # Kept inside the picture, it now extends left, over the earlier line's name if
            # that one is close: then both go in one name, left of the earlier line.
            near = [n for n in names if 0 <= axis.px(x) - axis.px(n[0]) < text_px(text)]
            if near:
                near[-1][2] = near[-1][2].rstrip() + ', ' + text.strip() + ' '
                continue
            align, text = 'right', text.strip() + ' '
        names.append([x, align, text])
    for x, align, text in names:
        cmds.append(f'set label {q(text)} at first {x}, screen {layout.y(marker_top - 8)} {align} font ",9" front')
    for x, lane, text, colour in labels:
        cmds.append(f'set label {q(text)} at first {x}, first {lane} center font ",8" tc rgb {q(colour)} front')
    fixed = [axis.px(x) for x, _, _ in markers if axis.lo <= x <= axis.hi]
    placed = spread([axis.px(x) for x, _ in callouts], CALLOUT_GAP, fixed)
    for (x, text), at in zip(callouts, placed):
        bend, foot = layout.y(top - 6), layout.y(top - LEADER_PX)
        cmds.append(f'set arrow from first {x}, graph 1 to first {x}, screen {bend} nohead lw 0.8 lc rgb "#555555" front')
        cmds.append(f'set arrow from first {x}, screen {bend} to first {axis.ms(at)}, screen {foot} '
                    'nohead lw 0.8 lc rgb "#555555" front')
        cmds.append(f'set label {q(text)} at first {axis.ms(at)}, screen {foot} left rotate by 90 '
                    'font ",8" offset 0.45, 0.2 front')
    return cmds


def timeline(out_dir, name, case, strategy, plain):
    """Draw the plain boot's timeline; returns (paths, note) with note for what was left out."""
    records, result = plain['records'], plain['result']
    spans = [r for t, r in records if t == 'span']
    topology = next((r for t, r in records if t == 'topology'), {'cpus': []})
    node_of = {c['id']: c.get('node') for c in topology.get('cpus', [])}
    cpus = sorted(set(node_of) | {s['cpu'] for s in spans})
    if not cpus:
        return [], f'{case} {strategy}: no CPUs and no spans, no timeline'
    lane_of = {cpu: i for i, cpu in enumerate(cpus)}
    lanes = [f'CPU {c} (node {node_of.get(c, "?")})' for c in cpus]
    first_phase = min((s for s in spans if is_phase(s)), key=lambda s: s['start_ns'], default=None)
    boot_lane = lane_of[first_phase['cpu']] if first_phase else None
    phases = phase_colours(spans)
    rows, key = bars(spans, lane_of, phases)
    exit_ns = next((r.get('ns') for t, r in records if t == 'exit'), None) or 0
    end = max([exit_ns, result['done_ns']] + [s['end_ns'] for s in spans]) / 1e6
    window = [s for s in spans if s['what'] in MEMMAP_WINDOW]
    w_lo = min([s['start_ns'] for s in window] + [result['start_ns']]) / 1e6
    w_hi = max([s['end_ns'] for s in window] + [result['done_ns']]) / 1e6
    pad = (w_hi - w_lo) * 0.04 + 0.01
    zoom = (w_hi - w_lo) < 0.6 * end
    whole, near = Axis(0, end), Axis(w_lo - pad, w_hi + pad)
    markers = marker_lines(result)

    labels, callouts, named = place_labels(spans, lane_of, boot_lane, whole, phases, callouts=True)
    if zoom:
        zoom_labels, _, zoom_named = place_labels(spans, lane_of, boot_lane, near, phases, callouts=False)
        named |= zoom_named
    # A phase is in the key only while one of its bars goes unnamed (an AP's ap_wake with no room beside it).
    unnamed = {s['what'] for i, s in enumerate(spans) if is_phase(s) and s['cpu'] in lane_of and i not in named}
    key = dict(sorted(((text, colour) for text, colour in key.items()
                       if text in unnamed or text not in phases), key=key_order))
    key_rows = -(-len(key) // KEY_COLUMNS)

    # From the top: title, the usable/done names, the phase names standing above the plot, the lanes.
    band = max((text_px(text) for _, text in callouts), default=0) + LEADER_PX if callouts else 0
    marker_top = 48 + 16
    top = marker_top + band + 6
    lanes_px = LANE_PX * len(lanes)
    bottom = top + lanes_px
    zoom_title = bottom + AXIS_PX + 14
    zoom_top = zoom_title + 14 + 24
    height = (zoom_top + lanes_px if zoom else bottom) + AXIS_PX + 20 * key_rows + 12
    layout = Layout(height)

    title = (f'{strategy}: the whole boot of {case} per CPU (its own plain boot, cold)\n'
             f'mem_map of {result["total_pages"]} pages; + times count from the start of its init')
    plot = 'plot $bars using (($1+$2)/2):3:(($2-$1)/2):(0.36):4 with boxxyerror lc rgb variable notitle'
    body = ['set style fill solid 1.0 noborder', 'unset key']
    if zoom:
        body.append('set multiplot')
    body += panel(lanes, whole, layout, top, bottom, markers, labels, callouts, marker_top,
                  shade=(near.lo, near.hi) if zoom else None)
    body.append(f'set label {q(title)} at screen {(PLOT_LEFT + PLOT_RIGHT) / 2}, screen {layout.y(22)} center font ",11"')
    if zoom:
        body += ['set xlabel "ms since TSC zero (kernel entry); shaded: the mem_map init, zoomed below"', plot]
        body += panel(lanes, near, layout, zoom_top, zoom_top + lanes_px, markers, zoom_labels)
        body.append(f'set label "zoom on the mem_map init" at screen {(PLOT_LEFT + PLOT_RIGHT) / 2}, screen {layout.y(zoom_title)} '
                    'center font ",11"')
        body += ['set xlabel "ms since TSC zero"'] + key_cmds(key, layout) + [plot, 'unset multiplot']
    else:
        body += ['set xlabel "ms since TSC zero (kernel entry)"'] + key_cmds(key, layout) + [plot]
    return render(out_dir, name, '\n'.join(body), {'bars': rows or [(0, 0, 0, 0)]}, WIDTH, height), None


def key_cmds(key, layout):
    """The colour key: rows of labelled swatches at the bottom of the picture."""
    cmds = []
    rows = -(-len(key) // KEY_COLUMNS)
    for i, (text, colour) in enumerate(key.items()):
        row, col = divmod(i, KEY_COLUMNS)
        x = 0.03 + col * 0.94 / KEY_COLUMNS
        swatch_top = layout.height - 12 - (rows - row) * 20
        cmds.append(f'set object {10 + i} rect from screen {x:.4f}, screen {layout.y(swatch_top + 12)} to '
                    f'screen {x + 0.015:.4f}, screen {layout.y(swatch_top)} fc rgb {q(colour)} fs solid 1.0 noborder front')
        cmds.append(f'set label {q(text)} at screen {x + 0.02:.4f}, screen {layout.y(swatch_top + 6)} left font ",9"')
    return cmds
