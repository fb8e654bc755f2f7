"""What one results.jsonl says, case by case: the figures the report, the graphs
and --baseline read.

    summary = summarize(lines)            # lines from results.load()

summary["cases"][case] holds one machine's figures:
    "all":   the strategy=all boot: {"boot", "bench": {strategy: @bench},
             "runs": {strategy: [@result of each warm round]}, "cold": @result of the
             cold first run or None, "topology"} or None when it gave no @bench
    "plain": {strategy: {"boot", "result", "done_ns", "usable_ns", "records"}}, the
             durations counted from the result's start_ns (its true cold time)
    "linux": the Linux reference record, or None
summary["boots"]: one outcome row per boot (status, exit, seconds, what is missing).
summary["problems"]: every record that was skipped, and why.

Every figure here is ns unless its name says otherwise; nothing is read twice
elsewhere. A record missing a key is reported in problems and left out, never
a crash: results come from boots that may have hung or printed half a line.
"""
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results import by_boot  # noqa: E402

STRATEGIES = ('bsp', 'migrate', 'xcall', 'async')
PAGE_BYTES = 4096
GiB = 1 << 30

# Keys a record must carry to be used at all (others are read when present).
NEEDED = {
    'bench': ('strategy', 'done_ns_min', 'done_ns_median', 'done_ns_max', 'usable_ns_min', 'usable_ns_median'),
    'result': ('strategy', 'start_ns', 'done_ns', 'usable_ns', 'total_pages'),
    'span': ('cpu', 'what', 'start_ns', 'end_ns'),
    'topology': ('cpus',),
}


def ms(ns):
    """ns as ms, or None."""
    return None if ns is None else ns / 1e6


def strategy_order(names):
    """The known strategies in their usual order, then any other name."""
    names = set(names)
    return [s for s in STRATEGIES if s in names] + sorted(names - set(STRATEGIES))


def usable(boot, problems):
    """The boot's records that carry what they need; a problem line for each that does not."""
    kept = []
    for rtype, rec in boot['records']:
        missing = [k for k in NEEDED.get(rtype, ()) if not isinstance(rec.get(k), (int, float, str, list))]
        if missing:
            problems.append(f'{boot["run"].get("boot", "?")}: @{rtype} without {", ".join(missing)}; skipped')
            continue
        kept.append((rtype, rec))
    return kept


def of_type(records, rtype):
    return [rec for t, rec in records if t == rtype]


def duration(result, key):
    """done_ns or usable_ns of one @result, counted from its own start."""
    return result[key] - result['start_ns']


def outcome_row(boot_id, boot, records):
    """One line of the report's boot table: what happened to this boot."""
    run, outcome = boot['run'], boot['outcome']
    row = {'boot': boot_id, 'case': run.get('case', '?'), 'mode': run.get('mode', '?'),
           'strategy': run.get('strategy') or '', 'records': len(records), 'log': run.get('log', '')}
    if outcome is None and row['mode'] == 'linux':
        linux = of_type(records, 'linux')
        outcome = {'status': linux[-1].get('status', 'skipped') if linux else 'no outcome',
                   'seconds': linux[-1].get('seconds') if linux else None}
    if outcome is None:
        row.update(status='no outcome', note='no outcome line: the compare run was interrupted during this boot')
        return row
    row.update(status=outcome.get('status', '?'), exit=outcome.get('exit'), seconds=outcome.get('seconds'))
    notes = []
    if outcome.get('skipped'):
        notes.append(f'{len(outcome["skipped"])} record line(s) did not parse')
    if row['status'] == 'hang':
        notes.append('hung: stopped by the runner\'s timeout')
    elif row['status'] == 'failed':
        errors = of_type(records, 'error')
        notes.append('failed' + (f': {errors[-1].get("what")} {errors[-1].get("detail", "")}'.rstrip()
                                 if errors else ''))
    elif row['status'] == 'ok' and row['mode'] in ('all', 'plain') and not of_type(records, 'result'):
        notes.append('ok, but no @result')
    row['note'] = '; '.join(notes)
    return row


def new_case(run, env):
    return {'case': run.get('case', '?'), 'nodes': run.get('nodes'), 'vcpus': run.get('vcpus'),
            'mem_bytes': run.get('mem_bytes'), 'env': env, 'all': None, 'plain': {}, 'linux': None}


def add_all_boot(case, boot_id, records):
    benches = {b['strategy']: b for b in of_type(records, 'bench')}
    if not benches:
        return
    runs, cold = {}, None
    for result in of_type(records, 'result'):
        if result.get('cold'):
            cold = result
        elif 'round' in result:
            runs.setdefault(result['strategy'], []).append(result)
    topo = of_type(records, 'topology')
    case['all'] = {'boot': boot_id, 'bench': benches, 'runs': runs, 'cold': cold,
                   'topology': topo[0] if topo else None}


def add_plain_boot(case, boot_id, run, records):
    results = of_type(records, 'result')
    if not results:
        return
    result = results[0]
    strategy = run.get('strategy') or result['strategy']
    case['plain'][strategy] = {'boot': boot_id, 'result': result, 'records': records,
                               'done_ns': duration(result, 'done_ns'), 'usable_ns': duration(result, 'usable_ns')}


def summarize(lines):
    """Cases, boot outcomes and problems from the parsed lines of a results.jsonl."""
    problems, cases, rows = [], {}, []
    boots = by_boot(lines)
    for boot_id, boot in boots.items():
        run = boot['run']
        records = usable(boot, problems)
        rows.append(outcome_row(boot_id, boot, records))
        case = cases.setdefault(run.get('case', '?'), new_case(run, boot['env']))
        mode = run.get('mode')
        if mode == 'all':
            add_all_boot(case, boot_id, records)
        elif mode == 'plain':
            add_plain_boot(case, boot_id, run, records)
        elif mode == 'linux':
            linux = of_type(records, 'linux')
            if linux:
                case['linux'] = linux[-1]
    envs = []
    for boot in boots.values():
        if boot['env'] not in envs:
            envs.append(boot['env'])
    return {'cases': cases, 'boots': rows, 'problems': problems, 'envs': envs}


# Figures derived from one case; each computed here and only here.

def strategies_of(case):
    names = set(case['plain'])
    if case['all']:
        names |= set(case['all']['bench'])
    return strategy_order(names)


def bench_of(case, strategy):
    return case['all']['bench'].get(strategy) if case['all'] else None


def usable_range(case, strategy):
    """(min, max) usable duration over the warm rounds: @bench has no usable max,
    the per-run @results do."""
    bench = bench_of(case, strategy)
    runs = case['all']['runs'].get(strategy, []) if case['all'] else []
    values = [duration(r, 'usable_ns') for r in runs]
    if bench:
        values += [bench['usable_ns_min'], bench['usable_ns_median']]
    return (min(values), max(values)) if values else (None, None)


def done_spread(case, strategy):
    """Half the min-max range of done over the warm rounds (the noise of the median)."""
    bench = bench_of(case, strategy)
    return None if not bench else (bench['done_ns_max'] - bench['done_ns_min']) / 2


def usable_spread(case, strategy):
    low, high = usable_range(case, strategy)
    return None if low is None else (high - low) / 2


def speedup_over_bsp(case, strategy):
    """bsp's done median over this strategy's, both from the same strategy=all boot."""
    bench, bsp = bench_of(case, strategy), bench_of(case, 'bsp')
    if not bench or not bsp or not bench['done_ns_median']:
        return None
    return bsp['done_ns_median'] / bench['done_ns_median']


def fill_limit_ns(bench, which):
    """Time to write the mem_map's bytes at the fill speed measured in the same boot
    ('fill_all_gbps' or 'fill_1cpu_gbps'): GB/s is bytes per ns."""
    gbps, size = bench.get(which), bench.get('mem_map_bytes')
    if not gbps or not size:
        return None
    return size / gbps


def total_pages(case):
    for plain in case['plain'].values():
        return plain['result']['total_pages']
    if case['all'] and case['all']['cold']:
        return case['all']['cold']['total_pages']
    if case['all']:
        for runs in case['all']['runs'].values():
            for r in runs:
                return r['total_pages']
    return None


def warm_ns_per_page_per_thread(case, strategy):
    """done median / total pages x the CPUs that wrote (warm, benchmark mode)."""
    bench = bench_of(case, strategy)
    if not bench or bench.get('ns_per_page') is None or not bench.get('cpus'):
        return None
    return bench['ns_per_page'] * bench['cpus']


def cold_ns_per_page_per_thread(case, strategy):
    """The plain boot's done / total pages x the CPUs that wrote (cold, first touch)."""
    plain = case['plain'].get(strategy)
    if not plain or not plain['result'].get('cpus') or not plain['result']['total_pages']:
        return None
    return plain['done_ns'] / plain['result']['total_pages'] * plain['result']['cpus']


def linux_ok(case):
    """Linux's record when it produced figures, else None."""
    linux = case['linux']
    if not linux or linux.get('status', 'ok') != 'ok' or linux.get('slowest_node_ms') is None:
        return None
    return linux


def linux_status(case):
    linux = case['linux']
    if linux is None:
        return 'no Linux reference in this run'
    if linux_ok(case):
        return 'ok'
    why = linux.get('skipped') or '; '.join(map(str, linux.get('problems') or [])) or ''
    return f'{linux.get("status", "skipped")}' + (f': {why}' if why else '')


def median(values):
    return statistics.median(values) if values else None


def case_sort_key(case):
    return (case.get('nodes') or 0, case.get('vcpus') or 0, case.get('mem_bytes') or 0, case['case'])


def sorted_cases(summary):
    return sorted(summary['cases'].values(), key=case_sort_key)
