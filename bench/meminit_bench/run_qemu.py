# SPDX-License-Identifier: MIT
"""Boot the meminit ISO in QEMU, stream its serial console and map how the
kernel exited to a small set of exit codes (see --help or bench/README.md).

Python 3 standard library only."""

import argparse
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from . import REPO_DIR as REPO
from .console import (EXIT_EMU, EXIT_FAIL, EXIT_HANG, EXIT_OK, EXIT_USAGE,
                     Console, Failure, Interrupted, LineSplitter, kill_group,
                     raise_interrupted)
from . import hostmem
from .qmp import Qmp, QmpError
from .isopatch import patched_iso
from .topology import GiB, machine, parse_distances, parse_size

PROG = "run-qemu"
DEFAULT_ISO = os.path.join(REPO, "build", "meminit.iso")

# The kernel writes 0x10 to isa-debug-exit on success; QEMU then exits
# with (0x10 << 1) | 1.
SUCCESS_STATUS = (0x10 << 1) | 1

KVM_PROBE_TIMEOUT = 10.0
# Seconds QEMU may take to build a machine with preallocated RAM (~1 s per GiB on a loaded host).
PREALLOC_TIMEOUT = 120.0

# Firmware images that can go to -bios as one combined file.
OVMF_COMBINED = ("/usr/share/ovmf/OVMF.fd", "/usr/share/OVMF/OVMF.fd",
                 "/usr/share/qemu/OVMF.fd")
# Otherwise a split CODE/VARS pair goes to two pflash drives.
OVMF_SPLIT = (("/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_VARS.fd"),
              ("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd"))

EPILOG = """\
exit status:
  0  the kernel reported success (isa-debug-exit 0x10, QEMU status 33)
  1  the kernel reported failure: any other isa-debug-exit value, or QEMU
     exited 0 (reset/triple fault under -no-reboot, or power-off without the
     success code), or "@exit {"ok": false}" contradicted a success exit
  2  usage error
  3  hang: --timeout expired and QEMU was killed
  4  emulator error: QEMU (or xorriso) could not start, QEMU died on a
     signal, or QEMU exited 1 with an error message
  130  interrupted (Ctrl-C; 143 for SIGTERM, 129 for SIGHUP); QEMU is
       killed first

--cmdline words (split on blanks) are appended to the "multiboot2" line of
/boot/grub/grub.cfg in a patched copy of the ISO; the kernel is not rebuilt.
GRUB passes each word on, escaping \\ ' and " with a backslash.
Patched ISOs are cached in run-qemu-cache/ beside the ISO. --accel auto
boots the ISO under KVM once (10 s limit) and caches the verdict per host
boot and QEMU binary in ${XDG_CACHE_HOME:-~/.cache}/meminit/kvm-probe;
delete that file to probe again.
Extra arguments after "--" go to QEMU; -machine/-M and -cpu there replace
the defaults, and "-m SIZE" there gets a memory backend unless a
memory-backend/memdev/-numa is given. Every memory-backend-ram, given or
built, is backed as --host-memory says (bench/meminit_bench/hostmem.py):
  lazy      reserve=off, one QEMU per boot: each boot pays the host's page
            faults (host-cold)
  prealloc  prealloc=on: QEMU backs all guest RAM before the guest starts
  warm      reserve=off, all boots in one QEMU with a reset between them; one
            host-cold warm-up boot runs first and is labelled as such
  auto      prealloc for a small guest (up to 2 GiB) that fits in host RAM
            with a margin, else warm (lazy for a single boot)
Several boots in one QEMU (--boots N > 1, or warm) run without isa-debug-exit:
each boot ends with @exit and ACPI power-off, then QEMU is reset over QMP;
the exit status is that of the first boot that did not succeed. Before every
boot a line 'run-qemu boot {"boot": K, "boots": N, "host_memory": ..,
"repeat": R}' goes into the console and the log; --timeout is per boot.
Environment: QEMU names the emulator binary (default qemu-system-x86_64).
"""


def msg(text):
    sys.stderr.write("%s: %s\n" % (PROG, text))
    sys.stderr.flush()


def _pump_stdout(pipe, console):
    lines = LineSplitter(console)
    while True:
        chunk = os.read(pipe.fileno(), 65536)
        if not chunk:
            break
        lines.feed(chunk)
    lines.finish()


def _pump_stderr(pipe, sink, echo):
    while True:
        chunk = os.read(pipe.fileno(), 65536)
        if not chunk:
            break
        sink.append(chunk)
        if echo:
            try:
                sys.stderr.buffer.write(chunk)
                sys.stderr.buffer.flush()
            except (BrokenPipeError, ValueError):
                pass


class Result:
    def __init__(self):
        self.started = False
        self.start_error = None
        self.timed_out = False
        self.status = None      # QEMU's exit status (negative: signal)
        self.stderr = ""
        self.seconds = 0.0


def run_qemu(cmd, timeout, console, echo_stderr=True):
    """Run one QEMU; never returns with QEMU still running."""
    res = Result()
    t0 = time.monotonic()
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
    except OSError as e:
        res.start_error = "%s: %s" % (cmd[0], e.strerror or e)
        return res
    res.started = True
    err_chunks = []
    threads = [threading.Thread(target=_pump_stdout, args=(proc.stdout, console), daemon=True),
               threading.Thread(target=_pump_stderr, args=(proc.stderr, err_chunks, echo_stderr),
                                daemon=True)]
    for t in threads:
        t.start()
    try:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            res.timed_out = True
    finally:
        kill_group(proc)
        for t in threads:
            t.join(timeout=5)
        proc.stdout.close()
        proc.stderr.close()
    res.seconds = time.monotonic() - t0
    res.status = proc.returncode
    res.stderr = b"".join(err_chunks).decode("utf-8", "replace")
    return res


def _stderr_errors(text):
    """QEMU's stderr lines that are not mere warnings."""
    out = []
    for ln in text.splitlines():
        s = ln.strip()
        if s and "warning:" not in s:
            out.append(s)
    return out


def classify(res):
    """Return (exit code, description) from how QEMU ended."""
    if not res.started:
        return EXIT_EMU, "emulator error: could not start QEMU: %s" % res.start_error
    if res.timed_out:
        return EXIT_HANG, "timeout"
    st = res.status
    if st < 0:
        try:
            name = signal.Signals(-st).name
        except ValueError:
            name = "signal %d" % -st
        return EXIT_EMU, "emulator error: QEMU died on %s" % name
    if "terminating on signal" in res.stderr:
        # QEMU exits 0 when it is sent SIGTERM/SIGINT/SIGHUP from outside.
        return EXIT_EMU, "emulator error: QEMU was killed from outside (status %d)" % st
    if st == SUCCESS_STATUS:
        return EXIT_OK, "kernel reported success (qemu status %d)" % st
    if st == 1 and _stderr_errors(res.stderr):
        return EXIT_EMU, "emulator error: QEMU exited 1: %s" % _stderr_errors(res.stderr)[-1]
    if st == 0:
        return EXIT_FAIL, ("kernel failure: QEMU exited 0 without the success code "
                           "(reset/triple fault or power-off)")
    if st & 1:
        return EXIT_FAIL, ("kernel reported failure (isa-debug-exit 0x%x, qemu status %d)"
                           % (st >> 1, st))
    return EXIT_EMU, "emulator error: unexpected QEMU status %d" % st


# ---------------------------------------------------------------------------
# QEMU command line

_SIZE = re.compile(r"^\d+(?:\.\d+)?[kKmMgGtTpPeE]?[bB]?$")


def norm_size(size):
    """QEMU's -m takes MiB without a suffix; a memory backend takes bytes."""
    size = size.strip()
    if not _SIZE.match(size):
        return None
    return size + "M" if size[-1].isdigit() else size


def _opt(tok):
    return "-" + tok.lstrip("-") if tok.startswith("-") else None


def has_opt(extra, *names):
    return any(_opt(t) in names for t in extra)


def extra_mem_size(extra):
    """Size of the last -m in @extra (or None)."""
    size = None
    for i, tok in enumerate(extra):
        if _opt(tok) == "-m" and i + 1 < len(extra):
            first = extra[i + 1].split(",")[0]
            size = first[5:] if first.startswith("size=") else first
    return size


def memory_args(mem, extra):
    """Lazily backed RAM: reserve=off keeps QEMU from needing swap or free
    memory for the whole size up front."""
    if mem:
        size = norm_size(mem)
        return ["-object", "memory-backend-ram,id=ram0,size=%s,reserve=off" % size,
                "-machine", "memory-backend=ram0", "-m", size]
    size = extra_mem_size(extra)
    if size is None:
        return []
    joined = " ".join(extra)
    if "memory-backend" in joined or "memdev" in joined or has_opt(extra, "-numa"):
        return []
    size = norm_size(size)
    if size is None:
        return []          # let QEMU complain about it
    return ["-object", "memory-backend-ram,id=ram0,size=%s,reserve=off" % size,
            "-machine", "memory-backend=ram0"]


def firmware_args(firmware, tmpdir):
    if firmware == "bios":
        return []          # SeaBIOS, QEMU's default
    for path in OVMF_COMBINED:
        if os.path.isfile(path):
            return ["-bios", path]
    for code, varsf in OVMF_SPLIT:
        if os.path.isfile(code) and os.path.isfile(varsf):
            vars_copy = os.path.join(tmpdir, "OVMF_VARS.fd")
            shutil.copyfile(varsf, vars_copy)
            return ["-drive", "if=pflash,format=raw,unit=0,readonly=on,file=%s" % code,
                    "-drive", "if=pflash,format=raw,unit=1,file=%s" % vars_copy]
    raise Failure(EXIT_EMU, "no OVMF firmware found (install the ovmf package)")


def accel_args(accel):
    if accel == "kvm":
        return ["-accel", "kvm"]
    return ["-accel", "tcg,thread=multi"]


def build_cmd(qemu, iso, accel, firmware_a, mem, extra, host_memory="lazy", qmp=None):
    """The QEMU command. With @qmp (a socket path) the machine is built for
    several boots: it starts paused (-S) for the runner to connect, a guest
    power-off pauses it (-no-shutdown) and a reset reboots it, and there is
    no isa-debug-exit, whose write would end QEMU after the first boot."""
    cmd = [qemu]
    if not has_opt(extra, "-machine", "-M"):
        cmd += ["-machine", "q35"]
    cmd += accel_args(accel)
    if not has_opt(extra, "-cpu"):
        cmd += ["-cpu", "host" if accel == "kvm" else "max"]
    cmd += ["-nodefaults", "-display", "none", "-vga", "none", "-serial", "stdio", "-monitor", "none"]
    if qmp:
        cmd += ["-S", "-no-shutdown", "-qmp", "unix:%s,server=on,wait=off" % qmp]
    else:
        cmd += ["-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    cmd += memory_args(mem, extra)
    cmd += firmware_a
    cmd += ["-cdrom", iso]
    cmd += extra
    return hostmem.backed(cmd, host_memory)


# ---------------------------------------------------------------------------
# accelerator choice

def _cache_home():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "meminit")


def _probe_key(qemu):
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            boot_id = f.read().strip()
    except OSError:
        boot_id = "unknown"
    path = shutil.which(qemu) or qemu
    real = os.path.realpath(path)
    try:
        st = os.stat(real)
        ident = [real, st.st_size, st.st_mtime_ns]
    except OSError:
        ident = [real]
    return {"boot_id": boot_id, "qemu": ident}


def probe_kvm(qemu, iso, tmpdir):
    """Return (use_kvm, reason)."""
    if not os.path.exists("/dev/kvm"):
        return False, "no /dev/kvm"
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False, "/dev/kvm not readable+writable"
    cache = os.path.join(_cache_home(), "kvm-probe")
    key = _probe_key(qemu)
    try:
        with open(cache) as f:
            cached = json.load(f)
        if cached.get("key") == key:
            ok = bool(cached.get("ok"))
            return ok, "kvm probe %s: %s; cached" % ("passed" if ok else "failed",
                                                      cached.get("reason", "?"))
    except (OSError, ValueError, AttributeError):
        pass
    msg("probing kvm: booting the ISO under kvm (up to %ds; verdict cached per host boot)"
        % KVM_PROBE_TIMEOUT)
    cmd = build_cmd(qemu, iso, "kvm", [], None, [])
    res = run_qemu(cmd, KVM_PROBE_TIMEOUT, Console(echo=False), echo_stderr=False)
    code, what = classify(res)
    if code == EXIT_OK:
        ok, reason, conclusive = True, "booted in %.1fs" % res.seconds, True
    elif code == EXIT_HANG:
        ok, reason, conclusive = False, "timed out after %gs" % KVM_PROBE_TIMEOUT, True
    elif code == EXIT_EMU:
        errs = _stderr_errors(res.stderr)
        ok, reason, conclusive = False, (errs[-1] if errs else what), True
    else:
        # The kernel itself failed: that says little about KVM (the kernel may
        # be broken under TCG too), so do not remember it.
        ok, reason, conclusive = False, what, False
    if conclusive:
        try:
            os.makedirs(os.path.dirname(cache), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(cache), prefix=".kvm-probe.")
            with os.fdopen(fd, "w") as f:
                json.dump({"key": key, "ok": ok, "reason": reason,
                           "when": time.strftime("%Y-%m-%dT%H:%M:%S")}, f)
                f.write("\n")
            os.replace(tmp, cache)
        except OSError:
            pass
    return ok, "kvm probe %s: %s" % ("passed" if ok else "failed", reason)


# ---------------------------------------------------------------------------

def parse_args(argv):
    if "--" in argv:
        i = argv.index("--")
        own, extra = argv[:i], argv[i + 1:]
    else:
        own, extra = argv, []
    ap = argparse.ArgumentParser(
        prog="run-qemu", description="Boot the meminit ISO in QEMU (q35, serial console on "
        "stdout) and report how the kernel exited.",
        usage="%(prog)s [options] [-- EXTRA QEMU ARGS...]",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iso", default=DEFAULT_ISO,
                    help="ISO to boot (default: build/meminit.iso in the repository)")
    ap.add_argument("--cmdline", default="", metavar="STRING",
                    help="words appended to the kernel command line in grub.cfg "
                    "(use --cmdline=STRING if it starts with '-')")
    ap.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS",
                    help="kill QEMU and exit 3 after this long (default 120)")
    ap.add_argument("--accel", choices=("auto", "kvm", "tcg"), default="auto",
                    help="auto (default): kvm only if a cached probe boot shows it works")
    ap.add_argument("--firmware", choices=("bios", "uefi"), default="bios",
                    help="bios: SeaBIOS (default); uefi: OVMF")
    ap.add_argument("--log", metavar="FILE", help="also write every console line to FILE")
    ap.add_argument("--mem", metavar="SIZE",
                    help="guest RAM (e.g. 64G), lazily backed (reserve=off)")
    ap.add_argument("--nodes", type=int, metavar="N",
                    help="an even NUMA machine of N nodes: --mem (default 2G per node) split "
                    "over them, each lazily backed, --cpus vCPUs dealt round-robin, a SLIT "
                    "from --distances (bench/meminit_bench/topology.py)")
    ap.add_argument("--cpus", type=int, metavar="C",
                    help="with --nodes: vCPUs in all (default one per node)")
    ap.add_argument("--distances", metavar="L,R|MATRIX",
                    help="with --nodes: local,remote (e.g. 10,20) or rows split by ';' "
                    "(e.g. 10,16;16,10); default QEMU's 10/20")
    ap.add_argument("--quiet", action="store_true",
                    help="print only console lines starting with '@' (and the boot markers)")
    ap.add_argument("--boots", type=int, default=1, metavar="N",
                    help="boot N times (default 1); warm adds a host-cold warm-up boot before them")
    ap.add_argument("--host-memory", choices=("auto",) + hostmem.MODES, default="auto",
                    help="how the host backs guest RAM: lazy, prealloc, warm, or auto (default: "
                    "prealloc for a small guest that fits, else warm; see below)")
    args = ap.parse_args(own)
    args.extra = extra
    if args.timeout <= 0:
        ap.error("--timeout must be positive")
    if args.boots < 1:
        ap.error("--boots must be at least 1")
    if args.mem is not None:
        if norm_size(args.mem) is None:
            ap.error("--mem: not a size: %r (e.g. 512M, 64G)" % args.mem)
        if extra_mem_size(extra) is not None:
            ap.error("--mem and '-m' after '--' both set the memory size")
    if args.nodes is not None:
        numa_machine(ap, args)
    elif args.cpus is not None or args.distances is not None:
        ap.error("--cpus and --distances describe a --nodes machine")
    if not os.path.isfile(args.iso):
        ap.error("no such ISO: %s (build it first, or pass --iso)" % args.iso)
    if args.host_memory == "auto":
        guest = hostmem.guest_bytes(memory_args(args.mem, args.extra) + args.extra)
        args.host_memory = hostmem.choose(guest, args.boots, hostmem.available_bytes())
    return args


def numa_machine(ap, args):
    """--nodes/--cpus/--mem/--distances become the topology's QEMU arguments,
    placed before the extra ones."""
    if has_opt(args.extra, "-m", "-smp", "-numa"):
        ap.error("--nodes builds the machine: drop -m, -smp and -numa after '--'")
    if args.nodes < 1 or (args.cpus is not None and args.cpus < 1):
        ap.error("--nodes and --cpus must be at least 1")
    try:
        mem = parse_size(args.mem) if args.mem else args.nodes * 2 * GiB
        distance = parse_distances(args.distances, args.nodes) if args.distances else None
        topo = machine(args.nodes, args.cpus or args.nodes, mem, distance)
    except ValueError as e:
        ap.error(str(e))
    args.extra = topo.qemu_args() + args.extra
    args.mem = None


# ---------------------------------------------------------------------------
# several boots in one QEMU

class BootConsole(Console):
    """A Console that also follows the boots of one QEMU: the marker line
    before each, and whether the current boot has printed @boot and @exit.
    Lines come from the stdout pump, markers from the runner: one lock
    keeps them in order."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.changed = threading.Condition()
        self.boot_records = []   # @boot records of the current boot
        self.exit_seen = None    # the current boot's @exit record, once printed

    def begin(self, marker):
        with self.changed:
            self.boot_records, self.exit_seen, self.exit_record = [], None, None
            quiet, self.quiet = self.quiet, False  # the marker shows even with --quiet
            super().line(marker)
            self.quiet = quiet

    def line(self, text):
        with self.changed:
            super().line(text)
            if text.startswith("@boot "):
                try:
                    self.boot_records.append(json.loads(text[6:]))
                except ValueError:
                    self.boot_records.append({})
            if self.exit_record is not None and self.exit_seen is None:
                self.exit_seen = self.exit_record
            self.changed.notify_all()

    def wait_end(self, timeout, proc):
        """'exit' once the boot printed @exit, 'reset' when a second @boot
        came first (the machine reset itself), 'died' when QEMU ended,
        'timeout' after @timeout seconds."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                if self.exit_seen is not None:
                    return "exit"
                if len(self.boot_records) > 1:
                    return "reset"
                if proc.poll() is not None:
                    return "died"
                left = deadline - time.monotonic()
                if left <= 0:
                    return "timeout"
                self.changed.wait(min(left, 0.2))


def exit_verdict(code, status, rec, bad):
    """The run's code after comparing what QEMU said with the @exit record."""
    if bad is not None:
        msg("warning: unparsable @exit record: %s" % bad)
    if rec is None or code not in (EXIT_OK, EXIT_FAIL):
        return code
    said = rec.get("ok")
    if not isinstance(said, bool):
        msg("warning: @exit record without a boolean \"ok\"")
    elif code == EXIT_OK and not said:
        msg("mismatch: QEMU status %s says success but @exit said ok:false; "
            "counting it as a failure" % status)
        return EXIT_FAIL
    elif code == EXIT_FAIL and said:
        msg("mismatch: @exit said ok:true but the kernel did not signal success "
            "(qemu status %s)" % status)
    return code


def run_each_alone(args, cmd, console, plan):
    """lazy: one QEMU per boot, each ended by isa-debug-exit."""
    code = EXIT_OK
    for index, (host_memory, repeat) in enumerate(plan, 1):
        if len(plan) > 1:
            console.begin(hostmem.marker(index, len(plan), host_memory, repeat))
        res = run_qemu(cmd, args.timeout, console)
        code, what = classify(res)
        if code == EXIT_HANG:
            msg("timeout after %g s (hang)" % args.timeout)
        elif code == EXIT_EMU:
            msg(what)
        else:
            msg("%s after %.1fs" % (what, res.seconds))
        code = exit_verdict(code, res.status, console.exit_record, console.exit_record_bad)
        if code != EXIT_OK:
            break
    return code


def boot_in_session(args, qmp, proc, console, index, plan):
    """Start boot @index of the session and wait for its end; returns
    (exit code, what happened)."""
    host_memory, repeat = plan[index - 1]
    qmp.drop_events()
    console.begin(hostmem.marker(index, len(plan), host_memory, repeat))
    if index > 1:
        qmp.command("system_reset")
        if qmp.wait_event("RESET", 10) is None:
            return EXIT_EMU, "emulator error: no RESET event after system_reset"
    if qmp.command("query-status").get("status") != "running":
        qmp.command("cont")
    t0 = time.monotonic()
    end = console.wait_end(args.timeout, proc)
    seconds = time.monotonic() - t0
    if end == "timeout":
        return EXIT_HANG, "timeout after %g s (hang)" % args.timeout
    if end == "died":
        return EXIT_EMU, "emulator error: QEMU ended during the boot (status %s)" % proc.returncode
    if end == "reset":
        return EXIT_FAIL, "kernel failure: the machine reset itself before @exit (triple fault?)"
    # The kernel powers off after @exit; one that cannot (no ACPI S5) halts, and a reset ends that too.
    qmp.wait_event("SHUTDOWN", 5)
    counted = console.boot_records[0].get("boot_count") if console.boot_records else None
    if counted not in (None, 0, index):
        msg("warning: boot %d of this QEMU says boot_count %s" % (index, counted))
    said = console.exit_seen.get("ok")
    if said is True:
        return EXIT_OK, "kernel reported success after %.1fs" % seconds
    return EXIT_FAIL, "kernel reported failure (@exit ok: %s) after %.1fs" % (said, seconds)


def run_session(args, cmd, console, plan, qmp_path):
    """prealloc and warm: every boot in one QEMU, reset over QMP between them."""
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
    except OSError as e:
        raise Failure(EXIT_EMU, "emulator error: could not start QEMU: %s: %s"
                      % (cmd[0], e.strerror or e)) from None
    err_chunks = []
    threads = [threading.Thread(target=_pump_stdout, args=(proc.stdout, console), daemon=True),
               threading.Thread(target=_pump_stderr, args=(proc.stderr, err_chunks, True), daemon=True)]
    for t in threads:
        t.start()
    qmp, code = None, EXIT_OK
    try:
        qmp = Qmp(qmp_path, proc, PREALLOC_TIMEOUT + args.timeout)
        code = run_boots(args, qmp, proc, console, plan)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    except QmpError as e:
        errors = _stderr_errors(b"".join(err_chunks).decode("utf-8", "replace")) if proc.poll() is not None else []
        raise Failure(EXIT_EMU, "emulator error: %s" % (errors[-1] if errors else e)) from None
    finally:
        if qmp is not None:
            qmp.close()
        kill_group(proc)
        for t in threads:
            t.join(timeout=5)
        proc.stdout.close()
        proc.stderr.close()
    return code


def run_boots(args, qmp, proc, console, plan):
    """Every boot of the plan in turn, stopping at the first that fails; then QEMU quits."""
    code = EXIT_OK
    for index in range(1, len(plan) + 1):
        code, what = boot_in_session(args, qmp, proc, console, index, plan)
        msg("boot %d of %d (%s, repeat %d): %s" % (index, len(plan), plan[index - 1][0],
                                                   plan[index - 1][1], what))
        if code != EXIT_OK:
            break
    try:
        qmp.command("quit", timeout=5)
    except QmpError:
        pass
    return code


def main(argv):
    args = parse_args(argv)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, raise_interrupted)
    qemu = os.environ.get("QEMU", "qemu-system-x86_64")
    tmpdir = tempfile.mkdtemp(prefix="run-qemu.")
    log = None
    try:
        if args.log:
            try:
                log = open(args.log, "w", encoding="utf-8")
            except OSError as e:
                msg("cannot open log file: %s" % e)
                return EXIT_USAGE
        iso = args.iso
        words = args.cmdline.split()
        if words:
            iso, how = patched_iso(args.iso, words, tmpdir)
            msg("cmdline patch (%s)" % how)

        if args.accel == "auto":
            use_kvm, reason = probe_kvm(qemu, args.iso, tmpdir)
            accel = "kvm" if use_kvm else "tcg"
        else:
            accel, reason = args.accel, "requested"
        msg("accel=%s (%s)" % (accel, reason))

        plan = hostmem.boot_plan(args.host_memory, args.boots)
        one_process = len(plan) > 1 and args.host_memory != "lazy"
        qmp_path = os.path.join(tmpdir, "qmp.sock") if one_process else None
        cmd = build_cmd(qemu, iso, accel, firmware_args(args.firmware, tmpdir),
                        args.mem, args.extra, args.host_memory, qmp_path)
        msg("host memory %s, %d boot%s%s" % (args.host_memory, len(plan), "s" if len(plan) > 1 else "",
                                             " in one QEMU" if one_process else ""))
        msg("command: " + shlex.join(cmd))
        console = BootConsole(quiet=args.quiet, log=log)
        if one_process:
            return run_session(args, cmd, console, plan, qmp_path)
        return run_each_alone(args, cmd, console, plan)
    except Failure as f:
        msg(f.text)
        return f.code
    except (KeyboardInterrupt, Interrupted) as e:
        signum = getattr(e, "signum", signal.SIGINT)
        msg("interrupted by %s; QEMU stopped" % signal.Signals(signum).name)
        return 128 + signum
    finally:
        if log is not None:
            log.close()
        shutil.rmtree(tmpdir, ignore_errors=True)
