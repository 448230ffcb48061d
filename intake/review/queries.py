"""What reviewers, enterprises and the ministry look at: queues, registrations, project numbers.

Every query is scoped by the caller's reach (one entity, one province, the
country); the views pass the logged-in user's uscc or province, never a value
taken from the request.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Row,
    Select,
    Subquery,
    and_,
    case,
    cast,
    distinct,
    false,
    func,
    or_,
    select,
)
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


@dataclass(frozen=True)
class RegistrationPage:
    """One page of offset registrations, with how many match in all."""

    registrations: list[Registration]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        """How many pages the matching registrations fill (at least one)."""
        return max(1, -(-self.total // self.page_size))


def _registrations_query(
    uscc: str | None, province: str | None, year: int | None
) -> Select[Registration]:
    """Registrations narrowed to an entity, a province and a year, newest first."""
    query = select(Registration).options(
        selectinload(Registration.cancellations).selectinload(Cancellation.registration)
    )
    if uscc is not None:
        query = query.where(Registration.uscc == uscc)
    if province is not None:
        query = query.where(Registration.province == province)
    if year is not None:
        query = query.where(Registration.year == year)
    return query.order_by(Registration.registered_at.desc(), Registration.id.desc())


def registrations(
    session: Session,
    *,
    uscc: str | None = None,
    province: str | None = None,
    year: int | None = None,
) -> list[Registration]:
    """Offset registrations, newest first, narrowed to an entity, a province and a year."""
    return list(session.scalars(_registrations_query(uscc, province, year)))


def registrations_page(
    session: Session,
    *,
    uscc: str | None = None,
    province: str | None = None,
    year: int | None = None,
    page: int = 1,
    page_size: int | None = None,
) -> RegistrationPage:
    """A page of ``registrations`` (counted in SQL); a page past the last shows the last."""
    size = page_size or PAGE_SIZE
    query = _registrations_query(uscc, province, year)
    count = select(func.count()).select_from(query.with_only_columns(Registration.id).subquery())
    total = session.scalar(count) or 0
    page = min(max(1, page), max(1, -(-total // size)))
    found = list(session.scalars(query.limit(size).offset((page - 1) * size)))
    return RegistrationPage(found, total, page, size)


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


PROJECT_FLAGS = (
    "unknown",
    "ineligible",
    "not_verified",
    "over_claimed",
    "several_entities",
    "both_years",
)
PROJECT_SORTS = ("number", "claimed", "approved", "entities")


@dataclass(frozen=True)
class ProjectFilter:
    """Which project numbers the ministry looks at, and in which order."""

    flag: str | None = None  # one of PROJECT_FLAGS, "attention" (any of them) or "unverified"
    number: str | None = None  # part of the project number
    sort: str = "number"
    descending: bool = False


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


@dataclass(frozen=True)
class ProjectPage:
    """One page of the ministry's project numbers, with how many match in all."""

    usages: list[ProjectUsage]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        """How many pages the matching project numbers fill (at least one)."""
        return max(1, -(-self.total // self.page_size))


def _units(quantity: ColumnElement[Any] | QueryableAttribute[Any]) -> ColumnElement[int]:
    """A quantity in whole ten-thousandths of a tonne, which both databases add exactly."""
    return cast(func.round(quantity * QUANTUM_PER_T), BigInteger)


def _tonnes(units: Any) -> Decimal:
    """Back from ten-thousandths of a tonne (None, an empty sum, is zero)."""
    return plain(Decimal(int(units or 0)) / QUANTUM_PER_T)


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


# The orders that need the claims added up.
CLAIM_SORTS = ("claimed", "approved", "entities")


def _used_numbers() -> Select[Any]:
    """The project numbers named in the latest version of any handed-in application.

    Written as an IN over the latest versions' ids: SQLite then reads those ids from the
    (submission, number) index instead of visiting each version's row, twice as fast.
    """
    latest = (
        select(Version.id)
        .join(Submission, Submission.id == Version.submission_id)
        .where(
            Submission.state != SubmissionState.DRAFT.value,
            Version.number == Submission.latest_version,
        )
    )
    return select(VersionClaim.project_number).where(VersionClaim.version_id.in_(latest)).distinct()


def _per_entity(scope: Sequence[str] | None) -> Subquery:
    """Per project (of these, or all) and entity: quantities asked and approved; what counts.

    A live (submitted) claim asks for CCER still pending; a rejected one no longer counts
    towards "several entities" or "both years".
    """
    live = Submission.state == SubmissionState.SUBMITTED.value
    approved = Submission.state == SubmissionState.APPROVED.value
    counted = Submission.state != SubmissionState.REJECTED.value
    units = _units(VersionClaim.quantity_t)
    year = func.coalesce(Submission.year, 0)
    query = _latest_claims().add_columns(
        Submission.uscc,
        func.sum(case((live, units), else_=0)).label("asked"),
        func.sum(case((approved, units), else_=0)).label("approved"),
        func.max(case((live, 1), else_=0)).label("live"),
        func.max(case((counted, 1), else_=0)).label("counted"),
        func.count(distinct(case((counted, year)))).label("years"),
    )
    if scope is not None:
        query = query.where(VersionClaim.project_number.in_(scope))
    return query.group_by(VersionClaim.project_number, Submission.uscc).subquery("per_entity")


def _over_claimed(number: Any) -> ColumnElement[bool]:
    """True when an entity's live claims on the project ask more than it holds pending of it.

    The costly flag: one index search of the entity's lots per entity with live claims on
    the project. As a correlated EXISTS it runs only for the rows that reach it (after the
    cheaper flags of "attention", or for one page).
    """
    held = (
        select(func.coalesce(func.sum(_units(CcerLot.quantity_t)), 0))
        .where(
            CcerLot.uscc == Submission.uscc,
            CcerLot.project_number == number,
            CcerLot.status == LotStatus.PENDING.value,
        )
        .correlate_except(CcerLot)  # the number is two levels up: name what is local
        .scalar_subquery()
    )
    asked = func.coalesce(func.sum(_units(VersionClaim.quantity_t)), 0)
    return (
        _latest_claims()
        .with_only_columns(Submission.uscc, maintain_column_froms=True)
        .where(
            VersionClaim.project_number == number,
            Submission.state == SubmissionState.SUBMITTED.value,
        )
        .group_by(Submission.uscc)
        .having(asked > held)
        .exists()
    )


def _per_project(scope: Sequence[str] | None) -> Subquery:
    """Per project: quantities claimed and approved, and what the claim flags read."""
    entity = _per_entity(scope).c
    return (
        select(
            entity.project_number,
            func.coalesce(func.sum(entity.asked), 0).label("claimed"),
            func.coalesce(func.sum(entity.approved), 0).label("approved"),
            func.sum(entity.counted).label("counted"),
            func.max(case((entity.years > 1, 1), else_=0)).label("both_years"),
            func.count().label("entities"),
        )
        .group_by(entity.project_number)
        .subquery("per_project")
    )


def _lot_totals(scope: Sequence[str] | None) -> Subquery:
    """Per project (of these, or all used): quantities pending and offset, in units."""
    units = _units(CcerLot.quantity_t)
    pending = case((CcerLot.status == LotStatus.PENDING.value, units), else_=0)
    offset = case((CcerLot.status == LotStatus.OFFSET.value, units), else_=0)
    projects = scope if scope is not None else _used_numbers()
    return (
        select(
            CcerLot.project_number,
            func.sum(pending).label("pending"),
            func.sum(offset).label("offset"),
        )
        .where(CcerLot.project_number.in_(projects))
        .group_by(CcerLot.project_number)
        .subquery("lots")
    )


def _flag_columns(project: Any) -> dict[str, ColumnElement[bool]]:
    """PROJECT_FLAGS as conditions on a project row joined to the catalogue and verification.

    In the order "attention" tests them, the costly one last; "several entities" and "both
    years" only when the row has ``_per_project``'s columns.
    """
    flags: dict[str, ColumnElement[bool]] = {
        "unknown": Project.project_number.is_(None),
        "ineligible": and_(Project.project_number.is_not(None), Project.eligible == false()),
        "not_verified": ProjectVerification.verified == false(),
    }
    if "counted" in project:
        flags["several_entities"] = project.counted > 1
        flags["both_years"] = project.both_years == 1
    flags["over_claimed"] = _over_claimed(project.project_number)
    return flags


def _with_registry(query: Select[Any], project: Any) -> Select[Any]:
    """The query joined to the catalogue and the ministry's verification of each number."""
    return query.outerjoin(Project, Project.project_number == project.project_number).outerjoin(
        ProjectVerification, ProjectVerification.project_number == project.project_number
    )


def _matching(where: ProjectFilter) -> Select[Any]:
    """The numbers of the matching projects, in order: only what the filter and order need.

    The claims are added up only for a claim flag or a quantity order.
    """
    flags_wanted = where.flag in ("several_entities", "both_years", "attention")
    if flags_wanted or where.sort in CLAIM_SORTS:
        project = _per_project(None).c
    else:
        project = _used_numbers().subquery("used").c
    query = _with_registry(select(project.project_number), project)
    query = query.where(*_project_conditions(where, project, _flag_columns(project)))
    number = project.project_number
    if where.sort not in CLAIM_SORTS:
        return query.order_by(number.desc() if where.descending else number.asc())
    key = getattr(project, where.sort)
    return query.order_by(key.desc() if where.descending else key.asc(), number.asc())


def _project_conditions(
    where: ProjectFilter, project: Any, flags: dict[str, ColumnElement[bool]]
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of the filter: a part of the number, and one flag."""
    conditions: list[ColumnElement[bool]] = []
    needle = (where.number or "").strip()
    if needle:
        conditions.append(project.project_number.icontains(needle, autoescape=True))
    if where.flag == "attention":
        conditions.append(or_(*flags.values()))
    elif where.flag == "unverified":
        conditions.append(ProjectVerification.project_number.is_(None))
    elif where.flag in flags:
        conditions.append(flags[where.flag])
    return conditions


def _details(scope: Sequence[str] | None) -> Select[Any]:
    """Catalogue entry, verification, quantities and flags of these project numbers (or all)."""
    project = _per_project(scope).c
    lots = _lot_totals(scope)
    flags = _flag_columns(project)
    query = select(
        project.project_number,
        Project.project_name,
        Project.eligible,
        project.claimed,
        project.approved,
        lots.c.pending,
        lots.c.offset,
        ProjectVerification,
        *(func.coalesce(flags[name], False).label(name) for name in PROJECT_FLAGS),
    )
    query = _with_registry(query, project)
    return query.outerjoin(lots, lots.c.project_number == project.project_number)


def project_page(
    session: Session,
    where: ProjectFilter | None = None,
    *,
    page: int = 1,
    page_size: int | None = None,
) -> ProjectPage:
    """A page of the project numbers used nationwide: filtered, counted, ordered and cut in SQL.

    Three statements: the page's numbers (with the count), their details, their claims;
    a page past the last shows the last.
    """
    size = page_size or PAGE_SIZE
    matching = _matching(where or ProjectFilter())
    page = max(1, page)
    found = list(session.execute(_numbers_slice(matching, page, size)))
    if found:
        total = found[0][1]
    else:
        total = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
        last = max(1, -(-total // size))
        if page > last:
            page = last
            found = list(session.execute(_numbers_slice(matching, page, size)))
    numbers = [number for number, _total in found]
    return ProjectPage(_usages(session, numbers, numbers), total, page, size)


def project_usage(session: Session, where: ProjectFilter | None = None) -> list[ProjectUsage]:
    """Every matching CCER project number used in any application nationwide (every page)."""
    numbers = list(session.scalars(_matching(where or ProjectFilter())))
    return _usages(session, numbers, None)


def _numbers_slice(matching: Select[Any], page: int, size: int) -> Select[Any]:
    """One page of the matching numbers, each with the number of matching rows in all."""
    return matching.add_columns(func.count().over()).limit(size).offset((page - 1) * size)


def _usages(
    session: Session, numbers: list[str], scope: Sequence[str] | None
) -> list[ProjectUsage]:
    """The usages of these numbers, in their order (details read for ``scope``: them, or all)."""
    if not numbers:
        return []
    usages = {row.project_number: _usage(row) for row in session.execute(_details(scope))}
    claims = _claims(session, scope)
    ordered = [usages[number] for number in numbers]
    for usage in ordered:
        usage.claims = claims.get(usage.project_number, [])
    return ordered


def _usage(row: Row[Any]) -> ProjectUsage:
    """A usage from its row of ``_details`` (its claims still to add)."""
    return ProjectUsage(
        project_number=row.project_number,
        project_name=row.project_name or "",
        known=not row.unknown,
        eligible=row.eligible,
        verification=row.ProjectVerification,
        pending_t=_tonnes(row.pending),
        offset_t=_tonnes(row.offset),
        claimed_t=_tonnes(row.claimed),
        approved_t=_tonnes(row.approved),
        flags=[name for name in PROJECT_FLAGS if row._mapping[name]],
    )


def _claims(session: Session, scope: Sequence[str] | None) -> dict[str, list[Claim]]:
    """Project number -> the claims on it (of these numbers, or all), by application and row."""
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
    if scope is not None:
        query = query.where(VersionClaim.project_number.in_(scope))
    claims: dict[str, list[Claim]] = defaultdict(list)
    for project, submission_id, uscc, name, year, state, quantity in session.execute(query):
        claims[project].append(Claim(submission_id, uscc, name, year, state, quantity))
    return claims
