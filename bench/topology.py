"""NUMA machines for QEMU, described once and turned into QEMU arguments.

A topology is a list of nodes, each with a memory size (bytes, may be 0 for a
memoryless node) and a list of CPU indexes (may be empty for a CPU-less node),
plus an optional full distance matrix. Every node's memory is a lazily backed
memory-backend-ram (reserve=off), so guests far larger than the host work.
"""
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


def even(nodes, cpus_per_node, mem_per_node):
    """nodes x (cpus_per_node CPUs, mem_per_node bytes), CPUs numbered in node order."""
    return Topology([Node(mem_per_node, list(range(i * cpus_per_node, (i + 1) * cpus_per_node)))
                     for i in range(nodes)])


# The main job's machine: 2 nodes, 2 CPUs, 4 GiB.
DEFAULT = even(2, 1, 2 * GiB)
