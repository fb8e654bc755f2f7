"""The report's first section: per machine, which strategy, how much faster,
and why, in one sentence each, from the figures summary.py derives.

    answers(summary) -> [sentence, ...]

A strategy is named the winner only when its done min–max (over the rounds
of the host-warm benchmark boots) lies wholly below bsp's, and only from at
least summary.MIN_BOOTS host-warm boots: no best-of-noisy-boots figures.

It also says when a run cannot show what it was meant to: the vCPUs of a
boot stored no faster together than one alone (a loaded host, or more vCPUs
than host cores), so no parallel strategy could beat bsp there.
"""
from . import summary as S

SYNCHRONOUS = ('bsp', 'migrate', 'xcall')
WHY = {'bsp': 'no other strategy beat it beyond the spread of its rounds and boots',
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


def spread_text(rng):
    return f'{num(S.ms(rng[0]))}–{num(S.ms(rng[2]))}'


def case_answer(case):
    name = case['case']
    best = fastest_synchronous(case)
    if not best:
        return f'{name}: no host-warm benchmark-mode figures (see the boots table and the host-cold section).'
    bench = S.bench_of(case, best)
    speedup = S.speedup_over_bsp(case, best)
    bsp = S.bench_of(case, 'bsp')
    boots = bench.get('boots', 1)
    best_range, bsp_range = S.done_range(case, best), S.done_range(case, 'bsp')
    if boots < S.MIN_BOOTS:
        parts = [f'{name}: only {boots} host-warm benchmark boot{"s" if boots > 1 else ""} (at least '
                 f'{S.MIN_BOOTS} name a winner); {best} had the lowest done median, '
                 f'{num(S.ms(bench["done_ns_median"]))} ms warm (min–max {spread_text(best_range)})']
    else:
        if bsp and best != 'bsp' and not S.beats(best_range, bsp_range):
            best, bench, speedup = 'bsp', bsp, None  # a lead inside the spread is no lead
        parts = [f'{name}: fastest synchronous is {best} ({WHY[best]}), done in '
                 f'{num(S.ms(bench["done_ns_median"]))} ms warm (median of {boots} host-warm boots, min–max '
                 f'{spread_text(S.done_range(case, best))})'
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
    parts += linux_answer(case)
    return '; '.join(parts) + '.'


def us(ns):
    return num(ns / 1000)


def overlap_answer(name, over, xc):
    """overlap against xcall, both booted alone: done from the phase where they
    part (less the emulator's code-page scrub) when the records have it, done
    from time zero beside it; the gain as a share of xcall's AP bring-up."""
    parted = over.get('done_after_common_ns') is not None and xc.get('done_after_common_ns') is not None
    key = 'done_after_common_ns' if parted else 'done_from_zero_ns'
    gain = xc[key] - over[key]
    bring = xc.get('bring_up_ns')
    share = (f', {100 * gain / bring:.0f}% of xcall\'s AP bring-up ({num(S.ms(bring))} ms)'
             if bring and gain > 0 else f' (xcall\'s AP bring-up: {num(S.ms(bring))} ms)' if bring else '')
    where = ('from the phase where the two part (the bring-up or the layout), less the emulator\'s code-page '
             'scrub' if parted else 'from time zero')
    zero = (f' (from time zero: {num(S.ms(over["done_from_zero_ns"]))} and {num(S.ms(xc["done_from_zero_ns"]))} ms)'
            if parted else '')
    return (f'{name}, init that starts as each CPU wakes: booted alone, overlap\'s mem_map is done '
            f'{num(S.ms(over[key]))} ms {where}, xcall\'s {num(S.ms(xc[key]))} ms: {num(S.ms(abs(gain)))} ms '
            f'{"sooner" if gain > 0 else "later"}{share}{zero}')


def thread_answers(case):
    """The thread's claims for one machine, each with its figure (or why there is none)."""
    name, out = case['case'], []
    on, asy = S.bench_of(case, 'ondemand'), S.bench_of(case, 'async')
    if on and asy and on.get('usable_ns_median') and asy.get('usable_ns_median'):
        out.append(f'{name}, "a minimal working system quickly": ondemand lets the boot go on after '
                   f'{num(S.ms(on["usable_ns_median"]))} ms, async after {num(S.ms(asy["usable_ns_median"]))} ms '
                   f'(warm medians); ondemand then pays on its allocator\'s fast path (selftest=alloc_speed)')
    over, xc = case['plain'].get('overlap'), case['plain'].get('xcall')
    if over and xc and over.get('done_from_zero_ns') and xc.get('done_from_zero_ns'):
        out.append(overlap_answer(name, over, xc))
    claims = {st: S.thread_claims(case, st) for st in S.strategies_of(case)}
    fluct = [(st, c) for st, c in claims.items() if c and c['during_p99_ns'] is not None and c['after_p99_ns']]
    if fluct:
        out.append(f'{name}, "stats fluctuate": while memory still arrives the boot CPU\'s allocations take ' +
                   ', '.join(f'{st} {us(c["during_p99_ns"])} µs at p99 against {us(c["after_p99_ns"])} µs after '
                             f'({c["during_p99_ns"] / c["after_p99_ns"]:.1f}×' + (
                                 f'; {c["during_p99_ns"] / c["after_busy_p99_ns"]:.1f}× the same with the other '
                                 f'CPUs busy' if c.get('after_busy_p99_ns') else '') + ')'
                             for st, c in fluct) +
                   '; the free count climbs meanwhile (graph)')
    hot = {st: S.hotplug(case, st) for st in S.strategies_of(case)}
    hot = {st: h for st, h in hot.items() if h and h['idle_p99_ns']}
    if hot:
        out.append(f'{name}, "hotplug friendly": bringing node {next(iter(hot.values()))["node"]} online, the '
                   f'workload\'s p99 is ' + ', '.join(
                       f'{st} {us(h["online_p99_ns"])} µs ({h["online_p99_ns"] / h["idle_p99_ns"]:.1f}× idle, caller '
                       f'held {num(S.ms(h["caller_held_ns"]))} ms)' for st, h in hot.items()
                       if h['online_p99_ns'] is not None))
    cpu = [(st, c['cpu_ns'], c['cpus']) for st, c in claims.items() if c and c['cpu_ns']]
    if cpu:
        out.append(f'{name}, "the power budget": no emulator measures power; CPU time on the mem_map is ' +
                   ', '.join(f'{st} {num(S.ms(ns))} ms on {cpus} CPU{"s" if cpus != 1 else ""}'
                             for st, ns, cpus in cpu) + ' (energy follows CPU time, peak power the CPUs at once)')
    return out


def linux_answer(case):
    """Our fastest own boot against Linux's slowest node, both guest-cold and
    host-warm medians; "faster" only when the min–max ranges do not overlap."""
    linux, linux_rng = S.linux_ok(case), S.linux_range(case)
    own = {s: S.own_range(case, s) for s in SYNCHRONOUS if S.own_range(case, s)}
    if not linux or not own:
        return []
    s = min(own, key=lambda k: own[k][1])
    ours = own[s]
    if min(ours[3], linux_rng[3]) < S.MIN_BOOTS:
        return [f'booted alone (guest-cold, host-warm), {s} is done in {num(S.ms(ours[1]))} ms against Linux 6.1\'s '
                f'slowest node {num(linux_rng[1])} ms, from fewer than {S.MIN_BOOTS} boots each: no verdict']
    ours_ms = (S.ms(ours[0]), S.ms(ours[1]), S.ms(ours[2]))
    low = S.linux_band(case)[0] if S.linux_band(case) else linux_rng[0]
    verdict = (f'{linux_rng[1] / ours_ms[1]:.1f}× faster' if ours_ms[2] < min(low, linux_rng[0])
               else 'not beyond the spread of either')
    text = (f'booted alone (guest-cold, host-warm), {s} is done in {num(ours_ms[1])} ms (min–max '
            f'{num(ours_ms[0])}–{num(ours_ms[2])}) against Linux 6.1\'s slowest node {num(linux_rng[1])} ms '
            f'({num(linux_rng[0])}–{num(linux_rng[2])}): {verdict}')
    per_page = S.own_ns_per_page_per_thread(case, s)
    if per_page and linux.get('ns_per_page_per_thread'):
        text += (f'; {num(per_page)} ns per page per CPU against Linux\'s {num(linux["ns_per_page_per_thread"])}')
    return [text]


def answers(summary):
    out = []
    for case in S.sorted_cases(summary):
        out.append(case_answer(case))
        out += thread_answers(case)
    return out
