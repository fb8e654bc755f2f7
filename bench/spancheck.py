#!/usr/bin/env python3
"""Check that a boot's @span records cover the boot CPU's whole time.

The command; its code is bench/meminit_bench/spancheck.py."""
import sys

from meminit_bench.spancheck import main

if __name__ == '__main__':
    sys.exit(main())
