"""The ministry's view of CCER project numbers: how applications nationwide use each one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, Select, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from intake.registry.models import Entity, Project
from intake.review.models import Submission, VersionClaim
from intake.review.paging import Paged
from intake.review.queries import entity_name
from intake.review.records import ProjectVerification
from intake.review.usage_sql import (
    PROJECT_FLAGS,
    details,
    flag_columns,
    latest_claims,
    per_project,
    tonnes,
    used_numbers,
    with_registry,
)

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
