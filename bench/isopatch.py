#!/usr/bin/env python3
"""The kernel command line without a rebuild: append words to the
"multiboot2" line of the ISO's /boot/grub/grub.cfg in a patched copy made by
xorriso, and cache the copies (bench/README.md, "Kernel command line").
Shared by bench/run-qemu and bench/run-bochs; the patched ISO boots in either.

The command; its code is bench/meminit_bench/isopatch.py."""
import sys

from meminit_bench.isopatch import main

if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
