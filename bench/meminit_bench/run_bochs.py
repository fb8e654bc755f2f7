# SPDX-License-Identifier: MIT
"""Boot the meminit ISO in Bochs, stream its serial console and map how the
kernel exited to run-qemu's exit codes (see --help or bench/README.md).

Python 3 standard library only."""

import argparse
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tty

from . import REPO_DIR as REPO
from .console import (EXIT_EMU, EXIT_FAIL, EXIT_HANG, EXIT_OK, EXIT_USAGE,
                     Console, Failure, Interrupted, LineSplitter, kill_group,
                     raise_interrupted)
from .isopatch import patched_iso

PROG = "run-bochs"
DEFAULT_ISO = os.path.join(REPO, "build", "meminit.iso")

DEFAULT_MEM_MB = 512
MAX_MEM_MB = 2048        # Bochs 2.7 refuses more host memory for the guest
# Emulated instructions per emulated second. With "clock: sync=none" Bochs
# runs as fast as it can whatever this is, but the firmware's and GRUB's
# timed waits cost IPS x seconds of emulation: Bochs' default of 4 MHz keeps
# them cheap. The kernel sees a 4 MHz TSC.
IPS = 4000000
EXIT_GRACE = 5.0         # seconds Bochs gets to power off after "@exit"
PROBE_TIMEOUT = 10.0

# Debian's bochsbios and vgabios packages; $BXSHARE (Bochs' own share
# directory) first.
BIOS_NAMES = ("BIOS-bochs-latest",)
BIOS_DIRS = ("/usr/share/bochs", "/usr/local/share/bochs")
VGABIOS_FILES = ("/usr/share/vgabios/vgabios.bin", "/usr/share/bochs/VGABIOS-lgpl-latest",
                 "/usr/local/share/bochs/VGABIOS-lgpl-latest")

EPILOG = """\
exit status:
  0  the kernel printed "@exit {"ok": true}"
  1  the kernel printed "@exit {"ok": false}" (or an @exit without a boolean
     "ok"), or Bochs ended without any @exit (triple fault, panic, ...)
  2  usage error
  3  hang: --timeout expired before @exit and Bochs was killed
  4  emulator error: Bochs (or xorriso) could not start, Bochs stopped before
     emulating anything (bochsrc, ROM or plugin trouble), or died on a signal
  130  interrupted (Ctrl-C; 143 for SIGTERM, 129 for SIGHUP); Bochs is
       killed first

Bochs' own exit status says nothing: it exits 1 for the kernel's power-off
(ACPI S5, or "Shutdown" on port 0x8900) as for a triple fault. The @exit
record decides; if Bochs is still running %g s after it, the runner stops
Bochs and says so.
--cmdline patches the ISO's grub.cfg exactly as run-qemu does and shares its
cache (run-qemu-cache/ beside the ISO).
The bochsrc is written to a temporary directory, printed on stderr and
removed at exit, with Bochs' log; on a failure the log's panics and errors
are shown.
Environment: BOCHS names the emulator binary (default bochs).
""" % EXIT_GRACE


def msg(text):
    sys.stderr.write("%s: %s\n" % (PROG, text))
    sys.stderr.flush()


# ---------------------------------------------------------------------------
# what this Bochs has

class BochsInfo:
    def __init__(self):
        self.debugger = False     # built with the internal debugger
        self.plugin_dir = None
        self.display = "nogui"


def probe_bochs(bochs):
    """Ask `bochs --help` whether it has the debugger (then it stops at a
    prompt before the first instruction unless told to continue) and where
    its plugins are, to pick a display library that needs no window and no
    terminal."""
    info = BochsInfo()
    try:
        p = subprocess.run([bochs, "--help"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=PROBE_TIMEOUT,
                           start_new_session=True)
    except OSError as e:
        raise Failure(EXIT_EMU, "emulator error: could not start Bochs: %s: %s"
                      % (bochs, e.strerror or e))
    except subprocess.TimeoutExpired:
        raise Failure(EXIT_EMU, "emulator error: '%s --help' did not finish in %gs"
                      % (bochs, PROBE_TIMEOUT))
    text = p.stdout.decode("utf-8", "replace")
    info.debugger = re.search(r"^\s*-rc\s", text, re.M) is not None
    m = re.search(r"LTDL_LIBRARY_PATH not set\. using compile time default '([^']*)'", text)
    info.plugin_dir = os.environ.get("LTDL_LIBRARY_PATH") or (m.group(1) if m else None)
    guis = set()
    if info.plugin_dir and os.path.isdir(info.plugin_dir):
        for name in os.listdir(info.plugin_dir):
            g = re.match(r"libbx_(\w+)_gui\.so$", name)
            if g:
                guis.add(g.group(1))
    if not guis or "nogui" in guis:
        info.display = "nogui"   # built in when the GUIs are not plugins
    elif "term" in guis:
        # With the debugger built in, the term GUI draws into a pseudo-
        # terminal of its own and leaves stdin/stdout to the debugger.
        info.display = "term"
    else:
        raise Failure(EXIT_EMU, "emulator error: this Bochs has no display library that "
                      "runs headless (nogui or term; found %s): install bochs-term"
                      % ", ".join(sorted(guis)))
    return info


def find_roms():
    share = os.environ.get("BXSHARE")
    dirs = ((share,) if share else ()) + BIOS_DIRS
    bios = next((os.path.join(d, n) for d in dirs for n in BIOS_NAMES
                 if os.path.isfile(os.path.join(d, n))), None)
    if bios is None:
        raise Failure(EXIT_EMU, "emulator error: no Bochs BIOS (%s) in %s: install bochsbios"
                      % ("/".join(BIOS_NAMES), ", ".join(dirs)))
    vga_files = ((os.path.join(share, "VGABIOS-lgpl-latest"),) if share else ()) + VGABIOS_FILES
    vgabios = next((f for f in vga_files if os.path.isfile(f)), None)
    if vgabios is None:
        raise Failure(EXIT_EMU, "emulator error: no VGA BIOS (%s): install vgabios"
                      % ", ".join(vga_files))
    return bios, vgabios


# ---------------------------------------------------------------------------
# bochsrc

def _rc_path(path):
    # Bochs expands $VARIABLES in bochsrc values and ends a quoted one at '"'.
    if any(c in path for c in '"$\n'):
        raise Failure(EXIT_USAGE, "cannot name %r in a bochsrc (it holds '\"', '$' or a "
                      "newline)" % path)
    return '"%s"' % path


def bochsrc_lines(iso, com1, log, cpus, mem_mb, display, bios, vgabios):
    return [
        "display_library: %s" % display,
        "megs: %d" % mem_mb,
        "cpu: count=%d, ips=%d, reset_on_triple_fault=0" % (cpus, IPS),
        "clock: sync=none, time0=local",
        "romimage: file=%s" % _rc_path(bios),
        "vgaromimage: file=%s" % _rc_path(vgabios),
        "pci: enabled=1, chipset=i440fx",
        "ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14",
        "ata0-master: type=cdrom, path=%s, status=inserted" % _rc_path(iso),
        "boot: cdrom",
        "com1: enabled=1, mode=file, dev=%s" % _rc_path(com1),
        "port_e9_hack: enabled=1",
        # The PC speaker's ALSA output aborts Bochs on hosts without a sound card.
        "speaker: enabled=0",
        "sound: driver=dummy",
        "mouse: enabled=0",
        "log: %s" % _rc_path(log),
        "panic: action=fatal",
        "error: action=report",
        "info: action=report",
        "debug: action=ignore",
    ]


# ---------------------------------------------------------------------------
# running Bochs

class Result:
    def __init__(self):
        self.started = False
        self.start_error = None
        self.timed_out = False
        self.stopped_after_exit = False   # killed: no power-off after @exit
        self.status = None                # Bochs' exit status (negative: signal)
        self.seconds = 0.0


def _pump_fifo(fd, console, stop):
    """Stream COM1 until @stop is set and nothing is left to read.  The
    runner holds a write end of the FIFO itself, so there is no EOF."""
    lines = LineSplitter(console)
    while True:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                continue
            if chunk:
                lines.feed(chunk)
                continue
        if stop.is_set():
            break
    lines.finish()


_TERM_SCREEN = re.compile(rb'Bochs connected to screen "(/dev/pts/\d+)"')


def _drain_screen(out_path, proc_ended, stop):
    """The term GUI draws into a pseudo-terminal nobody reads; once ~18 KB
    of screen updates are pending, its next write blocks and Bochs freezes.
    Open the other end, raw (no echo back into Bochs as keystrokes), and
    throw the screen away."""
    name, deadline = None, time.monotonic() + 30
    while name is None and not stop.is_set() and not proc_ended() \
            and time.monotonic() < deadline:
        try:
            with open(out_path, "rb") as f:
                m = _TERM_SCREEN.search(f.read(1 << 16))
            if m:
                name = m.group(1).decode()
                break
        except OSError:
            pass
        time.sleep(0.02)
    if name is None:
        return
    try:
        fd = os.open(name, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError:
        return
    try:
        tty.setraw(fd)
        while not stop.is_set():
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    os.read(fd, 65536)
                except (BlockingIOError, OSError):
                    time.sleep(0.01)
    except OSError:
        pass
    finally:
        os.close(fd)


def run_bochs(cmd, env, cwd, fifo, out_path, timeout, console, term_screen=False):
    """Run one Bochs; never returns with Bochs still running."""
    res = Result()
    # Opening the FIFO read-write never blocks, and Bochs' own open (for
    # writing) then finds a reader at once.
    fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
    stop = threading.Event()
    reader = threading.Thread(target=_pump_fifo, args=(fd, console, stop), daemon=True)
    reader.start()
    t0 = time.monotonic()
    proc = None
    try:
        with open(out_path, "wb") as out:
            try:
                proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                        stderr=subprocess.STDOUT, cwd=cwd, env=env,
                                        start_new_session=True)
            except OSError as e:
                res.start_error = "%s: %s" % (cmd[0], e.strerror or e)
                return res
        res.started = True
        if term_screen:
            threading.Thread(target=_drain_screen,
                             args=(out_path, lambda: proc.poll() is not None, stop),
                             daemon=True).start()
        exit_seen = None
        while True:
            try:
                proc.wait(timeout=0.1)
                break
            except subprocess.TimeoutExpired:
                pass
            now = time.monotonic()
            if exit_seen is None and (console.exit_record is not None
                                      or console.exit_record_bad is not None):
                exit_seen = now
            if exit_seen is not None:
                if now - exit_seen > EXIT_GRACE:
                    res.stopped_after_exit = True
                    break
            elif now - t0 > timeout:
                res.timed_out = True
                break
    finally:
        if proc is not None:
            kill_group(proc)
        stop.set()
        reader.join(timeout=5)
        os.close(fd)
    res.seconds = time.monotonic() - t0
    res.status = proc.returncode
    return res


_TICK_LINE = re.compile(r"^(\d{11})([a-z])\[")
# How Bochs reports the kernel's power-off: a "panic" set to be fatal.
POWER_OFF = re.compile(r"ACPI control: soft power off|Shutdown port: shutdown requested")


def bochs_report(out_path, log_path):
    """(exit message, emulated?, panic/error lines) from what Bochs wrote."""
    texts = []
    for path in (out_path, log_path):
        try:
            with open(path, "r", encoding="utf-8", errors="replace") as f:
                texts.append(f.read())
        except OSError:
            texts.append("")
    out, log = texts
    exit_msg = None
    lines = out.splitlines()
    for i, ln in enumerate(lines):
        if ln.strip() == "Bochs is exiting with the following message:" and i + 1 < len(lines):
            exit_msg = re.sub(r"\s+", " ", lines[i + 1]).strip()
    emulated, problems = False, []
    for ln in (log or out).splitlines():
        m = _TICK_LINE.match(ln)
        if m:
            if int(m.group(1)) > 0:
                emulated = True
            if m.group(2) in "pe" and not POWER_OFF.search(ln):
                problems.append(ln.rstrip())
    return exit_msg, emulated, problems


def classify(res, console, exit_msg, emulated):
    """Return (exit code, description)."""
    if not res.started:
        return EXIT_EMU, "emulator error: could not start Bochs: %s" % res.start_error
    rec = console.exit_record
    if rec is not None:
        said = rec.get("ok")
        if said is True:
            return EXIT_OK, "kernel reported success (@exit ok:true)"
        if said is False:
            return EXIT_FAIL, "kernel reported failure (@exit ok:false)"
        return EXIT_FAIL, "kernel failure: @exit record without a boolean \"ok\""
    if console.exit_record_bad is not None:
        return EXIT_FAIL, "kernel failure: unparsable @exit record: %s" % console.exit_record_bad
    if res.timed_out:
        return EXIT_HANG, "timeout"
    if res.status is not None and res.status < 0:
        try:
            name = signal.Signals(-res.status).name
        except ValueError:
            name = "signal %d" % -res.status
        return EXIT_EMU, "emulator error: Bochs died on %s" % name
    if not emulated and console.lines == 0:
        return EXIT_EMU, "emulator error: Bochs stopped before emulating anything: %s" % (
            exit_msg or "status %s" % res.status)
    return EXIT_FAIL, "kernel failure: Bochs ended without @exit (%s)" % (
        exit_msg or "status %s" % res.status)


# ---------------------------------------------------------------------------

def _mem_mb(text):
    m = re.match(r"^(\d+)([mMgG]?)[bB]?$", text.strip())
    if not m:
        return None
    mb = int(m.group(1)) * (1024 if m.group(2) in ("g", "G") else 1)
    return mb


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog=PROG, description="Boot the meminit ISO in Bochs (i440FX, ATAPI cdrom, serial "
        "console on stdout) and report how the kernel exited.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iso", default=DEFAULT_ISO,
                    help="ISO to boot (default: build/meminit.iso in the repository)")
    ap.add_argument("--cmdline", default="", metavar="STRING",
                    help="words appended to the kernel command line in grub.cfg "
                    "(use --cmdline=STRING if it starts with '-')")
    ap.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS",
                    help="kill Bochs and exit 3 after this long without @exit (default 600)")
    ap.add_argument("--log", metavar="FILE", help="also write every console line to FILE")
    ap.add_argument("--cpus", type=int, default=1, metavar="N",
                    help="processors (cpu: count=N; default 1)")
    ap.add_argument("--mem", default=str(DEFAULT_MEM_MB), metavar="MB",
                    help="guest RAM in MB, or with an M/G suffix (default %d, at most %d)"
                    % (DEFAULT_MEM_MB, MAX_MEM_MB))
    ap.add_argument("--quiet", action="store_true",
                    help="print only console lines starting with '@'")
    args = ap.parse_args(argv)
    if args.timeout <= 0:
        ap.error("--timeout must be positive")
    if args.cpus < 1:
        ap.error("--cpus must be at least 1")
    args.mem_mb = _mem_mb(args.mem)
    if args.mem_mb is None or args.mem_mb < 1:
        ap.error("--mem: not a size in MB: %r (e.g. 256, 1G)" % args.mem)
    if args.mem_mb > MAX_MEM_MB:
        ap.error("--mem: Bochs 2.7 gives the guest at most %d MB (asked for %d)"
                 % (MAX_MEM_MB, args.mem_mb))
    if not os.path.isfile(args.iso):
        ap.error("no such ISO: %s (build it first, or pass --iso)" % args.iso)
    return args


def main(argv):
    args = parse_args(argv)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, raise_interrupted)
    bochs = os.environ.get("BOCHS", "bochs")
    tmpdir = tempfile.mkdtemp(prefix="run-bochs.")
    log = None
    try:
        if args.log:
            try:
                log = open(args.log, "w", encoding="utf-8")
            except OSError as e:
                msg("cannot open log file: %s" % e)
                return EXIT_USAGE
        iso = os.path.abspath(args.iso)
        words = args.cmdline.split()
        if words:
            iso, how = patched_iso(args.iso, words, tmpdir)
            iso = os.path.abspath(iso)
            msg("cmdline patch (%s)" % how)

        info = probe_bochs(bochs)
        bios, vgabios = find_roms()
        com1 = os.path.join(tmpdir, "com1")
        os.mkfifo(com1)
        bochs_log = os.path.join(tmpdir, "bochs.log")
        out_path = os.path.join(tmpdir, "bochs.out")
        rc_path = os.path.join(tmpdir, "bochsrc")
        lines = bochsrc_lines(iso, com1, bochs_log, args.cpus, args.mem_mb, info.display,
                              bios, vgabios)
        with open(rc_path, "w", encoding="utf-8") as f:
            f.write("# bench/run-bochs: one run, removed at its end\n")
            f.write("\n".join(lines) + "\n")
        cmd = [bochs, "-q", "-f", rc_path]
        env = dict(os.environ)
        if info.debugger:
            # Without this, the debugger waits for a command before the
            # first instruction; "quit" answers its prompt after a stop.
            dbg_rc = os.path.join(tmpdir, "debugger.rc")
            with open(dbg_rc, "w", encoding="utf-8") as f:
                f.write("continue\nquit\n")
            cmd += ["-rc", dbg_rc]
        if info.display == "term":
            # curses wants a known terminal type; it draws into its own pty.
            env["TERM"] = "vt100"
        msg("bochsrc %s (removed at exit):" % rc_path)
        for ln in lines:
            sys.stderr.write("    %s\n" % ln)
        msg("command: " + shlex.join(cmd))

        console = Console(quiet=args.quiet, log=log)
        res = run_bochs(cmd, env, tmpdir, com1, out_path, args.timeout, console,
                        term_screen=info.display == "term" and info.debugger)
        exit_msg, emulated, problems = bochs_report(out_path, bochs_log)
        code, what = classify(res, console, exit_msg, emulated)

        if res.stopped_after_exit:
            msg("note: Bochs did not power off within %gs of @exit (neither ACPI S5 nor "
                "the 0x8900 shutdown port worked); stopped it" % EXIT_GRACE)
        if code == EXIT_HANG:
            msg("timeout after %g s (hang)" % args.timeout)
        elif code == EXIT_EMU:
            msg(what)
        else:
            how = ""
            if exit_msg and not res.stopped_after_exit and exit_msg not in what:
                how = "; Bochs: %s" % exit_msg
            msg("%s after %.1fs%s" % (what, res.seconds, how))
        if console.exit_record_bad is not None and console.exit_record is not None:
            msg("warning: unparsable @exit record: %s" % console.exit_record_bad)
        if code != EXIT_OK and res.started:
            shown = problems[-10:]
            if shown:
                msg("Bochs log, last panics and errors:")
                for ln in shown:
                    sys.stderr.write("    %s\n" % ln)
        return code
    except Failure as f:
        msg(f.text)
        return f.code
    except (KeyboardInterrupt, Interrupted) as e:
        signum = getattr(e, "signum", signal.SIGINT)
        msg("interrupted by %s; Bochs stopped" % signal.Signals(signum).name)
        return 128 + signum
    finally:
        if log is not None:
            log.close()
        shutil.rmtree(tmpdir, ignore_errors=True)
