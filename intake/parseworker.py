"""One process of the parse pool: ``python -m intake.parseworker``, run by ``intake.parsepool``.

The worker imports the parsers first (so that no parse pays for them; with ``--lazy``,
for a command that reads one file, only what every file needs, and each reader when a
file first needs it), then lowers its own resource limits before it reads any
untrusted byte, then answers requests:
one JSON line on standard input (``{"path": …, "ocr_cache": …}``), one JSON line on
its original standard output (``{"report": …, "last": …}``). It serves at most
``--max-files`` files, and stops after a file that needed OCR or LibreOffice, or
that left it holding much memory, so that nothing one file did lingers for long.

Two address-space limits: text parsing (.docx, the text layer of a PDF) runs under
the lower ``--text-memory-mb``, which stops a decompression bomb early; OCR and
the .doc converter need more and get ``--memory-mb`` (the hard limit). Any crash,
uncaught error or limit hit ends the process; the parent turns its exit status into
a Chinese message and starts another worker.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from intake.application import Problem, Report

EXIT_MEMORY = 3  # out of memory under the full limit (OCR, LibreOffice)
EXIT_TEXT_MEMORY = 5  # out of memory under the text-parsing limit
MAX_OUTPUT_FILE_MB = 256  # LibreOffice's converted .docx and the OCR cache are far smaller
MAX_OPEN_FILES = 512
RETIRE_RSS_MB = 384  # a worker that grew past this (a large file, a caught bomb) is replaced
MEGABYTE = 1024 * 1024


class Worker:
    """The worker's state: its limits and whether it must stop after the current file."""

    def __init__(self, memory_mb: int, text_memory_mb: int, cpu_s: int) -> None:
        self.memory_mb = memory_mb
        self.text_memory_mb = min(text_memory_mb, memory_mb)
        self.cpu_s = cpu_s
        self.heavy = False

    def allow_all_memory(self) -> None:
        """Raise the address-space limit to the hard limit (OCR, LibreOffice); retire after."""
        self.heavy = True
        limit = self.memory_mb * MEGABYTE
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    def start_file(self) -> None:
        """Give the next file its own CPU-seconds budget (the limit counts the process's life)."""
        usage = resource.getrusage(resource.RUSAGE_SELF)
        used = int(usage.ru_utime + usage.ru_stime) + 1
        _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = used + self.cpu_s
        resource.setrlimit(resource.RLIMIT_CPU, (soft if hard < 0 else min(soft, hard), hard))

    def must_retire(self) -> bool:
        """True after OCR or LibreOffice, or when the process holds a lot of memory."""
        return self.heavy or peak_rss_kb() > RETIRE_RSS_MB * 1024


def peak_rss_kb() -> int:
    """This program's peak resident memory, in KiB.

    Read from ``VmHWM``, which starts afresh at exec; ``ru_maxrss`` does not on Linux: a
    process started by a large parent reports the parent's size until it outgrows it.
    """
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii", errors="replace")
    except OSError:
        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def limit_resources(worker: Worker, max_files: int) -> None:
    """Lower the limits; the hard ones stay where the parser cannot raise them again."""
    memory = worker.memory_mb * MEGABYTE
    _lower(resource.RLIMIT_AS, worker.text_memory_mb * MEGABYTE, memory)
    cpu_total = worker.cpu_s * (max_files + 1) + 60
    _lower(resource.RLIMIT_CPU, worker.cpu_s, cpu_total)
    _lower(resource.RLIMIT_FSIZE, MAX_OUTPUT_FILE_MB * MEGABYTE)
    _lower(resource.RLIMIT_NOFILE, MAX_OPEN_FILES)
    _lower(resource.RLIMIT_CORE, 0)


def _lower(kind: int, soft: int, hard: int | None = None) -> None:
    _old_soft, old_hard = resource.getrlimit(kind)
    hard = soft if hard is None else hard
    if old_hard != resource.RLIM_INFINITY:
        hard = min(hard, old_hard)
    resource.setrlimit(kind, (min(soft, hard), hard))


def preload(worker: Worker, *, readers: bool = True) -> None:
    """Route OCR and .doc files to the higher memory limit; with ``readers``, import every
    reader now (a server's worker), else each when a file first needs it (one file)."""
    import intake.parsers

    read_text = intake.parsers.read_text

    def read_text_limited(path: Path, *, ocr_cache: Path | None = None) -> Any:
        kind = intake.parsers.sniff(path)
        if kind in ("ole", "rtf", "image"):
            worker.allow_all_memory()
        elif kind == "pdf":
            limit_pdf_pages(worker)
        return read_text(path, ocr_cache=ocr_cache)

    _replace(intake.parsers, "read_text", read_text_limited)
    if readers:
        import intake.parsers.doc
        import intake.parsers.docx

        limit_pdf_pages(worker)


def limit_pdf_pages(worker: Worker) -> None:
    """Wrap the PDF page reader (once): pages without text mean OCR, under the higher limit."""
    import intake.parsers.pdf

    read_pages = intake.parsers.pdf.read_pdf_pages
    if getattr(read_pages, "limited", False):
        return

    def read_pages_limited(path: Path) -> Any:
        pages = read_pages(path)
        if any(page is None for page in pages):  # pages without text: OCR follows
            worker.allow_all_memory()
        return pages

    read_pages_limited.limited = True  # type: ignore[attr-defined]
    _replace(intake.parsers.pdf, "read_pdf_pages", read_pages_limited)


def parse_file(path: Path, ocr_cache: Path | None) -> Report:
    """The file's application, or a report of the reader's one problem (as
    ``intake.checking.parse_report`` in-process, without importing the verifier)."""
    from intake.parsers import ParseError, parse

    try:
        application = parse(path, ocr_cache=ocr_cache)
    except ParseError as exc:
        problem = Problem(code=exc.code, severity="error", field=None, message=exc.message)
        return Report(file=str(path), application=None, problems=[problem])
    return Report(file=str(path), application=application)


def _replace(module: Any, name: str, function: Callable[..., Any]) -> None:
    """Swap a module function (looked up by name at call time) for a wrapper of it."""
    if not callable(getattr(module, name, None)):
        raise RuntimeError(f"{module.__name__}.{name} is missing")
    setattr(module, name, function)


def serve(worker: Worker, max_files: int, requests: IO[bytes], replies: IO[str]) -> int:
    """Answer up to ``max_files`` requests; the exit status."""
    _send(replies, {"ready": os.getpid()})
    for _ in range(max_files):
        line = requests.readline()
        if not line:
            return 0
        request = json.loads(line)
        cache = request.get("ocr_cache")
        worker.start_file()
        try:
            report = parse_file(Path(request["path"]), Path(cache) if cache else None)
        except MemoryError:
            return EXIT_MEMORY if worker.heavy else EXIT_TEXT_MEMORY
        last = worker.must_retire()
        _send(replies, {"report": report.to_json(with_sources=True), "last": last})
        if last:
            return 0
    return 0


def _send(replies: IO[str], message: dict[str, Any]) -> None:
    replies.write(json.dumps(message, ensure_ascii=False) + "\n")
    replies.flush()


def _private_stdout() -> IO[str]:
    """A copy of standard output for the replies; fd 1 then points at stderr, so library
    chatter (OCR, LibreOffice) cannot corrupt them."""
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return replies


def main(argv: list[str] | None = None) -> int:
    """Entry point: preload, limits, then serve."""
    import argparse  # here: the web and command-line processes import this module too

    parser = argparse.ArgumentParser(prog="python -m intake.parseworker")
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--text-memory-mb", type=int, required=True)
    parser.add_argument("--cpu-s", type=int, required=True)
    parser.add_argument("--max-files", type=int, default=1)
    parser.add_argument("--lazy", action="store_true", help="import each reader when needed")
    args = parser.parse_args(argv)
    replies = _private_stdout()
    worker = Worker(args.memory_mb, args.text_memory_mb, args.cpu_s)
    preload(worker, readers=not args.lazy)
    limit_resources(worker, args.max_files)
    return serve(worker, args.max_files, sys.stdin.buffer, replies)


if __name__ == "__main__":
    sys.exit(main())
