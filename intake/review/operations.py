"""Every change to submissions and versions, each in one transaction.

An upload is stored durably (content-addressed) before its version row exists, so
a version never points at a missing file. The automatic check of an uploaded file
runs later, in a job: ``start_check`` / ``record_check`` / ``fail_check``.

What a version's queues show (申请抵销量, error and warning counts, declared province
and name, each CCER row as a ``VersionClaim``) is written here together with its
JSON, so that queues, live claims and the ministry's project list are read in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from intake.application import Application, Report, number
from intake.review import check_claims
from intake.review.models import (
    CheckState,
    Submission,
    SubmissionState,
    Version,
    VersionClaim,
)
from intake.review.registration import lock_for_write
from intake.storage import Storage

# Applications whose CCER quantities are spoken for while they wait for a decision.
LIVE_STATES = (SubmissionState.SUBMITTED.value,)
# The registry's precision (NUMERIC(20, 4), below 10^11 t): a quantity beyond it is not stored.
MAX_DECIMALS = 4
MAX_INTEGER_DIGITS = 11


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
        # Two uploads of a new version at once must not take the same number: hold the
        # submission's row (the database write lock on SQLite) while numbering.
        lock_for_write(session)
        submission = _locked(session, submission.id)
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


def start_check(
    session: Session, version: Version, *, stale_before: dt.datetime | None = None
) -> str | None:
    """Claim the version's automatic check: the claim token, or None when another holds it
    or it is done (see ``check_claims``; a claim idle since ``stale_before`` is taken over)."""
    with transaction(session):
        token = check_claims.claim(session, version.id, stale_before=stale_before)
    session.refresh(version)
    return token


def record_check(
    session: Session, version: Version, report: Report, claim: str | None = None
) -> bool:
    """Keep what was read from the version's file and every problem found, once: False
    (nothing written) when ``claim`` no longer holds the check or it is already finished."""
    with transaction(session):
        if not check_claims.finish(
            session, version.id, claim, {"check_state": CheckState.DONE.value}
        ):
            return False
        session.refresh(version)  # the row as just claimed for the result (and locked)
        _set_result(version, report)
    return True


def fail_check(session: Session, version: Version, error: str, claim: str | None = None) -> bool:
    """Mark the automatic check as failed (the file is kept for a person to look at); False
    when ``claim`` no longer holds the check or it is already finished."""
    values = {"check_state": CheckState.FAILED.value, "check_error": error[:2000]}
    with transaction(session):
        recorded = check_claims.finish(session, version.id, claim, values)
    session.refresh(version)
    return recorded


def claims(session: Session, uscc: str, exclude: int | None) -> dict[str, Decimal]:
    """Project number -> quantity the entity asks for in its live applications but ``exclude``."""
    query = (
        select(VersionClaim.project_number, VersionClaim.quantity_t)
        .join(Version, Version.id == VersionClaim.version_id)
        .join(Submission, Submission.id == Version.submission_id)
        .where(
            Submission.uscc == uscc,
            Submission.state.in_(LIVE_STATES),
            Version.number == Submission.latest_version,
            VersionClaim.quantity_t.is_not(None),
        )
    )
    if exclude is not None:
        query = query.where(Submission.id != exclude)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for project_number, quantity in session.execute(query):
        if quantity is not None:  # never, by the query; said again for the type checker
            totals[project_number] += quantity
    return dict(totals)


def summarize(session: Session, submission_ids: Iterable[int] | None = None) -> int:
    """Rewrite the stored summaries and claims of submissions (all, or these) from their JSON.

    For submissions and versions written around these operations (a bulk load); returns
    how many submissions it rewrote.
    """
    query = (
        select(Submission)
        .options(selectinload(Submission.versions).selectinload(Version.claims))
        .order_by(Submission.id)
    )
    if submission_ids is not None:
        query = query.where(Submission.id.in_(sorted(set(submission_ids))))
    count = 0
    with transaction(session):
        for submission in session.scalars(query):
            latest = submission.latest
            submission.latest_version = latest.number if latest is not None else 0
            for version in submission.versions:
                data = version.application_json
                problems = (version.report_json or {}).get("problems") or []
                _summarize(
                    version,
                    Application.from_json(data) if data else None,
                    [p.get("severity") for p in problems if isinstance(p, dict)],
                )
            count += 1
    return count


def storable(value: Decimal | None) -> Decimal | None:
    """The quantity when the registry's NUMERIC(20, 4) keeps it exactly, else None."""
    if value is None or not value.is_finite():
        return None
    exponent = value.normalize().as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if decimals > MAX_DECIMALS or abs(value) >= Decimal(10) ** MAX_INTEGER_DIGITS:
        return None
    return value


def _locked(session: Session, submission_id: int) -> Submission:
    """The submission re-read under a row lock, with its versions as the database has them."""
    query = (
        select(Submission)
        .where(Submission.id == submission_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    submission = session.scalars(query).one()
    session.refresh(submission, ["versions"])
    return submission


def _new_version(submission: Submission, user_id: int | None) -> Version:
    version = Version(
        number=len(submission.versions) + 1,
        created_by=user_id,
        check_state=CheckState.PENDING.value,
    )
    submission.versions.append(version)
    # The queue shows the new version from now on: nothing read or found yet.
    submission.latest_version = version.number
    submission.requested_t = submission.declared_province = submission.declared_name = None
    submission.error_count = submission.warning_count = 0
    return version


def _set_result(version: Version, report: Report) -> None:
    application = report.application
    version.application_json = (
        application.to_json(with_sources=True) if application is not None else None
    )
    version.report_json = report.to_json()
    version.check_state = CheckState.DONE.value
    version.check_error = None
    _summarize(version, application, [p.severity for p in report.problems])
    known_year = application is not None and application.year in (2021, 2022)
    if known_year and application is not None and version.submission.year is None:
        version.submission.year = application.year


def _summarize(
    version: Version, application: Application | None, severities: list[str | None]
) -> None:
    """Write the version's CCER rows as claims and, for the newest version, the queue's columns."""
    version.claims = [
        VersionClaim(
            row_index=index,
            project_number=row.project_number[:64],
            quantity_t=storable(number(row.cancel_quantity_t)),
        )
        for index, row in enumerate(application.ccer_rows if application else [], start=1)
        if row.project_number
    ]
    submission = version.submission
    if version.number != submission.latest_version:
        return  # an older version's check finishing late changes nothing the queue shows
    errors = severities.count("error")
    submission.error_count = errors
    submission.warning_count = len(severities) - errors
    if application is None:
        submission.requested_t = submission.declared_province = submission.declared_name = None
        return
    submission.requested_t = storable(number(application.offset_requested_t))
    submission.declared_province = (application.declaration.province or "")[:50] or None
    submission.declared_name = (application.entity_name or "")[:200] or None


def _clean_filename(filename: str) -> str:
    """The upload's name for display only (it is never used as a path)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join(ch for ch in name if ch.isprintable())[:255] or "upload"
