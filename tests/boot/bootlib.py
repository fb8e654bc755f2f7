"""What every boot test needs: boot the ISO through bench/run-qemu, read its
records (bench/meminit_bench/records.py) and check them. Assertions read records, never prose.
Every record of every boot is validated against init/records.schema.json."""
import os
import shlex
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from meminit_bench.records import kernel_elf, of_type, one, parse_records, strategy_names, validate_all

MiB = 1 << 20
GiB = 1 << 30
PAGE = 4096

# run-qemu's exit statuses (bench/README.md).
EXIT_OK, EXIT_KERNEL_FAILURE = 0, 1


SCHEMA_PROBLEMS_SHOWN = 20
CONSOLE_TAIL = 40                              # console lines a failing case shows of its last boot
RUNNER_PREFIXES = ('run-qemu: ', 'run-bochs: ')  # the runners' own lines, among the console's

# Every boot of the case being run, in order: a case that fails shows its last (boot_test.py).
BOOTS = []


class Boot:
    """One boot's records and exit status; a record the schema refuses fails the test here."""

    def __init__(self, status, records, output, command=''):
        self.status = status
        self.records = records
        self.output = output
        self.command = command
        BOOTS.append(self)
        problems = validate_all(records)
        check(not problems, f'{len(problems)} record problems against init/records.schema.json:\n  ' +
              '\n  '.join(problems[:SCHEMA_PROBLEMS_SHOWN]))

    def errors(self):
        return of_type(self.records, 'error')

    def report(self, tail=CONSOLE_TAIL):
        """How the boot was run, the runner's exit status and every line it said (its reason for
        that status among them), and the console's last @tail lines."""
        lines = self.output.splitlines()
        runner = [ln for ln in lines if ln.startswith(RUNNER_PREFIXES)]
        console = [ln for ln in lines if not ln.startswith(RUNNER_PREFIXES)]
        shown = console[-tail:]
        return '\n'.join([f'last boot: {self.command}', f'runner exit status: {self.status}'] +
                         ['  ' + ln for ln in runner] +
                         [f'console, last {len(shown)} of {len(console)} lines:'] + ['  | ' + ln for ln in shown])


def failure_report():
    """What a failing case prints: its last boot's report, or that it booted nothing."""
    return BOOTS[-1].report() if BOOTS else 'no boot ran'


def boot(iso, cmdline='', qemu_args=(), runner_args=(), timeout=120):
    cmd = [os.path.join(ROOT, 'bench', 'run-qemu'), '--iso', iso, '--timeout', str(timeout),
           '--accel', 'tcg']
    # A test asserts on records, not on times: one lazily backed boot per QEMU, the
    # simplest path (no preallocation, no QMP session), unless the test asks for another.
    if '--host-memory' not in runner_args:
        cmd += ['--host-memory', 'lazy']
    if cmdline:
        cmd += ['--cmdline', cmdline]
    cmd += list(runner_args) + ['--'] + list(qemu_args)
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, errors='replace', timeout=timeout + 60)
    except subprocess.TimeoutExpired as e:  # run-qemu itself hung: keep what it said
        out = e.output.decode('utf-8', 'replace') if isinstance(e.output, bytes) else e.output or ''
        Boot(None, [], out, shlex.join(cmd))
        raise AssertionError(f'run-qemu did not end within {timeout + 60} s') from None
    return Boot(proc.returncode, parse_records(proc.stdout), proc.stdout, shlex.join(cmd))


def strategies(iso):
    """The strategies registered in the kernel on this ISO (read from the ELF built beside it)."""
    return strategy_names(kernel_elf(iso))


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def check_no_unparsable(b):
    bad = of_type(b.records, 'unparsable')
    check(not bad, f'unparsable record lines: {bad}')


def check_memory(b, expected_bytes, tolerance=0.02):
    """@boot reports usable RAM close to what QEMU was given, in clean ranges."""
    rec = one(b.records, 'boot')
    total, ranges = rec['mem_total'], rec['mem_ranges']
    # Firmware keeps a little (the low 1 MiB holes, ACPI, its own data).
    check(expected_bytes * (1 - tolerance) <= total <= expected_bytes,
          f'mem_total {total} not within {tolerance:.0%} below {expected_bytes}')
    check(sum(e - s for s, e in ranges) == total, 'mem_ranges do not add up to mem_total')
    for s, e in ranges:
        check(s < e and s % PAGE == 0 and e % PAGE == 0, f'range {s:#x}-{e:#x} not page-aligned')
    for (_, e1), (s2, _) in zip(ranges, ranges[1:]):
        check(e1 < s2, 'mem_ranges unsorted, overlapping or unmerged')
    return rec


def expect_clean_success(b):
    check_no_unparsable(b)
    check(b.status == EXIT_OK, f'run-qemu exit {b.status}, expected success')
    check(not b.errors(), f'unexpected @error records: {b.errors()}')
    check(of_type(b.records, 'exit') == [of_type(b.records, 'exit')[-1]] and
          of_type(b.records, 'exit')[-1]['ok'] is True, '@exit ok missing')


