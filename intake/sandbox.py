"""Parse an untrusted file in a pool of limited parser processes, never in the caller.

One hostile file must never take down or stall the service or the reviewer's
machine: the parse runs in a worker of ``intake.parsepool`` (``python -m
intake.parseworker``), a process group of its own that lowers its resource limits
before it reads any file (RLIMIT_AS, RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_NOFILE;
LibreOffice, started by the .doc reader, inherits them). The caller kills the whole
group when the wall-clock limit passes. Any crash, kill, timeout or memory
exhaustion becomes a ``FILE_UNREADABLE`` report with a Chinese message; the details
go to the log, never to the user.

There is one pool per process and per set of limits, created on first use and
shared by every thread (``INTAKE_PARSE_WORKERS`` workers, each replaced after
``INTAKE_PARSE_WORKER_FILES`` files or any failure). Address space: text parsing
runs under ``INTAKE_PARSE_TEXT_MEMORY_MB`` (768 MB), OCR and .doc conversion under
``INTAKE_PARSE_MEMORY_MB`` (2048 MB).
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intake.application import Report
from intake.parseworker import EXIT_MEMORY, EXIT_TEXT_MEMORY

if TYPE_CHECKING:
    from intake.parsepool import ParserPool

log = logging.getLogger(__name__)

STDERR_TAIL = 4000
TEXT_MEMORY_MB = 768  # a .docx or a PDF's text layer; a 1 GB deflate bomb stops here

MSG_TIMEOUT = "文件处理超时（超过 {seconds} 秒），可能已损坏或过于复杂"
MSG_MEMORY = "文件处理所需内存超出限制（{megabytes} MB），可能已损坏或过于复杂"
MSG_OUTPUT = "文件处理时产生的数据超出限制，可能已损坏或是异常文件"
MSG_CRASH = "文件处理失败，无法读取，可能已损坏；原文件已保存，审核人员可以查看"


@dataclass(frozen=True)
class Limits:
    """What one parse may use: wall-clock seconds and address space in MB (text parsing
    gets the lower ``text_memory_mb``; OCR and .doc conversion get ``memory_mb``)."""

    timeout_s: float = 120
    memory_mb: int = 2048
    text_memory_mb: int = TEXT_MEMORY_MB


def parse_isolated(
    path: Path,
    *,
    timeout_s: float,
    memory_mb: int,
    ocr_cache: Path | None = None,
    name: str | None = None,
) -> Report:
    """The report of ``parse_report(path)`` computed by a worker of this process's pool."""
    pool = parser_pool(Limits(timeout_s, memory_mb))
    return report_of(pool.parse(Path(path), ocr_cache), name or str(path))


def report_of(result: dict[str, Any] | str, label: str) -> Report:
    """A worker's answer (report JSON or Chinese message) as the report of ``label``."""
    if isinstance(result, str):
        # Imported here: the verifier's rules are not needed for the usual answer.
        from intake.verify.engine import problem_for

        problem = problem_for("FILE_UNREADABLE", message=result)
        return Report(file=label, application=None, problems=[problem])
    return Report.from_json({**result, "file": label})


# ---------------------------------------------------------------- one pool per process

_pools: dict[tuple[int, Limits], ParserPool] = {}
_pools_lock = threading.Lock()


def parser_pool(limits: Limits, *, preload: bool = True) -> ParserPool:
    """This process's pool for these limits, created on first use (also after a fork);
    ``preload`` is how its workers import the readers (see ``ParserPool``)."""
    from intake.config import load_settings
    from intake.parsepool import ParserPool

    settings = load_settings()
    limits = replace(limits, text_memory_mb=min(settings.parse_text_memory_mb, limits.memory_mb))
    key = (os.getpid(), limits)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            if not _pools:
                atexit.register(close_pools)
            pool = ParserPool(
                limits,
                workers=settings.parse_workers,
                max_files=settings.parse_worker_files,
                preload=preload,
            )
            _pools[key] = pool
        return pool


def prestart(limits: Limits, *, preload: bool = True) -> None:
    """Start one worker now: it starts while the caller does its own imports. A caller
    with one file to read passes ``preload=False``: the worker then imports only the
    reader that file needs (after lowering its limits), not every reader."""
    parser_pool(limits, preload=preload).start(1)


def close_pools() -> None:
    """Stop every worker this process started (at exit)."""
    with _pools_lock:
        mine = [pool for (pid, _), pool in _pools.items() if pid == os.getpid()]
        _pools.clear()
    for pool in mine:
        pool.close()


# ---------------------------------------------------------------- how a worker ended


def outcome(code: int, out: bytes, err: bytes, limits: Limits, path: Path) -> dict[str, Any] | str:
    """Turn a worker's exit status and output into a report JSON or a Chinese message."""
    import json

    if code == 0:
        try:
            data = json.loads(out)
        except ValueError:
            data = None
        if isinstance(data, dict):
            return data
    return failure_message(code, err, limits, path)


def failure_message(code: int, err: bytes, limits: Limits, path: Path) -> str:
    """The Chinese message for a worker that ended without a report; the details are logged."""
    tail = err[-STDERR_TAIL:].decode("utf-8", "replace")
    log.error("parse of %s ended with status %s: %s", path, code, tail)
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        return MSG_TIMEOUT.format(seconds=format(limits.timeout_s, "g"))
    if code == EXIT_TEXT_MEMORY:
        return MSG_MEMORY.format(megabytes=limits.text_memory_mb)
    if code == EXIT_MEMORY or "MemoryError" in tail or "bad_alloc" in tail:
        return MSG_MEMORY.format(megabytes=limits.memory_mb)
    if code == -signal.SIGXFSZ:
        return MSG_OUTPUT
    return MSG_CRASH


def child_environment() -> dict[str, str]:
    """The parent's environment with thread pools kept small (they reserve address space)."""
    env = dict(os.environ)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "2")
    env.setdefault("MALLOC_ARENA_MAX", "2")
    return env
