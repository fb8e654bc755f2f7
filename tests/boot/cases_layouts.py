"""Machines and command lines a hostile user would try (issue 18): a workload
larger than RAM, verification that checked less than everything or failed,
asymmetric and unreachable SLIT distances, a word cut by the command line's
length limit, more SRAT domains than nodes, the boot CPU made silent. Each
must give the @error the Errors table names, and the boot must say exactly
what it checked and lose no page."""
import os
import re
import tempfile

import acpi_tables as T
from bootlib import BOOTS, EXIT_KERNEL_FAILURE, EXIT_OK, GiB, MiB, boot, check, check_no_unparsable, failure_report
from meminit_bench.records import of_type, one
from meminit_bench.topology import Node, Topology

ONE_GIB = Topology([Node(512 * MiB, [0]), Node(512 * MiB, [1])])


def check_accounted(r, total, what):
    """Every page in @result: the machine's @total, free + reserved + allocated."""
    check(r['total_pages'] == total and
          r['total_pages'] == r['free_pages'] + r['reserved_pages'] + r['allocated_pages'],
          f'{what}: {r["total_pages"]} pages (want {total}) = {r["free_pages"]} free + '
          f'{r["reserved_pages"]} reserved + {r["allocated_pages"]} allocated')


def check_ok_exit(b, what):
    check_no_unparsable(b)
    check(b.status == EXIT_OK, f'{what}: run-qemu exit {b.status}, expected success')
    exits = of_type(b.records, 'exit')
    check(len(exits) == 1 and exits[0]['ok'] is True, f'{what}: @exit {exits}')


# ---- item 3: a workload larger than RAM is the workload's failure, not the boot's

def case_layouts_workload_over_ram(iso):
    """boot.workload_mb=2048 on 1 GiB: a "workload" @error with its fallback, and the boot succeeds."""
    for strategy in ('xcall', 'async'):
        b = boot(iso, cmdline=f'strategy={strategy} boot.workload_mb=2048', qemu_args=ONE_GIB.qemu_args())
        what = f'{strategy}, 2048 MiB workload on 1 GiB'
        check_ok_exit(b, what)
        errors = b.errors()
        check(len(errors) == 1 and errors[0]['what'] == 'workload' and errors[0]['action'] and
              '2048 MiB' in errors[0]['detail'], f'{what}: want one "workload" @error: {errors}')
        r = one(b.records, 'result')
        check(r['verified'] is True, f'{what}: not verified')
        work = [s for s in of_type(b.records, 'span') if s['what'] == 'workload']
        # It took what there was (more than half of the RAM), and less than it asked for.
        check(len(work) == 1 and r['total_pages'] // 2 < work[0]['pages'] < 2048 * 256,
              f'{what}: workload spans {work}')


# ---- item 6: "verified" says what was checked; a failed check still accounts every page

def case_layouts_verified_says_what(iso):
    """verified: true after verify=full, "sample" and "off" after less; false (with every page
    accounted) when a check fails, whatever page is corrupted, page 0 included."""
    clean = boot(iso, qemu_args=ONE_GIB.qemu_args())
    check_ok_exit(clean, 'clean boot')
    total = one(clean.records, 'result')['total_pages']
    for mode, want in (('full', True), ('sample', 'sample'), ('off', 'off')):
        b = boot(iso, cmdline=f'verify={mode}', qemu_args=ONE_GIB.qemu_args())
        check_ok_exit(b, f'verify={mode}')
        r = one(b.records, 'result')
        check(r['verified'] == want and type(r['verified']) is type(want),
              f'verify={mode}: verified is {r["verified"]!r}, want {want!r}')
        check_accounted(r, total, f'verify={mode}')
    for pfn in (0, 0x12345):
        for mode in ('full', 'sample', 'off'):
            what = f'debug.corrupt_page={pfn:#x} verify={mode}'
            b = boot(iso, cmdline=f'debug.corrupt_page={pfn:#x} verify={mode}', qemu_args=ONE_GIB.qemu_args())
            check_no_unparsable(b)
            r = one(b.records, 'result')
            check(r['verified'] is not True, f'{what}: says verified after checking less than every page')
            check_accounted(r, total, what)
            if mode == 'full':
                check(b.status == EXIT_KERNEL_FAILURE and r['verified'] is False,
                      f'{what}: exit {b.status}, verified {r["verified"]!r}')
                bad = [e for e in b.errors() if e['what'] == 'mem_map verification']
                check(len(bad) == 1 and bad[0]['pfn'] == pfn, f'{what}: {b.errors()}')


# ---- item 4: one distance direction, the CPU's node to the memory's node; 255 is unreachable

# Nodes 0 and 1 have a CPU each, node 2 memory only. ASYMMETRIC: CPU 0 is nearer to node 2
# (0->2 = 15, 1->2 = 30), though from node 2 node 1 looks nearer (2->1 = 12). UNREACHABLE:
# node 0 cannot reach node 2 at all, though from node 2 node 0 looks nearest (2->0 = 12).
ASYMMETRIC = [[10, 20, 15], [20, 10, 30], [40, 12, 10]]
UNREACHABLE = [[10, 20, 255], [20, 10, 30], [12, 40, 10]]
SLIT_UNREACHABLE = 255


def cpu_less_node_machine(distance, cpu_less_mem=256 * MiB):
    return Topology([Node(256 * MiB, [0]), Node(256 * MiB, [1]), Node(cpu_less_mem, [])], distance)


def case_layouts_slit_direction(iso):
    """The CPU that writes a CPU-less node is the one nearest TO it (distance[CPU's node][memory's
    node], what the NUMA model charges), never an unreachable one while a reachable one exists."""
    for name, distance in (('asymmetric', ASYMMETRIC), ('unreachable', UNREACHABLE)):
        topo = cpu_less_node_machine(distance)
        nearest = min((distance[n][2], n) for n in (0, 1))[1]  # node n has CPU n
        for cmdline in ('strategy=xcall strategy.steal=off', 'strategy=migrate'):
            what = f'{name} SLIT, {cmdline}'
            b = boot(iso, cmdline=cmdline, qemu_args=topo.qemu_args())
            check_ok_exit(b, what)
            check(one(b.records, 'topology')['distance'] == distance, f'{what}: QEMU did not give the SLIT')
            r = one(b.records, 'result')
            check(r['verified'] is True, f'{what}: not verified')
            check(r['nodes'][2]['cpus'] == [nearest],
                  f'{what}: node 2 written by CPUs {r["nodes"][2]["cpus"]}, want CPU {nearest} '
                  f'(distance {distance[nearest][2]} to it)')


def node_ns(spans, what, node):
    return sum(s['end_ns'] - s['start_ns'] - s.get('buddy_ns', 0)
               for s in spans if s['what'] == what and s['node'] == node)


def case_layouts_model_unreachable(iso):
    """numa.model=slit never charges 255 as 25.5 times local: bsp's boot CPU must write node 2,
    which its node cannot reach, and waits as if at the machine's farthest reachable distance."""
    # 2 GiB on node 2: a few ms of writing, so the halt's wake-up latency (about a
    # millisecond under a loaded host) stays small beside the modelled wait.
    b = boot(iso, cmdline='strategy=bsp numa.model=slit',
             qemu_args=cpu_less_node_machine(UNREACHABLE, 2 * GiB).qemu_args())
    check_ok_exit(b, 'bsp, modelled, unreachable node 2')
    r = one(b.records, 'result')
    check(r['verified'] is True and r['nodes'][2]['cpus'] == [0], f'node 2 not written by the boot CPU: {r}')
    farthest = max(d for row in UNREACHABLE for d in row if d != SLIT_UNREACHABLE)
    want = (farthest - 10) / 10
    spans = of_type(b.records, 'span')
    written, waited = node_ns(spans, 'memmap_init', 2), node_ns(spans, 'numa_model', 2)
    check(written > 0 and want * 0.8 <= waited / written <= want * 2,
          f'node 2: modelled wait {waited} ns for {written} ns of writing, want about {want:g} times '
          f'(distance {farthest}), never {(SLIT_UNREACHABLE - 10) / 10:g}')


# ---- item 5: a word cut by the command line's length limit is dropped and named

CMDLINE_KEPT = 1023  # bytes of the command line the kernel keeps (multiboot2.h: 1 KiB with its NUL)


def cut_command_line(word, cut_after):
    """Filler words, then @word straddling the limit: its first @cut_after bytes are the last kept."""
    start = CMDLINE_KEPT - cut_after
    filler = ['verify=full'] * ((start - len('boot.workload_mb=0 ')) // len('verify=full '))
    pad = start - len(' '.join(filler)) - len(' boot.workload_mb= ')  # leading zeros fill the rest
    line = ' '.join([f'boot.workload_mb={"0" * pad}'] + filler) + ' '
    check(len(line) == start, f'the test built {len(line)} bytes before the cut word, not {start}')
    return line + word + ' strategy=bsp'


def case_layouts_cut_word(iso):
    """smp.maxcpus=12 cut to smp.maxcpus=1 by the limit is dropped with an @error naming it:
    both CPUs come up, and nothing after the cut applies."""
    cmdline = cut_command_line('smp.maxcpus=12', len('smp.maxcpus=1'))
    b = boot(iso, cmdline=cmdline, qemu_args=ONE_GIB.qemu_args())
    check_ok_exit(b, 'cut command line')
    cut = [e for e in b.errors() if e['what'] == 'malformed parameter']
    check(len(cut) == 1 and cut[0]['detail'].startswith('smp.maxcpus="1"') and 'cut' in cut[0]['detail']
          and cut[0]['action'], f'no @error naming the cut word: {b.errors()}')
    check(any(e['what'] == 'multiboot2 cmdline' for e in b.errors()), f'the cut itself not reported: {b.errors()}')
    check(len(one(b.records, 'topology')['cpus']) == 2, f'smp.maxcpus=1 applied: {one(b.records, "topology")["cpus"]}')
    r = one(b.records, 'result')
    check(r['strategy'] == 'xcall' and r['verified'] is True, f'a word past the cut applied, or not verified: {r}')


# ---- item 7: domains beyond the nodes kept are named for what they hold; ap_silent=0 is refused

SRAT_DOMAINS = 70     # more than the kernel's 64 nodes: the SRAT falls back to one node
DOMAIN_RAM = 14 * MiB  # 70 of them within the first GiB: every domain holds RAM


def case_layouts_many_domains(iso):
    """An SRAT of 70 domains, each with RAM, two with a CPU: every one is listed in @topology's
    "ignored" for what it holds (never "no RAM and no present CPU"), or counted as left out."""
    cpus = [(0, 0), (1, SRAT_DOMAINS - 1)]
    memory = [(d, d * DOMAIN_RAM, DOMAIN_RAM) for d in range(SRAT_DOMAINS)]
    scratch = tempfile.mkdtemp(prefix='layouts-case.')
    try:
        patched, _ = T.iso_with_tables(iso, {'SRAT': T.srat(cpus, memory)}, scratch)
        b = boot(patched, qemu_args=['-m', '1024M', '-smp', '2'])
    finally:
        T.cleanup(scratch)
    check_ok_exit(b, f'{SRAT_DOMAINS} SRAT domains')
    check(any(e['what'] == 'numa' and 'more than 64 domains' in e['detail'] for e in b.errors()),
          f'no @error for the domains beyond 64: {b.errors()}')
    topo = one(b.records, 'topology')
    check(len(topo['nodes']) == 1 and len(topo['cpus']) == 2, f'not one node with both CPUs: {topo["nodes"]}')
    listed, left_out = {}, 0
    for line in topo['ignored']:
        m = re.match(r'SRAT domain (\d+): (.*)', line)
        if m:
            listed[int(m.group(1))] = m.group(2)
        elif re.fullmatch(r'\d+ more not listed', line):
            left_out = int(line.split()[0])
    check(len(listed) + left_out == SRAT_DOMAINS, f'{len(listed)} domains listed, {left_out} counted: {topo["ignored"]}')
    with_cpu = {d for _, d in cpus}
    for d, says in listed.items():
        want = 'RAM and a present CPU' if d in with_cpu else 'RAM, no present CPU'
        check(says.startswith(want), f'domain {d}: "{says}", it has {want}')
    r = one(b.records, 'result')
    check(r['verified'] is True and r['total_pages'] == sum(n['pages'] for n in topo['nodes']),
          f'pages lost or not verified: {r}')


def case_layouts_ap_silent_boot_cpu(iso):
    """debug.ap_silent=0 names the boot CPU: refused like debug.dead_cpu=0, every CPU comes up."""
    b = boot(iso, cmdline='debug.ap_silent=0 debug.dead_cpu=0', qemu_args=ONE_GIB.qemu_args())
    check_ok_exit(b, 'debug.ap_silent=0')
    refused = {e['detail'].split('=')[0] for e in b.errors() if e['what'] == 'bad parameter value'}
    check(refused == {'debug.ap_silent', 'debug.dead_cpu'} and len(b.errors()) == 2,
          f'want both refused alike: {b.errors()}')
    check(len(one(b.records, 'topology')['cpus']) == 2, 'a CPU is missing')
    # An AP's id is still taken: the case the parameter exists for.
    b = boot(iso, cmdline='debug.ap_silent=1 smp.timeout_ms=300', qemu_args=ONE_GIB.qemu_args())
    check(b.status == EXIT_OK and [e['what'] for e in b.errors()] == ['smp'], f'ap_silent=1: {b.errors()}')


# ---- deliverable 5: a failing case shows run-qemu's reason and the console's tail

EXIT_EMULATOR = 4  # run-qemu's emulator error (bench/README.md)


def case_layouts_failure_report(iso):
    """What boot_test.py prints for a failing case names run-qemu's reason and ends with the
    console: for a kernel failure, and for an emulator that cannot start (never retried)."""
    b = boot(iso, cmdline='debug.fault=ud', qemu_args=['-m', '256M'])
    report = failure_report()
    check(b.status == EXIT_KERNEL_FAILURE and 'debug.fault=ud' in report.splitlines()[0],
          f'exit {b.status}; the report does not name the boot:\n{report}')
    check(re.search(r'^  run-qemu: kernel (reported )?failure', report, re.M),
          f'the report lacks run-qemu\'s reason:\n{report}')
    console = [ln for ln in b.output.splitlines() if not ln.startswith('run-qemu: ')]
    check(report.splitlines()[-1] == '  | ' + console[-1], f'the report does not end with the console:\n{report}')
    saved = os.environ.get('QEMU')
    os.environ['QEMU'] = os.path.join(tempfile.gettempdir(), 'no-such-qemu')
    try:
        b = boot(iso, qemu_args=['-m', '256M'])
    finally:
        if saved is None:
            del os.environ['QEMU']
        else:
            os.environ['QEMU'] = saved
    report = failure_report()
    check(b.status == EXIT_EMULATOR and len(BOOTS) >= 2 and BOOTS[-1] is b, f'exit {b.status}')
    check(re.search(r'^  run-qemu: emulator error: could not start QEMU: .*no-such-qemu', report, re.M),
          f'the report lacks the emulator error:\n{report}')


CASES = {
    'layouts_workload_over_ram': case_layouts_workload_over_ram,
    'layouts_verified_says_what': case_layouts_verified_says_what,
    'layouts_slit_direction': case_layouts_slit_direction,
    'layouts_model_unreachable': case_layouts_model_unreachable,
    'layouts_cut_word': case_layouts_cut_word,
    'layouts_many_domains': case_layouts_many_domains,
    'layouts_ap_silent_boot_cpu': case_layouts_ap_silent_boot_cpu,
    'layouts_failure_report': case_layouts_failure_report,
}
