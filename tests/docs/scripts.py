"""The scripts of bench/ and tests/, found by listing (not by a hand-kept
list), and the options each takes: shared by tests/docs/scripts_help.py and
tests/docs/options_documented.py.

Scripts run here with traps before PATH (traps()): the package, build and
emulator tools record being called and fail, so asking a script for its
options or its help can never install, build or boot anything.

A script is a file with a "#!" line or a Python file that runs as a program
(a line testing __name__ against "__main__"). Its options are read from its argparse parser (Python) or from the
usage line its --help prints (shell)."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT_DIRS = ('bench', 'tests')
MAIN_BLOCK = re.compile(rb'^if __name__ == .__main__.:', re.M)
NOT_SCRIPTS = ('corpus', 'logs', '__pycache__')  # data, recorded logs, bytecode

TRAPPED = ('apt-get', 'apt', 'dpkg', 'cmake', 'ctest', 'make', 'gmake', 'ninja', 'cc', 'gcc', 'clang',
           'ld', 'qemu-system-x86_64', 'qemu-img', 'bochs', 'grub-mkrescue', 'xorriso', 'gnuplot', 'sudo')

# Runs a Python script's top level with argparse stopped at its first parse: the options, not the work.
OPTIONS_PROBE = r'''
import argparse, runpy, sys
def report(self, args=None, namespace=None):
    for action in self._actions:
        for option in action.option_strings:
            if option not in ('-h', '--help'):
                print(option)
    raise SystemExit(0)
argparse.ArgumentParser.parse_args = report
argparse.ArgumentParser.parse_known_args = report
sys.argv = [sys.argv[1]]
runpy.run_path(sys.argv[0], run_name='__main__')
'''


def traps(where):
    """(environment whose PATH starts with the traps, file the traps log their calls to), under @where."""
    bin_dir, log = os.path.join(where, 'traps'), os.path.join(where, 'trapped-calls')
    os.makedirs(bin_dir, exist_ok=True)
    open(log, 'w').close()
    for tool in TRAPPED:
        path = os.path.join(bin_dir, tool)
        with open(path, 'w') as f:
            f.write(f'#!/bin/sh\necho "{tool} $*" >> "{log}"\nexit 97\n')
        os.chmod(path, 0o755)
    return dict(os.environ, PATH=bin_dir + os.pathsep + os.environ['PATH']), log


def trapped_calls(log):
    """The calls the traps saw since the last look (and forget them)."""
    with open(log) as f:
        calls = f.read().splitlines()
    open(log, 'w').close()
    return calls


def is_script(path):
    with open(path, 'rb') as f:
        head = f.read(2)
        if head == b'#!':
            return True
        return path.endswith('.py') and MAIN_BLOCK.search(head + f.read()) is not None


def scripts():
    """Every script under bench/ and tests/, as paths relative to the repository, sorted."""
    found = []
    for top in SCRIPT_DIRS:
        for dirpath, dirnames, files in os.walk(os.path.join(ROOT, top)):
            dirnames[:] = [d for d in dirnames if d not in NOT_SCRIPTS]
            for name in files:
                path = os.path.join(dirpath, name)
                if is_script(path):
                    found.append(os.path.relpath(path, ROOT))
    return sorted(found)


def command(script):
    """How to run it: through its #! line, or with this Python when it has none."""
    path = os.path.join(ROOT, script)
    with open(path, 'rb') as f:
        shebang = f.readline()
    if shebang.startswith(b'#!'):
        interpreter = shebang[2:].split()
        if interpreter[-1] == b'bash':
            return ['bash', path]
        return [sys.executable, path]
    return [sys.executable, path]


def is_python(script):
    return command(script)[0] == sys.executable


def options(script, env):
    """The option strings a script accepts (without -h/--help); @env from traps()."""
    path = os.path.join(ROOT, script)
    if is_python(script):
        out = subprocess.run([sys.executable, '-c', OPTIONS_PROBE, path], cwd=os.path.dirname(path), env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        if out.returncode:
            raise RuntimeError(f'{script}: could not read its options: {out.stderr.strip()[-500:]}')
        return sorted(set(out.stdout.split()))
    out = subprocess.run(command(script) + ['--help'], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, timeout=60)
    usage = out.stdout.split('\n\n')[0]
    # -R, --opt; not a placeholder such as -LIBFUZZER_OPTION=VALUE.
    found = re.findall(r'(?<![\w-])(--[a-z][\w-]*|-[A-Za-z](?![\w=]))', usage)
    return sorted({o for o in found if o not in ('-h', '--help')})
