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
from typing import Any

from sqlalchemy import BigInteger, Select, and_, cast, func, or_, select
from sqlalchemy.orm import QueryableAttribute, Session, selectinload
from sqlalchemy.sql.elements import ColumnElement

from intake.registry.models import CcerLot, Entity, LotStatus, Project
from intake.registry.values import plain
from intake.review.models import (
    Submission,
    SubmissionState,
    Version,
    VersionClaim,
)
from intake.review.records import Cancellation, ProjectVerification, Registration

# Quantities have at most 4 decimals (the registry's NUMERIC(20, 4)): sums in SQL are taken
# over whole ten-thousandths of a tonne, which SQLite and PostgreSQL add exactly as integers.
QUANTUM_PER_T = 10_000
SORT_KEYS = ("updated", "entity", "year", "state", "requested", "errors", "warnings", "days_left")
PAGE_SIZE = 50


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


@dataclass(frozen=True)
class QueuePage:
    """One page of a province's queue, with how many applications match in all."""

    rows: list[QueueRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        """How many pages the matching applications fill (at least one)."""
        return max(1, -(-self.total // self.page_size))


def _entity_name() -> ColumnElement[str]:
    """The registry's name of the entity, else the name its form declares."""
    return func.coalesce(Entity.name, Submission.declared_name, "")


def _queue_query(province: str, where: QueueFilter) -> Select[Any]:
    """The province's handed-in submissions (registry province, else the declared one).

    One join to the registry rather than a copy of its province: the registry may be
    reloaded, and the province's reach must follow it. (Written as indexed IN lookups it
    measured faster on SQLite but slower on PostgreSQL; this form is the better of both.)
    """
    query = (
        select(Submission.id)
        .outerjoin(Entity, Entity.uscc == Submission.uscc)
        .where(
            Submission.state != SubmissionState.DRAFT.value,
            or_(
                Entity.province == province,
                and_(Entity.uscc.is_(None), Submission.declared_province == province),
            ),
        )
    )
    if where.state:
        query = query.where(Submission.state == where.state)
    if where.year:
        query = query.where(Submission.year == where.year)
    needle = (where.entity or "").strip()
    if needle:
        query = query.where(
            or_(
                _entity_name().contains(needle, autoescape=True),
                Submission.uscc.contains(needle.upper(), autoescape=True),
            )
        )
    return query


def _order(key: str, descending: bool) -> list[ColumnElement[Any]]:
    """ORDER BY for one of SORT_KEYS: blank values last either way, then by id."""
    columns: dict[str, QueryableAttribute[Any] | ColumnElement[Any]] = {
        "updated": Submission.updated_at,
        "entity": _entity_name(),
        "year": Submission.year,
        "state": Submission.state,
        "requested": Submission.requested_t,
        "errors": Submission.error_count,
        "warnings": Submission.warning_count,
        # One deadline for every application: days left order nothing but the ids.
        "days_left": Submission.id,
    }
    column = columns.get(key, Submission.updated_at)
    direction = column.desc() if descending else column.asc()
    tie = Submission.id.desc() if descending else Submission.id.asc()
    return [column.is_(None), direction, tie]


def province_queue(
    session: Session,
    province: str,
    where: QueueFilter | None = None,
    *,
    deadline: dt.date,
    today: dt.date,
    page: int = 1,
    page_size: int | None = None,
) -> QueuePage:
    """A page of the province's applications handed in for review (drafts stay with the entity).

    Filtered, counted, ordered and cut into pages in SQL, in one statement when the page
    exists; a page past the last shows the last.
    """
    where = where or QueueFilter()
    size = page_size or PAGE_SIZE
    matching = _queue_query(province, where)
    page = max(1, page)
    found = list(session.execute(_queue_page(matching, where, page, size)))
    if found:
        total = found[0][-1]
    else:
        total = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
        last = max(1, -(-total // size))
        if page > last:
            page = last
            found = list(session.execute(_queue_page(matching, where, page, size)))
    days_left = (deadline - today).days
    rows = [
        QueueRow(id_, uscc, name, year, state, requested, errors, warnings, days_left, n, updated)
        for id_, uscc, name, year, state, requested, errors, warnings, n, updated, _all in found
    ]
    return QueuePage(rows, total, page, size)


def _queue_page(
    matching: Select[Any], where: QueueFilter, page: int, size: int
) -> Select[*tuple[Any, ...]]:
    """The columns of a queue row for one page, and the number of rows on every page."""
    return (
        matching.with_only_columns(
            Submission.id,
            Submission.uscc,
            _entity_name(),
            Submission.year,
            Submission.state,
            Submission.requested_t,
            Submission.error_count,
            Submission.warning_count,
            Submission.latest_version,
            Submission.updated_at,
            func.count().over(),
            maintain_column_froms=True,
        )
        .order_by(*_order(where.sort, where.descending))
        .limit(size)
        .offset((page - 1) * size)
    )


def submission_in_province(session: Session, submission: Submission, province: str) -> bool:
    """True when the province reviews this submission."""
    entity = session.get(Entity, submission.uscc)
    if entity is not None:
        return entity.province == province
    return submission.declared_province == province


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


def _latest_claims() -> Select[Any]:
    """CCER rows of the latest version of every handed-in application (choose the columns)."""
    return (
        select(VersionClaim.project_number)
        .join(Version, Version.id == VersionClaim.version_id)
        .join(Submission, Submission.id == Version.submission_id)
        .where(
            Submission.state != SubmissionState.DRAFT.value,
            Version.number == Submission.latest_version,
        )
    )


def _claims(session: Session) -> list[tuple[str, Claim]]:
    """(project number, claim) for each CCER row of the latest version of handed-in applications."""
    query = (
        _latest_claims()
        .add_columns(
            Submission.id,
            Submission.uscc,
            _entity_name(),
            Submission.year,
            Submission.state,
            VersionClaim.quantity_t,
        )
        .outerjoin(Entity, Entity.uscc == Submission.uscc)
        .order_by(Submission.id, VersionClaim.row_index)
    )
    return [
        (project, Claim(submission_id, uscc, name, year, state, quantity))
        for project, submission_id, uscc, name, year, state, quantity in session.execute(query)
    ]


def _lot_totals(session: Session) -> dict[str, list[tuple[str, str, Decimal]]]:
    """Project -> (uscc, status, quantity) of the lots of projects named in any claim.

    Summed in SQL over whole ten-thousandths of a tonne, so exactly on SQLite too.
    """
    units = cast(func.round(CcerLot.quantity_t * QUANTUM_PER_T), BigInteger)
    query = (
        select(CcerLot.project_number, CcerLot.uscc, CcerLot.status, func.sum(units))
        .where(CcerLot.project_number.in_(_latest_claims().distinct()))
        .group_by(CcerLot.project_number, CcerLot.uscc, CcerLot.status)
    )
    totals: dict[str, list[tuple[str, str, Decimal]]] = defaultdict(list)
    for project, uscc, status, total in session.execute(query):
        totals[project].append((uscc, status, Decimal(int(total)) / QUANTUM_PER_T))
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
    usages: dict[str, ProjectUsage] = {}
    for project, claim in _claims(session):
        usages.setdefault(project, ProjectUsage(project)).claims.append(claim)
    catalogue = {
        p.project_number: p
        for p in session.scalars(
            select(Project).where(Project.project_number.in_(_latest_claims().distinct()))
        )
    }
    found = verifications(session)
    totals = _lot_totals(session)
    for project, usage in usages.items():
        entry = catalogue.get(project)
        usage.known = entry is not None
        usage.project_name = entry.project_name if entry else ""
        usage.eligible = entry.eligible if entry else None
        usage.verification = found.get(project)
        _add_up(usage, totals.get(project, []))
    return [usages[n] for n in sorted(usages)]


def _add_up(usage: ProjectUsage, lots: list[tuple[str, str, Decimal]]) -> None:
    """The usage's quantities (lots by status, claims by state) and its flags."""
    pending_by_entity: dict[str, Decimal] = defaultdict(Decimal)
    for uscc, status, quantity in lots:
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
