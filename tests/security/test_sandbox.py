"""The parse sandbox: same answer as in-process, and every way a child can die is a clear report."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from intake.checking import parse_report
from intake.libreoffice import convert as convert_with_libreoffice
from intake.libreoffice import find_soffice
from intake.parseworker import EXIT_MEMORY, EXIT_TEXT_MEMORY
from intake.sandbox import (
    MSG_CRASH,
    MSG_OUTPUT,
    Limits,
    outcome,
    parse_isolated,
)
from tests.fixtures import hostile
from tests.fixtures.data import FORMS

LIMITS = Limits(timeout_s=30, memory_mb=2048)
SCAN = FORMS / "v10.pdf"


def test_isolated_parse_equals_in_process_parse_with_sources() -> None:
    for path in (hostile.SAMPLE_DOCX, hostile.SAMPLE_PDF):
        isolated = parse_report(path, name="x", limits=LIMITS)
        direct = parse_report(path, name="x")
        assert isolated.to_json(with_sources=True) == direct.to_json(with_sources=True)
        assert isolated.application is not None
        assert isolated.application.sources


def test_endless_parse_is_killed_at_the_wall_clock_limit(hostile_dir: Path) -> None:
    path = hostile.pdf_endless_content(hostile_dir)
    started = time.monotonic()
    report = parse_isolated(path, timeout_s=2, memory_mb=2048, name="endless.pdf")
    assert time.monotonic() - started < 6
    assert report.flatten("code", "message") == [
        ("FILE_UNREADABLE", "文件处理超时（超过 2 秒），可能已损坏或过于复杂")
    ]
    assert report.file == "endless.pdf"


def test_deflate_bomb_hits_the_memory_limit(deflate_bomb: Path) -> None:
    report = parse_isolated(deflate_bomb, timeout_s=20, memory_mb=512)
    [problem] = report.problems
    assert problem.code == "FILE_UNREADABLE"
    assert "内存超出限制" in problem.message


@pytest.mark.parametrize(
    ("status", "stderr", "message"),
    [
        (-signal.SIGKILL, b"", "文件处理超时（超过 120 秒），可能已损坏或过于复杂"),
        (-signal.SIGXCPU, b"", "文件处理超时（超过 120 秒），可能已损坏或过于复杂"),
        (EXIT_MEMORY, b"", "文件处理所需内存超出限制（2048 MB），可能已损坏或过于复杂"),
        (EXIT_TEXT_MEMORY, b"", "文件处理所需内存超出限制（768 MB），可能已损坏或过于复杂"),
        (
            1,
            b"Traceback...\nMemoryError\n",
            "文件处理所需内存超出限制（2048 MB），可能已损坏或过于复杂",
        ),
        (
            -signal.SIGABRT,
            b"terminate called after std::bad_alloc",
            "文件处理所需内存超出限制（2048 MB），可能已损坏或过于复杂",
        ),
        (-signal.SIGXFSZ, b"", MSG_OUTPUT),
        (-signal.SIGSEGV, b"", MSG_CRASH),
        (1, b"Traceback (most recent call last):\nKeyError: 'x'", MSG_CRASH),
        (0, b"", MSG_CRASH),  # nothing printed
    ],
)
def test_every_death_of_the_child_is_a_chinese_message(
    status: int, stderr: bytes, message: str
) -> None:
    result = outcome(status, b"not json", stderr, Limits(), Path("upload"))
    assert result == message
    assert "Traceback" not in str(result)


def test_crashing_child_is_a_report_not_an_exception(tmp_path: Path) -> None:
    missing = tmp_path / "gone.docx"  # the child cannot even open it
    report = parse_isolated(missing, timeout_s=30, memory_mb=2048, name="gone.docx")
    assert report.flatten("code") == [("FILE_UNREADABLE",)]
    assert "Traceback" not in report.problems[0].message


@pytest.mark.slow
@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice is not installed")
def test_doc_conversion_works_under_the_limits(tmp_path: Path) -> None:
    doc = convert_with_libreoffice(hostile.SAMPLE_DOCX, "doc", tmp_path)
    report = parse_isolated(doc, timeout_s=60, memory_mb=1024)
    assert report.application is not None
    assert report.application.uscc == "91659001MAL8YR44XK"


@pytest.mark.slow
@pytest.mark.skipif(not SCAN.exists(), reason="sample scans are not available")
def test_ocr_works_under_the_default_memory_limit(tmp_path: Path) -> None:
    # OCR (onnxruntime) peaks near 1.2 GB of address space; the default of 2048 MB fits it.
    report = parse_isolated(SCAN, timeout_s=120, memory_mb=2048, ocr_cache=tmp_path)
    assert report.application is not None
    assert report.application.source_kind == "scan"
