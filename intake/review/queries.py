"""What reviewers, enterprises and the ministry look at: queues, registrations, project numbers.

Every query is scoped by the caller's reach (one entity, one province, the
country); the views pass the logged-in user's uscc or province, never a value
taken from the request.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from intake.application import Application, number
from intake.registry.models import CcerLot, Entity, LotStatus, Project
from intake.registry.values import plain
from intake.review.models import Submission, SubmissionState
from intake.review.records import Cancellation, ProjectVerification, Registration

SORT_KEYS = ("updated", "entity", "year", "state", "requested", "errors", "warnings", "days_left")


@dataclass(frozen=True)
class QueueFilter:
    """How a province narrows and orders its queue."""

    state: str | None = None
    entity: str | None = None  # part of the name or of the code
    year: int | None = None
    sort: str = "updated"
    descending: bool = True


@dataclass(frozen=True)
class QueueRow:
    """One application in a province's queue."""

    submission_id: int
    uscc: str
    entity_name: str
    year: int | None
    state: str
    requested_t: Decimal | None
    errors: int
    warnings: int
    days_left: int
    versions: int
    updated_at: dt.datetime


def _problem_counts(report: dict[str, object] | None) -> tuple[int, int]:
    problems = report.get("problems") if report else None
    if not isinstance(problems, list):
        return 0, 0
    errors = sum(1 for p in problems if isinstance(p, dict) and p.get("severity") == "error")
    return errors, len(problems) - errors


def _queue_row(
    submission: Submission, entity: Entity | None, deadline: dt.date, today: dt.date
) -> QueueRow:
    latest = submission.latest
    application = (
        Application.from_json(latest.application_json)
        if latest is not None and latest.application_json
        else None
    )
    errors, warnings = _problem_counts(latest.report_json if latest is not None else None)
    return QueueRow(
        submission_id=submission.id,
        uscc=submission.uscc,
        entity_name=entity.name
        if entity
        else (application.entity_name if application else "") or "",
        year=submission.year,
        state=submission.state,
        requested_t=number(application.offset_requested_t) if application else None,
        errors=errors,
        warnings=warnings,
        days_left=(deadline - today).days,
        versions=len(submission.versions),
        updated_at=submission.updated_at,
    )


def _declared_province(submission: Submission) -> str | None:
    latest = submission.latest
    if latest is None or not latest.application_json:
        return None
    return Application.from_json(latest.application_json).declaration.province


def province_queue(
    session: Session,
    province: str,
    where: QueueFilter | None = None,
    *,
    deadline: dt.date,
    today: dt.date,
) -> list[QueueRow]:
    """The province's applications handed in for review (drafts stay with the enterprise)."""
    where = where or QueueFilter()
    query = (
        select(Submission, Entity)
        .outerjoin(Entity, Entity.uscc == Submission.uscc)
        .where(Submission.state != SubmissionState.DRAFT.value)
        .options(selectinload(Submission.versions))
    )
    if where.state:
        query = query.where(Submission.state == where.state)
    if where.year:
        query = query.where(Submission.year == where.year)
    rows = [
        _queue_row(submission, entity, deadline, today)
        for submission, entity in session.execute(query)
        if (entity.province if entity else _declared_province(submission)) == province
    ]
    if where.entity:
        needle = where.entity.strip()
        rows = [r for r in rows if needle in r.entity_name or needle.upper() in r.uscc]
    return sort_queue(rows, where.sort, where.descending)


def sort_queue(rows: list[QueueRow], key: str, descending: bool) -> list[QueueRow]:
    """Rows ordered by one of SORT_KEYS (blank values last either way)."""
    key = key if key in SORT_KEYS else "updated"
    attribute = {"entity": "entity_name", "updated": "updated_at", "requested": "requested_t"}.get(
        key, key
    )
    present = [r for r in rows if getattr(r, attribute) is not None]
    blank = [r for r in rows if getattr(r, attribute) is None]
    present.sort(key=lambda r: getattr(r, attribute), reverse=descending)
    return present + blank


def submission_in_province(session: Session, submission: Submission, province: str) -> bool:
    """True when the province reviews this submission."""
    entity = session.get(Entity, submission.uscc)
    if entity is not None:
        return entity.province == province
    return _declared_province(submission) == province


def registrations(
    session: Session,
    *,
    uscc: str | None = None,
    province: str | None = None,
    year: int | None = None,
) -> list[Registration]:
    """Offset registrations, newest first, narrowed to an entity, a province and a year."""
    query = select(Registration).options(
        selectinload(Registration.cancellations).selectinload(Cancellation.registration)
    )
    if uscc is not None:
        query = query.where(Registration.uscc == uscc)
    if province is not None:
        query = query.where(Registration.province == province)
    if year is not None:
        query = query.where(Registration.year == year)
    query = query.order_by(Registration.registered_at.desc(), Registration.id.desc())
    return list(session.scalars(query))


def registration_of(session: Session, submission_id: int) -> Registration | None:
    """The registration written when the submission was approved, if it was."""
    return session.scalar(
        select(Registration)
        .where(Registration.submission_id == submission_id)
        .options(selectinload(Registration.cancellations))
    )


def entity_lots(session: Session, uscc: str) -> list[CcerLot]:
    """The entity's CCER lots in every status, by project then id."""
    query = select(CcerLot).where(CcerLot.uscc == uscc)
    return list(session.scalars(query.order_by(CcerLot.project_number, CcerLot.id)))


def verifications(
    session: Session, project_numbers: Iterable[str] | None = None
) -> dict[str, ProjectVerification]:
    """Project number -> the ministry's finding on it (only numbers it has looked at)."""
    query = select(ProjectVerification)
    if project_numbers is not None:
        query = query.where(ProjectVerification.project_number.in_(sorted(set(project_numbers))))
    return {v.project_number: v for v in session.scalars(query)}


@dataclass(frozen=True)
class Claim:
    """One application's use of a project number."""

    submission_id: int
    uscc: str
    entity_name: str
    year: int | None
    state: str
    quantity_t: Decimal | None


@dataclass
class ProjectUsage:
    """A project number as used in applications nationwide, against the registry."""

    project_number: str
    project_name: str = ""
    known: bool = False
    eligible: bool | None = None
    verification: ProjectVerification | None = None
    pending_t: Decimal = Decimal(0)
    offset_t: Decimal = Decimal(0)
    claimed_t: Decimal = Decimal(0)  # in applications waiting for a decision
    approved_t: Decimal = Decimal(0)
    claims: list[Claim] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


def _claims(session: Session) -> list[tuple[str, Claim]]:
    query = (
        select(Submission, Entity)
        .outerjoin(Entity, Entity.uscc == Submission.uscc)
        .where(Submission.state != SubmissionState.DRAFT.value)
        .options(selectinload(Submission.versions))
        .order_by(Submission.id)
    )
    found: list[tuple[str, Claim]] = []
    for submission, entity in session.execute(query):
        latest = submission.latest
        if latest is None or not latest.application_json:
            continue
        application = Application.from_json(latest.application_json)
        name = entity.name if entity else application.entity_name or ""
        for row in application.ccer_rows:
            if row.project_number:
                claim = Claim(
                    submission.id,
                    submission.uscc,
                    name,
                    submission.year,
                    submission.state,
                    number(row.cancel_quantity_t),
                )
                found.append((row.project_number, claim))
    return found


def _lot_totals(session: Session, numbers: list[str]) -> dict[tuple[str, str, str], Decimal]:
    """(project, uscc, status) -> summed quantity, exactly (in Python, not in SQL)."""
    totals: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    query = select(CcerLot.project_number, CcerLot.uscc, CcerLot.status, CcerLot.quantity_t)
    for project, uscc, status, quantity in session.execute(
        query.where(CcerLot.project_number.in_(numbers))
    ):
        totals[(project, uscc, status)] += quantity
    return totals


def _flags(usage: ProjectUsage, pending_by_entity: dict[str, Decimal]) -> list[str]:
    flags: list[str] = []
    if not usage.known:
        flags.append("unknown")
    elif usage.eligible is False:
        flags.append("ineligible")
    if usage.verification is not None and not usage.verification.verified:
        flags.append("not_verified")
    live = [c for c in usage.claims if c.state == SubmissionState.SUBMITTED.value]
    asked: dict[str, Decimal] = defaultdict(Decimal)
    for claim in live:
        asked[claim.uscc] += claim.quantity_t or Decimal(0)
    if any(total > pending_by_entity.get(uscc, Decimal(0)) for uscc, total in asked.items()):
        flags.append("over_claimed")
    counted = [c for c in usage.claims if c.state != SubmissionState.REJECTED.value]
    if len({c.uscc for c in counted}) > 1:
        flags.append("several_entities")
    years: dict[str, set[int | None]] = defaultdict(set)
    for claim in counted:
        years[claim.uscc].add(claim.year)
    if any(len(y) > 1 for y in years.values()):
        flags.append("both_years")
    return flags


def project_usage(session: Session) -> list[ProjectUsage]:
    """Every CCER project number used in any application nationwide, with what stands out."""
    claims = _claims(session)
    usages: dict[str, ProjectUsage] = {}
    for project, claim in claims:
        usages.setdefault(project, ProjectUsage(project)).claims.append(claim)
    numbers = sorted(usages)
    catalogue = {
        p.project_number: p
        for p in session.scalars(select(Project).where(Project.project_number.in_(numbers)))
    }
    found = verifications(session, numbers)
    totals = _lot_totals(session, numbers)
    for project, usage in usages.items():
        entry = catalogue.get(project)
        usage.known = entry is not None
        usage.project_name = entry.project_name if entry else ""
        usage.eligible = entry.eligible if entry else None
        usage.verification = found.get(project)
        pending_by_entity: dict[str, Decimal] = defaultdict(Decimal)
        for (of, uscc, status), quantity in totals.items():
            if of != project:
                continue
            if status == LotStatus.PENDING.value:
                usage.pending_t += quantity
                pending_by_entity[uscc] += quantity
            elif status == LotStatus.OFFSET.value:
                usage.offset_t += quantity
        for claim in usage.claims:
            quantity = claim.quantity_t or Decimal(0)
            if claim.state == SubmissionState.SUBMITTED.value:
                usage.claimed_t += quantity
            elif claim.state == SubmissionState.APPROVED.value:
                usage.approved_t += quantity
        usage.pending_t, usage.offset_t = plain(usage.pending_t), plain(usage.offset_t)
        usage.claimed_t, usage.approved_t = plain(usage.claimed_t), plain(usage.approved_t)
        usage.flags = _flags(usage, pending_by_entity)
    return [usages[n] for n in numbers]
