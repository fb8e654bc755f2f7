"""Every registered parameter fed bad values: each word gets an @error that
names the parameter and echoes the value given, the setting stays as it was,
and the boot completes and verifies."""
from bootlib import EXIT_OK, boot, check, check_no_unparsable
from meminit_bench.records import of_type, one

MACHINE = ['-m', '256M', '-smp', '2']

# Values no parameter takes: empty, negative, trailing garbage, huge, a stray
# symbol. (A value some parameter does take would be a setting, not a test.)
BAD_VALUES = ['', '-1', '2x', '999999999999999999999999', '%']


def registered_names(iso):
    b = boot(iso, cmdline='help', qemu_args=MACHINE)
    names = [p['name'] for p in of_type(b.records, 'param')]
    check(len(names) >= 15 and 'strategy' in names, f'help listed too few @param records: {names}')
    return names


def check_verified_boot(b, what):
    check_no_unparsable(b)
    check(b.status == EXIT_OK, f'{what}: exit {b.status}')
    result = one(b.records, 'result')
    check(result['verified'] and result['total_pages'] == result['free_pages'] + result['reserved_pages']
          + result['allocated_pages'], f'{what}: result not verified or pages unaccounted: {result}')


def case_params_bad_values(iso):
    names = registered_names(iso)
    for value in BAD_VALUES:
        for group in command_lines([f'{name}={value}' for name in names]):
            b = boot(iso, cmdline=' '.join(group), qemu_args=MACHINE)
            check_verified_boot(b, f'every parameter ={value!r}')
            details = [e['detail'] for e in b.errors() if e['what'] == 'bad parameter value']
            for word in group:
                echo = word.replace('=', '="', 1) + '"'
                check(any(d.startswith(echo) for d in details), f'no @error echoing {echo}: {details}')
            check(all(e['action'] for e in b.errors()), 'an @error without the fallback taken')


def command_lines(words, limit=900):
    """Words in groups that fit a command line (the kernel keeps 1 KiB of it)."""
    groups, line = [], []
    for word in words:
        if line and len(' '.join(line + [word])) > limit:
            groups.append(line)
            line = []
        line.append(word)
    return groups + [line]


def case_params_repeated_and_bare(iso):
    # A refused repeat keeps the value given before it, not the default.
    b = boot(iso, cmdline='strategy=bsp strategy=bogus verify=sample verify strategy.rounds',
             qemu_args=MACHINE)
    check_verified_boot(b, 'repeated parameters')
    result = one(b.records, 'result')
    check(result['strategy'] == 'bsp' and result['verify'] == 'sample', f'earlier values not kept: {result}')
    details = [e['detail'] for e in b.errors()]
    for want in ('strategy="bogus"', 'verify (no value)', 'strategy.rounds (no value)'):
        check(any(d.startswith(want) for d in details), f'no @error starting {want}: {details}')


def case_params_named_limits(iso):
    # The values a developer reaches for first when probing the limits.
    words = ['numa=fake=0', 'strategy.threads=0', 'strategy.rounds=0', 'smp.maxcpus=0', 'strategy=bogus']
    b = boot(iso, cmdline=' '.join(words), qemu_args=MACHINE)
    check_verified_boot(b, 'named limits')
    details = [e['detail'] for e in b.errors() if e['what'] == 'bad parameter value']
    for word in words:
        echo = word.replace('=', '="', 1) + '"'
        check(any(d.startswith(echo) for d in details), f'no @error echoing {echo}: {details}')
    check(one(b.records, 'result')['strategy'] == 'xcall', 'the default strategy was not kept')
    # More fake nodes than the memory has room for their mem_maps: placed elsewhere, said so.
    b = boot(iso, cmdline='numa=fake=64 strategy=all strategy.rounds=1', qemu_args=['-m', '32M', '-smp', '2'])
    check_no_unparsable(b)
    check(b.status == EXIT_OK, f'numa=fake=64 on 32 MiB: exit {b.status}')
    for r in of_type(b.records, 'result'):
        check(r['verified'] and r['total_pages'] == r['free_pages'] + r['reserved_pages'] + r['allocated_pages'],
              f'numa=fake=64 on 32 MiB: {r["strategy"]} not verified or loses pages')
    check(len(one(b.records, 'topology')['nodes']) == 64, 'not 64 nodes')
    check(all(e['what'] == 'mem_map' for e in b.errors()), f'unexpected @error: {b.errors()}')


CASES = {'params_named_limits': case_params_named_limits, 'params_bad_values': case_params_bad_values, 'params_repeated_and_bare': case_params_repeated_and_bare}
