"""The report's first section: per machine, which strategy, how much faster,
and why, in one sentence each, from the figures summary.py derives.

    answers(summary) -> [sentence, ...]

It also says when a run cannot show what it was meant to: the vCPUs of a
boot stored no faster together than one alone (a loaded host, or more vCPUs
than host cores), so no parallel strategy could beat bsp there.
"""
import summary as S

SYNCHRONOUS = ('bsp', 'migrate', 'xcall')
WHY = {'bsp': 'no other strategy beat it beyond the rounds\' noise',
       'migrate': 'node after node, each written by its own CPUs',
       'xcall': 'every node at once, each by its own CPUs, the idle ones helping'}
# All CPUs filling at less than this many times one CPU's rate: no parallel headroom.
HEADROOM_MIN = 1.3


def num(value):
    """3 significant digits, without exponents: 0.665, 84.2, 1024."""
    return f'{value:.3g}' if abs(value) < 1000 else f'{value:.0f}'


def parallel_headroom(case):
    """fill_all / fill_1cpu of the case's benchmark boot (same boot, same bytes), or None."""
    bench = S.bench_of(case, 'bsp') or next(iter(case['all']['bench'].values()), None) if case['all'] else None
    if not bench or not bench.get('fill_1cpu_gbps') or not bench.get('fill_all_gbps'):
        return None
    return bench['fill_all_gbps'] / bench['fill_1cpu_gbps']


def fastest_synchronous(case):
    done = {s: S.bench_of(case, s)['done_ns_median'] for s in SYNCHRONOUS if S.bench_of(case, s)}
    return min(done, key=done.get) if done else None


def case_answer(case):
    name = case['case']
    best = fastest_synchronous(case)
    if not best:
        return f'{name}: no benchmark-mode figures (see the boots table).'
    bench = S.bench_of(case, best)
    speedup = S.speedup_over_bsp(case, best)
    bsp = S.bench_of(case, 'bsp')
    noise = max(S.done_spread(case, best) or 0, S.done_spread(case, 'bsp') or 0)
    if bsp and best != 'bsp' and bsp['done_ns_median'] - bench['done_ns_median'] <= noise:
        best, bench, speedup = 'bsp', bsp, None  # a lead inside the rounds' noise is no lead
    parts = [f'{name}: fastest synchronous is {best} ({WHY[best]}), done in '
             f'{num(S.ms(bench["done_ns_median"]))} ms warm'
             + (f', {speedup:.2f}× bsp' if speedup and best != 'bsp' else '')]
    headroom = parallel_headroom(case)
    if headroom is not None and (case.get('vcpus') or 1) > 1:
        if headroom < HEADROOM_MIN:
            parts.append(f'its vCPUs stored only {headroom:.2f}× what one stores alone (a loaded host, or '
                         f'more vCPUs than host cores), so no strategy could beat bsp by much here')
        else:
            parts.append(f'all vCPUs store {headroom:.2f}× one vCPU, the ceiling for any parallel strategy')
    async_bench = S.bench_of(case, 'async')
    if async_bench and async_bench['usable_ns_median']:
        ratio = bench['done_ns_median'] / async_bench['usable_ns_median']
        sooner = f'{ratio:.0f}' if ratio >= 10 else f'{ratio:.2g}'
        parts.append(f'async lets the boot go on after {num(S.ms(async_bench["usable_ns_median"]))} ms, '
                     f'{sooner}× sooner than that, and finishes in the background')
    linux = S.linux_ok(case)
    cold = {s: S.cold_ns_per_page_per_thread(case, s) for s in SYNCHRONOUS}
    cold = {s: v for s, v in cold.items() if v}
    if linux and cold and linux.get('ns_per_page_per_thread'):
        s = min(cold, key=cold.get)
        parts.append(f'cold, {s} spends {num(cold[s])} ns per page per CPU against Linux 6.1\'s '
                     f'{num(linux["ns_per_page_per_thread"])} ({cold[s] / linux["ns_per_page_per_thread"]:.2f}×)')
    return '; '.join(parts) + '.'


def answers(summary):
    return [case_answer(case) for case in S.sorted_cases(summary)]
