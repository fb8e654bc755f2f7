"""The machines bench/compare boots: named matrices and the user's own (JSON).

A case is one machine: nodes, vCPUs, memory and a SLIT (built by
topology.machine), or raw QEMU arguments that describe the machine themselves.
Each case is booted in benchmark mode (strategy=all, every strategy over the
rounds, in an order that changes from round to round), per strategy on its own
(its guest-cold time and whole-boot timeline) and under Linux (the reference),
each of these several times, host-warm (bench/meminit_bench/hostmem.py).

A FILE matrix is JSON:

    {"rounds": 3,                      optional, default --rounds
     "cases": [
       {"nodes": 2, "cpus": 2, "mem": "4G"},
       {"nodes": 4, "cpus": 4, "mem": "8G", "distances": "10,16,22,28;16,10,16,22;22,16,10,16;28,22,16,10",
        "cmdline": "strategy.threads=1", "rounds": 2},
       {"name": "raw", "qemu_args": ["-smp", "2", "-m", "2G"], "linux": false}
     ]}

Per case: "name" (default NODESn-CPUSc-MEM), "cmdline" (kernel words added to
every boot), "qemu_args" (added after the machine's; alone, they are the whole
machine), "rounds", "plain" (false: no per-strategy boots), "linux" (false: no
Linux reference), "timeout" (seconds per boot), "host_memory" (lazy, prealloc
or warm: this case's, over compare's --host-memory).
"""
import json
from dataclasses import dataclass, field

from .topology import GiB, machine, parse_distances, parse_size, size_name


@dataclass
class Case:
    name: str
    topology: object = None          # topology.Topology, or None for raw QEMU arguments
    qemu_args: list = field(default_factory=list)
    cmdline: str = ''
    rounds: int = None               # None: the matrix's
    plain: bool = True
    linux: bool = True
    timeout: float = None
    host_memory: str = None          # None: compare's --host-memory

    @property
    def mem(self):
        return self.topology.mem_total if self.topology else 0

    @property
    def vcpus(self):
        return self.topology.cpu_count if self.topology else 0

    def all_qemu_args(self):
        return (self.topology.qemu_args() if self.topology else []) + self.qemu_args


def even_case(nodes, cpus, mem, **more):
    topo = machine(nodes, cpus, mem, more.pop('distance', None))
    return Case(more.pop('name', f'{nodes}n-{cpus}c-{size_name(mem)}'), topo, **more)


# quick: what every user runs first, Linux included, each run booted 3 times
# host-warm. Memory scaling on 2 nodes x 2 vCPUs (4 and 8 GiB), vCPU scaling
# at 4 GiB on 2 nodes (1, 2, 4: more vCPUs than host cores is part of the
# question), and 1 and 4 nodes.
QUICK = [even_case(2, 2, 4 * GiB), even_case(1, 1, 2 * GiB), even_case(2, 2, 8 * GiB), even_case(2, 1, 4 * GiB),
         even_case(2, 4, 4 * GiB), even_case(4, 4, 8 * GiB)]

# full: quick plus 1-2 GiB, 16-64 GiB, 8 vCPUs, and the scale case: 512 GiB on
# 8 nodes (warm: lazily backed, only its 8 GiB mem_map is touched).
FULL = QUICK + [even_case(2, 2, 1 * GiB), even_case(2, 2, 2 * GiB), even_case(2, 2, 16 * GiB),
                even_case(2, 2, 32 * GiB), even_case(2, 2, 64 * GiB, rounds=3), even_case(4, 4, 64 * GiB, rounds=3), even_case(2, 8, 8 * GiB), even_case(8, 8, 64 * GiB, rounds=3),
                even_case(8, 8, 512 * GiB, rounds=2, timeout=1800)]

# smoke: CI's check that the whole chain works, in well under 2 minutes.
SMOKE = [even_case(2, 2, 1 * GiB, linux=False, host_memory='prealloc')]

NAMED = {'quick': QUICK, 'full': FULL, 'smoke': SMOKE}
DEFAULT_ROUNDS = {'quick': 3, 'full': 3, 'smoke': 2}
# Host-warm boots of every run: a compared figure is the median of at least 3;
# smoke only checks the chain (two boots: the step from one to the next).
DEFAULT_BOOTS = {'quick': 3, 'full': 3, 'smoke': 2}


def _case_from_json(spec, index):
    if not isinstance(spec, dict):
        raise ValueError(f'case {index}: not an object')
    known = {'name', 'nodes', 'cpus', 'mem', 'distances', 'qemu_args', 'cmdline', 'rounds', 'plain', 'linux',
             'timeout', 'host_memory'}
    unknown = set(spec) - known
    if unknown:
        raise ValueError(f'case {index}: unknown keys {sorted(unknown)} (known: {sorted(known)})')
    raw = spec.get('qemu_args', [])
    if not isinstance(raw, list) or not all(isinstance(a, str) for a in raw):
        raise ValueError(f'case {index}: qemu_args must be a list of strings')
    more = {k: spec[k] for k in ('cmdline', 'rounds', 'plain', 'linux', 'timeout', 'host_memory') if k in spec}
    if more.get('host_memory', 'lazy') not in ('lazy', 'prealloc', 'warm'):
        raise ValueError(f'case {index}: host_memory must be lazy, prealloc or warm')
    if 'nodes' not in spec:
        if not raw:
            raise ValueError(f'case {index}: give nodes (and cpus, mem) or qemu_args')
        return Case(spec.get('name', f'raw{index}'), None, raw, **more)
    nodes = int(spec['nodes'])
    cpus = int(spec.get('cpus', nodes))
    mem = parse_size(str(spec.get('mem', f'{2 * nodes}G')))
    distance = parse_distances(spec['distances'], nodes) if 'distances' in spec else None
    case = even_case(nodes, cpus, mem, distance=distance, qemu_args=raw, **more)
    if 'name' in spec:
        case.name = spec['name']
    elif distance:
        case.name += '-slit'
    return case


def load(name_or_path):
    """Return (matrix name, [Case], rounds or None) for a named matrix or a JSON file."""
    if name_or_path in NAMED:
        return name_or_path, NAMED[name_or_path], DEFAULT_ROUNDS[name_or_path]
    with open(name_or_path) as f:
        spec = json.load(f)
    if isinstance(spec, list):
        spec = {'cases': spec}
    cases = [_case_from_json(c, i) for i, c in enumerate(spec.get('cases', []))]
    if not cases:
        raise ValueError(f'{name_or_path}: no cases')
    names = [c.name for c in cases]
    if len(set(names)) != len(names):
        raise ValueError(f'{name_or_path}: case names repeat: {names}')
    return name_or_path, cases, spec.get('rounds')
