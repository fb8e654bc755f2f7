"""The report's graphs, each as SVG and PNG (gnuplot), from summary.summarize().

    graphs, notes = plot_all(summary, out_dir)

graphs: [{"name", "title", "how", "svg", "png", "case"}] in report order, "how"
being one sentence on how to read it; notes: what was left out and why (a
hung boot, no Linux reference, a single memory size): never an exception for
missing data.
"""
import math

from . import summary as S
from .gnuplot import log_range, q, render, rgb, spread_labels, wants_log
from .timeline_plot import timeline

WARM, USABLE, COLD, LINUX, LINUX_MACHINE = '#1f5fa8', '#8fc1e8', '#8c8c8c', '#c0392b', '#f1948a'
STRATEGY_COLOURS = {'bsp': '#7f7f7f', 'migrate': '#2ca02c', 'xcall': '#1f77b4', 'async': '#ff7f0e'}
EXTRA_COLOURS = ['#9467bd', '#8c564b', '#e377c2', '#17becf']


def strategy_colour(name):
    if name not in STRATEGY_COLOURS:
        STRATEGY_COLOURS[name] = EXTRA_COLOURS[len(STRATEGY_COLOURS) % len(EXTRA_COLOURS)]
    return STRATEGY_COLOURS[name]


def graph(name, title, how, paths, case=None):
    return {'name': name, 'title': title, 'how': how, 'svg': paths[0], 'png': paths[1], 'case': case}


# Bars: one x position per bar, groups separated by a gap.

def bar_panel(key, title, ylabel, bars, lines=(), errors=(), allow_log=True):
    """One panel of bars: (gnuplot commands, data blocks). bars: [(xtic text,
    value, colour, value text)], in order, a None tic leaving a gap between
    groups; errors: [(index, low, high)] min-max whiskers; lines: [(y, text)]
    horizontal references labelled at the right. Log y only where allowed and
    the values span decades."""
    values = [b[1] for b in bars if b[1]] + [y for y, _ in lines if y] + [h for _, _, h in errors if h]
    log = allow_log and wants_log(values)
    low, high = log_range(values) if log else (0, max(values) * 1.18)
    rows, tics, x = [], [], 0
    for tic, value, colour, text in bars:
        if tic is None:  # a gap between groups
            x += 0.6
            continue
        tics.append(f'{q(tic)} {x}')
        if value:
            rows.append((x, value, rgb(colour), text))
        x += 1
    err_rows = [(index_x(bars, i), v, lo_, hi_) for i, lo_, hi_ in errors
                for v in [bars[i][1]] if v and hi_ is not None]
    body = ['set style fill solid 1.0 noborder', 'unset key', f'set title {q(title)} font ",11"',
            f'set ylabel {q(ylabel + (" (log scale)" if log else ""))}', f'set yrange [{low}:{high}]',
            f'set xrange [-0.7:{x - 0.3 + (2.2 if lines else 0.4)}]',
            # Six strategies' names side by side touch at this width: slanted past five bars.
            'set xtics nomirror scale 0 font ",9"' + (' rotate by 30 right' if len(tics) > 5 else '')
            + ' (' + ', '.join(tics) + ')',
            'set ytics nomirror', 'set grid ytics lc rgb "#e0e0e0"', 'set bmargin 6', 'set rmargin 3']
    body.append('set logscale y' if log else 'unset logscale y')
    body.append('unset arrow')
    body.append('unset label')
    for y, text in lines:
        body.append(f'set arrow from graph 0, first {y} to graph 1, first {y} nohead dt 2 lw 1.5 lc rgb "#444444" front')
        body.append(f'set label {q(text)} at graph 0.995, first {y} right offset 0,0.6 font ",9" front')
    plot = [f'$bars{key} using 1:2:($1-0.42):($1+0.42):({low}):2:3 with boxxyerror lc rgb variable',
            f'$bars{key} using 1:2:4 with labels offset 0,0.7 font ",8"']
    if err_rows:
        # min-max whiskers as two-headed vectors: yerrorbars would also draw a point at the median
        plot.append(f'$errors{key} using 1:3:(0):($4-$3) with vectors heads size screen 0.006,90 lc rgb "black" '
                    'lw 1.2')
    body.append('plot ' + ', '.join(plot))
    blocks = {f'bars{key}': rows or [(0, 0, 0, '')], f'errors{key}': err_rows or [(0, 0, 0, 0)]}
    return body, blocks


def bar_chart(out_dir, name, title, ylabel, bars, lines=(), errors=(), width=1000):
    """One panel of bars (bar_panel) as a graph."""
    body, blocks = bar_panel('', title, ylabel, bars, lines, errors)
    return render(out_dir, name, '\n'.join(body), blocks, width, 520)


def bar_panels(out_dir, name, title, panels, width, height=560):
    """Panels of bars side by side, each [(share of the width, bar_panel output)]."""
    body, blocks, left = [f'set multiplot title {q(title)} font ",12"'], {}, 0.0
    top = 0.94
    for share, (panel_body, panel_blocks) in panels:
        body += [f'set origin {left}, 0', f'set size {share}, {top}'] + panel_body
        blocks.update(panel_blocks)
        left += share
    body.append('unset multiplot')
    return render(out_dir, name, '\n'.join(body), blocks, width, height)


def index_x(bars, index):
    x = 0
    for i, bar in enumerate(bars):
        if bar[0] is None:
            x += 0.6
            continue
        if i == index:
            return x
        x += 1
    return x


def fmt(value):
    return '' if value is None else f'{value:.3g}' if value < 100 else f'{value:.0f}'


def comparison(out_dir, case):
    """Done per strategy on a linear axis, lower is better: benchmark mode
    (guest-warm) with the fill limits of the same boots, then each strategy's
    own boot beside Linux's slowest node (guest-cold, the figures Linux is
    comparable with); async's usable in a panel of its own. Bars are
    host-warm medians, whiskers min-max over rounds and boots."""
    warm, own, errors_warm, errors_own, lines = [], [], [], [], []
    for strategy in S.strategies_of(case):
        bench, plain = S.bench_of(case, strategy), case['plain'].get(strategy)
        if bench:
            errors_warm.append((len(warm), S.ms(bench['done_ns_min']), S.ms(bench['done_ns_max'])))
            warm.append((strategy, S.ms(bench['done_ns_median']), WARM, fmt(S.ms(bench['done_ns_median']))))
        if plain:
            errors_own.append((len(own), S.ms(plain['done_min']), S.ms(plain['done_max'])))
            own.append((strategy, S.ms(plain['done_ns']), COLD, fmt(S.ms(plain['done_ns']))))
    linux, linux_rng = S.linux_ok(case), S.linux_range(case)
    if linux:
        band = S.linux_band(case)
        low, high = (min(band[0], linux_rng[0]), max(band[1], linux_rng[2])) if band else (linux_rng[0], linux_rng[2])
        errors_own.append((len(own), low, high))
        own.append(('Linux 6.1\nslowest node', linux['slowest_node_ms'], LINUX, fmt(linux['slowest_node_ms'])))
    bench = next((b for b in (case['all'] or {}).get('bench', {}).values()), None)
    if bench:
        one, every = S.fill_limit_ns(bench, 'fill_1cpu_gbps'), S.fill_limit_ns(bench, 'fill_all_gbps')
        if one and every and abs(one - every) < 0.15 * one:  # one CPU online: one line, one label
            lines.append((S.ms(every), f'fill limit, one CPU ≈ all: {fmt(S.ms(every))} ms'))
        else:
            for limit, text in ((every, 'all CPUs'), (one, 'one CPU')):
                if limit:
                    lines.append((S.ms(limit), f'fill limit, {text}: {fmt(S.ms(limit))} ms'))
    if not any(b[1] for b in warm + own):
        return None
    boots = (case['all'] or {}).get('boots') or max((p['boots'] for p in case['plain'].values()), default=0)
    panels = []
    if warm:
        panels.append((0.36 if own else 0.76, bar_panel('w', 'benchmark mode: done (guest-warm rounds)',
                                                         'ms from the start of the init (lower is better)', warm,
                                                         lines, errors_warm, allow_log=False)))
    if own:
        panels.append((0.4 if warm else 0.76, bar_panel('c', 'booted alone: done (guest-cold), beside Linux',
                                                         'ms (lower is better)', own, (), errors_own,
                                                         allow_log=False)))
    usable = async_usable_bars(case)
    if usable:
        bars, errors = usable
        panels.append((1 - sum(share for share, _ in panels), bar_panel(
            'u', 'async: usable', 'ms (lower is better)', bars, (), errors, allow_log=False)))
    title = (f'{case["case"]}: mem_map init per strategy, lower is better. Medians of {boots} host-warm boots, '
             'whiskers min–max')
    paths = bar_panels(out_dir, f'compare-{case["case"]}', title, panels,
                       width=max(1100, 70 * (len(warm) + len(own)) + 500))
    return graph(f'compare-{case["case"]}', f'{case["case"]}: strategies compared', (
        'Lower is better; every bar is a median of host-warm boots, its whiskers the min to max over their rounds '
        'and boots. Left, dark blue: done in benchmark mode (guest-warm rounds), dashed lines the time to write the '
        'mem_map at the fill speed measured in the same boots. Middle, grey: each strategy booted alone '
        '(guest-cold, like Linux), beside red Linux\'s slowest node, whose whisker also spans the ±1 jiffy it '
        'prints in. Right: when async lets the boot go on, on its own scale.'), paths, case['case'])


def async_usable_bars(case):
    """([bars], [errors]) of async's usable, benchmark mode and booted alone, or None."""
    bars, errors = [], []
    bench, plain = S.bench_of(case, 'async'), case['plain'].get('async')
    if bench:
        low, high = S.usable_range(case, 'async')
        errors.append((len(bars), S.ms(low), S.ms(high)))
        bars.append(('benchmark', S.ms(bench['usable_ns_median']), USABLE,
                     fmt(S.ms(bench['usable_ns_median']))))
    if plain:
        errors.append((len(bars), S.ms(plain['usable_min']), S.ms(plain['usable_max'])))
        bars.append(('alone', S.ms(plain['usable_ns']), COLD, fmt(S.ms(plain['usable_ns']))))
    return (bars, errors) if any(b[1] for b in bars) else None


def ns_per_page(out_dir, case):
    """Each strategy's ns per page per writing CPU, warm and cold, beside Linux's."""
    bars = []
    for strategy in S.strategies_of(case):
        warm, cold = S.warm_ns_per_page_per_thread(case, strategy), S.own_ns_per_page_per_thread(case, strategy)
        if warm is None and cold is None:
            continue
        bars.append((f'{strategy}\nbenchmark', warm, WARM, fmt(warm)))
        bars.append((f'{strategy}\nalone', cold, COLD, fmt(cold)))
        bars.append((None, None, None, None))
    linux = S.linux_ok(case)
    if linux:
        bars.append(('Linux\nper thread', linux.get('ns_per_page_per_thread'), LINUX,
                     fmt(linux.get('ns_per_page_per_thread'))))
        bars.append(('Linux\nmachine', linux.get('ns_per_page_machine'), LINUX_MACHINE,
                     fmt(linux.get('ns_per_page_machine'))))
    if not any(b[1] for b in bars):
        return None
    title = f'{case["case"]}: ns per page per writing CPU (done / pages x CPUs that wrote); lower is better'
    paths = bar_chart(out_dir, f'ns-per-page-{case["case"]}', title, 'ns per page per CPU', bars,
                      width=max(800, 62 * len(bars) + 200))
    return graph(f'ns-per-page-{case["case"]}', f'{case["case"]}: meminit against Linux, ns per page', (
        'Cost of one struct page for one CPU, host-warm medians: blue our benchmark rounds (guest-warm), grey the '
        'strategy booted alone (guest-cold: the fair match for Linux), red Linux per deferred-init thread and, '
        'light red, for the whole machine.'), paths, case['case'])


METHOD_COLOURS = {'fields': '#1f5fa8', 'template': '#2ca02c'}


def methods(out_dir, case):
    """ns per page of each per-page method (memmap.method), min-max whiskers, beside the one-CPU fill."""
    bars, errors = [], []
    for method in S.methods_of(case):
        low, mid, high, _ = S.method_range(case, method)
        stores = S.method_bench(case, method).get('stores')
        errors.append((len(bars), low, high))
        bars.append((f'{method}\n({stores})', mid, METHOD_COLOURS.get(method, EXTRA_COLOURS[0]), fmt(mid)))
    if not bars:
        return None
    fill = S.method_fill_ns_per_page(case, S.methods_of(case)[0])
    lines = [(fill, f'one-CPU fill {fmt(fill)}')] if fill else []
    title = f'{case["case"]}: ns per page of each per-page method, bsp in benchmark mode; lower is better'
    paths = bar_chart(out_dir, f'methods-{case["case"]}', title, 'ns per page', bars, lines, errors, width=800)
    return graph(f'methods-{case["case"]}', f'{case["case"]}: per-page methods (memmap.method)', (
        'One CPU writing the whole mem_map with each method, host-warm: the bar is the median of the boots\' '
        'medians, the whisker the fastest and slowest round; the dashed line is the one-CPU fill of the same '
        'boots. Under emulation the ranking may differ from hardware.'), paths, case['case'])


# Lines: x against y, one line per series, each labelled at its right end.

def line_chart(out_dir, name, title, xlabel, ylabel, series, xtics=None, allow_log=True):
    """series: [(label, colour, dash, [(x, y)])]; log axes only where allowed and the range asks."""
    xs = [x for *_, pts in series for x, _ in pts]
    ys = [y for *_, pts in series for _, y in pts]
    logx, logy = allow_log and wants_log(xs, 8), allow_log and wants_log(ys, 8)
    x_lo, x_hi = (log_range(xs) if logx else (min(xs), max(xs)))
    y_lo, y_hi = (log_range(ys) if logy else (0, max(ys) * 1.1 or 1))
    if x_lo == x_hi:
        x_lo, x_hi = x_lo - 1, x_hi + 1
    # Room on the right for the end labels.
    room = max(0.3, 0.012 * max(len(label) for label, *_ in series))
    x_right = x_hi * (x_hi / x_lo) ** room if logx else x_hi + (x_hi - x_lo) * room
    ends = [pts[-1][1] for *_, pts in series]
    scale = (lambda v: math.log10(v)) if logy else (lambda v: v)
    unscale = (lambda v: 10 ** v) if logy else (lambda v: v)
    placed = spread_labels([scale(max(y, y_lo)) for y in ends], (scale(y_hi) - scale(y_lo)) * 0.055,
                           scale(y_lo), scale(y_hi))
    body = ['unset key', f'set title {q(title)} font ",12"', f'set xlabel {q(xlabel + (" (log scale)" if logx else ""))}',
            f'set ylabel {q(ylabel + (" (log scale)" if logy else ""))}', f'set xrange [{x_lo}:{x_right}]',
            f'set yrange [{y_lo}:{y_hi}]', 'set grid lc rgb "#e0e0e0"', 'set rmargin 3']
    body += ['set logscale x'] if logx else []
    body += ['set logscale y'] if logy else []
    if xtics:
        body.append('set xtics (' + ', '.join(f'{q(t)} {x}' for x, t in xtics) + ')')
    blocks, plots = {}, []
    for i, ((label, colour, dash, pts), y) in enumerate(zip(series, placed)):
        blocks[f's{i}'] = pts
        plots.append(f'$s{i} using 1:2 with linespoints lw 2 pt 7 ps 0.6 dt {dash} lc rgb {q(colour)}')
        body.append(f'set label {q(" " + label)} at first {pts[-1][0]}, first {unscale(y)} left '
                    f'tc rgb {q(colour)} font ",9"')
    body.append('plot ' + ', '.join(plots))
    return render(out_dir, name, '\n'.join(body), blocks, 900, 520)


def scaling(out_dir, cases, vary):
    """done and usable medians against memory (vary='mem') or vCPUs (vary='vcpus'),
    over cases that agree on everything else; one graph per such group."""
    fixed = ('nodes', 'vcpus') if vary == 'mem' else ('nodes', 'mem_bytes')
    key = 'mem_bytes' if vary == 'mem' else 'vcpus'
    groups = {}
    for case in cases:
        if case['all'] and all(case.get(k) for k in fixed + (key,)):
            groups.setdefault(tuple(case[k] for k in fixed), []).append(case)
    graphs, notes = [], []
    for group_key, members in groups.items():
        members.sort(key=lambda c: c[key])
        if len({c[key] for c in members}) < 2:
            continue
        series = []
        for strategy in S.strategy_order(*(c['all']['bench'] for c in members)):
            done, usable = [], []
            for c in members:
                bench = S.bench_of(c, strategy)
                if bench:
                    x = c[key] / S.GiB if vary == 'mem' else c[key]
                    done.append((x, S.ms(bench['done_ns_median'])))
                    usable.append((x, S.ms(bench['usable_ns_median'])))
            if done:
                series.append((f'{strategy} done', strategy_colour(strategy), 1, done))
                if usable != done:
                    series.append((f'{strategy} usable', strategy_colour(strategy), 2, usable))
        if vary == 'mem':
            where = f'{group_key[0]} nodes, {group_key[1]} vCPUs'
            name, xlabel = f'scaling-mem-{group_key[0]}n-{group_key[1]}c', 'guest memory, GiB'
        else:
            where = f'{group_key[0]} nodes, {group_key[1] / S.GiB:g} GiB'
            name, xlabel = f'scaling-vcpus-{group_key[0]}n-{group_key[1] / S.GiB:g}G', 'vCPUs'
        title = f'Scaling with {"memory" if vary == "mem" else "vCPUs"} ({where}): warm medians, ms'
        xtics = [(c[key] / S.GiB if vary == 'mem' else c[key], f'{c[key] / S.GiB:g}' if vary == 'mem' else str(c[key]))
                 for c in members]
        paths = line_chart(out_dir, name, title, xlabel, 'ms from the start of the init', series, xtics)
        graphs.append(graph(name, title, (
            'Each strategy\'s done (solid) and usable (dashed, where it differs) median against '
            f'{"memory size" if vary == "mem" else "the number of vCPUs"}; a line that rises in step with '
            f'{"memory means a constant cost per page" if vary == "mem" else "vCPUs means it gains nothing"}.'),
            paths))
    if not graphs:
        notes.append(f'scaling against {"memory" if vary == "mem" else "vCPUs"}: no two benchmark cases differ only in '
                     f'{"memory" if vary == "mem" else "vCPUs"}; graph left out')
    return graphs, notes


def memory_family(cases):
    """The cases that differ only in memory (same nodes and vCPUs), the family
    with the most memory sizes; all cases when no two differ only so."""
    families = {}
    for case in cases:
        families.setdefault((case.get('nodes'), case.get('vcpus')), {})[case.get('mem_bytes')] = case
    best = max(families.values(), key=len, default={})
    return sorted(best.values(), key=lambda c: c.get('mem_bytes') or 0) if len(best) > 1 else cases


def free_memory(out_dir, cases):
    """Free memory over time while async fills it in, one line per memory size."""
    series, sources = [], set()
    cases = memory_family(cases)
    for case in cases:
        result, source = None, None
        if 'async' in case['plain']:
            result, source = case['plain']['async']['result'], 'booted alone, guest-cold'
        elif case['all'] and case['all']['runs'].get('async'):
            result, source = case['all']['runs']['async'][0], 'first guest-warm benchmark round'
        samples = (result or {}).get('free_samples') or []
        points = [((ns - result['start_ns']) / 1e6, pages * S.PAGE_BYTES / S.GiB) for ns, pages in samples
                  if isinstance(ns, (int, float)) and isinstance(pages, (int, float))]
        if not points:
            continue
        sources.add(source)
        mem = f'{case["mem_bytes"] / S.GiB:g} GiB' if case.get('mem_bytes') else case['case']
        colour = EXTRA_COLOURS[len(series) % len(EXTRA_COLOURS)] if len(series) else '#ff7f0e'
        series.append((f'{mem} ({case["case"]}), usable at {S.ms(result["usable_ns"] - result["start_ns"]):.1f} ms',
                       colour, 1, sorted(points)))
    if not series:
        return [], ['async free memory: no async boot with free_samples; graph left out']
    title = f'async: free memory while the background init fills it in ({", ".join(sorted(sources))})'
    name = 'async-free-memory'
    paths = line_chart(out_dir, name, title, 'ms from the start of the mem_map init', 'free memory, GiB', series, allow_log=False)
    return [graph(name, title, (
        'Free pages in the buddy allocator (GiB of 4 KiB pages) against time since the init began: async lets '
        'boot go on at the first small step and the line climbs as the background work hands over the rest.'),
        paths)], []


def steady_free(out_dir, case):
    """What `free` would have shown from usable onwards, one line per strategy (@steady, first boot)."""
    series = []
    for strategy, records in ((case['all'] or {}).get('steady') or {}).items():
        if not records:
            continue
        rec = records[0]
        points = [((ns - rec['usable_ns']) / 1e6, pages * S.PAGE_BYTES / S.GiB) for ns, pages in rec['free_samples']]
        done = (rec['done_ns'] - rec['usable_ns']) / 1e6
        series.append((f'{strategy}: all in {max(done, 0):.1f} ms after usable', strategy_colour(strategy), 1,
                       sorted(points)))
    if not series:
        return None
    name = f'{case["case"]}-steady-free'
    title = f'{case["case"]}: what free shows from usable onwards (steady workload)'
    paths = line_chart(out_dir, name, title, 'ms since the boot could go on (usable)', 'free memory, GiB', series,
                       allow_log=False)
    return graph(name, title, (
        'Free pages in the buddy allocator, sampled by the steady workload on the boot CPU from the moment each '
        'strategy let the boot go on. A flat line is a strategy that was done when it returned; a climbing one '
        'is memory still arriving: the "stats fluctuate" of the thread.'), paths, case)


# A record with a value of the wrong shape (a string for a number, a short
# sample pair) costs its graph, with a note, never the report.
DATA_ERRORS = (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError)


def plot_all(summary, out_dir):
    """Every graph the report shows; returns (graphs, notes)."""
    graphs, notes = [], []
    cases = S.sorted_cases(summary)

    def attempt(what, draw, *args):
        """draw(*args) -> (graphs, notes); a data error becomes a note."""
        try:
            made, more = draw(*args)
        except DATA_ERRORS as e:
            made, more = [], [f'{what}: graph left out ({type(e).__name__}: {e})']
        graphs.extend(made)
        notes.extend(more)

    for boot in summary['boots']:
        if boot['status'] != 'ok' and boot['mode'] != 'linux':
            notes.append(f'{boot["case"]}: boot {boot["boot"]} ({boot["mode"]} {boot["strategy"]}'.rstrip()
                         + f') {boot["status"]}: left out of the graphs')
    if not any(c['linux'] for c in cases):
        notes.append('no Linux reference in this run: the graphs show meminit alone')
    for case in cases:
        if not S.strategies_of(case):
            continue  # its boots' outcomes already say why
        if case['linux'] and not S.linux_ok(case):
            notes.append(f'{case["case"]}: Linux reference {S.linux_status(case)}; left out of its graphs')
        for draw in (comparison, ns_per_page, steady_free, methods):
            attempt(f'{case["case"]} {draw.__name__}', per_case, draw, out_dir, case)
        for strategy in S.strategies_of(case):
            attempt(f'{case["case"]} {strategy} timeline', case_timeline, out_dir, case, strategy)
    for vary in ('mem', 'vcpus'):
        attempt(f'scaling against {vary}', scaling, out_dir, cases, vary)
    attempt('async free memory', free_memory, out_dir, cases)
    return graphs, notes


def per_case(draw, out_dir, case):
    made = draw(out_dir, case)
    return ([made], []) if made else ([], [f'{case["case"]}: no figures for the {draw.__name__.replace("_", " ")} graph'])


def case_timeline(out_dir, case, strategy):
    plain = case['plain'].get(strategy)
    if not plain:
        return [], [f'{case["case"]}: no plain {strategy} boot with a result; no timeline']
    name = f'timeline-{case["case"]}-{strategy}'
    paths, note = timeline(out_dir, name, case['case'], strategy, plain)
    made = [graph(name, f'{case["case"]}: {strategy}, whole boot', TIMELINE_HOW, paths, case['case'])] if paths else []
    return made, [note] if note else []


TIMELINE_HOW = ('One lane per CPU, time from kernel entry: bars are what each CPU did (mem_map init in blue shades '
                'by node with the buddy hand-off as its darker tail, grey NUMA wait is modelled), dashed lines mark '
                'when boot could go on (usable) and when every page was in the buddy allocator (done); the lower '
                'panel zooms on the mem_map init.')
