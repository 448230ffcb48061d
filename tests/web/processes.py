"""Real ``intake`` processes for tests: environment, start, wait for a condition, kill.

Each process gets the worktree on ``PYTHONPATH`` and only the ``INTAKE_*`` variables the
test gives it; its output goes to a log file that a failing assertion shows.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, TypeVar

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def environment(settings: Mapping[str, str]) -> dict[str, str]:
    """The process environment: this one without INTAKE_* variables, plus ``settings``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    return {**base, "PYTHONPATH": str(ROOT), "INTAKE_COOKIE_SECURE": "0", **settings}


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Process:
    """A child process in its own session, logging to ``log``."""

    def __init__(self, args: list[str], env: Mapping[str, str], log: Path) -> None:
        self.log = log
        self._out: IO[bytes] = log.open("ab")
        self.popen = subprocess.Popen(
            args, cwd=ROOT, env=dict(env), stdout=self._out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    @property
    def pid(self) -> int:
        """The process id."""
        return self.popen.pid

    def output(self) -> str:
        """What the process has written so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def descendants(self) -> list[int]:
        """Every living process below this one (the parser's sandbox has its own session)."""
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
        found, todo = [], [self.pid]
        while todo:
            for child in children.get(todo.pop(), []):
                found.append(child)
                todo.append(child)
        return found

    def kill(self) -> None:
        """SIGKILL the process and everything below it, as a power cut would."""
        for pid in [self.pid, *self.descendants()]:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.popen.wait()
        self._out.close()

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM (a warm shutdown), then SIGKILL if it does not end in time."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                return
        self._out.close()


def intake(args: list[str], env: Mapping[str, str], log: Path) -> Process:
    """``intake ARGS`` as a child process."""
    return Process([sys.executable, "-m", "intake.cli", *args], env, log)


@contextmanager
def running(processes: list[Process]) -> Iterator[list[Process]]:
    """Stop every process at the end of the block, whatever happened."""
    try:
        yield processes
    finally:
        for process in processes:
            process.stop()


def wait_for(
    condition: Callable[[], T | None], *, timeout: float, what: str, poll: float = 0.1
) -> T:
    """Poll ``condition`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(poll)


def wait_http(url: str, process: Process, timeout: float = 30) -> None:
    """Wait until ``url`` answers (any HTTP status), failing early if the process died."""

    def answers() -> bool:
        assert process.popen.poll() is None, process.output()
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    wait_for(answers, timeout=timeout, what=url)


def run_intake(args: list[str], env: Mapping[str, str]) -> str:
    """Run ``intake ARGS`` to its end; its standard output (failing on a non-zero status)."""
    done = subprocess.run(
        [sys.executable, "-m", "intake.cli", *args], cwd=ROOT, env=dict(env),
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout
