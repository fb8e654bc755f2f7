#!/usr/bin/env python3
"""Every option of every user-facing script is documented: a bench/ command's
options in its own section of bench/README.md ("## bench/NAME"), tests/run-all's
and tests/fuzz/'s in README.md. The scripts are found by listing
(tests/docs/scripts.py) and their options read from their parsers, so a new
option fails this check until it is written down. The ctest drivers
(tests/bench, tests/boot, tests/docs) document themselves in their --help."""
import argparse
import os
import re
import sys
import tempfile

from scripts import ROOT, options, scripts, trapped_calls, traps

DRIVERS = ('tests/bench/', 'tests/boot/', 'tests/docs/')
# bench/main passes its options to bench/compare: they are documented there.
OPTIONS_OF = {'bench/main': 'bench/compare'}


def sections(path):
    """{heading: text} of a markdown file's level-2 sections."""
    out, heading = {}, None
    with open(path) as f:
        for line in f:
            if line.startswith('## '):
                heading = line[3:].strip()
                out[heading] = ''
            elif heading:
                out[heading] += line
    return out


def mentions(text, option):
    return re.search(r'(?<![\w-])' + re.escape(option) + r'(?![\w-])', text) is not None


def where_documented(script):
    """(file the script's options belong in, the text they must appear in)."""
    if script.startswith('bench/'):
        doc = os.path.join(ROOT, 'bench', 'README.md')
        section = OPTIONS_OF.get(script, script)
        return f'bench/README.md, "## {section}"', sections(doc).get(section)
    with open(os.path.join(ROOT, 'README.md')) as f:
        return 'README.md', f.read()


def main():
    argparse.ArgumentParser(prog='tests/docs/options_documented.py', description=__doc__).parse_args()
    with tempfile.TemporaryDirectory(prefix='options-documented.') as tmp:
        return check_all(*traps(tmp))


def check_all(env, log):
    problems, checked = [], 0
    for script in scripts():
        if script.startswith(DRIVERS):
            continue
        where, text = where_documented(script)
        if text is None:
            problems.append(f'{script}: no section in {where}')
            continue
        found = options(script, env)
        problems += [f'{script} --help: ran {call}' for call in trapped_calls(log)]
        for option in found:
            checked += 1
            if not mentions(text, option):
                problems.append(f'{script} {option}: not in {where}')
    for p in problems:
        print(p)
    ok = checked and not problems
    print(f'{"PASS" if ok else "FAIL"}: {checked} options checked, {len(problems)} problems')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
