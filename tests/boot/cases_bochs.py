"""Boot tests under Bochs, through bench/run-bochs: a second machine model (its own BIOS,
ACPI PM timer, HPET and APICs) for the same ISO. Assertions read records, never prose."""
import os
import subprocess

from cases_timeline import check_timeline
from bootlib import (MiB, PAGE, ROOT, Boot, check, check_memory, check_no_unparsable, of_type, one,
                     parse_records)

# run-bochs' exit statuses are run-qemu's (bench/README.md).
EXIT_OK = 0

# Bochs emulates a few tens of millions of instructions a second: keep the machine small.
BOCHS_TIMEOUT = 200


def boot_bochs(iso, cmdline='', cpus=1, mem_mb=256, timeout=BOCHS_TIMEOUT):
    """Boot through bench/run-bochs; stdout (the console) and stderr (runner notes) together."""
    cmd = [os.path.join(ROOT, 'bench', 'run-bochs'), '--iso', iso, '--timeout', str(timeout),
           '--cpus', str(cpus), '--mem', str(mem_mb)]
    if cmdline:
        cmd.append(f'--cmdline={cmdline}')
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, errors='replace', timeout=timeout + 60)
    return Boot(proc.returncode, parse_records(proc.stdout), proc.stdout)


def case_bochs_boot(iso):
    mem_mb, cpus = 256, 2
    b = boot_bochs(iso, cmdline='numa=fake=2', cpus=cpus, mem_mb=mem_mb)
    check_no_unparsable(b)
    check(b.status == EXIT_OK, f'run-bochs exit {b.status}, expected success')
    check(not b.errors(), f'unexpected @error records: {b.errors()}')
    boot_rec = check_memory(b, mem_mb * MiB, tolerance=0.03)  # exactly one @boot

    topo = one(b.records, 'topology')
    check(topo['numa_source'] == 'fake', f'numa_source {topo["numa_source"]}, expected fake')
    check(len(topo['nodes']) == 2, f'{len(topo["nodes"])} nodes, expected 2')
    check(sum(n['pages'] for n in topo['nodes']) * PAGE == boot_rec['mem_total'],
          'node pages do not add up to @boot mem_total')
    check([c['id'] for c in topo['cpus']] == list(range(cpus)) and topo['cpus_failed'] == 0,
          f'online cpus {topo["cpus"]}, {topo["cpus_failed"]} failed; expected {cpus} online')

    res = one(b.records, 'result')
    check(res['verified'] is True, f'mem_map not verified: {res}')
    check(res['total_pages'] == res['free_pages'] + res['reserved_pages'] + res['allocated_pages'],
          f'accounting: {res["total_pages"]} != {res["free_pages"]} + {res["reserved_pages"]} + '
          f'{res["allocated_pages"]}')

    exits = of_type(b.records, 'exit')
    check(len(exits) == 1 and exits[0]['ok'] is True, f'@exit ok missing: {exits}')
    check_timeline(b, cpus)  # Bochs' own CPU model and timers: the same whole-boot timeline


CASES = {
    'bochs_boot': case_bochs_boot,
}
