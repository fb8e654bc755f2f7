"""What one results.jsonl says, case by case: the figures the report, the graphs
and --baseline read.

    summary = summarize(lines)            # lines from results.load()

summary["cases"][case] holds one machine's figures, each from its host-warm
boots only (run "host_memory" prealloc or warm; bench/meminit_bench/hostmem.py):
    "all":   the strategy=all boots merged: {"boot" (the first), "bench": {strategy:
             @bench whose done/usable median is the median of the boots' medians and
             whose min/max are the boots' extremes, "boots": how many}, "methods":
             {memmap.method: @bench_method merged the same way (ns_per_page_*)}, "runs":
             {strategy: [@result of every warm round of every boot]}, "steady" and
             "late_node": {strategy: [@steady or @late_node of every boot that ran it]}, "cold": the
             first boot's cold first run or None, "topology", "boots": N} or None
    "plain": {strategy: {"boot", "result", "records" (of the boot with the median
             done), "done_ns", "usable_ns" (medians over the boots, counted from each
             result's start_ns), "done_min", "done_max", "usable_min", "usable_max",
             "boots": N, "host_memory": [modes]}}
    "linux": the Linux reference merged the same way (slowest_node_ms the median,
             slowest_node_ms_min/_max, "boots"), or None
    "host_cold": [{"mode", "strategy", "boot", "repeat", "done_ns", "usable_ns" or
             "slowest_node_ms"}]: boots whose RAM the host backed while they ran
             (lazy), kept apart: they time the host's page faults too
summary["boots"]: one outcome row per boot (status, exit, seconds, what is missing).
summary["problems"]: every record that was skipped, and why.

A run without "host_memory" (results from before it existed) was lazily
backed, one boot per process: host-cold.

Every figure here is ns unless its name says otherwise; nothing is read twice
elsewhere. A record missing a key is reported in problems and left out, never
a crash: results come from boots that may have hung or printed half a line.
"""
import os
import statistics

from .results import by_boot

PAGE_BYTES = 4096
GiB = 1 << 30

# Keys a record must carry to be used at all (others are read when present).
NEEDED = {
    'bench': ('strategy', 'done_ns_min', 'done_ns_median', 'done_ns_max', 'usable_ns_min', 'usable_ns_median'),
    'result': ('strategy', 'start_ns', 'done_ns', 'usable_ns', 'total_pages'),
    'span': ('cpu', 'what', 'start_ns', 'end_ns'),
    'topology': ('cpus',),
    'bench_method': ('method', 'ns_per_page_min', 'ns_per_page_median', 'ns_per_page_max'),
}


def ms(ns):
    """ns as ms, or None."""
    return None if ns is None else ns / 1e6


def strategy_order(*orders):
    """Strategy names in the kernel's order, each once: @bench records come in its
    registry's order, so lists taken from them (first) keep it; names met only in
    plain boots follow in the order they were booted (bench/compare boots them in
    the registry's order too). No list of names is kept here."""
    return list(dict.fromkeys(s for order in orders for s in order))


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


def host_memory_of(run):
    """How the host backed this boot's RAM; results without the key were lazy."""
    return run.get('host_memory') or 'lazy'


def is_host_cold(run):
    return host_memory_of(run) == 'lazy'


def outcome_row(boot_id, boot, records):
    """One line of the report's boot table: what happened to this boot."""
    run, outcome = boot['run'], boot['outcome']
    row = {'boot': boot_id, 'case': run.get('case', '?'), 'mode': run.get('mode', '?'),
           'strategy': run.get('strategy') or '', 'records': len(records), 'log': run.get('log', ''),
           'host_memory': host_memory_of(run), 'repeat': run.get('repeat') or 1}
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
            'mem_bytes': run.get('mem_bytes'), 'env': env, 'all': None, 'plain': {}, 'linux': None,
            'host_cold': [], 'boots_seen': {'all': [], 'plain': {}, 'linux': []}}


def all_boot(boot_id, run, records):
    """One strategy=all boot's figures, or None when it gave no @bench."""
    benches = {b['strategy']: b for b in of_type(records, 'bench')}
    if not benches:
        return None
    runs, cold = {}, None
    for result in of_type(records, 'result'):
        if result.get('cold'):
            cold = result
        elif 'round' in result:
            runs.setdefault(result['strategy'], []).append(result)
    topo = of_type(records, 'topology')
    steady = {r['strategy']: r for r in of_type(records, 'steady')}
    late = {r['strategy']: r for r in of_type(records, 'late_node')}
    return {'boot': boot_id, 'run': run, 'bench': benches, 'runs': runs, 'cold': cold,
            'topology': topo[0] if topo else None, 'steady': steady, 'late_node': late,
            'methods': {m['method']: m for m in of_type(records, 'bench_method')}}


def plain_boot(boot_id, run, records):
    results = of_type(records, 'result')
    if not results:
        return None
    result = results[0]
    return {'boot': boot_id, 'run': run, 'strategy': run.get('strategy') or result['strategy'], 'result': result,
            'records': records, 'done_ns': duration(result, 'done_ns'), 'usable_ns': duration(result, 'usable_ns'),
            'done_from_zero_ns': result.get('done_ns'), 'bring_up_ns': bring_up_ns(records),
            'done_after_common_ns': done_after_common_ns(result, records)}


# The phases where xcall and overlap part ways: overlap lays out the mem_map before the APs wake.
PARTING_PHASES = ('ap_wake', 'memmap_setup')


def done_after_common_ns(result, records):
    """Done, counted from the first phase a strategy may order differently (the
    AP bring-up or the mem_map's layout), less the emulator's code-page scrub
    (@code_pages.ns, inside memmap_setup): what overlap's gain over xcall is
    made of, without the phases both run alike, whose host noise (the scrub
    varied 13-52 ms between identical boots) is larger than the gain. None
    without the records."""
    phases = {s['what']: s for s in of_type(records, 'span') if s.get('phase') and s.get('cpu') == 0}
    starts = [phases[p]['start_ns'] for p in PARTING_PHASES if p in phases]
    if not starts or not isinstance(result.get('done_ns'), (int, float)):
        return None
    scrub = of_type(records, 'code_pages')
    scrub_ns = scrub[0].get('ns') or 0 if scrub else 0
    return result['done_ns'] - min(starts) - scrub_ns


def bring_up_ns(records):
    """The AP bring-up on the boot CPU's timeline: from ap_wake's start to tsc_sync's end; None without both."""
    phases = {s['what']: s for s in of_type(records, 'span') if s.get('phase') and s.get('cpu') == 0}
    if 'ap_wake' not in phases or 'tsc_sync' not in phases:
        return None
    return phases['tsc_sync']['end_ns'] - phases['ap_wake']['start_ns']


def merge_bench(benches):
    """@bench records of one strategy from several boots as one: medians of the
    boots' medians, the extremes of their extremes, other figures' medians."""
    merged = dict(benches[0])
    for key in ('done_ns', 'usable_ns'):
        medians = [b[f'{key}_median'] for b in benches]
        merged[f'{key}_median'] = median(medians)
        # The figure's own spread: its boots' medians (the rounds' extremes are below).
        merged[f'{key}_boots_min'], merged[f'{key}_boots_max'] = min(medians), max(medians)
        merged[f'{key}_min'] = min(b[f'{key}_min'] for b in benches)
        if all(isinstance(b.get(f'{key}_max'), (int, float)) for b in benches):
            merged[f'{key}_max'] = max(b[f'{key}_max'] for b in benches)
    for key in ('ns_per_page', 'efficiency', 'fill_1cpu_gbps', 'fill_all_gbps'):
        values = [b[key] for b in benches if isinstance(b.get(key), (int, float))]
        if values:
            merged[key] = median(values)
    for key in ('fill_1cpu_gbps_best', 'fill_all_gbps_best'):
        values = [b[key] for b in benches if isinstance(b.get(key), (int, float))]
        if values:
            merged[key] = max(values)
    merged['boots'] = len(benches)
    return merged


def merge_method(records):
    """@bench_method records of one per-page method from several boots as one:
    the median of the boots' medians (between the lowest and highest of them),
    the extremes of the rounds, the median efficiency and the best."""
    merged = dict(records[0])
    medians = [r['ns_per_page_median'] for r in records]
    merged['ns_per_page_median'] = median(medians)
    merged['ns_per_page_boots_min'], merged['ns_per_page_boots_max'] = min(medians), max(medians)
    merged['ns_per_page_min'] = min(r['ns_per_page_min'] for r in records)
    merged['ns_per_page_max'] = max(r['ns_per_page_max'] for r in records)
    for key, pick in (('efficiency', median), ('fill_1cpu_gbps', median), ('efficiency_best', max)):
        values = [r[key] for r in records if isinstance(r.get(key), (int, float))]
        if values:
            merged[key] = pick(values)
    merged['boots'] = len(records)
    return merged


def merge_all(boots):
    if not boots:
        return None
    first = boots[0]
    names = strategy_order(*(b['bench'] for b in boots))
    bench = {s: merge_bench([b['bench'][s] for b in boots if s in b['bench']]) for s in names}
    runs = {s: [r for b in boots for r in b['runs'].get(s, [])] for s in names}
    steady = {s: [b['steady'][s] for b in boots if s in b.get('steady', {})] for s in names}
    late = {s: [b['late_node'][s] for b in boots if s in b.get('late_node', {})] for s in names}
    method_names = list(dict.fromkeys(m for b in boots for m in b.get('methods', {})))
    methods = {m: merge_method([b['methods'][m] for b in boots if m in b.get('methods', {})]) for m in method_names}
    return {'boot': first['boot'], 'bench': bench, 'runs': runs, 'steady': steady, 'late_node': late,
            'cold': first['cold'],
            'topology': first['topology'], 'boots': len(boots), 'methods': methods,
            'host_memory': sorted({host_memory_of(b['run']) for b in boots})}


def merge_plain(boots):
    """A strategy's own boots as one: medians and extremes of done and usable;
    the boot with the median done stands for the others (timeline, records)."""
    done = sorted(boots, key=lambda b: b['done_ns'])
    middle = done[(len(done) - 1) // 2]
    return {'boot': middle['boot'], 'result': middle['result'], 'records': middle['records'],
            'done_ns': median([b['done_ns'] for b in boots]), 'usable_ns': median([b['usable_ns'] for b in boots]),
            'done_min': done[0]['done_ns'], 'done_max': done[-1]['done_ns'],
            'usable_min': min(b['usable_ns'] for b in boots), 'usable_max': max(b['usable_ns'] for b in boots),
            'boots': len(boots), 'host_memory': sorted({host_memory_of(b['run']) for b in boots}),
            # The whole boot: done from TSC zero (overlap's gain is there), and the AP bring-up in it.
            'done_from_zero_ns': median([b['done_from_zero_ns'] for b in boots
                                         if isinstance(b.get('done_from_zero_ns'), (int, float))] or [None]),
            'bring_up_ns': median_present(boots, 'bring_up_ns'),
            'done_after_common_ns': median_present(boots, 'done_after_common_ns')}


def merge_linux(records):
    """Linux's boots as one: the slowest node's median and extremes."""
    ok = [r for r in records if r.get('status', 'ok') == 'ok' and r.get('slowest_node_ms') is not None]
    if not ok:
        return records[-1] if records else None
    by_slowest = sorted(ok, key=lambda r: r['slowest_node_ms'])
    merged = dict(by_slowest[(len(ok) - 1) // 2])
    for key in ('slowest_node_ms', 'ns_per_page_per_thread', 'ns_per_page_machine', 'smpboot_to_last_ms'):
        values = [r[key] for r in ok if isinstance(r.get(key), (int, float))]
        if values:
            merged[key] = median(values)
            merged[f'{key}_min'], merged[f'{key}_max'] = min(values), max(values)
    bounds = [r['slowest_node_bounds_ms'] for r in ok if r.get('slowest_node_bounds_ms')]
    merged['slowest_node_bounds_ms'] = [min(b[0] for b in bounds), max(b[1] for b in bounds)] if bounds else None
    merged['boots'] = len(ok)
    return merged


def cold_row(mode, strategy, boot_id, run, **figures):
    return {'mode': mode, 'strategy': strategy, 'boot': boot_id, 'repeat': run.get('repeat') or 1, **figures}


def add_boot(case, boot_id, run, records):
    """File one boot under its case: host-cold boots apart, the others to be merged."""
    mode, cold, seen = run.get('mode'), is_host_cold(run), case['boots_seen']
    if mode == 'all':
        boot = all_boot(boot_id, run, records)
        if boot and cold:
            for strategy, bench in boot['bench'].items():
                case['host_cold'].append(cold_row('all', strategy, boot_id, run, done_ns=bench['done_ns_median'],
                                                  usable_ns=bench['usable_ns_median'],
                                                  cold_done_ns=bench.get('cold_done_ns')))
        elif boot:
            seen['all'].append(boot)
    elif mode == 'plain':
        boot = plain_boot(boot_id, run, records)
        if boot and cold:
            case['host_cold'].append(cold_row('plain', boot['strategy'], boot_id, run, done_ns=boot['done_ns'],
                                              usable_ns=boot['usable_ns']))
        elif boot:
            seen['plain'].setdefault(boot['strategy'], []).append(boot)
    elif mode == 'linux':
        for linux in of_type(records, 'linux'):
            linux = {'host_memory': host_memory_of(run), **linux}
            if cold and linux.get('slowest_node_ms') is not None:
                case['host_cold'].append(cold_row('linux', None, boot_id, run,
                                                  slowest_node_ms=linux['slowest_node_ms']))
            elif not cold or not seen['linux']:
                seen['linux'].append((cold, linux))


def finish_case(case):
    seen = case.pop('boots_seen')
    case['all'] = merge_all(seen['all'])
    case['plain'] = {s: merge_plain(boots) for s, boots in seen['plain'].items()}
    warm = [r for cold, r in seen['linux'] if not cold]
    case['linux'] = merge_linux(warm) if warm else (
        {'status': 'host-cold only', 'skipped': 'every Linux boot was host-cold (see the host-cold section)'}
        if seen['linux'] else None)


def summarize(lines):
    """Cases, boot outcomes and problems from the parsed lines of a results.jsonl."""
    problems, cases, rows = [], {}, []
    boots = by_boot(lines)
    for boot_id, boot in boots.items():
        run = boot['run']
        records = usable(boot, problems)
        rows.append(outcome_row(boot_id, boot, records))
        case = cases.setdefault(run.get('case', '?'), new_case(run, boot['env']))
        add_boot(case, boot_id, run, records)
    for case in cases.values():
        finish_case(case)
    envs = []
    for boot in boots.values():
        if boot['env'] not in envs:
            envs.append(boot['env'])
    return {'cases': cases, 'boots': rows, 'problems': problems, 'envs': envs}


# Figures derived from one case; each computed here and only here.

def strategies_of(case):
    return strategy_order(case['all']['bench'] if case['all'] else (), case['plain'])


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
    """bsp's done median over this strategy's, both from the same strategy=all boots."""
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


def own_ns_per_page_per_thread(case, strategy):
    """The strategy's own boots' done median / total pages x the CPUs that wrote
    (guest-cold: the kernel's first touch; host-warm)."""
    plain = case['plain'].get(strategy)
    if not plain or not plain['result'].get('cpus') or not plain['result']['total_pages']:
        return None
    return plain['done_ns'] / plain['result']['total_pages'] * plain['result']['cpus']


# A figure is compared, and a winner named, only from this many host-warm boots.
MIN_BOOTS = 3


def done_range(case, strategy):
    """(min, median, max, boots) of done in benchmark mode, or None: the median of
    the boots' medians, between the lowest and the highest of them. One slow round
    of one boot moves its boot's median little and this range not at all; a lead
    must clear the boots' spread, not the single worst round's."""
    bench = bench_of(case, strategy)
    if not bench:
        return None
    low = bench.get('done_ns_boots_min', bench['done_ns_min'])
    high = bench.get('done_ns_boots_max', bench['done_ns_max'])
    return low, bench['done_ns_median'], high, bench.get('boots', 1)


def own_range(case, strategy, key='done'):
    """(min, median, max, boots) of done or usable over the strategy's own boots, or None."""
    plain = case['plain'].get(strategy)
    if not plain:
        return None
    return plain[f'{key}_min'], plain[f'{key}_ns'], plain[f'{key}_max'], plain['boots']


def beats(a, b):
    """True when range a = (min, median, max, ...) lies wholly below range b:
    a lead inside either's spread is no lead."""
    return a is not None and b is not None and a[2] < b[0]


def methods_of(case):
    """The per-page methods benchmark mode measured (memmap.method), in the kernel's order."""
    return list(case['all'].get('methods', {})) if case['all'] else []


def method_bench(case, method):
    return case['all']['methods'].get(method) if case['all'] else None


def method_range(case, method):
    """(min, median, max, boots) of the method's ns per page: the rounds' extremes
    around the median of the boots' medians, or None."""
    rec = method_bench(case, method)
    if not rec:
        return None
    return rec['ns_per_page_min'], rec['ns_per_page_median'], rec['ns_per_page_max'], rec.get('boots', 1)


def method_fill_ns_per_page(case, method):
    """The one-CPU fill of the same boots, as ns per page (the method's limit)."""
    rec, pages = method_bench(case, method), total_pages(case)
    fill = fill_limit_ns(rec, 'fill_1cpu_gbps') if rec else None
    return fill / pages if fill and pages else None


def method_winner(case):
    """The per-page method whose slowest round beats every other method's fastest
    (a lead inside the rounds' spread is no lead), or None."""
    names = methods_of(case)
    for m in names:
        if len(names) > 1 and all(beats(method_range(case, m), method_range(case, o)) for o in names if o != m):
            return m
    return None


def linux_range(case):
    """(min, median, max, boots) of Linux's slowest node in ms, or None."""
    linux = linux_ok(case)
    if not linux:
        return None
    median_ms = linux['slowest_node_ms']
    return (linux.get('slowest_node_ms_min', median_ms), median_ms, linux.get('slowest_node_ms_max', median_ms),
            linux.get('boots', 1))


def linux_band(case):
    """(low, high) ms that Linux's slowest node surely took, over its boots:
    whole jiffies as printed, narrowed by the printk time stamps where they say
    more (linux_ref.py, slowest_node_bounds_ms); None without them."""
    linux = linux_ok(case)
    bounds = linux.get('slowest_node_bounds_ms') if linux else None
    if not bounds:
        return None
    return bounds[0], bounds[1]


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


def window_figure(records, window, key):
    """The median over boots of one @steady window's figure; None when no boot had that window."""
    values = [r[window][key] for r in records if isinstance(r.get(window), dict)
              and isinstance(r[window].get(key), (int, float))]
    return median(values) if values else None


def thread_claims(case, strategy):
    """The thread's pros and cons as figures for one strategy, from benchmark mode:
    usable and done, allocation latency while its background work ran, after, and
    after with the other CPUs busy (@steady, medians over boots; the max the worst),
    failed allocations, and the CPU time spent on the mem_map (median over warm
    rounds), which energy follows."""
    bench = bench_of(case, strategy)
    steady = (case['all'] or {}).get('steady', {}).get(strategy, [])
    runs = (case['all'] or {}).get('runs', {}).get(strategy, [])
    cpu = [r['cpu_ns'] for r in runs if isinstance(r.get('cpu_ns'), (int, float))]
    if not bench and not steady:
        return None
    during_max = [r['during']['max_ns'] for r in steady if isinstance(r.get('during'), dict)]
    return {'usable_ns': bench['usable_ns_median'] if bench else None,
            'done_ns': bench['done_ns_median'] if bench else None,
            'during_p50_ns': window_figure(steady, 'during', 'p50_ns'),
            'during_p99_ns': window_figure(steady, 'during', 'p99_ns'),
            'during_max_ns': max(during_max) if during_max else None,
            'after_p99_ns': window_figure(steady, 'after', 'p99_ns'),
            'after_busy_p99_ns': window_figure(steady, 'after_busy', 'p99_ns'),
            'failed': sum((r.get(w) or {}).get('failed', 0) for r in steady
                          for w in ('during', 'after', 'after_busy')) if steady else None,
            'cpu_ns': median(cpu) if cpu else None,
            'cpus': bench.get('cpus') if bench else None,
            'steady_boots': len(steady)}


def hotplug(case, strategy):
    """Bringing a held-back node online (@late_node), medians over boots: the time
    to online, how long the caller was held, the struct pages it wrote and the IPIs
    it sent meanwhile (None from records that predate the key), how the other CPUs
    idled, and the workload's p99 before and meanwhile (the max the worst)."""
    records = [r for r in ((case['all'] or {}).get('late_node', {}).get(strategy) or []) if r.get('ok')]
    if not records:
        return None
    online_max = [r['online']['max_ns'] for r in records if isinstance(r.get('online'), dict)]
    return {'node': records[0]['node'], 'pages': records[0]['pages'],
            'online_ns': median([r['online_ns'] for r in records]),
            'caller_held_ns': median([r['caller_held_ns'] for r in records]),
            'caller_pages': median_present(records, 'caller_pages'),
            'idle_mode': records[0].get('idle_mode'),
            'caller_ipis': median_present(records, 'caller_ipis'),
            'idle_p99_ns': window_figure(records, 'idle', 'p99_ns'),
            'online_p99_ns': window_figure(records, 'online', 'p99_ns'),
            'online_max_ns': max(online_max) if online_max else None,
            'cpu_ns': median([r['cpu_ns'] for r in records]), 'boots': len(records)}


def allocator_after(case, strategy):
    """The one allocator API in the strategy's own boots (@kmalloc): when the slab
    stage served its first object, from TSC zero and after usable, a warm 64-byte
    pair, and the bytes given back late; medians over the boots that have it."""
    plain = case['plain'].get(strategy)
    if not plain:
        return None
    recs = [r for r in of_type(plain['records'], 'kmalloc') if r.get('first_slab_ns')]
    if not recs:
        return None
    usable = plain['result'].get('usable_ns')
    rec = recs[0]
    return {'first_slab_ns': rec['first_slab_ns'], 'switch_ns': rec['stage_ns'].get('slab'),
            'after_usable_ns': rec['first_slab_ns'] - usable if isinstance(usable, (int, float)) else None,
            'pair_ns_min': rec.get('pair_ns_min'), 'pair_ns_median': rec.get('pair_ns_median'),
            'returned_late_bytes': rec.get('returned_late_bytes')}


def percpu_access(case, strategy):
    """A read's cost in the strategy's own boot (@percpu): a static per-CPU field,
    a dynamic per-CPU value and a global variable, min and median ns each; None
    when the boot printed no figures."""
    plain = case['plain'].get(strategy)
    if not plain:
        return None
    recs = [r for r in of_type(plain['records'], 'percpu') if r.get('dynamic_ns_median') is not None]
    if not recs:
        return None
    return {f'{kind}_{stat}': recs[0][f'{kind}_ns_{stat}']
            for kind in ('static', 'dynamic', 'global') for stat in ('min', 'median')}


def median(values):
    return statistics.median(values) if values else None


def median_present(items, key):
    """The median of @key over the @items that have it (records from before a key
    was added do not); None when none has it."""
    return median([i[key] for i in items if i.get(key) is not None])


def case_sort_key(case):
    return (case.get('nodes') or 0, case.get('vcpus') or 0, case.get('mem_bytes') or 0, case['case'])


def sorted_cases(summary):
    return sorted(summary['cases'].values(), key=case_sort_key)
