"""One boot's records as a Chrome Trace Event file (opens in the Perfetto UI and in
chrome://tracing): every @span a complete event on its CPU's row, the buddy
hand-off at the end of a mem_map span as a nested event, usable and done of each
@result as instant events.

    trace = boot_trace(boot_id, boot)     # boot: one value of results.by_boot()
    problems = validate(trace)            # [] when every event has what its phase needs

Times in the file are µs (the format's unit) from the kernel's ns since TSC zero.
"""
import json
import numbers
import os

PID = 1
MARKER_TID = 9999  # the row that holds the usable/done markers (sorted above the CPUs)

# Which category a span's "what" falls in; anything else is a boot phase.
CATEGORIES = {'memmap_init': 'memmap', 'grow': 'memmap', 'numa_model': 'numa_model (modelled)',
              'workload': 'workload'}

# The Trace Event format: fields every event of a phase must carry.
REQUIRED = {
    'X': ('name', 'ph', 'ts', 'dur', 'pid', 'tid'),
    'B': ('name', 'ph', 'ts', 'pid', 'tid'),
    'E': ('ph', 'ts', 'pid', 'tid'),
    'i': ('name', 'ph', 'ts', 'pid', 'tid', 's'),
    'I': ('name', 'ph', 'ts', 'pid', 'tid'),
    'M': ('name', 'ph', 'pid', 'args'),
    'C': ('name', 'ph', 'ts', 'pid', 'args'),
}
METADATA_NAMES = ('process_name', 'process_labels', 'process_sort_index', 'thread_name', 'thread_sort_index')


def us(ns):
    return round(ns / 1000, 3)


def span_name(span):
    node = span.get('node')
    return span['what'] + (f' node {node}' if isinstance(node, int) and node >= 0 else '')


def lane_of(lanes, cpu, start, end):
    """The first row of this CPU free at start: spans on one row must not
    partly overlap, or the trace viewers drop or misdraw them."""
    rows = lanes.setdefault(cpu, [])
    for i, row_end in enumerate(rows):
        if row_end <= start:
            rows[i] = end
            return i
    rows.append(end)
    return len(rows) - 1


def tid_of(cpu, lane):
    return cpu if lane == 0 else cpu + 1000 * lane


def span_events(spans, lanes):
    events = []
    for span in sorted(spans, key=lambda s: s['start_ns']):
        start, end = span['start_ns'], max(span['end_ns'], span['start_ns'])
        tid = tid_of(span['cpu'], lane_of(lanes, span['cpu'], start, end))
        args = {k: v for k, v in span.items() if k not in ('cpu', 'what', 'start_ns', 'end_ns')}
        events.append({'name': span_name(span), 'cat': CATEGORIES.get(span['what'], 'boot'), 'ph': 'X',
                       'ts': us(start), 'dur': us(end - start), 'pid': PID, 'tid': tid, 'args': args})
        buddy = span.get('buddy_ns')
        if isinstance(buddy, numbers.Number) and 0 < buddy <= end - start:
            # The hand-off to the buddy allocator ends the span: draw it nested inside.
            events.append({'name': 'buddy hand-off', 'cat': 'buddy', 'ph': 'X', 'ts': us(end - buddy),
                           'dur': us(buddy), 'pid': PID, 'tid': tid,
                           'args': {'node': span.get('node'), 'buddy_ns': buddy, 'run': span.get('run')}})
    return events


def result_events(results):
    events = []
    for result in results:
        label = f'{result.get("strategy", "?")}' + (f' run {result["run"]}' if 'run' in result else '')
        for key in ('usable_ns', 'done_ns'):
            if isinstance(result.get(key), numbers.Number):
                events.append({'name': f'{key[:-3]} ({label})', 'cat': 'result', 'ph': 'i', 's': 'g',
                               'ts': us(result[key]), 'pid': PID, 'tid': MARKER_TID,
                               'args': {'strategy': result.get('strategy'), 'run': result.get('run'),
                                        'cold': result.get('cold'),
                                        'ms_from_start': (result[key] - result.get('start_ns', 0)) / 1e6}})
    return events


def metadata_events(title, topology, lanes):
    node_of = {c['id']: c.get('node') for c in (topology or {}).get('cpus', []) if 'id' in c}
    cpus = sorted(set(node_of) | set(lanes))
    events = [{'name': 'process_name', 'ph': 'M', 'pid': PID, 'tid': 0, 'args': {'name': title}},
              {'name': 'thread_name', 'ph': 'M', 'pid': PID, 'tid': MARKER_TID,
               'args': {'name': 'usable / done'}},
              {'name': 'thread_sort_index', 'ph': 'M', 'pid': PID, 'tid': MARKER_TID, 'args': {'sort_index': -1}}]
    for cpu in cpus:
        name = f'CPU {cpu} (node {node_of.get(cpu, "?")})'
        for lane in range(max(1, len(lanes.get(cpu, [])))):
            tid = tid_of(cpu, lane)
            events.append({'name': 'thread_name', 'ph': 'M', 'pid': PID, 'tid': tid,
                           'args': {'name': name + (f' overlap {lane}' if lane else '')}})
            events.append({'name': 'thread_sort_index', 'ph': 'M', 'pid': PID, 'tid': tid,
                           'args': {'sort_index': cpu * 10 + lane}})
    return events


def boot_trace(boot_id, boot):
    """The trace of one boot (a value of results.by_boot()); records lacking a
    start or end are left out (summary.usable reports them)."""
    run = boot['run']
    records = boot['records']
    spans = [r for t, r in records if t == 'span' and all(
        isinstance(r.get(k), numbers.Number) for k in ('cpu', 'start_ns', 'end_ns')) and isinstance(r.get('what'), str)]
    results = [r for t, r in records if t == 'result' and isinstance(r, dict)]
    topology = next((r for t, r in records if t == 'topology' and isinstance(r.get('cpus'), list)), None)
    lanes = {}
    events = span_events(spans, lanes)
    events += result_events(results)
    what = run.get('strategy') or run.get('mode', '?')
    title = f'meminit {boot_id}: {run.get("case", "?")}, {run.get("mode", "?")} {what}'
    return {'traceEvents': metadata_events(title, topology, lanes) + events, 'displayTimeUnit': 'ms',
            'otherData': {'boot': boot_id, 'case': run.get('case'), 'cmdline': run.get('cmdline'),
                          'time': 'µs since the TSC was first read at kernel entry'}}


def validate(trace):
    """Problems with a trace against the Trace Event format, [] when none."""
    if not isinstance(trace, dict) or not isinstance(trace.get('traceEvents'), list):
        return ['not an object with a traceEvents list']
    problems = []
    if trace.get('displayTimeUnit', 'ms') not in ('ms', 'ns'):
        problems.append(f'displayTimeUnit {trace["displayTimeUnit"]!r} is neither ms nor ns')
    for i, event in enumerate(trace['traceEvents']):
        where = f'event {i} ({event.get("name", "?") if isinstance(event, dict) else event!r})'
        if not isinstance(event, dict):
            problems.append(f'{where}: not an object')
            continue
        ph = event.get('ph')
        if ph not in REQUIRED:
            problems.append(f'{where}: phase {ph!r} is not one this project writes')
            continue
        missing = [k for k in REQUIRED[ph] if k not in event]
        if missing:
            problems.append(f'{where}: phase {ph} without {", ".join(missing)}')
            continue
        for key in ('ts', 'dur', 'pid', 'tid'):
            if key in event and (not isinstance(event[key], numbers.Number) or isinstance(event[key], bool)):
                problems.append(f'{where}: {key} is not a number')
        if ph == 'X' and isinstance(event['dur'], numbers.Number) and event['dur'] < 0:
            problems.append(f'{where}: negative duration')
        if ph == 'i' and event['s'] not in ('g', 'p', 't'):
            problems.append(f'{where}: instant scope {event["s"]!r} is not g, p or t')
        if ph == 'M':
            if event['name'] not in METADATA_NAMES:
                problems.append(f'{where}: unknown metadata name')
            elif not isinstance(event['args'], dict) or not event['args']:
                problems.append(f'{where}: metadata without args')
            elif event['name'].startswith('thread') and 'tid' not in event:
                problems.append(f'{where}: thread metadata without tid')
        if 'args' in event and not isinstance(event['args'], dict):
            problems.append(f'{where}: args is not an object')
    problems += nesting_problems(trace['traceEvents'])
    return problems


def nesting_problems(events):
    """Complete events of one thread must nest or be disjoint: the viewers
    cannot draw two slices that partly overlap on one row."""
    problems = []
    rows = {}
    for e in events:
        if isinstance(e, dict) and e.get('ph') == 'X' and all(
                isinstance(e.get(k), numbers.Number) for k in ('ts', 'dur')):
            rows.setdefault((e.get('pid'), e.get('tid')), []).append(e)
    for (pid, tid), row in rows.items():
        stack = []
        for e in sorted(row, key=lambda e: (e['ts'], -e['dur'])):
            end = e['ts'] + e['dur']
            while stack and stack[-1] <= e['ts'] + 1e-6:
                stack.pop()
            if stack and end > stack[-1] + 1e-3:
                problems.append(f'tid {tid}: {e["name"]} at {e["ts"]} µs partly overlaps the slice before it')
            stack.append(end)
    return problems


def has_spans(boot):
    return any(t == 'span' for t, _ in boot['records'])


def write_traces(boots, out_dir):
    """traces/<boot>.json for every boot with spans; returns (paths, problems),
    every written trace validated."""
    os.makedirs(out_dir, exist_ok=True)
    paths, problems = [], []
    for boot_id, boot in boots.items():
        if not has_spans(boot):
            continue
        trace = boot_trace(boot_id, boot)
        problems += [f'trace {boot_id}: {p}' for p in validate(trace)]
        path = os.path.join(out_dir, f'{safe_name(boot_id)}.json')
        with open(path, 'w') as f:
            json.dump(trace, f)
        paths.append(path)
    return paths, problems


def safe_name(text):
    return ''.join(c if c.isalnum() or c in '-_.' else '_' for c in str(text))
