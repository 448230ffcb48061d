"""The pool of parser workers: recycling, failures, threads, and the command line going through it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from intake import sandbox
from intake.checking import parse_report
from intake.cli import main
from intake.parsepool import ParserPool, WorkerProcess
from intake.sandbox import MSG_CRASH, Limits, report_of
from tests.fixtures import hostile
from tests.fixtures.data import FORMS
from tests.fixtures.data import SAMPLE_REGISTRY as REGISTRY

LIMITS = Limits(timeout_s=30, memory_mb=2048)
ROOT = Path(__file__).parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")
TREE_LIMIT_MB = 1024
# Runs the command in a fresh interpreter and prints the peak RSS of itself and of its
# children (the workers, reaped before it exits): their sum bounds the tree's peak.
MEASURED = """
import json, resource, sys
from intake.cli import main
from intake.parseworker import peak_rss_kb
try:
    main(sys.argv[1:])
except SystemExit:
    pass
finally:
    usage = {"self_kb": peak_rss_kb(),
             "children_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}
    print(json.dumps(usage), file=sys.stderr)
"""


@pytest.fixture
def pools() -> Iterator[None]:
    """Every worker the test started through the process-wide pools is stopped afterwards."""
    yield
    sandbox.close_pools()


def parse(pool: ParserPool, path: Path) -> dict[str, object]:
    """The report JSON of one file through the pool, with sources."""
    return report_of(pool.parse(path), "x").to_json(with_sources=True)


def alive(pid: int) -> bool:
    """True while the process exists (the pool reaps its workers, so none lingers as a zombie)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_worker_is_replaced_after_max_files() -> None:
    direct = parse_report(hostile.SAMPLE_DOCX, name="x").to_json(with_sources=True)
    with ParserPool(LIMITS, workers=1, max_files=2) as pool:
        pool.start()
        [first] = pool.workers()
        assert parse(pool, hostile.SAMPLE_DOCX) == direct
        assert pool.workers() == [first]
        assert parse(pool, hostile.SAMPLE_DOCX) == direct  # its second and last file
        [second] = pool.workers()
        assert second != first
        assert not alive(first)
        assert parse(pool, hostile.SAMPLE_DOCX) == direct
        assert pool.workers() == [second]
    assert not alive(second)


def test_worker_is_replaced_after_a_timeout_and_the_next_file_is_read(hostile_dir: Path) -> None:
    endless = hostile.pdf_endless_content(hostile_dir)
    with ParserPool(Limits(timeout_s=2, memory_mb=2048), workers=1) as pool:
        pool.start()
        [first] = pool.workers()
        assert pool.parse(endless) == "文件处理超时（超过 2 秒），可能已损坏或过于复杂"
        assert not alive(first)
        [second] = pool.workers()
        assert second != first
        assert isinstance(pool.parse(hostile.SAMPLE_DOCX), dict)


def test_worker_killed_by_a_signal_is_a_chinese_message_and_is_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read_line = WorkerProcess._read_line

    def killed_while_parsing(worker: WorkerProcess, deadline: float) -> object:
        if worker.ready:  # the request is sent: the worker dies before it answers
            os.kill(worker.process.pid, signal.SIGSEGV)
            worker.process.wait()
            # An answer it managed to write first is lost with it, as on a real crash.
            assert worker.process.stdout is not None
            while os.read(worker.process.stdout.fileno(), 1 << 16):
                pass
            worker._buffer = b""
        return read_line(worker, deadline)

    with ParserPool(LIMITS, workers=1) as pool:
        pool.start()
        [first] = pool.workers()
        monkeypatch.setattr(WorkerProcess, "_read_line", killed_while_parsing)
        assert pool.parse(hostile.SAMPLE_DOCX) == MSG_CRASH
        monkeypatch.undo()
        [second] = pool.workers()
        assert second != first
        assert isinstance(pool.parse(hostile.SAMPLE_DOCX), dict)


@pytest.mark.parametrize("preload", [True, False])
def test_worker_that_hit_the_memory_limit_is_replaced(deflate_bomb: Path, preload: bool) -> None:
    limits = Limits(timeout_s=20, memory_mb=2048, text_memory_mb=512)
    with ParserPool(limits, workers=1, preload=preload) as pool:
        pool.start()
        [first] = pool.workers()
        report = report_of(pool.parse(deflate_bomb), "bomb.pdf")
        assert report.flatten("code") == [("FILE_UNREADABLE",)]
        assert "内存超出限制" in report.problems[0].message
        assert not alive(first)
        assert pool.workers() != [first]


def test_a_lazy_worker_reads_each_kind_as_a_preloaded_one() -> None:
    files = [hostile.SAMPLE_PDF, hostile.SAMPLE_DOCX, hostile.SAMPLE_PDF]
    direct = [parse_report(path, name="x").to_json(with_sources=True) for path in files]
    with ParserPool(LIMITS, workers=1, preload=False) as pool:
        assert [parse(pool, path) for path in files] == direct


def test_a_lazy_worker_imports_no_reader_before_its_first_file() -> None:
    script = (
        "import sys\n"
        "from intake.parseworker import Worker, preload\n"
        "preload(Worker(2048, 768, 30), readers=False)\n"
        "print(sorted(m for m in ('intake.parsers.docx', 'intake.parsers.pdf', "
        "'intake.parsers.doc', 'intake.verify', 'sqlalchemy') if m in sys.modules))\n"
        "preload(Worker(2048, 768, 30))\n"
        "print(sorted(m for m in ('intake.parsers.docx', 'intake.parsers.pdf') "
        "if m in sys.modules))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert run.stdout.splitlines() == ["[]", "['intake.parsers.docx', 'intake.parsers.pdf']"]


def test_concurrent_parses_from_threads_share_the_workers() -> None:
    files = [hostile.SAMPLE_DOCX, hostile.SAMPLE_PDF] * 6
    direct = {path: parse_report(path, name="x").to_json(with_sources=True) for path in files}
    seen: set[int] = set()
    with ParserPool(LIMITS, workers=2, max_files=100) as pool, ThreadPoolExecutor(6) as threads:

        def one(path: Path) -> dict[str, object]:
            seen.update(pool.workers())
            return parse(pool, path)

        results = list(threads.map(one, files))
        seen.update(pool.workers())
    assert results == [direct[path] for path in files]
    assert 1 <= len(seen) <= 2


def test_parse_isolated_keeps_one_pool_per_process_and_limits(pools: None) -> None:
    sandbox.parse_isolated(hostile.SAMPLE_DOCX, timeout_s=30, memory_mb=2048)
    pool = sandbox.parser_pool(LIMITS)
    assert sandbox.parser_pool(Limits(30, 2048)) is pool
    assert sandbox.parser_pool(Limits(30, 1024)) is not pool
    assert len(pool.workers()) == 1  # started on demand, not all at once


def no_parsing_here(*_args: object, **_kwargs: object) -> None:
    """Stands in for the parser in the command's own process."""
    raise AssertionError("parsed in the command's own process")


def test_command_line_parses_in_a_worker_unless_in_process(
    pools: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTAKE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setattr("intake.parsers.parse", no_parsing_here)
    runner = CliRunner()
    result = runner.invoke(main, ["parse", str(hostile.SAMPLE_DOCX), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["uscc"] == "91659001MAL8YR44XK"
    assert sandbox.parser_pool(Limits()).workers()  # the defaults: 120 s, 2048 MB
    result = runner.invoke(main, ["parse", "--in-process", str(hostile.SAMPLE_DOCX), "--json"])
    assert isinstance(result.exception, AssertionError)


def test_batch_parses_in_workers_unless_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    runner = CliRunner()
    assert runner.invoke(main, ["registry", "load", str(REGISTRY), "--db", url]).exit_code == 0
    monkeypatch.setenv("INTAKE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setattr("intake.batch.parse_report", no_parsing_here)
    result = runner.invoke(main, ["batch", str(hostile.SAMPLE_DOCX), "--db", url, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["ok"] is True
    result = runner.invoke(main, ["batch", "--in-process", str(hostile.SAMPLE_DOCX), "--db", url])
    assert isinstance(result.exception, AssertionError)


def test_bomb_through_intake_check_is_unreadable_with_the_tree_under_1_gb(
    tmp_path: Path, deflate_bomb: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    loaded = CliRunner().invoke(main, ["registry", "load", str(REGISTRY), "--db", url])
    assert loaded.exit_code == 0
    env = {**os.environ, "PYTHONPATH": str(ROOT), "INTAKE_INSTANCE_PATH": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-c", MEASURED, "check", str(deflate_bomb), "--db", url, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads(run.stdout)
    [problem] = report["problems"]
    assert problem["code"] == "FILE_UNREADABLE"
    assert CJK.search(problem["message"])
    usage = json.loads(run.stderr.strip().splitlines()[-1])
    assert (usage["self_kb"] + usage["children_kb"]) / 1024 < TREE_LIMIT_MB


# Runs ``intake check`` in a fresh interpreter; prints whether it imported SQLAlchemy.
IMPORTS = """
import sys
from intake.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
finally:
    print("sqlalchemy" in sys.modules, file=sys.stderr)
"""


def test_check_of_one_file_on_sqlite_reads_the_registry_without_the_orm(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    loaded = CliRunner().invoke(main, ["registry", "load", str(REGISTRY), "--db", url])
    assert loaded.exit_code == 0
    env = {**os.environ, "PYTHONPATH": str(ROOT), "INTAKE_INSTANCE_PATH": str(tmp_path)}
    form = FORMS / "v03.docx"

    def check(db: str, *args: str) -> tuple[dict[str, Any], str]:
        run = subprocess.run(
            [sys.executable, "-c", IMPORTS, "check", *args, str(form), "--db", db, "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert run.returncode == 0, run.stderr
        report: dict[str, Any] = json.loads(run.stdout)
        return report, run.stderr.strip().splitlines()[-1]

    report, orm_imported = check(url)
    assert orm_imported == "False"
    assert ("FIELD_MISSING", "contact_phone") in [
        (p["code"], p["field"]) for p in report["problems"]
    ]
    assert check(url, "--in-process") == (report, "False")
    # A URL with options goes through SQLAlchemy: the same report.
    assert check(f"{url}?timeout=10") == (report, "True")
