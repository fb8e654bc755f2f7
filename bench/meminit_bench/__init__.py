"""meminit's bench tools as one package: the records contract, the runners,
the comparison, the report and its graphs. The commands in bench/ (compare,
run-qemu, report.py, ...) are thin scripts that call main() of a module here;
Python finds the package because a script's own directory, bench/, is first
on its path. Tests set PYTHONPATH to bench/ (tests/CMakeLists.txt)."""
import os

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # where the commands are
REPO_DIR = os.path.dirname(BENCH_DIR)
