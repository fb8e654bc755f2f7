"""results.jsonl: what bench/compare measured, one JSON object per line.

The one description of the file that bench/compare writes and bench/report.py,
--baseline and the tests read. Every line is

    {"type": T, "record": {...}, "run": RUN, "env": ENV}

- type "boot", "topology", "span", "result", "bench", "error", "test", "exit":
  one kernel record (DESIGN.md, "Records") of one boot, unchanged in "record".
- type "outcome": one per boot, written after it ended, even when it printed
  nothing: record = {"status": "ok"|"failed"|"hang"|"emulator", "exit": N
  (bench/run-qemu's exit status), "seconds": wall time, "skipped": [lines that
  looked like records but did not parse]}.
- type "linux": the Linux reference boot of a case (bench/linux-reference),
  record = what bench/meminit_bench/linux_ref.py's parser returns (times in ms, as Linux
  prints them); a skipped reference has record = {"skipped": "why"}.

RUN describes the boot:
    {"boot": "003-2n-2c-4G-bsp-warm2"   unique per boot in the file; names its trace,
     "case": "2n-2c-4G"         the machine (same topology, memory and vCPUs),
     "mode": "all"|"plain"|"linux",   strategy=all benchmark mode, one strategy's own
                                boot (its true cold time and whole-boot timeline),
                                or the Linux reference
     "strategy": "xcall"|null   the strategy of a plain boot,
     "nodes": 2, "vcpus": 2, "mem_bytes": 4294967296,
     "topology": {"nodes": [{"mem": bytes, "cpus": [..]}], "distance": [[..]]|null},
     "cmdline": "strategy=all strategy.rounds=5", "qemu_args": [...],
     "log": "logs/003-2n-2c-4G-bsp.log"  relative to the results directory; one log
                                holds every boot of one QEMU, cut at run-qemu's
                                marker lines (bench/meminit_bench/hostmem.py, split()),
     "host_memory": "lazy"|"prealloc"|"warm"   how the host backed the guest's RAM
                                during this boot (bench/meminit_bench/hostmem.py): lazy is
                                host-cold (the host faulted pages in while the
                                boot ran, and its figures are compared with
                                nothing), prealloc and warm are host-warm,
     "repeat": 2                which boot of this case, mode, strategy and
                                host_memory (1..N)}
A line without "host_memory" (an older file) is lazy: one host-cold boot.

ENV describes where it ran (the same on every line of one compare run):
    {"qemu": "7.2.x", "accel": "tcg"|"kvm", "host_cores": 2, "host_mem_bytes": N,
     "host_cpu": "model name", "kernel_version": "0.1.0", "git_commit": "abc1234",
     "git_dirty": false, "model": "off"|"slit", "date": "2026-11-29T05:30:00Z",
     "rounds": 5, "matrix": "quick", "boots": 3 (host-warm boots per run)}
"""
import json

RECORD_TYPES = ('boot', 'topology', 'span', 'result', 'bench', 'error', 'test', 'exit')


def line(rtype, record, run, env):
    """One results.jsonl line (without the newline)."""
    return json.dumps({'type': rtype, 'record': record, 'run': run, 'env': env}, sort_keys=True)


def load(path):
    """Return (lines, problems): the parsed lines of a results.jsonl, and a
    message for every line that is not valid JSON or lacks type/record/run.
    A truncated last line (an interrupted run) is one such problem, never a crash."""
    lines, problems = [], []
    with open(path, errors='replace') as f:
        for number, text in enumerate(f, 1):
            text = text.strip()
            if not text:
                continue
            try:
                obj = json.loads(text)
            except ValueError as e:
                problems.append(f'{path}:{number}: not JSON ({e}); skipped')
                continue
            if not isinstance(obj, dict) or not all(k in obj for k in ('type', 'record', 'run')) \
                    or not isinstance(obj['record'], dict) or not isinstance(obj['run'], dict):
                problems.append(f'{path}:{number}: not a results line (needs type, record, run); skipped')
                continue
            obj.setdefault('env', {})
            lines.append(obj)
    return lines, problems


def by_boot(lines):
    """{boot id: {"run": RUN, "env": ENV, "records": [(type, record)], "outcome": record|None}}
    in the order the boots first appear."""
    boots = {}
    for obj in lines:
        run = obj['run']
        boot = boots.setdefault(run.get('boot', '?'), {'run': run, 'env': obj['env'], 'records': [],
                                                        'outcome': None})
        if obj['type'] == 'outcome':
            boot['outcome'] = obj['record']
        else:
            boot['records'].append((obj['type'], obj['record']))
    return boots
