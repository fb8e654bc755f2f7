# SPDX-License-Identifier: MIT
"""The kernel command line without a rebuild: append words to the
"multiboot2" line of the ISO's /boot/grub/grub.cfg in a patched copy made by
xorriso, and cache the copies (bench/README.md, "Kernel command line").
Shared by bench/run-qemu and bench/run-bochs; the patched ISO boots in either.

As a command it writes the patched ISO under a name of your choosing (by
default beside the source: build/meminit.iso gives build/meminit-cmdline.iso),
to boot by hand or to write to a USB stick:

    bench/isopatch.py [--iso ISO] [--out ISO] WORD...

Python 3 standard library only."""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from .console import EXIT_EMU, Failure
from . import REPO_DIR

GRUB_CFG = "/boot/grub/grub.cfg"

PATCH_CACHE_KEEP = 16          # patched ISOs kept in the cache, newest first
PATCH_CACHE_GRACE = 600.0      # never prune an entry used in the last 10 min
PATCH_FORMAT = "2"             # bump when the patching recipe changes
# Beside the source ISO; the name predates run-bochs, which shares it.
PATCH_CACHE_DIR = "run-qemu-cache"


def grub_quote(word):
    return "'" + word.replace("'", "'\\''") + "'"


_MB2_LINE = re.compile(r"^(\s*multiboot2\s.*?)\s*$")


def patch_cfg_text(text, words):
    suffix = " ".join(grub_quote(w) for w in words)
    out, n = [], 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        eol = line[len(body):]
        m = _MB2_LINE.match(body)
        if m:
            out.append(m.group(1) + " " + suffix + eol)
            n += 1
        else:
            out.append(line)
    if n == 0:
        raise Failure(EXIT_EMU, "no 'multiboot2' line in %s of the ISO" % GRUB_CFG)
    return "".join(out)


def _xorriso(args, what):
    xorriso = shutil.which("xorriso")
    if not xorriso:
        raise Failure(EXIT_EMU, "xorriso not found (needed for --cmdline)")
    try:
        p = subprocess.run([xorriso] + args, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    except OSError as e:
        raise Failure(EXIT_EMU, "cannot run xorriso: %s" % e)
    if p.returncode != 0:
        tail = p.stdout.decode("utf-8", "replace").strip().splitlines()[-8:]
        raise Failure(EXIT_EMU, "xorriso failed to %s (status %d):\n  %s"
                      % (what, p.returncode, "\n  ".join(tail)))


def _extract_cfg(iso, dest):
    _xorriso(["-osirrox", "on", "-indev", iso, "-extract", GRUB_CFG, dest],
             "extract %s from %s" % (GRUB_CFG, iso))
    with open(dest, "r", encoding="utf-8", errors="surrogateescape") as f:
        return f.read()


def build_patched_iso(iso, words, out_iso, scratch):
    orig = _extract_cfg(iso, os.path.join(scratch, "grub.cfg.orig"))
    new_text = patch_cfg_text(orig, words)
    new_cfg = os.path.join(scratch, "grub.cfg")
    with open(new_cfg, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(new_text)
    # "replay" re-creates the El Torito BIOS and EFI entries, the GRUB MBR,
    # GPT and the volume date (GRUB's EFI image finds the ISO by that UUID).
    # The HFS+ tree grub-mkrescue adds makes libisofs refuse the replayed
    # GPT ("Overlapping GPT entries"), so it is dropped: -hfsplus must come
    # after the replay to win.
    _xorriso(["-indev", iso, "-outdev", out_iso, "-boot_image", "any", "replay",
              "-hfsplus", "off", "-map", new_cfg, GRUB_CFG],
             "write the patched ISO")
    check = _extract_cfg(out_iso, os.path.join(scratch, "grub.cfg.check"))
    if check != new_text:
        raise Failure(EXIT_EMU, "patched ISO does not hold the patched %s" % GRUB_CFG)
    return [ln.strip() for ln in new_text.splitlines() if _MB2_LINE.match(ln)][0]


def _prune_cache(cache_dir, keep_path):
    now = time.time()
    try:
        entries = []
        for name in os.listdir(cache_dir):
            p = os.path.join(cache_dir, name)
            if p == keep_path:
                continue
            try:
                st = os.stat(p)
            except OSError:
                continue
            entries.append((st.st_mtime, p))
        entries.sort(reverse=True)
        for mtime, p in entries[PATCH_CACHE_KEEP - 1:]:
            if now - mtime > PATCH_CACHE_GRACE:
                try:
                    if os.path.isdir(p):
                        shutil.rmtree(p, ignore_errors=True)
                    else:
                        os.unlink(p)
                except OSError:
                    pass
    except OSError:
        pass


def patched_iso(iso, words, tmpdir):
    """Return (path of an ISO whose multiboot2 line has @words appended,
    description).  Patched copies are cached in run-qemu-cache/ beside the
    source ISO (build/ for the default one), keyed by the source ISO's
    identity and the words, so the printed emulator command can be re-run
    by hand; if that directory cannot be used, @tmpdir (the caller removes
    it at exit) is."""
    st = os.stat(iso)
    key = hashlib.sha256(json.dumps(
        [PATCH_FORMAT, os.path.realpath(iso), st.st_size, st.st_mtime_ns, st.st_ino,
         st.st_dev, words]).encode()).hexdigest()[:20]
    t0 = time.monotonic()
    cache_dir = os.path.join(os.path.dirname(os.path.abspath(iso)), PATCH_CACHE_DIR)
    try:
        os.makedirs(cache_dir, exist_ok=True)
        if not os.access(cache_dir, os.W_OK):
            raise OSError("not writable")
    except OSError:
        cache_dir = tmpdir
    out = os.path.join(cache_dir, key + ".iso")
    if os.path.isfile(out):
        try:
            os.utime(out)
        except OSError:
            pass
        return out, "cached, %.2fs" % (time.monotonic() - t0)
    scratch = tempfile.mkdtemp(prefix="patch.", dir=tmpdir)
    tmp_out = os.path.join(cache_dir, ".%s.%d.tmp" % (key, os.getpid()))
    try:
        line = build_patched_iso(iso, words, tmp_out, scratch)
        os.replace(tmp_out, out)
    finally:
        if os.path.exists(tmp_out):
            os.unlink(tmp_out)
        shutil.rmtree(scratch, ignore_errors=True)
    if cache_dir != tmpdir:
        _prune_cache(cache_dir, out)
    return out, "%.2fs: %s" % (time.monotonic() - t0, line)


def default_out(iso):
    """build/meminit.iso -> build/meminit-cmdline.iso"""
    return os.path.splitext(iso)[0] + "-cmdline.iso"


def main(argv):
    root = REPO_DIR
    ap = argparse.ArgumentParser(prog="bench/isopatch.py", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("words", nargs="+", metavar="WORD",
                    help="kernel command-line words to append, e.g. strategy=async")
    ap.add_argument("--iso", default=os.path.join(root, "build", "meminit.iso"),
                    help="the ISO to patch (default build/meminit.iso)")
    ap.add_argument("--out", metavar="ISO",
                    help="where to write the patched ISO (default: the source's name with -cmdline)")
    args = ap.parse_args(argv)
    if not os.path.isfile(args.iso):
        ap.error("no ISO at %s: build it first (cmake --build build)" % args.iso)
    out = args.out or default_out(args.iso)
    if os.path.realpath(out) == os.path.realpath(args.iso):
        ap.error("--out must differ from --iso")
    with tempfile.TemporaryDirectory(prefix="isopatch.") as tmp:
        try:
            cached, how = patched_iso(args.iso, args.words, tmp)
            shutil.copyfile(cached, out + ".tmp")
            os.replace(out + ".tmp", out)
        except Failure as e:
            print("isopatch: %s" % e.text, file=sys.stderr)
            return e.code
        except OSError as e:
            print("isopatch: cannot write %s: %s" % (out, e), file=sys.stderr)
            return EXIT_EMU
    print("isopatch: %s (%s)" % (out, how))
    return 0
