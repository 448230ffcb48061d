"""Every change to submissions and versions, each in one transaction.

An upload is stored durably (content-addressed) before its version row exists, so
a version never points at a missing file. The automatic check of an uploaded file
runs later, in a job: ``start_check`` / ``record_check`` / ``fail_check``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.application import Application, Report, number
from intake.review.models import CheckState, Submission, SubmissionState, Version
from intake.storage import Storage

# Applications whose CCER quantities are spoken for while they wait for a decision.
LIVE_STATES = (SubmissionState.SUBMITTED.value,)


@contextmanager
def transaction(session: Session) -> Iterator[None]:
    """Commit what the block did, or roll it all back on any exception."""
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise


def create_from_upload(
    session: Session,
    storage: Storage,
    *,
    uscc: str,
    data: bytes,
    filename: str,
    user_id: int | None,
) -> Version:
    """A new submission whose first version is the uploaded file, waiting for its check."""
    sha256 = storage.store(data)
    with transaction(session):
        submission = Submission(uscc=uscc, state=SubmissionState.DRAFT.value)
        session.add(submission)
        version = _new_version(submission, user_id)
        version.file_sha256 = sha256
        version.original_filename = _clean_filename(filename)
        session.flush()
    return version


def create_from_form(
    session: Session, *, uscc: str, report: Report, user_id: int | None
) -> Version:
    """A new submission whose first version is an application typed into the online form."""
    with transaction(session):
        submission = Submission(uscc=uscc, state=SubmissionState.DRAFT.value)
        session.add(submission)
        version = _new_version(submission, user_id)
        _set_result(version, report)
        session.flush()
    return version


def add_version(
    session: Session,
    submission: Submission,
    *,
    user_id: int | None,
    storage: Storage | None = None,
    data: bytes | None = None,
    filename: str | None = None,
    report: Report | None = None,
) -> Version:
    """A new version of the submission: an uploaded file (data) or a checked online form."""
    if (data is None) == (report is None):
        raise ValueError("a version is either an uploaded file or a checked online form")
    sha256 = None
    if data is not None:
        if storage is None:
            raise ValueError("an uploaded file needs the storage")
        sha256 = storage.store(data)
    with transaction(session):
        version = _new_version(submission, user_id)
        if sha256 is not None:
            version.file_sha256 = sha256
            version.original_filename = _clean_filename(filename or "")
        if report is not None:
            _set_result(version, report)
        if submission.state == SubmissionState.REJECTED.value:
            submission.state = SubmissionState.DRAFT.value
        session.flush()
    return version


def start_check(session: Session, version: Version) -> None:
    """Mark the version's automatic check as running."""
    with transaction(session):
        version.check_state = CheckState.RUNNING.value


def record_check(session: Session, version: Version, report: Report) -> None:
    """Keep what was read from the version's file and every problem found."""
    with transaction(session):
        _set_result(version, report)


def fail_check(session: Session, version: Version, error: str) -> None:
    """Mark the automatic check as failed (the file is kept for a person to look at)."""
    with transaction(session):
        version.check_state = CheckState.FAILED.value
        version.check_error = error[:2000]


def claims(session: Session, uscc: str, exclude: int | None) -> dict[str, Decimal]:
    """Project number -> quantity the entity asks for in its live applications but ``exclude``."""
    query = select(Submission).where(Submission.uscc == uscc, Submission.state.in_(LIVE_STATES))
    if exclude is not None:
        query = query.where(Submission.id != exclude)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for submission in session.scalars(query):
        latest = submission.latest
        if latest is None or latest.application_json is None:
            continue
        for row in Application.from_json(latest.application_json).ccer_rows:
            quantity = number(row.cancel_quantity_t)
            if row.project_number and quantity is not None:
                totals[row.project_number] += quantity
    return dict(totals)


def _new_version(submission: Submission, user_id: int | None) -> Version:
    version = Version(
        number=len(submission.versions) + 1,
        created_by=user_id,
        check_state=CheckState.PENDING.value,
    )
    submission.versions.append(version)
    return version


def _set_result(version: Version, report: Report) -> None:
    application = report.application
    version.application_json = (
        application.to_json(with_sources=True) if application is not None else None
    )
    version.report_json = report.to_json()
    version.check_state = CheckState.DONE.value
    version.check_error = None
    known_year = application is not None and application.year in (2021, 2022)
    if known_year and application is not None and version.submission.year is None:
        version.submission.year = application.year


def _clean_filename(filename: str) -> str:
    """The upload's name for display only (it is never used as a path)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join(ch for ch in name if ch.isprintable())[:255] or "upload"
