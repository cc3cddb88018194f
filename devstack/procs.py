"""Child processes for the supervisor: each in its own process group, output prefixed."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

import psutil

COLOURS = {"web": "32", "worker": "36", "beat": "35", "start": "1"}
print_lock = threading.Lock()  # whole lines from several threads


def say(name: str, line: str) -> None:
    """One line of output, prefixed like ``worker | ...`` (in colour on a terminal)."""
    with print_lock, contextlib.suppress(OSError, ValueError):
        prefix = f"{name:<6} | "
        if sys.stdout.isatty():
            prefix = f"\033[{COLOURS.get(name, '0')}m{prefix}\033[0m"
        # The terminal may be gone (SIGHUP): shutting down matters more than the log line.
        sys.stdout.write(prefix + line.rstrip("\n") + "\n")
        sys.stdout.flush()


class Child:
    """A long-running program (web, worker, beat) started in a new session.

    A new session keeps the terminal's Ctrl-C away from it, so the supervisor
    decides the order of shutdown, and lets us signal the whole group
    (runserver's autoreloader child, the worker's pool processes) at once.
    """

    def __init__(self, name: str, argv: Sequence[str], *, on_line: Callable[[str], None] | None = None) -> None:
        self.name = name
        self.argv = list(argv)
        self.on_line = on_line
        self.process: subprocess.Popen[str] | None = None
        self._pump: threading.Thread | None = None

    def start(self, *, env: dict[str, str], cwd: Path) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own commands
            self.argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            errors="replace",
            start_new_session=True,
        )
        assert self.process.stdout is not None
        self._pump = threading.Thread(target=self._forward, args=(self.process.stdout,), daemon=True)
        self._pump.start()

    def _forward(self, stream: IO[str]) -> None:
        for line in stream:
            say(self.name, line)
            if self.on_line is not None:
                self.on_line(line)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal_group(self, signum: int) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signum)

    def wait_stopped(self, timeout: float, *, hurry: Callable[[], bool] = lambda: False) -> None:
        """Wait for the group leader (less if ``hurry()`` turns true); then leave no member of its group."""
        if self.process is None:
            return
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline and not hurry():
            time.sleep(0.05)
        if self.process.poll() is None:
            say("start", f"{self.name} is still running, killing it")
        kill_group(self.process.pid, grace=0 if self.process.poll() is None else 2)
        self.process.wait()
        if self._pump is not None:
            self._pump.join(timeout=2)


def group_members(pgid: int) -> list[psutil.Process]:
    members = []
    for process in psutil.process_iter():
        try:
            if os.getpgid(process.pid) == pgid:
                members.append(process)
        except (ProcessLookupError, psutil.Error, OSError):
            continue
    return members


def kill_group(pgid: int, *, grace: float) -> None:
    """SIGTERM what is left of a process group, then SIGKILL after ``grace`` seconds."""
    deadline = time.monotonic() + grace
    sent_term = False
    while True:
        members = group_members(pgid)
        if not members:
            return
        if time.monotonic() >= deadline:
            for member in members:
                with contextlib.suppress(psutil.Error):
                    member.kill()
            psutil.wait_procs(members, timeout=3)
            return
        if not sent_term:
            try:
                os.killpg(pgid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                return
            sent_term = True
        time.sleep(0.1)


class ChildRegistry:
    """Remembers the process groups we started, so a run that was killed (kill -9)
    can be cleaned up by the next one instead of leaving orphans holding ports."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def record(self, children: Sequence[Child]) -> None:
        entries = []
        for child in children:
            if child.process is None:
                continue
            try:
                created = psutil.Process(child.pid).create_time()
            except psutil.Error:
                continue
            entries.append({"name": child.name, "pid": child.pid, "created": created})
        self.path.write_text(json.dumps(entries))

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)

    def reap_leftovers(self) -> list[str]:
        """Stop the groups a previous run left behind; returns their names."""
        try:
            entries = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return []
        reaped = []
        for entry in entries:
            try:
                process = psutil.Process(entry["pid"])
                same = abs(process.create_time() - entry["created"]) < 1
            except (psutil.Error, KeyError, TypeError):
                same = False
            if same:
                kill_group(entry["pid"], grace=10)
                reaped.append(str(entry.get("name")))
        self.clear()
        return reaped
