"""NUMA machines for QEMU, described once and turned into QEMU arguments.

A topology is a list of nodes, each with a memory size (bytes, may be 0 for a
memoryless node) and a list of CPU indexes (may be empty for a CPU-less node),
plus an optional full distance matrix. Every node's memory is a lazily backed
memory-backend-ram (reserve=off), so guests far larger than the host work.
"""
import re
from dataclasses import dataclass, field

MiB = 1 << 20
GiB = 1 << 30


@dataclass
class Node:
    mem: int
    cpus: list = field(default_factory=list)


@dataclass
class Topology:
    nodes: list
    distance: list = None  # full matrix, or None for QEMU's default (10 local, 20 remote)

    @property
    def cpu_count(self):
        return sum(len(n.cpus) for n in self.nodes)

    @property
    def mem_total(self):
        return sum(n.mem for n in self.nodes)

    def qemu_args(self):
        args = ['-smp', str(self.cpu_count), '-m', f'{self.mem_total // MiB}M']
        for i, node in enumerate(self.nodes):
            spec = f'node,nodeid={i}'
            if node.cpus:
                spec += ''.join(f',cpus={c}' for c in node.cpus)
            if node.mem:
                args += ['-object', f'memory-backend-ram,id=m{i},size={node.mem // MiB}M,reserve=off']
                spec += f',memdev=m{i}'
            args += ['-numa', spec]
        if self.distance:
            for i, row in enumerate(self.distance):
                for j, d in enumerate(row):
                    if i != j:
                        args += ['-numa', f'dist,src={i},dst={j},val={d}']
        return args


    def describe(self):
        """The machine as plain data, for results files."""
        return {'nodes': [{'mem': n.mem, 'cpus': list(n.cpus)} for n in self.nodes],
                'distance': self.distance}


def even(nodes, cpus_per_node, mem_per_node):
    """nodes x (cpus_per_node CPUs, mem_per_node bytes), CPUs numbered in node order."""
    return Topology([Node(mem_per_node, list(range(i * cpus_per_node, (i + 1) * cpus_per_node)))
                     for i in range(nodes)])


def machine(nodes, cpus, mem, distance=None):
    """An even NUMA machine: mem bytes split over the nodes (whole MiB, the
    remainder to the last node), cpus vCPUs dealt round-robin so that every
    node gets one before any gets two (fewer CPUs than nodes leaves the last
    nodes CPU-less), and a SLIT from distance (see parse_distances)."""
    if nodes < 1 or cpus < 1:
        raise ValueError('a machine needs at least one node and one CPU')
    share = mem // nodes // MiB * MiB
    if share == 0:
        raise ValueError(f'{mem} bytes cannot be split over {nodes} nodes')
    topo = Topology([Node(share, []) for _ in range(nodes)], distance)
    topo.nodes[-1].mem = mem - share * (nodes - 1)
    for cpu in range(cpus):
        topo.nodes[cpu % nodes].cpus.append(cpu)
    return topo


def parse_size(text):
    """'512M', '8G', '1T' or bytes -> bytes."""
    units = {'K': 1 << 10, 'M': MiB, 'G': GiB, 'T': 1 << 40}
    match = re.fullmatch(r'(\d+(?:\.\d+)?)([KMGT]?)(?:i?B)?', text.strip(), re.IGNORECASE)
    if not match:
        raise ValueError(f'not a size: {text!r} (e.g. 512M, 8G)')
    return int(float(match.group(1)) * units.get(match.group(2).upper(), 1))


def parse_distances(text, nodes):
    """'local,remote' (e.g. '10,20') or a full matrix, rows separated by ';'
    (e.g. '10,16;16,10') -> an N x N SLIT. ACPI's rules: 10 on the diagonal
    and only there, 11-254 elsewhere."""
    rows = [[int(v) for v in row.split(',')] for row in text.strip().split(';')]
    if len(rows) == 1 and len(rows[0]) == 2:
        local, remote = rows[0]
        rows = [[local if i == j else remote for j in range(nodes)] for i in range(nodes)]
    if len(rows) != nodes or any(len(r) != nodes for r in rows):
        raise ValueError(f'distances: need local,remote or a {nodes}x{nodes} matrix')
    for i, row in enumerate(rows):
        for j, d in enumerate(row):
            if (i == j and d != 10) or (i != j and not 11 <= d <= 254):
                raise ValueError(f'distances: {d} from node {i} to {j} (10 local, 11-254 remote)')
    return rows


def size_name(size):
    """Bytes as the short name cases use: 512M, 8G, 1T."""
    for unit, scale in (('T', 1 << 40), ('G', GiB), ('M', MiB)):
        if size % scale == 0:
            return f'{size // scale}{unit}'
    return str(size)


# The main job's machine: 2 nodes, 2 CPUs, 4 GiB.
DEFAULT = even(2, 1, 2 * GiB)
