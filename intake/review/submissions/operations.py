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

from intake.accounts.models import Role, User
from intake.application import Application, Report, number
from intake.review import audit
from intake.review.audit import SYSTEM, Action, Actor
from intake.review.errors import ReviewError
from intake.review.registrations.operations import lock_for_write
from intake.review.submissions import check_claims
from intake.review.submissions.models import (
    OPEN_STATES,
    CheckState,
    Submission,
    SubmissionState,
    Version,
    VersionClaim,
)
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
    user: User,
    data: bytes,
    filename: str,
    address: str = "",
) -> Version:
    """A new application of the user's own entity whose first version is the uploaded file.

    Its year is fixed by the first version whose year is read (``record_check``).
    """
    uscc = require_applicant(user)
    sha256 = storage.store(data)
    with transaction(session):
        submission = Submission(uscc=uscc, state=SubmissionState.DRAFT.value)
        session.add(submission)
        version = _new_version(submission, user.id)
        version.file_sha256 = sha256
        version.original_filename = clean_filename(filename)
        session.flush()
        _audit(session, user, address, Action.CREATE, version)
    return version


# The verifier's verdicts on a form's year that leave the application without one.
YEAR_REFUSED = frozenset({"FIELD_MISSING", "VALUE_INVALID"})


def create_from_form(session: Session, *, user: User, report: Report, address: str = "") -> Version:
    """A new application of the user's own entity, typed online: its year is fixed now."""
    uscc = require_applicant(user)
    year = _year_of(report)
    if year is None:
        raise ReviewError("请填写有效的申请年度")
    with transaction(session):
        submission = Submission(uscc=uscc, state=SubmissionState.DRAFT.value, year=year)
        session.add(submission)
        version = _new_version(submission, user.id)
        _set_result(version, report)
        session.flush()
        _audit(session, user, address, Action.CREATE, version)
    return version


def add_version(
    session: Session,
    submission: Submission,
    *,
    user: User,
    storage: Storage | None = None,
    data: bytes | None = None,
    filename: str | None = None,
    report: Report | None = None,
    address: str = "",
) -> Version:
    """A new version of an application: an uploaded file (data) or a checked online form.

    Only the applicant adds versions, only while the application is a draft, rejected or
    withdrawn, and a typed version must be of the application's year.
    """
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
        submission = _open_for(session, submission, user)
        if report is not None:
            year = _year_of(report)
            if submission.year is not None and year is not None and year != submission.year:
                raise ReviewError(
                    f"本申请为 {submission.year} 年度，不能改为 {year} 年度的申请表；"
                    f"{year} 年度请另建一份申请"
                )
        version = _new_version(submission, user.id)
        if sha256 is not None:
            version.file_sha256 = sha256
            version.original_filename = clean_filename(filename or "")
        if report is not None:
            _set_result(version, report)
        submission.state = SubmissionState.DRAFT.value
        session.flush()
        _audit(session, user, address, Action.NEW_VERSION, version)
    return version


def attach_copy(
    session: Session,
    storage: Storage,
    submission: Submission,
    *,
    user: User,
    data: bytes,
    filename: str,
    address: str = "",
) -> Version:
    """Attach the stamped copy (scan, photo or PDF) to the newest version, typed online.

    The version's check runs again in a job: the copy is read and compared with it.
    """
    sha256 = storage.store(data)
    with transaction(session):
        submission = _open_for(session, submission, user)
        version = submission.latest
        if version is None or not version.is_online_form:
            raise ReviewError("盖章件只用于在线填写的申请；上传的申请表本身就是盖章件")
        if version.check_state in (CheckState.PENDING.value, CheckState.RUNNING.value):
            raise ReviewError("上一份盖章件还在检查中，请稍候再上传")
        version.copy_sha256 = sha256
        version.copy_filename = clean_filename(filename)
        version.copy_application_json = None
        version.check_state = CheckState.PENDING.value
        submission.state = SubmissionState.DRAFT.value
        _audit(session, user, address, Action.ATTACH_COPY, version)
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
    session: Session,
    version: Version,
    report: Report,
    claim: str | None = None,
    *,
    copy: Application | None = None,
) -> bool:
    """Keep what was read from the version's file (or its copy) and every problem found,
    once: False (nothing written) when ``claim`` no longer holds the check or it is done.

    A first upload that is unreadable or not the form leaves no application behind: its
    application is discarded (the file and the report stay, for the uploader and the log).
    """
    with transaction(session):
        if not check_claims.finish(
            session, version.id, claim, {"check_state": CheckState.DONE.value}
        ):
            return False
        session.refresh(version)  # the row as just claimed for the result (and locked)
        _set_result(version, report)
        if version.copy_sha256 is not None:
            version.copy_application_json = copy.to_json(with_sources=True) if copy else None
        submission = version.submission
        if _unrelated_first_upload(submission, report):
            submission.state = SubmissionState.DISCARDED.value
            audit.record(
                session,
                SYSTEM,
                Action.DISCARD,
                submission_id=submission.id,
                target=f"第 {version.number} 版",
                details={"version": version.number, "reason": "unreadable"},
            )
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
                report = version.report
                _summarize(
                    version,
                    Application.from_json(data) if data else None,
                    [p.severity for p in report.problems] if report is not None else [],
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


def require_applicant(user: User) -> str:
    """The user's own entity, when the user is an enterprise account (ReviewError otherwise)."""
    if user.role != Role.ENTERPRISE or not user.uscc:
        raise ReviewError("只有重点排放单位的账户可以提交申请")
    return user.uscc


def require_owner(submission: Submission, user: User) -> None:
    """Refuse (ReviewError) anyone but the applicant entity's own account."""
    if user.role != Role.ENTERPRISE or user.uscc != submission.uscc:
        raise ReviewError("只有申请单位本身可以修改或提交申请")


def require_open(submission: Submission) -> None:
    """Refuse (ReviewError) a change while the application is under review or decided."""
    if submission.state in OPEN_STATES:
        return
    if submission.state == SubmissionState.SUBMITTED.value:
        raise ReviewError("申请正在审核中，审核结束前不能修改；如需修改，请先撤回申请")
    if submission.state == SubmissionState.APPROVED.value:
        raise ReviewError("申请已审核通过并完成抵销登记，不能再修改")
    raise ReviewError("申请已删除，不能再修改")


def _open_for(session: Session, submission: Submission, user: User) -> Submission:
    """The submission locked for a change by its applicant, while it is open to one."""
    lock_for_write(session)
    submission = _locked(session, submission.id)
    require_owner(submission, user)
    require_open(submission)
    return submission


def _year_of(report: Report) -> int | None:
    """The form's year when the check found it to be the year of a cycle in force."""
    year = report.application.year if report.application is not None else None
    refused = any(p.field == "year" and p.code in YEAR_REFUSED for p in report.problems)
    return year if isinstance(year, int) and not refused else None


def _unrelated_first_upload(submission: Submission, report: Report) -> bool:
    """A new application's only version is a file that is unreadable or not the form."""
    unrelated = any(p.code in ("FILE_UNREADABLE", "FORM_NOT_RECOGNIZED") for p in report.problems)
    return (
        unrelated
        and len(submission.versions) == 1
        and submission.versions[0].file_sha256 is not None
        and submission.state == SubmissionState.DRAFT.value
    )


def _audit(session: Session, user: User, address: str, action: str, version: Version) -> None:
    audit.record(
        session,
        Actor.of(user, address),
        action,
        submission_id=version.submission.id,
        target=f"第 {version.number} 版",
        details={"version": version.number},
    )


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
    year = _year_of(report)
    if year is not None and version.submission.year is None:
        version.submission.year = year


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


def clean_filename(filename: str) -> str:
    """The upload's name for display only (it is never used as a path)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return "".join(ch for ch in name if ch.isprintable())[:255] or "upload"
