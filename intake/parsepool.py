"""A pool of parser processes (``intake.parseworker``) that parse untrusted files under limits.

Each worker is a separate Python process started with ``subprocess`` (never a fork
of the calling process, which may be a multi-threaded web server), in a process
group of its own, talking JSON lines over two pipes. A caller takes an idle worker
from a queue (so any number of threads may call ``parse`` at once; they wait for a
free worker), sends it one path and waits for the answer until the wall-clock
limit. A worker is replaced after ``max_files`` files, when it asks to be (after
OCR, LibreOffice or a large file), and after any failure: a crash, a limit hit or
a timeout kills its whole process group (LibreOffice included). Workers are
started lazily, one more each time every started worker is busy, and the next one
is started as soon as one is retired, so its imports overlap the caller's work.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

from intake.sandbox import MSG_CRASH, MSG_TIMEOUT, Limits, child_environment, failure_message

log = logging.getLogger(__name__)

STARTUP_TIMEOUT_S = 60  # importing the parsers on a loaded machine
STDERR_TAIL = 4000


class WorkerProcess:
    """One running worker: its process, its two pipes and its standard-error file."""

    def __init__(self, limits: Limits, max_files: int, *, preload: bool = True) -> None:
        self.limits = limits
        self.max_files = max_files
        self.files = 0
        self.ready = False
        self._buffer = b""
        # Kept open as long as the worker runs (its stderr); closed in stop().
        self._stderr: IO[bytes] = tempfile.TemporaryFile(prefix="intake-parser-")  # noqa: SIM115
        command = [sys.executable, "-m", "intake.parseworker"]
        command += ["--memory-mb", str(limits.memory_mb)]
        command += ["--text-memory-mb", str(limits.text_memory_mb)]
        command += ["--cpu-s", str(max(1, int(limits.timeout_s) + 1))]
        command += ["--max-files", str(max_files)]
        if not preload:
            command.append("--lazy")
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            start_new_session=True,  # its own process group, so a kill reaches LibreOffice too
            env=child_environment(),
        )

    @property
    def alive(self) -> bool:
        """True while the process runs and will take another file."""
        return self.process.poll() is None and self.files < self.max_files

    def parse(self, path: Path, ocr_cache: Path | None) -> tuple[dict[str, Any] | str, bool]:
        """(report JSON or the Chinese message why there is none, whether the worker is done)."""
        if not self.ready:
            started = self._read_line(time.monotonic() + STARTUP_TIMEOUT_S)
            if not isinstance(started, dict) or "ready" not in started:
                return self._failure(path, started, "did not start"), True
            self.ready = True
        request = {"path": str(path), "ocr_cache": str(ocr_cache) if ocr_cache else None}
        try:
            assert self.process.stdin is not None
            self.process.stdin.write(json.dumps(request).encode() + b"\n")
            self.process.stdin.flush()
        except OSError:  # the worker is gone
            return self._failure(path, None, "refused the request"), True
        self.files += 1
        reply = self._read_line(time.monotonic() + self.limits.timeout_s)
        if isinstance(reply, dict) and isinstance(reply.get("report"), dict):
            done = bool(reply.get("last")) or self.files >= self.max_files
            return reply["report"], done
        return self._failure(path, reply, "failed"), True

    def _read_line(self, deadline: float) -> dict[str, Any] | str | None:
        """The next JSON line; "timeout" when the deadline passes, None at end of output."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout"
            readable, _, _ = select.select([fd], [], [], remaining)
            if not readable:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            message = json.loads(line)
        except ValueError:
            return None
        return message if isinstance(message, dict) else None

    def _failure(self, path: Path, reply: object, what: str) -> str:
        """Kill the group; the Chinese message for how the worker ended."""
        timed_out = reply == "timeout"
        if not timed_out:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)  # it closed its output: let it finish dying
        self._kill()
        if timed_out:
            log.warning("parse of %s killed after %s s", path, self.limits.timeout_s)
            message = MSG_TIMEOUT.format(seconds=format(self.limits.timeout_s, "g"))
        else:
            log.error("parser worker %s for %s", what, path)
            message = failure_message(
                self.process.returncode, self._stderr_tail(), self.limits, path
            )
        self.stop()
        return message

    def _stderr_tail(self) -> bytes:
        if self._stderr.closed:  # the pool was closed while this worker parsed
            return b""
        self._stderr.seek(0, os.SEEK_END)
        size = self._stderr.tell()
        self._stderr.seek(max(0, size - STDERR_TAIL))
        return self._stderr.read()

    def _kill(self) -> None:
        """Kill the process group (the worker and anything it started) and reap the worker."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        """Close the pipes and the stderr file, kill the process group, reap the process."""
        for pipe in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                if pipe is not None:
                    pipe.close()
        self._kill()
        self._stderr.close()


class ParserPool:
    """Up to ``workers`` parser processes with the same limits; safe to share between threads.

    With ``preload`` (servers) each worker imports every reader before its first file, so
    that no request waits for an import; without it (one command, one file) a worker
    imports only the reader a file needs, after it has lowered its limits.
    """

    def __init__(
        self, limits: Limits, *, workers: int = 2, max_files: int = 100, preload: bool = True
    ) -> None:
        self.limits = limits
        self.size = max(1, workers)
        self.max_files = max(1, max_files)
        self.preload = preload
        self._idle: queue.LifoQueue[WorkerProcess | None] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._started: set[WorkerProcess] = set()
        self._closed = False
        for _ in range(self.size):
            self._idle.put(None)  # a free slot: a worker is started when first needed

    def start(self, count: int = 1) -> None:
        """Start up to ``count`` workers now, so that their imports overlap the caller's."""
        slots = [self._idle.get() for _ in range(min(count, self.size))]
        for slot in slots:
            self._idle.put(slot if slot is not None else self._replacement())

    def parse(self, path: Path, ocr_cache: Path | None = None) -> dict[str, Any] | str:
        """The report JSON of the file, or the Chinese message why there is none."""
        worker = self._idle.get()
        done = True
        try:
            if worker is None or not worker.alive:
                self._retire(worker)
                worker = None
                worker = self._spawn()
            result, done = worker.parse(path, ocr_cache)
        except OSError:  # no process could be started (too many processes or open files)
            log.exception("no parser worker for %s", path)
            result = MSG_CRASH
        finally:
            if done:
                self._retire(worker)
                worker = self._replacement()
            self._idle.put(worker)  # the slot always goes back, or every caller would wait
        return result

    def workers(self) -> list[int]:
        """The process ids of the running workers."""
        with self._lock:
            return [w.process.pid for w in self._started if w.process.poll() is None]

    def close(self) -> None:
        """Stop every worker (a parse under way in another thread ends as a crash)."""
        with self._lock:
            self._closed = True
            started = list(self._started)
            self._started.clear()
        for worker in started:
            worker.stop()

    def __enter__(self) -> ParserPool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _spawn(self) -> WorkerProcess:
        worker = WorkerProcess(self.limits, self.max_files, preload=self.preload)
        with self._lock:
            self._started.add(worker)
        return worker

    def _replacement(self) -> WorkerProcess | None:
        """A new worker, started now so that it is ready for the next file (None: later)."""
        if self._closed:
            return None
        try:
            return self._spawn()
        except OSError:
            log.exception("could not start a parser worker")
            return None

    def _retire(self, worker: WorkerProcess | None) -> None:
        if worker is None:
            return
        with self._lock:
            self._started.discard(worker)
        worker.stop()
