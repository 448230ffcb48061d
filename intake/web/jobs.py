"""The automatic check of an uploaded file, run off the request: a thread pool, or RQ on Redis.

``JOB_RUNNER`` chooses: ``thread`` (default; in-process pool), ``sync`` (in the request,
for tests and scripts) or ``rq`` (used whenever ``INTAKE_REDIS_URL`` is set; ``intake
worker`` runs the jobs). A job only needs the version id: it reads the stored file,
parses, verifies and records.

A check may run more than once (queued again after a restart, by two processes, after a
worker was killed): ``run_check`` claims the version first, renews the claim while it
works and records only while it holds it (``intake.review.submissions.check_claims``), so the result
is recorded once. ``intake.web.resume`` finds the checks nobody is doing.
"""

from __future__ import annotations

import datetime as dt
import importlib
import secrets
import tempfile
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

from flask import Flask, current_app
from sqlalchemy.orm import Session

from intake.application import Application, Report
from intake.checking import Checker, Claims, parse_report
from intake.config import Settings
from intake.review.submissions import check_claims, operations
from intake.review.submissions.models import Version, utcnow
from intake.sandbox import Limits
from intake.storage import Storage
from intake.web.database import sessions, settings, storage

THREAD_WORKERS = 2
RQ_JOB_TIMEOUT_S = 600
MIN_BEAT_S = 0.5
FAILED_MESSAGE = "文件检查未能完成，请稍后重新上传；原文件已保存，审核人员可以查看"
# The app an RQ worker process runs its jobs with (``use_app_for_jobs``), built once.
_JOB_APPS: dict[str, Flask] = {}


class Runner(Protocol):
    """Runs the check of a version somewhere other than the request."""

    def submit(self, version_id: int) -> None:
        """Queue the check of the version."""
        ...

    def resume(self, version_ids: Iterable[int]) -> int:
        """Queue again checks nobody is doing, but not those already waiting; how many."""
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

    def resume(self, version_ids: Iterable[int]) -> int:
        """Check the versions now."""
        ids = list(version_ids)
        for version_id in ids:
            self.submit(version_id)
        return len(ids)


class ThreadRunner:
    """Runs checks in a small pool of threads of the web process."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.pool = ThreadPoolExecutor(max_workers=THREAD_WORKERS, thread_name_prefix="intake-job")
        self.futures: dict[int, Future[bool]] = {}

    def submit(self, version_id: int) -> None:
        """Queue the check; ``wait`` returns when it is done."""
        future = self.pool.submit(run_check, self.app, version_id)
        self.futures[version_id] = future
        future.add_done_callback(lambda done: self._forget(version_id, done))

    def _forget(self, version_id: int, future: Future[bool]) -> None:
        """Keep only the checks in flight; log one that broke (a database error, say)."""
        if self.futures.get(version_id) is future:
            del self.futures[version_id]
        if (error := future.exception()) is not None:
            self.app.logger.error("check of version %s broke", version_id, exc_info=error)

    def resume(self, version_ids: Iterable[int]) -> int:
        """Queue the versions this pool is not already checking."""
        missing = [version_id for version_id in version_ids if version_id not in self.futures]
        for version_id in missing:
            self.submit(version_id)
        return len(missing)

    def wait(self, version_id: int, timeout: float | None = None) -> None:
        """Block until the version's check has ended (for tests and shutdown)."""
        future = self.futures.pop(version_id, None)
        if future is not None:
            future.result(timeout=timeout)


class RqRunner:
    """Queues checks on Redis for ``intake worker`` processes."""

    def __init__(self, app: Flask) -> None:
        redis = importlib.import_module("redis")
        rq = importlib.import_module("rq")
        config = settings(app)
        connection = redis.Redis.from_url(config.redis_url)
        self.queue: Any = rq.Queue(config.rq_queue, connection=connection)
        # Job ids name the queue and the version: ``intake-check-<version id>-<random>``.
        self.job_prefix = f"{config.rq_queue}-check-"
        # Several processes may sweep at once; one sweep per half staleness period is enough.
        self.sweep_key = f"intake:{config.rq_queue}:sweep"
        self.sweep_ms = max(1, int(config.check_stale_s * 500))

    def submit(self, version_id: int) -> None:
        """Put the check on the queue."""
        self.queue.enqueue(
            "intake.web.jobs.rq_job",
            version_id,
            job_id=f"{self.job_prefix}{version_id}-{secrets.token_hex(4)}",
            job_timeout=RQ_JOB_TIMEOUT_S,
        )

    def resume(self, version_ids: Iterable[int]) -> int:
        """Queue the versions without a job waiting on the queue, unless another process
        has just swept (the claims keep a doubled job harmless; this keeps it rare)."""
        ids = list(version_ids)
        if not ids or not self.queue.connection.set(self.sweep_key, 1, nx=True, px=self.sweep_ms):
            return 0
        waiting = {self._version_of(job_id) for job_id in self.queue.get_job_ids()}
        missing = [version_id for version_id in ids if version_id not in waiting]
        for version_id in missing:
            self.submit(version_id)
        return len(missing)

    def _version_of(self, job_id: str) -> int | None:
        """The version id of one of this queue's job ids."""
        if not job_id.startswith(self.job_prefix):
            return None
        head = job_id.removeprefix(self.job_prefix).split("-", 1)[0]
        return int(head) if head.isdigit() else None


def use_app_for_jobs(app: Flask) -> None:
    """Run this process's RQ jobs with ``app`` (``intake worker`` builds it once)."""
    _JOB_APPS["rq"] = app


def rq_job(version_id: int) -> None:
    """The entry point an RQ worker runs: the check, with the process's app."""
    if "rq" not in _JOB_APPS:
        from intake import create_app

        use_app_for_jobs(create_app({"MIGRATE_ON_START": False, "JOB_RUNNER": "sync"}))
    run_check(_JOB_APPS["rq"], version_id)


def run_check(app: Flask, version_id: int) -> bool:
    """Claim the version, parse and verify its stored file and record the report (or the
    failure); False, doing nothing, when the check is done or another process holds it."""
    config = settings(app)
    with app.app_context(), sessions(app)() as session:
        version = session.get(Version, version_id)
        if version is None:
            return False
        stale_before = utcnow() - dt.timedelta(seconds=config.check_stale_s)
        claim = operations.start_check(session, version, stale_before=stale_before)
        if claim is None:
            return False
        with Heartbeat(app, version_id, claim, every=max(config.check_stale_s / 4, MIN_BEAT_S)):
            try:
                report, copy = check_stored_file(
                    session, storage(app), config, version, isolated=parse_isolated(app)
                )
            except Exception:
                app.logger.exception("check of version %s failed", version_id)
                session.rollback()
                recorded = operations.fail_check(session, version, FAILED_MESSAGE, claim)
            else:
                recorded = operations.record_check(session, version, report, claim, copy=copy)
        if not recorded:
            app.logger.warning(
                "check of version %s was taken over: result not recorded", version_id
            )
        return recorded


class Heartbeat:
    """Renews a claim from a thread every ``every`` seconds while the block runs."""

    def __init__(self, app: Flask, version_id: int, claim: str, *, every: float) -> None:
        self.app, self.version_id, self.claim, self.every = app, version_id, claim, every
        self.stopped = threading.Event()
        self.thread = threading.Thread(
            target=self._beat, name=f"intake-heartbeat-{version_id}", daemon=True
        )

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stopped.set()
        self.thread.join()

    def _beat(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                with sessions(self.app)() as session:
                    held = check_claims.renew(session, self.version_id, self.claim)
                    session.commit()
            except Exception:  # the database is away for a moment: try at the next beat
                self.app.logger.warning("claim of version %s not renewed", self.version_id)
                continue
            if not held:
                return


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
    checker = Checker.for_session(session, config, claims=Claims.LIVE)
    report = checker.check(
        application,
        file=parsed.file if copy is None else None,
        exclude_submission=submission.id,
        applicant_uscc=submission.uscc,
        application_year=submission.year,
        copy=copy,
    )
    return report, copy.application if copy is not None else None
