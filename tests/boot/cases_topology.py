"""Boot tests of SMP and NUMA: @topology must say exactly what QEMU was given."""
import random

from bootlib import GiB, MiB, PAGE, ROOT, boot, check, expect_clean_success, of_type, one  # noqa: F401
from cases_memmap import check_result
from meminit_bench.topology import DEFAULT, Node, Topology, even

# Firmware keeps a little RAM of the nodes it lives in (the low 1 MiB holes, ACPI tables).
FIRMWARE_SLACK = 4 * MiB


def expected_distance(topo, i, j):
    if topo.distance:
        return topo.distance[i][j]
    return 10 if i == j else 20


def check_topology(b, topo, online=None):
    """@topology against @topo: nodes, their RAM and CPUs, CPU placement, distances."""
    rec = one(b.records, 'topology')
    boot_rec = one(b.records, 'boot')
    online = list(range(topo.cpu_count)) if online is None else online
    node_of_cpu = {c: i for i, n in enumerate(topo.nodes) for c in n.cpus}

    check(len(rec['nodes']) == len(topo.nodes), f'{len(rec["nodes"])} nodes, expected {len(topo.nodes)}')
    for i, (got, want) in enumerate(zip(rec['nodes'], topo.nodes)):
        check(got['id'] == i and got['pxm'] == i, f'node {i}: id/pxm {got["id"]}/{got["pxm"]}')
        ram = sum(e - s for s, e in got['ranges'])
        check(ram == got['pages'] * PAGE, f'node {i}: ranges hold {ram} bytes, pages say {got["pages"]}')
        check(want.mem - FIRMWARE_SLACK <= ram <= want.mem,
              f'node {i}: {ram} bytes of RAM, QEMU gave it {want.mem}')
        want_cpus = [c for c in want.cpus if c in online]
        check(got['cpus'] == want_cpus, f'node {i}: cpus {got["cpus"]}, expected {want_cpus}')
    check(sum(n['pages'] for n in rec['nodes']) * PAGE == boot_rec['mem_total'],
          'node pages do not add up to @boot mem_total')
    check([c['id'] for c in rec['cpus']] == online, f'online cpus {rec["cpus"]}, expected {online}')
    for c in rec['cpus']:
        check(c['node'] == node_of_cpu[c['id']], f'cpu {c["id"]} on node {c["node"]}')
        check(c['apic_id'] == c['id'], f'cpu {c["id"]}: APIC id {c["apic_id"]}')
    n = len(topo.nodes)
    want_dist = [[expected_distance(topo, i, j) for j in range(n)] for i in range(n)]
    check(rec['distance'] == want_dist, f'distance {rec["distance"]}, expected {want_dist}')
    if len(online) > 1:
        check(rec['ap_wake_ns'] > 0, 'ap_wake_ns not measured')
    check(0 <= rec['tsc_skew_ns'] < 10**6, f'tsc_skew_ns {rec["tsc_skew_ns"]}')
    check(rec['cpus_failed'] == 0, f'{rec["cpus_failed"]} CPUs failed to wake')
    return rec


def topology_case(topo, cmdline='', online=None, source='srat'):
    def run(iso):
        b = boot(iso, cmdline=cmdline, qemu_args=topo.qemu_args())
        expect_clean_success(b)
        check_result(b)  # every topology: the mem_map verifies, every page counted
        rec = check_topology(b, topo, online)
        check(rec['numa_source'] == source, f'numa_source {rec["numa_source"]}, expected {source}')
        return b
    return run


def case_one_node_one_cpu(iso):
    b = boot(iso, qemu_args=['-smp', '1', '-m', '512M'])
    expect_clean_success(b)
    check_result(b)  # every topology: the mem_map verifies, every page counted
    rec = check_topology(b, Topology([Node(512 * MiB, [0])]))
    check(rec['numa_source'] == 'none', f'numa_source {rec["numa_source"]}')


SLIT4 = [[10, 16, 22, 28], [16, 10, 16, 22], [22, 16, 10, 16], [28, 22, 16, 10]]


def case_pci_hole_split(iso):
    topo = Topology([Node(1 * GiB, [0]), Node(5 * GiB, [1])])
    b = topology_case(topo)(iso)
    ranges = one(b.records, 'topology')['nodes'][1]['ranges']
    check(any(e <= 4 * GiB for _, e in ranges) and any(s >= 4 * GiB for s, _ in ranges),
          f'node 1 is not split across the PCI hole: {ranges}')


def case_eight_cpus_xcall(iso):
    topo = even(4, 2, 512 * MiB)
    b = boot(iso, cmdline='selftest=xcall', qemu_args=topo.qemu_args())
    expect_clean_success(b)
    check_result(b)  # every topology: the mem_map verifies, every page counted
    check_topology(b, topo)
    test = one(b.records, 'test')
    check(test['name'] == 'xcall' and test['ok'], f'xcall self-test: {test}')


def case_fake_numa(iso):
    b = boot(iso, cmdline='numa=fake=3', qemu_args=['-smp', '3', '-m', '3G'])
    expect_clean_success(b)
    check_result(b)  # every topology: the mem_map verifies, every page counted
    rec = one(b.records, 'topology')
    check(rec['numa_source'] == 'fake' and len(rec['nodes']) == 3, f'not 3 fake nodes: {rec}')
    pages = [n['pages'] for n in rec['nodes']]
    check(max(pages) - min(pages) <= 2 * 512, f'fake nodes unequal: {pages}')  # within 2 MiB
    check(sum(pages) * PAGE == one(b.records, 'boot')['mem_total'], 'fake nodes lose pages')
    for c in rec['cpus']:
        check(c['node'] == c['id'] % 3, f'cpu {c["id"]} on node {c["node"]}: not round-robin')


def case_maxcpus(iso):
    topo = Topology([Node(512 * MiB, [0, 1]), Node(512 * MiB, [2, 3])])
    b = topology_case(topo, cmdline='smp.maxcpus=2', online=[0, 1])(iso)
    check(one(b.records, 'topology')['cpus_requested'] == 2, 'smp.maxcpus not obeyed')


def case_ap_never_answers(iso):
    """An AP that never answers is reported, left out, and the boot goes on."""
    topo = Topology([Node(512 * MiB, [0, 1]), Node(512 * MiB, [2])])
    b = boot(iso, cmdline='debug.ap_silent=2 smp.timeout_ms=300', qemu_args=topo.qemu_args())
    check(b.status == 0, f'run-qemu exit {b.status}: the boot must go on')
    check_result(b)
    errors = [e for e in b.errors() if e['what'] == 'smp']
    check(len(errors) == 1 and 'APIC id 2' in errors[0]['detail'] and errors[0]['action'],
          f'no @error for the silent AP: {b.errors()}')
    rec = check_topology_cpus_failed(b, topo, online=[0, 1], failed=1)
    check(rec['nodes'][1]['cpus'] == [], 'the silent AP is listed online')


def check_topology_cpus_failed(b, topo, online, failed):
    rec = one(b.records, 'topology')
    check([c['id'] for c in rec['cpus']] == online, f'online cpus {rec["cpus"]}')
    check(rec['cpus_failed'] == failed, f'cpus_failed {rec["cpus_failed"]}, expected {failed}')
    return rec


def case_numa_off(iso):
    b = boot(iso, cmdline='numa=off', qemu_args=DEFAULT.qemu_args())
    expect_clean_success(b)
    check_result(b)  # every topology: the mem_map verifies, every page counted
    rec = check_topology(b, Topology([Node(DEFAULT.mem_total, [0, 1])]))
    check(rec['numa_source'] == 'off', rec['numa_source'])


def random_topology(seed):
    """A machine nobody wrote a test for: 1-4 nodes, some memoryless or CPU-less, random SLIT."""
    rng = random.Random(seed)
    n = rng.randint(1, 4)
    mems = [rng.choice([0, 256, 512, 768, 1024, 1536]) * MiB for _ in range(n)]
    if not any(mems):
        mems[0] = 512 * MiB
    cpus_per = [rng.randint(0, 2) for _ in range(n)]
    if not any(cpus_per):
        cpus_per[0] = 1
    nodes, next_cpu = [], 0
    for mem, k in zip(mems, cpus_per):
        if not mem and not k:
            k = 1  # a node with nothing would not be a node
        nodes.append(Node(mem, list(range(next_cpu, next_cpu + k))))
        next_cpu += k
    dist = [[10] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            dist[i][j] = dist[j][i] = rng.randint(11, 40)
    return Topology(nodes, dist if n > 1 else None)


def random_case(seed):
    def run(iso):
        topo = random_topology(seed)
        print(f'topology (seed {seed}): {topo}')
        topology_case(topo)(iso)
    return run


CASES = {
    'topo_one_node_one_cpu': case_one_node_one_cpu,
    'topo_two_nodes': topology_case(DEFAULT),
    'topo_four_nodes_slit_memoryless': topology_case(Topology(
        [Node(1 * GiB, [0]), Node(1 * GiB, [1]), Node(1 * GiB, [2]), Node(0, [3])], SLIT4)),
    'topo_three_nodes_cpuless': topology_case(Topology(
        [Node(1 * GiB, [0, 1]), Node(1 * GiB, [2]), Node(1 * GiB, [])])),
    'topo_pci_hole_split': case_pci_hole_split,
    'topo_eight_cpus_xcall': case_eight_cpus_xcall,
    'topo_fake_numa': case_fake_numa,
    'topo_maxcpus': case_maxcpus,
    'topo_nosmp': topology_case(Topology([Node(512 * MiB, [0, 1])]), cmdline='nosmp', online=[0]),
    'topo_numa_off': case_numa_off,
    'topo_ap_never_answers': case_ap_never_answers,
    **{f'topo_random_{seed}': random_case(seed) for seed in (1, 2, 3, 4)},
}
