"""From a compare run's results.jsonl to its report: graphs, traces, report.md and
a self-contained report.html (graphs inlined as SVG, no network, no scripts).

    bench/report.py DIR [--baseline DIR2]

Reads DIR/results.jsonl and writes DIR/graphs/*.svg|png, DIR/traces/<boot>.json
(Chrome trace, one per boot with spans), DIR/report.md and DIR/report.html;
prints the summary table and the report's path. From Python (bench/compare):

    report.make_report(DIR, baseline_dir=None, out=sys.stdout) -> {"md", "html", "graphs", "traces", "problems"}
"""
import argparse
import html
import os
import re
import sys

from . import BENCH_DIR as HERE, baseline, summary as S
from .answers import answers
from .results import by_boot, load
from .trace import write_traces

SUMMARY_HEADER = ['case', 'strategy', 'done ms', 'done min–max', 'usable ms', 'ns/page', 'efficiency', '× bsp',
                  'own boot done ms', 'own boot min–max', 'own boot usable ms', 'boots (host memory)']
FILL_HEADER = ['case', 'one CPU ms', 'one CPU min ms', 'all CPUs ms', 'all CPUs min ms', 'boots (host memory)']
METHOD_HEADER = ['case', 'memmap.method', 'stores', 'default', 'ns/page', 'min–max (rounds)', 'one-CPU fill ns/page',
                 'efficiency', 'efficiency best', 'boots (host memory)']
LINUX_HEADER = ['case', 'Linux', 'boots (host memory)', 'slowest node ms', 'min–max', 'surely within',
                'smpboot→last node ms', 'ns/page per thread', 'ns/page machine', 'our fastest own boot done ms',
                'our own boot ns/page per thread']
CLAIMS_HEADER = ['case', 'strategy', 'usable ms', 'done ms', 'alloc p50 during µs', 'alloc p99 during µs',
                 'alloc max during µs', 'alloc p99 after µs', 'p99 during ÷ after', 'alloc p99 after, others busy µs',
                 'p99 during ÷ after busy', 'failed allocations',
                 'CPU ms on the mem_map', 'CPUs at once']
CLAIMS_TEXT = (
    'The mailing-list thread this project grew from weighed each design by claims, not figures. Each is '
    'measured here, in benchmark mode, for every strategy: "a minimal working system quickly" is usable; '
    '"stats either fluctuate shortly after bootup or have to be faked" is the steady workload (steady=on: the '
    'boot CPU allocates, touches and frees a page every 20 µs from usable onwards), its allocation latency '
    'while the strategy\'s background work is still out ("during": empty for the strategies that are done '
    'when they return; the ops the boot CPU missed while it did work left over in the run\'s wait count too) '
    'against the same once everything has arrived ("after"), and the free-page count over both in the graph '
    'below. "after, others busy" is the "after" window again with the other CPUs kept busy polling: under an '
    'emulator working vCPUs compete with the boot CPU for host cores and the emulator\'s locks, so what '
    '"during" has beyond this control is the run\'s own effect. Under an emulator a vCPU can be descheduled '
    'by the host for milliseconds, which lands in "max": read p50 and p99. "The power budget and the mains fuses": no emulator can measure '
    'power; the CPU time each strategy spends on the mem_map (summed over CPUs) and how many CPUs it keeps '
    'busy at once are what energy and peak power follow on a real machine (energy ≈ CPU time × a busy '
    'core\'s power). "Not necessarily hotplug friendly" is the next table.')
HOTPLUG_HEADER = ['case', 'strategy', 'node', 'online ms', 'caller held ms', 'caller wrote pages', 'caller IPIs',
                  'others idle', 'workload p99 idle µs',
                  'workload p99 while onlining µs', 'p99 ÷ idle', 'worst wait µs', 'CPU ms']
HOTPLUG_TEXT = (
    '"Not necessarily hotplug friendly": in the same benchmark boots the last node is held back '
    '(mem.late_node) and, after each strategy\'s run, brought online by that strategy while the boot CPU '
    'serves the steady workload. Latencies are measured from each op\'s due time, so a strategy that holds '
    'the caller (the boot CPU) makes every op due meanwhile wait: that is the stall. "idle" is the same '
    'workload just before, with nothing arriving. "others idle": how the other CPUs wait for work '
    '(mem.late_node_idle): "poll" where every vCPU has a host core, so a cross-call to them costs the caller '
    'no IPI (under TCG one IPI holds its sender ~50 µs; on hardware ~1 µs), else "halt". Under TCG the '
    'first run of a code path also costs its translation (tens of µs per block), which a hotplug request, '
    'run once, pays on the caller.')
ALLOC_HEADER = ['case', 'strategy', 'slab stage from ms', 'first slab object at ms', 'after usable ms',
                'kmalloc(64)+kfree ns min', 'median', 'given back late KiB']
ALLOC_TEXT = (
    'What each strategy means for the rest of the boot\'s allocations (issue 17): one kmalloc API serves from '
    'the first line (an image arena, then memblock) and switches once to the slab allocator on the buddy '
    'allocator when the buddy allocator keeps its pages (at usable). From each strategy\'s own boot: when '
    'the slab stage began and served its first object (from TSC zero, and after usable), a warm 64-byte pair '
    'on the boot CPU, and what boot gave back to the buddy allocator at its end.')
PERCPU_HEADER = ['case', 'strategy', 'static per-CPU read ns min', 'median', 'dynamic per-CPU read ns min',
                 'median', 'global read ns min', 'median']
PERCPU_TEXT = (
    'A read of per-CPU data on the boot CPU (seed 004, @percpu of each strategy\'s own boot): a static field '
    '(%gs and an immediate offset), a value from alloc_percpu() (%gs and the offset in a register) and a global '
    'variable, the same loop around each, rounds alternating the three. The target: dynamic costs what static '
    'does, within the spread.')
HOST_COLD_HEADER = ['case', 'boot', 'what', 'repeat', 'done ms', 'usable ms']
OUTCOME_HEADER = ['boot', 'case', 'mode', 'strategy', 'host memory', 'repeat', 'status', 'exit', 'seconds',
                  'records', 'note']


def cell(value, digits=3):
    if value is None:
        return '–'
    if isinstance(value, bool):
        return 'yes' if value else 'no'
    if isinstance(value, float):
        return f'{value:.{digits}g}' if abs(value) < 10 ** digits else f'{value:.0f}'
    return str(value)


def span(low, high, scale=S.ms):
    """'low–high' in ms, or None."""
    if low is None or high is None:
        return None
    return f'{cell(scale(low))}–{cell(scale(high))}'


def modes(boots, host_memory):
    return f'{boots} ({", ".join(host_memory)})' if boots else None


# The tables, each computed once and shown in the terminal, report.md and report.html.

def summary_rows(summary):
    rows = []
    for case in S.sorted_cases(summary):
        for strategy in S.strategies_of(case):
            bench, plain = S.bench_of(case, strategy), case['plain'].get(strategy)
            all_boots = case['all']
            rows.append([case['case'], strategy,
                         S.ms(bench['done_ns_median']) if bench else None,
                         span(bench['done_ns_min'], bench['done_ns_max']) if bench else None,
                         S.ms(bench['usable_ns_median']) if bench else None,
                         bench.get('ns_per_page') if bench else None, bench.get('efficiency') if bench else None,
                         S.speedup_over_bsp(case, strategy),
                         S.ms(plain['done_ns']) if plain else None,
                         span(plain['done_min'], plain['done_max']) if plain else None,
                         S.ms(plain['usable_ns']) if plain else None,
                         '; '.join(t for t in (
                             f'bench {modes(all_boots["boots"], all_boots["host_memory"])}' if bench else None,
                             f'own {modes(plain["boots"], plain["host_memory"])}' if plain else None) if t)])
        if not S.strategies_of(case):
            rows.append([case['case'], 'no host-warm results'] + [None] * 10)
    return rows


def fill_rows(summary):
    """The fill limit by the strategies' statistic: median over rounds and boots, and the best (min)."""
    rows = []
    for case in S.sorted_cases(summary):
        bench = next(iter(case['all']['bench'].values()), None) if case['all'] else None
        if not bench:
            continue
        rows.append([case['case']] + [S.ms(S.fill_limit_ns(bench, key)) for key in (
            'fill_1cpu_gbps', 'fill_1cpu_gbps_best', 'fill_all_gbps', 'fill_all_gbps_best')]
            + [modes(case['all']['boots'], case['all']['host_memory'])])
    return rows


def method_rows(summary):
    """The per-page methods side by side: bsp writing the whole mem_map with each, in the same boots."""
    rows = []
    for case in S.sorted_cases(summary):
        for method in S.methods_of(case):
            rec, rng = S.method_bench(case, method), S.method_range(case, method)
            rows.append([case['case'], method, rec.get('stores'), rec.get('default'), rng[1],
                         f'{cell(rng[0])}–{cell(rng[2])}', S.method_fill_ns_per_page(case, method),
                         rec.get('efficiency'), rec.get('efficiency_best'),
                         modes(case['all']['boots'], case['all']['host_memory'])])
    return rows


def method_verdicts(summary):
    """One sentence per case: which per-page method wins beyond the rounds' spread, if any."""
    lines = []
    for case in S.sorted_cases(summary):
        names = S.methods_of(case)
        if len(names) < 2:
            continue
        winner = S.method_winner(case)
        medians = {m: S.method_range(case, m)[1] for m in names}
        if winner:
            others = ', '.join(f'{m} {cell(medians[m])}' for m in names if m != winner)
            lines.append(f'{case["case"]}: {winner} wins beyond the spread, {cell(medians[winner])} ns/page '
                         f'against {others} (medians).')
        else:
            lines.append(f'{case["case"]}: no method wins beyond the spread of the rounds ('
                         + ', '.join(f'{m} {cell(medians[m])} ns/page median' for m in names) + ').')
    return lines


METHOD_TEXT = ('memmap.method: bsp writes the whole mem_map with each per-page method once per round of benchmark '
               'mode, the methods alternating, each run verified with the same digest; ns per RAM page (median of '
               'the boots\' medians, min–max over every round) beside the one-CPU fill of the same boots. A method '
               'wins only when its slowest round beats the other\'s fastest. Under emulation the ranking may differ '
               'from hardware: QEMU\'s TCG before 8.1 turns a 16-byte store into two 8-byte softmmu stores, so '
               'every store kind makes eight guest stores per struct page there. On hardware, a 2026 patch series initializing '
               'ZONE_DEVICE struct pages by copying a template page with non-temporal stores went from 244 ms to '
               '97 ms for 100 GB in a VM, about 9.3 to 3.7 ns per page on one thread.')


def linux_rows(summary):
    rows = []
    for case in S.sorted_cases(summary):
        linux = S.linux_ok(case)
        own = [(p['done_ns'], s) for s, p in case['plain'].items()]
        best = min(own) if own else None
        band = S.linux_band(case)
        rng = S.linux_range(case)
        rows.append([case['case'], f'ok ({linux.get("kernel", "?")})' if linux else S.linux_status(case),
                     modes(linux.get('boots', 1), [linux.get('host_memory', 'lazy')]) if linux else None,
                     linux.get('slowest_node_ms') if linux else None,
                     f'{cell(rng[0])}–{cell(rng[2])}' if rng else None,
                     f'{cell(band[0])}–{cell(band[1])}' if band else (
                         'whole jiffies, length unknown' if linux else None),
                     linux.get('smpboot_to_last_ms') if linux else None,
                     linux.get('ns_per_page_per_thread') if linux else None,
                     linux.get('ns_per_page_machine') if linux else None,
                     f'{S.ms(best[0]):.1f} ({best[1]})' if best else None,
                     S.own_ns_per_page_per_thread(case, best[1]) if best else None])
    return rows


def us(ns):
    return None if ns is None else round(ns / 1000, 1)


def ratio_of(value, base, digits):
    """@value ÷ @base rounded, None when either is missing (or @base is 0)."""
    return round(value / base, digits) if value is not None and base else None


def claims_rows(summary):
    rows = []
    for case in S.sorted_cases(summary):
        for strategy in S.strategies_of(case):
            c = S.thread_claims(case, strategy)
            if not c:
                continue
            ratio = ratio_of(c['during_p99_ns'], c['after_p99_ns'], 2)
            busy_ratio = ratio_of(c['during_p99_ns'], c['after_busy_p99_ns'], 2)
            rows.append([case['case'], strategy, S.ms(c['usable_ns']), S.ms(c['done_ns']),
                         us(c['during_p50_ns']) if c['steady_boots'] else None,
                         us(c['during_p99_ns']) if c['during_p99_ns'] is not None else (
                             'none: done when it returned' if c['steady_boots'] else 'no steady run'),
                         us(c['during_max_ns']), us(c['after_p99_ns']), ratio, us(c['after_busy_p99_ns']),
                         busy_ratio, c['failed'],
                         S.ms(c['cpu_ns']), c['cpus']])
    return rows


def hotplug_rows(summary):
    rows = []
    for case in S.sorted_cases(summary):
        for strategy in S.strategies_of(case):
            h = S.hotplug(case, strategy)
            if not h:
                continue
            ratio = ratio_of(h['online_p99_ns'], h['idle_p99_ns'], 1)
            rows.append([case['case'], strategy, h['node'], S.ms(h['online_ns']), S.ms(h['caller_held_ns']), h['caller_pages'],
                         h['caller_ipis'], h['idle_mode'],
                         us(h['idle_p99_ns']), us(h['online_p99_ns']), ratio, us(h['online_max_ns']),
                         S.ms(h['cpu_ns'])])
    return rows


def alloc_rows(summary):
    rows = []
    for case in S.sorted_cases(summary):
        for strategy in S.strategies_of(case):
            a = S.allocator_after(case, strategy)
            if a:
                rows.append([case['case'], strategy, S.ms(a['switch_ns']), S.ms(a['first_slab_ns']),
                             S.ms(a['after_usable_ns']), a['pair_ns_min'], a['pair_ns_median'],
                             (a['returned_late_bytes'] or 0) / 1024])
    return rows


def percpu_rows(summary):
    rows = []
    for case in S.sorted_cases(summary):
        for strategy in S.strategies_of(case):
            a = S.percpu_access(case, strategy)
            if a:
                rows.append([case['case'], strategy] + [a[f'{kind}_{stat}'] for kind in ('static', 'dynamic', 'global')
                                                        for stat in ('min', 'median')])
    return rows


def host_cold_rows(summary):
    rows = []
    for case in S.sorted_cases(summary):
        for cold in case['host_cold']:
            if cold['mode'] == 'linux':
                what, done, usable = 'Linux, slowest node', cold['slowest_node_ms'], None
            else:
                what = f'{cold["strategy"]} ' + ('alone' if cold['mode'] == 'plain' else 'in benchmark mode (median)')
                done, usable = S.ms(cold['done_ns']), S.ms(cold['usable_ns'])
            rows.append([case['case'], cold['boot'], what, cold['repeat'], done, usable])
    return rows


def outcome_rows(summary):
    return [[b['boot'], b['case'], b['mode'], b['strategy'], b['host_memory'], b['repeat'], b['status'], b.get('exit'),
             b.get('seconds'), b['records'], b.get('note', '')] for b in summary['boots']]


def text_table(header, rows):
    """Aligned plain-text table for the terminal."""
    cells = [header] + [[cell(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ['  '.join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, '  '.join('-' * w for w in widths))
    return '\n'.join(lines)


# The environment: what the figures can and cannot say.

def environment(summary):
    out = []
    for env in summary['envs'] or [{}]:
        accel = str(env.get('accel') or 'unknown')
        cores = env.get('host_cores')
        if accel.lower() == 'tcg':
            out.append('Accelerator: TCG (QEMU emulates every instruction): times are many times a real machine\'s; '
                       'compare strategies within this run, not with hardware.')
        elif accel.lower() == 'kvm':
            out.append('Accelerator: KVM (the guest runs on the host CPU): stores run at near host speed.')
        else:
            out.append(f'Accelerator: {accel}.')
        out.append(f'Host: {cores if cores else "unknown"} cores, {env.get("host_cpu") or "CPU unknown"}; '
                   f'QEMU {env.get("qemu") or "unknown"}; meminit {env.get("kernel_version") or "unknown"} at commit '
                   f'{env.get("git_commit") or "unknown"}{" (with uncommitted changes)" if env.get("git_dirty") else ""}; '
                   f'{env.get("rounds") or "?"} rounds; matrix {env.get("matrix") or "?"}; {env.get("date") or ""}.')
        for case in S.sorted_cases(summary):
            if cores and case.get('vcpus') and case['vcpus'] > cores:
                out.append(f'{case["case"]}: {case["vcpus"]} vCPUs on {cores} host cores: its parallel speed-up is '
                           f'capped at {cores}.')
    models = sorted({str(r.get('model')) for c in summary['cases'].values() for r in results_of(c)
                     if r.get('model') not in (None, 'off')} | {str(e.get('model')) for e in summary['envs']
                                                                if e.get('model') not in (None, 'off')})
    out.append('Emulators model no NUMA latency: a remote access costs what a local one does. ' + (
        f'Locality effects shown here come from the NUMA model ({", ".join(models)}: numa.model=slit) and are '
        'modelled, not measured.' if models else 'No run here used numa.model=slit, so no figure shows a locality '
        'effect.'))
    out.append('Linux\'s figures are milliseconds as Linux prints them, in whole jiffies, and guest-cold (its first '
               'and only pass over the memory); our benchmark-mode figures are guest-warm (rounds after the first). '
               'Each strategy\'s own boot is guest-cold too, and stands beside Linux\'s for that reason.')
    out.append(host_memory_note(summary))
    return out


def host_memory_note(summary):
    """Which host memory the compared figures came from, in words."""
    seen = sorted({b['host_memory'] for b in summary['boots']})
    warm = [m for m in seen if m != 'lazy']
    text = (f'Compared figures come from host-warm boots only ({", ".join(warm)}): ' if warm else
            'No boot here was host-warm: no figure is compared (see "Host-cold boots"). ')
    return text + ('prealloc: QEMU backed all guest RAM before the boot; warm: the boot followed a warm-up boot in '
                   f'the same QEMU. Each figure is the median of its boots (at least {S.MIN_BOOTS} to name a '
                   'winner), shown with its min–max.')


HOST_COLD_TEXT = ('QEMU backs guest RAM lazily: on a boot whose RAM the host had not yet backed (host-cold: '
                  'lazily backed, the first boot of its QEMU), the host faults every page in when the guest first '
                  'touches it, inside the measured time. Such figures rank the host\'s page faults, not the '
                  'strategies, and scatter up to 12× between identical boots; a real machine has no such first '
                  'touch. They are kept here, as measured, and compared with nothing.')


def results_of(case):
    out = [p['result'] for p in case['plain'].values()]
    if case['all']:
        out += [r for runs in case['all']['runs'].values() for r in runs]
    return out


# report.md and report.html from one list of blocks: ('h', level, text), ('p', text),
# ('list', items), ('table', header, rows), ('graph', graph dict).

def blocks_of(summary, graphs, notes, problems, baseline_part):
    blocks = [('h', 1, 'meminit: mem_map initialization compared'),
              ('p', 'Times are from the start of the mem_map init (ms) unless a graph says otherwise. done: every '
                    'page initialized and in the buddy allocator; usable: boot can go on. "× bsp" is bsp\'s done '
                    'median over the strategy\'s, from the same boots. Every figure compared here comes from '
                    'host-warm boots (guest RAM already backed by the host, as on a real machine); host-cold '
                    'boots have a section of their own.'),
              ('h', 2, 'Which strategy, how much faster, and why'), ('list', answers(summary)),
              ('h', 2, 'Summary'),
              ('p', 'Medians over the host-warm boots (benchmark mode: of the boots\' medians over their rounds), '
                    'min–max over every round of those boots; "own boot" is the strategy booted alone (guest-cold), '
                    'its median and min–max over its boots.'),
              ('table', SUMMARY_HEADER, summary_rows(summary)),
              ('h', 2, 'The thread\'s claims, measured'), ('p', CLAIMS_TEXT),
              ('table', CLAIMS_HEADER, claims_rows(summary)),
              ('p', HOTPLUG_TEXT), ('table', HOTPLUG_HEADER, hotplug_rows(summary)),
              ('h', 2, 'Allocations after the mem_map'), ('p', ALLOC_TEXT), ('table', ALLOC_HEADER, alloc_rows(summary)),
              ('p', PERCPU_TEXT), ('table', PERCPU_HEADER, percpu_rows(summary)),
              ('h', 2, 'Fill limit'),
              ('p', 'The time to write the mem_map at the fill speed measured in the same boots, by the strategies\' '
                    'statistic: the median over rounds and boots, and the min (the best round).'),
              ('table', FILL_HEADER, fill_rows(summary)),
              ('h', 2, 'Per-page methods'), ('p', METHOD_TEXT), ('list', method_verdicts(summary)),
              ('table', METHOD_HEADER, method_rows(summary)),
              ('h', 2, 'Linux reference beside our own boots (guest-cold, host-warm)'),
              ('p', 'Linux prints whole jiffies: "surely within" is the printed ms ±1 jiffy, narrowed by the printk '
                    'time stamps around the deferred-init lines where they say more.'),
              ('table', LINUX_HEADER, linux_rows(summary)),
              ('h', 2, 'Environment'), ('list', environment(summary))]
    cold = host_cold_rows(summary)
    if cold:
        blocks += [('h', 2, 'Host-cold boots'), ('p', HOST_COLD_TEXT), ('table', HOST_COLD_HEADER, cold)]
    if baseline_part:
        header, rows, env = baseline_part
        blocks += [('h', 2, 'Against the baseline'),
                   ('p', 'Host-warm medians of both runs. A change is flagged (SLOWER/FASTER) only when it exceeds '
                         'the noise: the larger of the two runs\' half min–max range over their rounds and boots.'),
                   ('list', env or ['Both runs ran in the same environment (accelerator, host, QEMU, commit).']),
                   ('table', header, rows)]
    blocks += [('h', 2, 'Boots'), ('table', OUTCOME_HEADER, outcome_rows(summary)), ('h', 2, 'Graphs')]
    for g in graphs:
        blocks += [('h', 3, g['title']), ('p', g['how']), ('graph', g)]
    if notes or problems:
        blocks += [('h', 2, 'Left out, and why'), ('list', notes + problems)]
    return blocks


def markdown(blocks, out_dir):
    out = []
    for block in blocks:
        kind = block[0]
        if kind == 'h':
            out.append('#' * block[1] + ' ' + block[2])
        elif kind == 'p':
            out.append(block[1])
        elif kind == 'list':
            out.append('\n'.join(f'- {item}' for item in block[1]))
        elif kind == 'table':
            header, rows = block[1], block[2]
            lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
            lines += ['| ' + ' | '.join(cell(c).replace('|', '\\|') for c in r) + ' |' for r in rows]
            out.append('\n'.join(lines))
        elif kind == 'graph':
            g = block[1]
            png, svg = (os.path.relpath(g[k], out_dir) for k in ('png', 'svg'))
            out.append(f'![{g["title"]}]({png})\n\n[SVG]({svg})')
    return '\n\n'.join(out) + '\n'


def inline_svg(path, prefix):
    """An SVG file's markup for inlining in HTML: without its XML prolog, and
    with its ids prefixed so that two graphs' ids never clash in one page."""
    with open(path) as f:
        text = f.read()
    text = text[text.find('<svg'):]
    ids = set(re.findall(r'\bid=["\']([^"\']+)["\']', text))
    if not ids:
        return text
    names = '|'.join(re.escape(name) for name in sorted(ids, key=len, reverse=True))
    # id='x', href='#x' and url(#x), in either quote style
    return re.sub(r'(\bid=["\']|#)(' + names + r')(?=["\')])', lambda m: m.group(1) + prefix + m.group(2), text)


STYLE = ('body{font-family:sans-serif;max-width:1250px;margin:2em auto;padding:0 1em;color:#222}'
         'table{border-collapse:collapse;margin:1em 0;font-size:90%}td,th{border:1px solid #ccc;padding:3px 8px;'
         'text-align:right}td:first-child,th{text-align:left}th{background:#f0f0f0}svg{width:100%;height:auto}'
         '.graph{margin:1em 0 2.5em}')


def html_page(blocks):
    out = ['<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">',
           '<title>meminit: mem_map initialization compared</title>', f'<style>{STYLE}</style></head><body>']
    for n, block in enumerate(blocks):
        kind = block[0]
        if kind == 'h':
            out.append(f'<h{block[1]}>{html.escape(block[2])}</h{block[1]}>')
        elif kind == 'p':
            out.append(f'<p>{html.escape(block[1])}</p>')
        elif kind == 'list':
            out.append('<ul>' + ''.join(f'<li>{html.escape(str(i))}</li>' for i in block[1]) + '</ul>')
        elif kind == 'table':
            out.append('<table><tr>' + ''.join(f'<th>{html.escape(h)}</th>' for h in block[1]) + '</tr>')
            out += ['<tr>' + ''.join(f'<td>{html.escape(cell(c))}</td>' for c in r) + '</tr>' for r in block[2]]
            out.append('</table>')
        elif kind == 'graph':
            out.append(f'<div class="graph">{inline_svg(block[1]["svg"], f"g{n}_")}</div>')
    out.append('</body></html>')
    return '\n'.join(out) + '\n'


def make_report(results_dir, baseline_dir=None, out=sys.stdout):
    """Everything from DIR/results.jsonl; returns the paths written and the problems seen."""
    lines, problems = load(os.path.join(results_dir, 'results.jsonl'))
    summary = S.summarize(lines)
    problems += summary['problems']
    traces, trace_problems = write_traces(by_boot(lines), os.path.join(results_dir, 'traces'))
    problems += trace_problems
    try:
        from .plots import plot_all
        graphs, notes = plot_all(summary, os.path.join(results_dir, 'graphs'))
    except (OSError, RuntimeError) as e:  # no gnuplot, or it refused: the tables still say everything
        graphs, notes = [], [f'graphs not drawn: {e}']
    baseline_part = None
    if baseline_dir:
        before_lines, before_problems = load(os.path.join(baseline_dir, 'results.jsonl'))
        problems += [f'baseline: {p}' for p in before_problems]
        baseline_part = baseline.against(summary, S.summarize(before_lines))
    blocks = blocks_of(summary, graphs, notes, problems, baseline_part)
    md, page = os.path.join(results_dir, 'report.md'), os.path.join(results_dir, 'report.html')
    with open(md, 'w') as f:
        f.write(markdown(blocks, results_dir))
    with open(page, 'w') as f:
        f.write(html_page(blocks))
    print(text_table(SUMMARY_HEADER, summary_rows(summary)), file=out)
    print('', *answers(summary), sep='\n', file=out)
    print('\n' + text_table(LINUX_HEADER, linux_rows(summary)), file=out)
    if host_cold_rows(summary):
        print('\nhost-cold boots (the host faulted guest RAM in while they ran; compared with nothing):', file=out)
        print(text_table(HOST_COLD_HEADER, host_cold_rows(summary)), file=out)
    if baseline_part:
        header, rows, env = baseline_part
        print(f'\nagainst the baseline {baseline_dir}:', file=out)
        for note in env:
            print(f'  {note}', file=out)
        print(text_table(header, rows), file=out)
    for problem in notes + problems:
        print(f'note: {problem}', file=out)
    print(f'report: {md}\nreport: {page}', file=out)
    return {'md': md, 'html': page, 'graphs': graphs, 'traces': traces, 'problems': problems, 'notes': notes,
            'summary': summary}


def main(argv):
    ap = argparse.ArgumentParser(prog='report.py', description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('dir', metavar='DIR', help='a compare run: holds results.jsonl')
    ap.add_argument('--baseline', metavar='DIR2', help='an earlier compare run to compare with')
    args = ap.parse_args(argv)
    if not os.path.exists(os.path.join(args.dir, 'results.jsonl')):
        print(f'report.py: no results.jsonl in {args.dir}', file=sys.stderr)
        return 2
    make_report(args.dir, args.baseline)
    return 0
