# SPDX-License-Identifier: MIT
"""What the emulator runners (bench/run-qemu, bench/run-bochs) share about a
run: their exit statuses, the errors that end a run, the kernel's serial
console read line by line (escape sequences stripped, "@exit" remembered),
and stopping the emulator's process group.

Python 3 standard library only."""

import json
import os
import re
import signal
import sys

# The runners' exit statuses (bench/README.md).
EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_HANG, EXIT_EMU = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130


class Interrupted(Exception):
    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def raise_interrupted(signum, _frame):
    """Signal handler: turns SIGTERM/SIGHUP into an Interrupted exception."""
    raise Interrupted(signum)


class Failure(Exception):
    """An error that ends the run with a given exit code."""

    def __init__(self, code, text):
        super().__init__(text)
        self.code = code
        self.text = text


# ---------------------------------------------------------------------------
# console output

# CSI (ESC [ ... final), OSC (ESC ] ... BEL|ST), charset designation
# (ESC ( B), other two-byte escapes, then any C0 control except tab.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[()*+][ -~]"
    r"|\x1b[ -/]*[0-~]"
    r"|\x9b[0-?]*[ -/]*[@-~]"
    r"|[\x00-\x08\x0a-\x1f\x7f]")


def clean_line(raw):
    return _ESCAPES.sub("", raw.decode("utf-8", "replace"))


class Console:
    """Receives cleaned console lines: prints them, logs them, and remembers
    the last "@exit" record."""

    def __init__(self, quiet=False, log=None, echo=True):
        self.quiet = quiet
        self.log = log
        self.echo = echo
        self.exit_record = None     # parsed JSON of the last @exit line
        self.exit_record_bad = None  # text of an unparsable @exit line
        self.lines = 0
        self.stdout_ok = True

    def line(self, text):
        self.lines += 1
        if text.startswith("@exit") and text[5:6] in ("", " ", "{"):
            body = text[5:].strip()
            try:
                rec = json.loads(body)
                if not isinstance(rec, dict):
                    raise ValueError("not an object")
                self.exit_record, self.exit_record_bad = rec, None
            except ValueError:
                self.exit_record_bad = text
        if self.log is not None:
            self.log.write(text + "\n")
            self.log.flush()
        if self.echo and self.stdout_ok and (not self.quiet or text.startswith("@")):
            try:
                sys.stdout.buffer.write(text.encode("utf-8", "replace") + b"\n")
                sys.stdout.buffer.flush()
            except BrokenPipeError:
                # A reader like `head` went away; keep running (and logging).
                self.stdout_ok = False
                try:
                    devnull = os.open(os.devnull, os.O_WRONLY)
                    os.dup2(devnull, sys.stdout.fileno())
                    os.close(devnull)
                except OSError:
                    pass


class LineSplitter:
    """Cuts a byte stream into lines for a Console, whatever the chunk
    boundaries; finish() passes on a last unterminated line."""

    def __init__(self, console):
        self.console = console
        self.pending = b""

    def feed(self, chunk):
        self.pending += chunk
        *lines, self.pending = self.pending.split(b"\n")
        for raw in lines:
            self.console.line(clean_line(raw))

    def finish(self):
        if self.pending:
            text = clean_line(self.pending)
            self.pending = b""
            if text:
                self.console.line(text)


# ---------------------------------------------------------------------------
# the emulator process

def kill_group(proc):
    """SIGKILL the process group of @proc (started with start_new_session)
    and reap it."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    except OSError:
        proc.kill()
    proc.wait()
