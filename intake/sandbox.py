"""Parse an untrusted file in a child process with time, memory, file-size and descriptor limits.

One hostile upload must never take down or stall the service: the parse runs in
``python -m intake.sandbox FILE`` in its own process group. The child lowers its own
resource limits before importing any parser (RLIMIT_AS, RLIMIT_CPU, RLIMIT_FSIZE,
RLIMIT_NOFILE; LibreOffice, started by the .doc reader, inherits them) and prints
the report JSON, sources included, on its standard output. The parent kills the
whole group when the wall-clock limit passes. Any crash, kill, timeout or memory
exhaustion becomes a ``FILE_UNREADABLE`` report with a Chinese message; the
details go to the log, never to the user.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import resource
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from intake.application import Problem, Report

log = logging.getLogger(__name__)

EXIT_MEMORY = 3
EXIT_CRASH = 4
MAX_OUTPUT_FILE_MB = 256  # LibreOffice's converted .docx and the OCR cache are far smaller
MAX_OPEN_FILES = 512
STDERR_TAIL = 4000

MSG_TIMEOUT = "文件处理超时（超过 {seconds} 秒），可能已损坏或过于复杂"
MSG_MEMORY = "文件处理所需内存超出限制（{megabytes} MB），可能已损坏或过于复杂"
MSG_OUTPUT = "文件处理时产生的数据超出限制，可能已损坏或是异常文件"
MSG_CRASH = "文件处理失败，无法读取，可能已损坏；原文件已保存，审核人员可以查看"


@dataclass(frozen=True)
class Limits:
    """What one parse may use: wall-clock seconds and address space in MB."""

    timeout_s: float = 120
    memory_mb: int = 2048


def parse_isolated(
    path: Path,
    *,
    timeout_s: float,
    memory_mb: int,
    ocr_cache: Path | None = None,
    name: str | None = None,
) -> Report:
    """The report of ``parse_report(path)`` computed in a limited child process."""
    label = name or str(path)
    command = [sys.executable, "-m", "intake.sandbox", str(path), "--memory-mb", str(memory_mb)]
    command += ["--cpu-s", str(max(1, int(timeout_s) + 1))]
    if ocr_cache is not None:
        command += ["--ocr-cache", str(ocr_cache)]
    outcome = _run(command, Limits(timeout_s, memory_mb), path)
    if isinstance(outcome, str):
        return _unreadable(label, outcome)
    outcome["file"] = label
    return Report.from_json(outcome)


def _run(command: list[str], limits: Limits, path: Path) -> dict[str, Any] | str:
    """The child's report JSON, or the Chinese message saying why there is none."""
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, so a kill reaches LibreOffice too
        env=_child_environment(),
    )
    try:
        out, err = process.communicate(timeout=limits.timeout_s)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.communicate()
        log.warning("parse of %s killed after %s s", path, limits.timeout_s)
        return MSG_TIMEOUT.format(seconds=_seconds(limits.timeout_s))
    finally:
        _kill_group(process)  # anything the child left running in its group
    return _outcome(process.returncode, out, err, limits, path)


def _outcome(code: int, out: bytes, err: bytes, limits: Limits, path: Path) -> dict[str, Any] | str:
    """Turn the child's exit status and output into a report JSON or a message."""
    tail = err[-STDERR_TAIL:].decode("utf-8", "replace")
    if code == 0:
        try:
            data = json.loads(out)
        except ValueError:
            log.error("parse of %s printed no report: %s", path, tail)
            return MSG_CRASH
        if isinstance(data, dict):
            return data
    log.error("parse of %s ended with status %s: %s", path, code, tail)
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        return MSG_TIMEOUT.format(seconds=_seconds(limits.timeout_s))
    if code == EXIT_MEMORY or "MemoryError" in tail or "bad_alloc" in tail:
        return MSG_MEMORY.format(megabytes=limits.memory_mb)
    if code == -signal.SIGXFSZ:
        return MSG_OUTPUT
    return MSG_CRASH


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _seconds(timeout_s: float) -> str:
    return format(timeout_s, "g")


def _child_environment() -> dict[str, str]:
    """The parent's environment with thread pools kept small (they reserve address space)."""
    env = dict(os.environ)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "2")
    env.setdefault("MALLOC_ARENA_MAX", "2")
    return env


def _unreadable(label: str, message: str) -> Report:
    problem = Problem(code="FILE_UNREADABLE", severity="error", field=None, message=message)
    return Report(file=label, application=None, problems=[problem])


# ---------------------------------------------------------------- the child


def limit_resources(memory_mb: int, cpu_s: int) -> None:
    """Lower this process's limits (soft and hard, so the parser cannot raise them again)."""
    megabyte = 1024 * 1024
    _lower(resource.RLIMIT_AS, memory_mb * megabyte)
    _lower(resource.RLIMIT_CPU, cpu_s)
    _lower(resource.RLIMIT_FSIZE, MAX_OUTPUT_FILE_MB * megabyte)
    _lower(resource.RLIMIT_NOFILE, MAX_OPEN_FILES)
    _lower(resource.RLIMIT_CORE, 0)


def _lower(kind: int, value: int) -> None:
    _soft, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(kind, (value, value))


def main(argv: list[str] | None = None) -> int:
    """Child entry point: limits, parse, the report JSON on the original standard output."""
    parser = argparse.ArgumentParser(prog="python -m intake.sandbox")
    parser.add_argument("file", type=Path)
    parser.add_argument("--memory-mb", type=int, default=Limits.memory_mb)
    parser.add_argument("--cpu-s", type=int, default=int(Limits.timeout_s))
    parser.add_argument("--ocr-cache", type=Path, default=None)
    args = parser.parse_args(argv)
    result = _private_stdout()
    limit_resources(args.memory_mb, args.cpu_s)
    try:
        from intake.checking import parse_report

        report = parse_report(args.file, ocr_cache=args.ocr_cache)
    except MemoryError:
        return EXIT_MEMORY
    json.dump(report.to_json(with_sources=True), result, ensure_ascii=False)
    result.flush()
    return 0


def _private_stdout() -> IO[str]:
    """A copy of standard output for the report; fd 1 then points at stderr, so library
    chatter (OCR, LibreOffice) cannot corrupt the JSON."""
    result = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return result


if __name__ == "__main__":
    sys.exit(main())
