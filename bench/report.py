#!/usr/bin/env python3
"""From a compare run's results.jsonl to its report: graphs, traces, report.md and
a self-contained report.html (graphs inlined as SVG, no network, no scripts).

The command; its code is bench/meminit_bench/report.py."""
import sys

from meminit_bench.report import main

if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
