# SPDX-License-Identifier: MIT
"""The QEMU monitor protocol (QMP) over a unix socket, for the runners that
reset a machine between boots (bench/run-qemu, bench/meminit_bench/linux_ref.py).

    qmp = Qmp(socket_path, qemu_process, timeout)   # connects, negotiates
    qmp.command("system_reset"); qmp.wait_event("RESET", 10)

Python 3 standard library only."""
import json
import queue
import socket
import threading
import time


class QmpError(Exception):
    """QEMU did not answer, or refused a command."""


class Qmp:
    """The QEMU monitor protocol over a unix socket: commands and their
    answers in order, events kept aside for wait_event()."""

    def __init__(self, path, proc, timeout):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise QmpError("no QMP socket from QEMU")
                time.sleep(0.05)
        self.answers, self.events = queue.Queue(), queue.Queue()
        self.file = self.sock.makefile("rw")
        threading.Thread(target=self._read, daemon=True).start()
        # QEMU answers once it has built the machine: preallocating its RAM comes first.
        self.command("qmp_capabilities", timeout)

    def _read(self):
        try:
            self._read_messages()
        except (OSError, ValueError):
            pass  # QEMU went away: the runner sees that from its process
        self.answers.put({"error": {"desc": "QMP connection closed"}})

    def _read_messages(self):
        for text in self.file:
            try:
                message = json.loads(text)
            except ValueError:
                continue
            if "event" in message:
                self.events.put(message)
            elif "return" in message or "error" in message:
                self.answers.put(message)

    def command(self, name, timeout=10.0):
        """Run one command; its answer's "return", or QmpError."""
        self.file.write(json.dumps({"execute": name}) + "\n")
        self.file.flush()
        try:
            answer = self.answers.get(timeout=timeout)
        except queue.Empty:
            raise QmpError("QMP %s unanswered" % name) from None
        if "error" in answer:
            raise QmpError("QMP %s: %s" % (name, answer["error"].get("desc")))
        return answer["return"]

    def drop_events(self):
        while not self.events.empty():
            self.events.get_nowait()

    def wait_event(self, name, timeout):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                event = self.events.get(timeout=left)
            except queue.Empty:
                return None
            if event["event"] == name:
                return event

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
