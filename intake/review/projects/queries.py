"""The ministry's view of CCER project numbers: how applications nationwide use each one.

The SQL adds up claims and lots per project and sets the flags; the functions below it
page, sort and assemble what the ministry's pages and exports show.
"""

from __future__ import annotations

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
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from intake.registry.models import CcerLot, Entity, LotStatus, Project
from intake.registry.values import plain
from intake.review.paging import Paged
from intake.review.projects.models import ProjectVerification
from intake.review.submissions.models import Submission, SubmissionState, Version, VersionClaim
from intake.review.submissions.queries import entity_name

# Quantities have at most 4 decimals (the registry's NUMERIC(20, 4)): sums in SQL are taken
# over whole ten-thousandths of a tonne, which SQLite and PostgreSQL add exactly as integers.
QUANTUM_PER_T = 10_000
PROJECT_FLAGS = (
    "unknown",
    "ineligible",
    "not_verified",
    "over_claimed",
    "several_entities",
    "both_years",
)


def _units(quantity: ColumnElement[Any] | QueryableAttribute[Any]) -> ColumnElement[int]:
    """A quantity in whole ten-thousandths of a tonne, which both databases add exactly."""
    return cast(func.round(quantity * QUANTUM_PER_T), BigInteger)


def tonnes(units: Any) -> Decimal:
    """Back from ten-thousandths of a tonne (None, an empty sum, is zero)."""
    return plain(Decimal(int(units or 0)) / QUANTUM_PER_T)


def latest_claims() -> Select[Any]:
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


def used_numbers() -> Select[Any]:
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
    query = latest_claims().add_columns(
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
        latest_claims()
        .with_only_columns(Submission.uscc, maintain_column_froms=True)
        .where(
            VersionClaim.project_number == number,
            Submission.state == SubmissionState.SUBMITTED.value,
        )
        .group_by(Submission.uscc)
        .having(asked > held)
        .exists()
    )


def per_project(scope: Sequence[str] | None) -> Subquery:
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
    projects = scope if scope is not None else used_numbers()
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


def flag_columns(project: Any) -> dict[str, ColumnElement[bool]]:
    """PROJECT_FLAGS as conditions on a project row joined to the catalogue and verification.

    In the order "attention" tests them, the costly one last; "several entities" and "both
    years" only when the row has ``per_project``'s columns.
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


def with_registry(query: Select[Any], project: Any) -> Select[Any]:
    """The query joined to the catalogue and the ministry's verification of each number."""
    return query.outerjoin(Project, Project.project_number == project.project_number).outerjoin(
        ProjectVerification, ProjectVerification.project_number == project.project_number
    )


def details(scope: Sequence[str] | None) -> Select[Any]:
    """Catalogue entry, verification, quantities and flags of these project numbers (or all)."""
    project = per_project(scope).c
    lots = _lot_totals(scope)
    flags = flag_columns(project)
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
    query = with_registry(query, project)
    return query.outerjoin(lots, lots.c.project_number == project.project_number)


PAGE_SIZE = 50
PROJECT_SORTS = ("number", "claimed", "approved", "entities")
# The orders that need the claims added up.
CLAIM_SORTS = ("claimed", "approved", "entities")


def verifications(
    session: Session, project_numbers: Iterable[str] | None = None
) -> dict[str, ProjectVerification]:
    """Project number -> the ministry's finding on it (only numbers it has looked at)."""
    query = select(ProjectVerification)
    if project_numbers is not None:
        query = query.where(ProjectVerification.project_number.in_(sorted(set(project_numbers))))
    return {v.project_number: v for v in session.scalars(query)}


def catalogue_projects(session: Session, project_numbers: Iterable[str]) -> dict[str, Project]:
    """Project number -> the ministry's catalogue entry (only numbers the catalogue lists)."""
    query = select(Project).where(Project.project_number.in_(sorted(set(project_numbers))))
    return {p.project_number: p for p in session.scalars(query)}


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
class ProjectPage(Paged):
    """One page of the ministry's project numbers, with how many match in all."""

    usages: list[ProjectUsage]
    total: int
    page: int
    page_size: int


def _matching(where: ProjectFilter) -> Select[Any]:
    """The numbers of the matching projects, in order: only what the filter and order need.

    The claims are added up only for a claim flag or a quantity order.
    """
    flags_wanted = where.flag in ("several_entities", "both_years", "attention")
    if flags_wanted or where.sort in CLAIM_SORTS:
        project = per_project(None).c
    else:
        project = used_numbers().subquery("used").c
    query = with_registry(select(project.project_number), project)
    query = query.where(*_project_conditions(where, project, flag_columns(project)))
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
    usages = {row.project_number: _usage(row) for row in session.execute(details(scope))}
    claims = _claims(session, scope)
    ordered = [usages[number] for number in numbers]
    for usage in ordered:
        usage.claims = claims.get(usage.project_number, [])
    return ordered


def _usage(row: Row[Any]) -> ProjectUsage:
    """A usage from its row of ``details`` (its claims still to add)."""
    return ProjectUsage(
        project_number=row.project_number,
        project_name=row.project_name or "",
        known=not row.unknown,
        eligible=row.eligible,
        verification=row.ProjectVerification,
        pending_t=tonnes(row.pending),
        offset_t=tonnes(row.offset),
        claimed_t=tonnes(row.claimed),
        approved_t=tonnes(row.approved),
        flags=[name for name in PROJECT_FLAGS if row._mapping[name]],
    )


def _claims(session: Session, scope: Sequence[str] | None) -> dict[str, list[Claim]]:
    """Project number -> the claims on it (of these numbers, or all), by application and row."""
    query = (
        latest_claims()
        .add_columns(
            Submission.id,
            Submission.uscc,
            entity_name(),
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
