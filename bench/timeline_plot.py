"""The whole-boot timeline of one plain boot, in the style of systemd-analyze plot:
one lane per CPU of @topology (an idle CPU shows as an empty lane), time across
in ms from TSC zero, one bar per @span coloured by what it was, the buddy
hand-off as the darker tail of each mem_map span, and lines at usable and done.
When the mem_map init is a small slice of the boot, a second panel zooms on it.
"""
from gnuplot import darker, q, render, rgb

# Shades of blue for memmap_init, one per node; the buddy hand-off is the same shade darker.
NODE_SHADES = ['#2b7bba', '#74b3e0', '#1b4f8a', '#9fd0f5', '#3d94c9', '#0f3866', '#5aa2d6', '#bcdff7']
FIXED = {'grow': '#d62728', 'workload': '#9467bd', 'numa_model': '#a0a0a0'}
# Boot phases before the mem_map, then a fallback for names not known here.
PHASES = {'tsc_calibration': '#e6a532', 'acpi': '#8c564b', 'topology': '#bcbd22', 'ap_wake': '#2ca02c',
          'percpu': '#17becf', 'verify': '#e377c2', 'selftest': '#ff9896'}
FALLBACK = ['#f7b6d2', '#c49c94', '#dbdb8d', '#98df8a', '#ffbb78', '#c5b0d5', '#9edae5', '#ff7f0e']
LEGEND_NAMES = {'numa_model': 'NUMA wait (modelled)', 'grow': 'grow (on demand)',
                'workload': 'workload (boot goes on)'}
MEMMAP = ('memmap_init',)
MEMMAP_WINDOW = ('memmap_init', 'grow', 'numa_model')
WIDTH = 1100
PLOT_PX = WIDTH - 240  # the drawing area after the lane names, for fitting labels into bars
CHAR_PX = 6.5
KEY_COLUMNS = 4


def colour_of(what, node, fallback):
    if what in MEMMAP:
        return NODE_SHADES[max(node, 0) % len(NODE_SHADES)] if isinstance(node, int) else NODE_SHADES[0]
    if what in FIXED:
        return FIXED[what]
    if what in PHASES:
        return PHASES[what]
    return fallback.setdefault(what, FALLBACK[len(fallback) % len(FALLBACK)])


def legend_name(what, node):
    if what in MEMMAP:
        return f'{what} node {node}'
    return LEGEND_NAMES.get(what, what)


def bars(spans, lane_of):
    """Rows 'x1 x2 lane colour' in ms, and the legend entries [(text, colour)]."""
    rows, legend, fallback = [], {}, {}
    for span in spans:
        lane = lane_of.get(span['cpu'])
        if lane is None:
            continue
        node = span.get('node')
        colour = colour_of(span['what'], node, fallback)
        legend.setdefault(legend_name(span['what'], node), colour)
        start, end = span['start_ns'] / 1e6, span['end_ns'] / 1e6
        buddy = (span.get('buddy_ns') or 0) / 1e6
        if span['what'] in MEMMAP and 0 < buddy <= end - start:
            tail = darker(colour)
            rows.append((start, end - buddy, lane, rgb(colour)))
            rows.append((end - buddy, end, lane, rgb(tail)))
            legend.setdefault('buddy hand-off (darker tail)', darker(NODE_SHADES[0]))
        else:
            rows.append((start, end, lane, rgb(colour)))
    return rows, legend


def covered(phase, spans):
    """True when work spans are drawn over this boot phase on its lane (memmap_run holds
    the boot CPU's memmap_init bars): their labels are the ones to read."""
    return phase.get('phase') and any(
        not s.get('phase') and s['cpu'] == phase['cpu'] and s['start_ns'] < phase['end_ns']
        and phase['start_ns'] < s['end_ns'] for s in spans)


def bar_labels(spans, lane_of, lo, hi):
    """Text inside the bars that are wide enough to hold it, in the window lo..hi ms."""
    out = []
    for span in spans:
        start, end = max(span['start_ns'] / 1e6, lo), min(span['end_ns'] / 1e6, hi)
        if end <= start or span['cpu'] not in lane_of or covered(span, spans):
            continue
        node = span.get('node')
        text = f'n{node}' if span['what'] in MEMMAP else span['what'] + (
            f' n{node}' if isinstance(node, int) and node >= 0 else '')
        if (end - start) / (hi - lo) * PLOT_PX > len(text) * CHAR_PX + 6:
            out.append(((start + end) / 2, lane_of[span['cpu']], text))
    return out


def markers(result, lo, hi):
    """gnuplot lines and labels for usable and done; usable's label sits left of
    its line and done's right of its, so the two never overlap."""
    usable, done = result['usable_ns'] / 1e6, result['done_ns'] / 1e6
    start = result['start_ns'] / 1e6
    out = []
    if abs(done - usable) < 1e-3:
        out.append((done, 'left', f' usable = done, init +{done - start:.1f} ms'))
    else:
        out.append((usable, 'right', f'usable +{usable - start:.1f} ms '))
        out.append((done, 'left', f' done +{done - start:.1f} ms'))
    cmds = []
    for x, align, text in out:
        if lo <= x <= hi:
            if align == 'left' and (x - lo) / (hi - lo) > 0.75:
                align, text = 'right', text.strip() + ' '  # keep it inside the picture
            cmds.append(f'set arrow from first {x}, graph 0 to first {x}, graph 1 nohead lw 1.5 dt 2 lc rgb "#000000" front')
            cmds.append(f'set label {q(text)} at first {x}, graph 1.04 {align} font ",9" front')
    return cmds


def panel(title, lanes, lo, hi, result, labels, shade=None):
    cmds = [f'set title {q(title)} font ",11"', f'set xrange [{lo}:{hi}]', 'set xtics nomirror out',
            f'set yrange [{len(lanes) - 0.5}:-0.5]', 'set ytics nomirror (' +
            ', '.join(f'{q(name)} {i}' for i, name in enumerate(lanes)) + ')',
            'set grid xtics lc rgb "#dddddd"', 'unset arrow', 'unset label', 'unset object']
    if shade:
        cmds.append(f'set object 1 rect from first {shade[0]}, graph 0 to first {shade[1]}, graph 1 '
                    'fc rgb "#fff3c4" fs solid 0.6 noborder behind')
    cmds += markers(result, lo, hi)
    for i, (x, lane, text) in enumerate(labels):
        cmds.append(f'set label {q(text)} at first {x}, first {lane} center font ",8" front')
    return cmds


def timeline(out_dir, name, case, strategy, plain):
    """Draw the plain boot's timeline; returns (paths, note) with note for what was left out."""
    records, result = plain['records'], plain['result']
    spans = [r for t, r in records if t == 'span']
    topology = next((r for t, r in records if t == 'topology'), {'cpus': []})
    node_of = {c['id']: c.get('node') for c in topology.get('cpus', [])}
    cpus = sorted(set(node_of) | {s['cpu'] for s in spans})
    lane_of = {cpu: i for i, cpu in enumerate(cpus)}
    lanes = [f'CPU {c} (node {node_of.get(c, "?")})' for c in cpus]
    if not cpus:
        return [], f'{case} {strategy}: no CPUs and no spans, no timeline'
    rows, legend = bars(spans, lane_of)
    exit_ns = next((r.get('ns') for t, r in records if t == 'exit'), None) or 0
    end = max([exit_ns, result['done_ns']] + [s['end_ns'] for s in spans]) / 1e6
    window = [s for s in spans if s['what'] in MEMMAP_WINDOW]
    w_lo = min([s['start_ns'] for s in window] + [result['start_ns']]) / 1e6
    w_hi = max([s['end_ns'] for s in window] + [result['done_ns']]) / 1e6
    pad = (w_hi - w_lo) * 0.04 + 0.01
    zoom = (w_hi - w_lo) < 0.6 * end
    title = (f'{strategy}: the whole boot of {case} per CPU (its own plain boot, cold)\n'
             f'mem_map of {result["total_pages"]} pages; + times count from the start of its init')
    body = ['set style fill solid 1.0 noborder', 'unset key', 'set lmargin 24', 'set rmargin 4']
    legend_rows = [(text, colour) for text, colour in legend.items()]
    key_px = 20 * -(-len(legend_rows) // KEY_COLUMNS) + 60  # the colour key and the x label under the plot
    lane_px = 34 * len(lanes)
    height = (2 * lane_px + 340 + key_px) if zoom else lane_px + 200 + key_px
    bottom = key_px / height
    plot = ('plot $bars using (($1+$2)/2):3:(($2-$1)/2):(0.36):4 with boxxyerror lc rgb variable notitle')
    if zoom:
        body += [f'set multiplot layout 2,1 margins 0.2,0.97,{bottom:.3f},{1 - 70 / height:.3f} spacing 0,{110 / height:.3f}']
        body += panel(title, lanes, 0, end, result, bar_labels(spans, lane_of, 0, end),
                      shade=(w_lo - pad, w_hi + pad))
        body += ['set xlabel "ms since TSC zero (kernel entry); shaded: the mem_map init, zoomed below"', plot]
        body += panel('zoom on the mem_map init', lanes, w_lo - pad, w_hi + pad, result,
                      bar_labels(spans, lane_of, w_lo - pad, w_hi + pad))
        body += ['set xlabel "ms since TSC zero"'] + legend_cmds(legend_rows, height) + [plot, 'unset multiplot']
    else:
        body += [f'set bmargin at screen {bottom:.3f}', f'set tmargin at screen {1 - 60 / height:.3f}'] + panel(title, lanes, 0, end, result, bar_labels(spans, lane_of, 0, end))
        body += ['set xlabel "ms since TSC zero (kernel entry)"'] + legend_cmds(legend_rows, height) + [plot]
    return render(out_dir, name, '\n'.join(body), {'bars': rows or [(0, 0, 0, 0)]}, WIDTH, height), None


def legend_cmds(entries, height):
    """The colour key: rows of labelled swatches at the bottom of the picture."""
    cmds = []
    rows = -(-len(entries) // KEY_COLUMNS)
    for i, (text, colour) in enumerate(entries):
        row, col = divmod(i, KEY_COLUMNS)
        x = 0.03 + col * 0.94 / KEY_COLUMNS
        y = (12 + (rows - 1 - row) * 20) / height
        cmds.append(f'set object {10 + i} rect from screen {x:.4f}, screen {y:.4f} to screen {x + 0.015:.4f}, '
                    f'screen {y + 12 / height:.4f} fc rgb {q(colour)} fs solid 1.0 noborder front')
        cmds.append(f'set label {q(text)} at screen {x + 0.02:.4f}, screen {y + 6 / height:.4f} left font ",9"')
    return cmds
