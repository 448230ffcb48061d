"""Checking many applications at once against the registry, with a constant number of queries.

``check_batch`` reads what every application of the batch needs with one SELECT per
table (entities, allocations, pending lots, catalogue) and one for the live
applications' stored claims (``version_claims``), then checks each application from
memory. However large the batch, it issues the same five statements.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.cn import uscc as uscc_module

from intake.application import Application, Report
from intake.checking import Checker, Claims, parse_report
from intake.config import Settings, load_settings
from intake.registry.lookup import preload
from intake.registry.memory import Claim, MemoryRegistry
from intake.review.submissions.models import Submission, SubmissionState, Version, VersionClaim
from intake.sandbox import Limits

# Applications whose CCER quantities are spoken for
# (as intake.review.submissions.operations.LIVE_STATES).
LIVE_STATES = (SubmissionState.SUBMITTED.value,)
# Above this many units a batch reads the whole registry rather than send a huge IN list.
MAX_IN_LIST = 1000
FORM_SUFFIXES = frozenset(
    {".docx", ".doc", ".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".heic", ".heif"}
)


def live_claims(session: Session, usccs: Sequence[str] | None = None) -> list[Claim]:
    """The claims of the latest version of every live submission (of these units, or all).

    One SELECT of the stored claims (``VersionClaim``), exactly what
    ``intake.review.submissions.operations.claims`` reads per unit: no application JSON is decoded.
    """
    query = (
        select(Submission.id, Submission.uscc, VersionClaim.project_number, VersionClaim.quantity_t)
        .join(Version, Version.submission_id == Submission.id)
        .join(VersionClaim, VersionClaim.version_id == Version.id)
        .where(
            Submission.state.in_(LIVE_STATES),
            Version.number == Submission.latest_version,
            VersionClaim.quantity_t.is_not(None),
        )
    )
    if usccs is not None:
        query = query.where(Submission.uscc.in_(usccs))
    return [
        Claim(submission_id, uscc, project_number, quantity)
        for submission_id, uscc, project_number, quantity in session.execute(query)
        if quantity is not None  # never, by the query; said again for the type checker
    ]


def preloaded_registry(
    session: Session, usccs: Iterable[str | None], with_claims: bool
) -> MemoryRegistry:
    """The registry (and, ``with_claims``, the live claims) of these units, read at once
    (all of them for a large batch)."""
    codes = sorted({str(uscc_module.compact(code)) for code in usccs if code})
    scope = codes if len(codes) <= MAX_IN_LIST else None
    claims = live_claims(session, scope) if with_claims else []
    return preload(session, scope, claims)


def check_batch(
    session: Session,
    applications: Sequence[Application],
    *,
    files: Sequence[str | None] | None = None,
    exclude: Sequence[int | None] | None = None,
    settings: Settings | None = None,
) -> list[Report]:
    """The report of each application, checked against a registry read once for the batch
    (the live claims of other applications count, as in the web's checks)."""
    checker = Checker.for_session(
        session,
        settings or load_settings(),
        claims=Claims.LIVE,
        preload=(app.uscc for app in applications),
    )
    return [
        checker.check(
            app,
            file=files[i] if files else None,
            exclude_submission=exclude[i] if exclude else None,
        )
        for i, app in enumerate(applications)
    ]


def form_files(paths: Iterable[Path]) -> list[Path]:
    """The files given, with each folder replaced by the form files in it (sorted)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in FORM_SUFFIXES))
        else:
            found.append(path)
    return found


def parse_all(
    paths: Sequence[Path],
    *,
    jobs: int = 1,
    ocr_cache: Path | None = None,
    limits: Limits | None = None,
) -> list[Report]:
    """Each file parsed (in ``jobs`` processes): its application, or its one parser problem.

    With ``limits`` every file is parsed by a pool of ``jobs`` limited workers
    (``intake.parsepool``); without, in this process (trusted files only).
    """
    if limits is not None:
        return _parse_in_workers(paths, jobs=jobs, ocr_cache=ocr_cache, limits=limits)
    names = [str(path) for path in paths]
    caches = [ocr_cache] * len(paths)
    if jobs <= 1 or len(paths) <= 1:
        return [parse_report(p, name=str(p), ocr_cache=ocr_cache) for p in paths]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(_parse_one, paths, names, caches, chunksize=4))


def _parse_one(path: Path, name: str, ocr_cache: Path | None) -> Report:
    return parse_report(path, name=name, ocr_cache=ocr_cache)


def _parse_in_workers(
    paths: Sequence[Path], *, jobs: int, ocr_cache: Path | None, limits: Limits
) -> list[Report]:
    """Each file parsed by a pool of ``jobs`` limited workers, ``jobs`` files at a time."""
    from intake.parsepool import ParserPool
    from intake.sandbox import report_of

    def one(path: Path) -> Report:
        return report_of(pool.parse(path, ocr_cache), str(path))

    with ParserPool(limits, workers=jobs) as pool, ThreadPoolExecutor(max(1, jobs)) as threads:
        return list(threads.map(one, paths))


def check_files(
    session: Session,
    paths: Sequence[Path],
    *,
    jobs: int = 1,
    ocr_cache: Path | None = None,
    settings: Settings | None = None,
    limits: Limits | None = None,
) -> list[Report]:
    """Parse every file (in limited workers with ``limits``), then check all the
    applications read against one preloaded registry."""
    parsed = parse_all(paths, jobs=jobs, ocr_cache=ocr_cache, limits=limits)
    readable = [report for report in parsed if report.application is not None]
    checked = iter(
        check_batch(
            session,
            [r.application for r in readable if r.application is not None],
            files=[r.file for r in readable],
            settings=settings,
        )
    )
    return [next(checked) if report.application is not None else report for report in parsed]


@click.command("batch")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--db",
    metavar="URL",
    help="数据库地址（SQLAlchemy URL；默认取 INTAKE_DATABASE_URL，再默认 SQLite）",
)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON，每个文件一行")
@click.option("--jobs", default=1, show_default=True, help="并行读取文件的进程数")
@click.option(
    "--in-process",
    is_flag=True,
    help="在本进程中读取文件（仅限可信文件；默认在受限的读取进程中读取）",
)
def batch(
    paths: tuple[Path, ...], db: str | None, as_json: bool, jobs: int, in_process: bool
) -> None:
    """成批核对给出的申请表文件（目录则核对其中全部申请表），登记数据只读一次。"""
    from intake.db import make_engine, session_factory

    settings = load_settings({"database_url": db} if db else None)
    limits = None if in_process else Limits(settings.parse_timeout_s, settings.parse_memory_mb)
    files = form_files(paths)
    engine = make_engine(settings.resolved_database_url)
    try:
        with session_factory(engine)() as session:
            reports = check_files(
                session,
                files,
                jobs=jobs,
                ocr_cache=settings.instance_path / "ocr-cache",
                settings=settings,
                limits=limits,
            )
    finally:
        engine.dispose()
    for report in reports:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False) if as_json else _line(report))
    failed = sum(1 for report in reports if not report.ok)
    if not as_json:
        click.echo(
            f"共 {len(reports)} 份申请表：{len(reports) - failed} 份无错误，{failed} 份有错误"
        )
    sys.exit(1 if failed else 0)


def _line(report: Report) -> str:
    """One line per file: the verdict and the codes found."""
    mark = "✓" if report.ok else "✗"
    codes = "、".join(problem.code for problem in report.problems) or "未发现问题"
    counts = f"{len(report.errors)} 个错误、{len(report.warnings)} 个提示"
    return f"{mark} {report.file}：{counts}（{codes}）"
