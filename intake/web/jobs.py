"""The automatic check of an uploaded file, run off the request: a thread pool, or RQ on Redis.

``JOB_RUNNER`` chooses: ``thread`` (default; in-process pool), ``sync`` (in the request,
for tests and scripts) or ``rq`` (used whenever ``INTAKE_REDIS_URL`` is set). A job
only needs the version id: it reads the stored file, parses, verifies and records.
"""

from __future__ import annotations

import importlib
import tempfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app
from sqlalchemy.orm import Session

from intake.application import Application, Report
from intake.checking import check_application, parse_report
from intake.config import Settings
from intake.review import operations
from intake.review.claims import review_registry
from intake.review.models import CheckState, Version
from intake.sandbox import Limits
from intake.storage import Storage
from intake.web.database import sessions, settings, storage

THREAD_WORKERS = 2
RQ_QUEUE = "intake"
FAILED_MESSAGE = "文件检查未能完成，请稍后重新上传；原文件已保存，审核人员可以查看"


class Runner(Protocol):
    """Runs the check of a version somewhere other than the request."""

    def submit(self, version_id: int) -> None:
        """Queue the check of the version."""
        ...


def init_app(app: Flask) -> None:
    """Choose the app's job runner from its configuration."""
    kind = "rq" if app.config["INTAKE_SETTINGS"].redis_url else app.config["JOB_RUNNER"]
    runners: dict[str, Callable[[Flask], Runner]] = {
        "sync": SyncRunner,
        "thread": ThreadRunner,
        "rq": RqRunner,
    }
    app.extensions["intake.jobs"] = runners[kind](app)


def runner(app: Flask | None = None) -> Runner:
    """The job runner of the app (the current one by default)."""
    value: Runner = (app or current_app).extensions["intake.jobs"]
    return value


class SyncRunner:
    """Runs the check at once, in the caller's thread."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def submit(self, version_id: int) -> None:
        """Check the version now."""
        run_check(self.app, version_id)


class ThreadRunner:
    """Runs checks in a small pool of threads of the web process."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.pool = ThreadPoolExecutor(max_workers=THREAD_WORKERS, thread_name_prefix="intake-job")
        self.futures: dict[int, Future[None]] = {}

    def submit(self, version_id: int) -> None:
        """Queue the check; ``wait`` returns when it is done."""
        self.futures[version_id] = self.pool.submit(run_check, self.app, version_id)

    def wait(self, version_id: int, timeout: float | None = None) -> None:
        """Block until the version's check has ended (for tests and shutdown)."""
        future = self.futures.pop(version_id, None)
        if future is not None:
            future.result(timeout=timeout)


class RqRunner:
    """Queues checks on Redis for ``rq worker intake`` processes."""

    def __init__(self, app: Flask) -> None:
        redis = importlib.import_module("redis")
        rq = importlib.import_module("rq")
        connection = redis.Redis.from_url(app.config["INTAKE_SETTINGS"].redis_url)
        self.queue = rq.Queue(RQ_QUEUE, connection=connection)

    def submit(self, version_id: int) -> None:
        """Put the check on the queue."""
        self.queue.enqueue("intake.web.jobs.rq_job", version_id, job_timeout=600)


def rq_job(version_id: int) -> None:
    """The entry point an RQ worker runs: builds the app from its configuration, then checks."""
    from intake import create_app

    run_check(create_app({"MIGRATE_ON_START": False, "JOB_RUNNER": "sync"}), version_id)


def run_check(app: Flask, version_id: int) -> None:
    """Parse and verify the version's stored file and record the report (or the failure)."""
    with app.app_context(), sessions(app)() as session:
        version = session.get(Version, version_id)
        if version is None or version.check_state == CheckState.DONE.value:
            return
        operations.start_check(session, version)
        try:
            report, copy = check_stored_file(
                session, storage(app), settings(app), version, isolated=parse_isolated(app)
            )
        except Exception:
            app.logger.exception("check of version %s failed", version_id)
            session.rollback()
            operations.fail_check(session, version, FAILED_MESSAGE)
            return
        operations.record_check(session, version, report, copy=copy)


def parse_isolated(app: Flask) -> bool:
    """True unless ``PARSE_ISOLATED`` is off: uploads are parsed in a limited child process."""
    return bool(app.config.get("PARSE_ISOLATED", True))


def check_stored_file(
    session: Session, store: Storage, config: Settings, version: Version, *, isolated: bool = True
) -> tuple[Report, Application | None]:
    """The report of the version (its stored file, or its online form and stamped copy),
    and what was read of the copy (None for an uploaded version).

    The check is bound to the application's own entity and year, whatever the file says.
    """
    sha256 = version.checked_file_sha256
    if sha256 is None:
        raise ValueError("version has no stored file")
    data = store.read(sha256)
    name = version.original_filename if version.file_sha256 else version.copy_filename
    with tempfile.TemporaryDirectory(prefix="intake-check-") as work:
        path = Path(work) / "upload"
        path.write_bytes(data)
        parsed = parse_report(
            path,
            name=name,
            ocr_cache=config.instance_path / "ocr-cache",
            limits=Limits(config.parse_timeout_s, config.parse_memory_mb) if isolated else None,
        )
    copy = None
    if version.file_sha256 is None:  # typed online: the file read is its stamped copy
        copy, application = parsed, Application.from_json(version.application_json or {})
    elif parsed.application is None:
        return parsed, None
    else:
        application = parsed.application
    submission = version.submission
    report = check_application(
        application,
        review_registry(session),
        file=parsed.file if copy is None else None,
        deadline=config.deadline,
        low_confidence=config.ocr_low_confidence,
        exclude_submission=submission.id,
        applicant_uscc=submission.uscc,
        application_year=submission.year,
        copy=copy,
    )
    return report, copy.application if copy is not None else None
