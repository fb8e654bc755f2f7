#!/usr/bin/env python3
"""Every script in bench/ and tests/ (found by listing) answers --help with
usage text and exit status 0, and a wrong option with usage text and exit
status 2 (argparse's convention), without installing, building or booting:
it runs with a PATH whose package, build and emulator tools are traps that
record being called, and a trap called fails the script's check."""
import argparse
import os
import subprocess
import sys
import tempfile

from scripts import ROOT, command, scripts, trapped_calls, traps

WRONG_OPTION = '--no-such-option'
TIMEOUT = 60  # a hang detector: --help does nothing slow


def run(script, arg, env):
    try:
        p = subprocess.run(command(script) + [arg], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, ''
    return p.returncode, p.stdout + p.stderr


def check(script, env, log):
    problems = []
    for arg, status in (('--help', 0), (WRONG_OPTION, 2)):
        got, out = run(script, arg, env)
        if got is None:
            problems.append(f'{script} {arg}: still running after {TIMEOUT} s')
        elif got != status:
            problems.append(f'{script} {arg}: exit status {got}, expected {status}: {out.strip()[-300:]}')
        elif 'usage:' not in out.lower():
            problems.append(f'{script} {arg}: no usage text in its output')
        called = trapped_calls(log)
        if called:
            problems.append(f'{script} {arg}: ran {", ".join(called)}')
    return problems


def main():
    argparse.ArgumentParser(prog='tests/docs/scripts_help.py', description=__doc__).parse_args()
    found = scripts()
    problems = []
    with tempfile.TemporaryDirectory(prefix='scripts-help.') as tmp:
        env, log = traps(tmp)
        for script in found:
            problems += check(script, env, log)
    for p in problems:
        print(p)
    ok = found and not problems
    print(f'{"PASS" if ok else "FAIL"}: {len(found)} scripts, {len(problems)} problems')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
