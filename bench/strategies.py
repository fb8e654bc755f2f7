#!/usr/bin/env python3
"""Boot strategy=all a few times on one machine and print each strategy's @bench, per boot.

The command; its code is bench/meminit_bench/strategies.py."""
import sys

from meminit_bench.strategies import main

if __name__ == '__main__':
    sys.exit(main())
