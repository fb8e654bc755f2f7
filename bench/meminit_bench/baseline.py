"""This compare run against an earlier one (report.py --baseline DIR2).

    header, rows, env_notes = against(summary_now, summary_before)

For every case and strategy in both runs: the change of the host-warm
medians (summary.py merges only host-warm boots): done and usable in
benchmark mode, and done of the strategy booted alone. A change counts only
when it is larger than the noise: the larger of the two runs' half min-max
range over their rounds and boots. A figure from a single round and boot has
no noise estimate and is never flagged, only marked. Differences in where the
runs ran (accelerator, host cores, QEMU, commit, boots) are listed, since
they alone can move every figure. Host-cold boots are compared with nothing.
"""
from . import summary as S

ENV_KEYS = (('accel', 'accelerator'), ('host_cores', 'host cores'), ('host_cpu', 'host CPU'), ('qemu', 'QEMU'),
            ('git_commit', 'commit'), ('git_dirty', 'uncommitted changes'), ('model', 'NUMA model'),
            ('rounds', 'rounds'), ('boots', 'host-warm boots per run'))
HEADER = ['case', 'strategy', 'figure', 'before ms', 'now ms', 'change ms', 'change %', 'noise ± ms', 'verdict']


def env_notes(now, before):
    """One line per environment key that differs between the two runs."""
    a = now['envs'][0] if now['envs'] else {}
    b = before['envs'][0] if before['envs'] else {}
    return [f'{label} differs: before {b.get(key)!s}, now {a.get(key)!s}'
            for key, label in ENV_KEYS if a.get(key) != b.get(key)]


def figures(case, strategy):
    """{figure: (median ns, noise ns or None)} of one strategy in one run."""
    out = {}
    bench = S.bench_of(case, strategy)
    if bench:
        known = (bench.get('rounds') or 0) * bench.get('boots', 1) > 1
        out['done'] = (bench['done_ns_median'], S.done_spread(case, strategy) if known else None)
        out['usable'] = (bench['usable_ns_median'], S.usable_spread(case, strategy) if known else None)
    own = S.own_range(case, strategy)
    if own:
        out['own boot done'] = (own[1], (own[2] - own[0]) / 2 if own[3] > 1 else None)
    return out


def verdict(change, noise_before, noise_now):
    if noise_before is None or noise_now is None:
        return 'no noise estimate (1 round or boot)'
    noise = max(noise_before, noise_now)
    if abs(change) <= noise:
        return 'within noise'
    return 'SLOWER' if change > 0 else 'FASTER'


def against(now, before):
    """(HEADER, rows, env notes); rows are lists of cells, numbers in ms."""
    rows = []
    for case in S.sorted_cases(now):
        old_case = before['cases'].get(case['case'])
        if not old_case:
            continue
        for strategy in S.strategies_of(case):
            new_figs, old_figs = figures(case, strategy), figures(old_case, strategy)
            for figure in ('done', 'usable', 'own boot done'):
                if figure not in new_figs or figure not in old_figs:
                    continue
                (new, new_noise), (old, old_noise) = new_figs[figure], old_figs[figure]
                change = new - old
                noises = [n for n in (new_noise, old_noise) if n is not None]
                rows.append([case['case'], strategy, figure, S.ms(old), S.ms(new), S.ms(change),
                             100 * change / old if old else None, S.ms(max(noises)) if noises else None,
                             verdict(change, old_noise, new_noise)])
    return HEADER, rows, env_notes(now, before)


def flagged(rows):
    return [r for r in rows if r[-1] in ('SLOWER', 'FASTER')]
