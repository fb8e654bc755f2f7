#!/usr/bin/env python3
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

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import baseline  # noqa: E402
from answers import answers  # noqa: E402
import summary as S  # noqa: E402
from results import by_boot, load  # noqa: E402
from trace import write_traces  # noqa: E402

LINUX_HEADER = ['case', 'Linux', 'slowest node ms', 'smpboot→last node ms', 'ns/page per thread',
                'ns/page machine', 'our fastest cold done ms', 'our cold ns/page per thread']
SUMMARY_HEADER = ['case', 'strategy', 'done ms', 'usable ms', 'ns/page', 'efficiency', '× bsp', 'cold done ms',
                  'cold usable ms']
OUTCOME_HEADER = ['boot', 'case', 'mode', 'strategy', 'status', 'exit', 'seconds', 'records', 'note']


def cell(value, digits=3):
    if value is None:
        return '–'
    if isinstance(value, bool):
        return 'yes' if value else 'no'
    if isinstance(value, float):
        return f'{value:.{digits}g}' if abs(value) < 10 ** digits else f'{value:.0f}'
    return str(value)


# The tables, each computed once and shown in the terminal, report.md and report.html.

def summary_rows(summary):
    rows = []
    for case in S.sorted_cases(summary):
        for strategy in S.strategies_of(case):
            bench, plain = S.bench_of(case, strategy), case['plain'].get(strategy)
            rows.append([case['case'], strategy,
                         S.ms(bench['done_ns_median']) if bench else None,
                         S.ms(bench['usable_ns_median']) if bench else None,
                         bench.get('ns_per_page') if bench else None, bench.get('efficiency') if bench else None,
                         S.speedup_over_bsp(case, strategy),
                         S.ms(plain['done_ns']) if plain else None, S.ms(plain['usable_ns']) if plain else None])
        if not S.strategies_of(case):
            rows.append([case['case'], 'no results'] + [None] * 7)
    return rows


def linux_rows(summary):
    rows = []
    for case in S.sorted_cases(summary):
        linux = S.linux_ok(case)
        cold = [(p['done_ns'], s) for s, p in case['plain'].items()]
        best = min(cold) if cold else None
        rows.append([case['case'], f'ok ({linux.get("kernel", "?")}, cold)' if linux else S.linux_status(case),
                     linux.get('slowest_node_ms') if linux else None,
                     linux.get('smpboot_to_last_ms') if linux else None,
                     linux.get('ns_per_page_per_thread') if linux else None,
                     linux.get('ns_per_page_machine') if linux else None,
                     f'{S.ms(best[0]):.1f} ({best[1]})' if best else None,
                     S.cold_ns_per_page_per_thread(case, best[1]) if best else None])
    return rows


def outcome_rows(summary):
    return [[b['boot'], b['case'], b['mode'], b['strategy'], b['status'], b.get('exit'), b.get('seconds'),
             b['records'], b.get('note', '')] for b in summary['boots']]


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
    out.append('Linux\'s figures are milliseconds as Linux prints them, and cold (first touch of the memory); our '
               'benchmark-mode figures are warm (rounds after the first). The cold figure of each strategy\'s own '
               'plain boot stands beside Linux\'s for that reason.')
    return out


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
                    'median over the strategy\'s, from the same boot.'),
              ('h', 2, 'Which strategy, how much faster, and why'), ('list', answers(summary)),
              ('h', 2, 'Summary'), ('table', SUMMARY_HEADER, summary_rows(summary)),
              ('h', 2, 'Linux reference (cold, ms as printed) beside our cold plain boots'),
              ('table', LINUX_HEADER, linux_rows(summary)),
              ('h', 2, 'Environment'), ('list', environment(summary))]
    if baseline_part:
        header, rows, env = baseline_part
        blocks += [('h', 2, 'Against the baseline'),
                   ('p', 'A change is flagged (SLOWER/FASTER) only when it exceeds the noise: the larger of the two '
                         'runs\' half min–max range over their rounds.'),
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
        from plots import plot_all
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


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
