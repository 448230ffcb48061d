"""The figures of the province's and the ministry's dashboards, and the national queue.

Each figure is one SQL aggregate over the tables the queue and the registrations
already keep (``Submission`` summaries, ``Registration``, registry lots), so a
dashboard costs a handful of statements whatever the number of applications.
Drafts stay with their entity: no figure counts them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from intake.registry.models import CcerLot, Entity, LotStatus
from intake.review.paging import Paged
from intake.review.projects.queries import ProjectFilter, project_page
from intake.review.registrations.models import Registration
from intake.review.submissions.models import Submission, SubmissionState
from intake.review.submissions.queries import entity_name

STATES = (
    SubmissionState.SUBMITTED.value,
    SubmissionState.APPROVED.value,
    SubmissionState.REJECTED.value,
)
PAGE_SIZE = 50
ZERO = Decimal(0)


def province_of() -> ColumnElement[str]:
    """The province reviewing a submission: the registry's, else the one its form declares.

    Without a bound parameter, so that PostgreSQL sees the same expression in GROUP BY.
    """
    return func.coalesce(Entity.province, Submission.declared_province)


@dataclass
class ProvinceFigures:
    """One province's applications by state, tonnes asked and registered, and lots pending."""

    province: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))
    requested_t: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(STATES, ZERO))
    registered_t: Decimal = ZERO
    pending_t: Decimal = ZERO
    entities: int = 0
    applicants: int = 0

    @property
    def total(self) -> int:
        """Applications handed in (every state but draft)."""
        return sum(self.counts.values())

    @property
    def decided(self) -> int:
        """Applications approved or rejected."""
        return self.counts["approved"] + self.counts["rejected"]

    @property
    def progress_pct(self) -> int:
        """The share of handed-in applications decided, in whole per cent (rounded down)."""
        return self.decided * 100 // self.total if self.total else 0


@dataclass(frozen=True)
class Waiting:
    """An application waiting for a decision."""

    submission_id: int
    uscc: str
    entity_name: str
    province: str
    year: int | None
    requested_t: Decimal | None
    errors: int
    since: dt.datetime


@dataclass(frozen=True)
class NationalPage(Paged):
    """One page of the national queue."""

    rows: list[Waiting | Any]
    total: int
    page: int
    page_size: int


@dataclass(frozen=True)
class QueueRow:
    """One row of the national (read-only) queue."""

    submission_id: int
    uscc: str
    entity_name: str
    province: str
    year: int | None
    state: str
    requested_t: Decimal | None
    errors: int
    warnings: int
    updated_at: dt.datetime


def figures(session: Session, province: str | None = None) -> dict[str, ProvinceFigures]:
    """Province -> its figures; one province when given, else every province with data."""
    result: dict[str, ProvinceFigures] = {}

    def of(name: str) -> ProvinceFigures:
        return result.setdefault(name, ProvinceFigures(name))

    where = _in_province(province)
    by_state = (
        select(province_of(), Submission.state, func.count(), func.sum(Submission.requested_t))
        .outerjoin(Entity, Entity.uscc == Submission.uscc)
        .where(Submission.state.in_(STATES), *where)
        .group_by(province_of(), Submission.state)
    )
    for name, state, count, tonnes in session.execute(by_state):
        of(name or "").counts[state] = count
        of(name or "").requested_t[state] = Decimal(tonnes or 0)
    applicants = (
        select(province_of(), func.count(func.distinct(Submission.uscc)))
        .outerjoin(Entity, Entity.uscc == Submission.uscc)
        .where(Submission.state.in_(STATES), *where)
        .group_by(province_of())
    )
    for name, count in session.execute(applicants):
        of(name or "").applicants = count
    registered = select(Registration.province, func.sum(Registration.total_t)).group_by(
        Registration.province
    )
    if province is not None:
        registered = registered.where(Registration.province == province)
    for name, tonnes in session.execute(registered):
        of(name).registered_t = Decimal(tonnes or 0)
    for name, entities, pending in session.execute(_registry_figures(province)):
        figure = of(name)
        figure.entities = entities
        figure.pending_t = Decimal(pending or 0)
    if province is not None:
        of(province)
    return dict(sorted(result.items()))


def _in_province(province: str | None) -> list[ColumnElement[bool]]:
    return [] if province is None else [province_of() == province]


def _registry_figures(province: str | None) -> Select[*tuple[Any, ...]]:
    """Per province: key emission units, and tonnes of CCER still 待抵销 they hold."""
    pending = (
        select(CcerLot.uscc, func.sum(CcerLot.quantity_t).label("pending_t"))
        .where(CcerLot.status == LotStatus.PENDING.value)
        .group_by(CcerLot.uscc)
        .subquery()
    )
    query = (
        select(Entity.province, func.count(Entity.uscc), func.sum(pending.c.pending_t))
        .outerjoin(pending, pending.c.uscc == Entity.uscc)
        .group_by(Entity.province)
    )
    return query if province is None else query.where(Entity.province == province)


def national_total(by_province: dict[str, ProvinceFigures]) -> ProvinceFigures:
    """The figures of every province added up."""
    total = ProvinceFigures("全国")
    for figure in by_province.values():
        for state in STATES:
            total.counts[state] += figure.counts[state]
            total.requested_t[state] += figure.requested_t[state]
        total.registered_t += figure.registered_t
        total.pending_t += figure.pending_t
        total.entities += figure.entities
        total.applicants += figure.applicants
    return total


def waiting_longest(session: Session, province: str | None = None, limit: int = 5) -> list[Waiting]:
    """The applications waiting for a decision the longest (least recently changed first)."""
    query = (
        select(
            Submission.id,
            Submission.uscc,
            entity_name(),
            province_of(),
            Submission.year,
            Submission.requested_t,
            Submission.error_count,
            Submission.updated_at,
        )
        .outerjoin(Entity, Entity.uscc == Submission.uscc)
        .where(Submission.state == SubmissionState.SUBMITTED.value, *_in_province(province))
        .order_by(Submission.updated_at.asc(), Submission.id.asc())
        .limit(limit)
    )
    return [Waiting(*row) for row in session.execute(query)]


def projects_to_verify(session: Session) -> int:
    """Project numbers used in applications that the ministry has not yet verified."""
    return project_page(session, ProjectFilter(flag="unverified"), page_size=1).total


def double_claims(session: Session) -> int:
    """Project numbers claimed by more than one entity."""
    return project_page(session, ProjectFilter(flag="several_entities"), page_size=1).total


def national_queue(
    session: Session,
    *,
    province: str | None = None,
    state: str | None = None,
    page: int = 1,
    page_size: int | None = None,
) -> NationalPage:
    """Every province's handed-in applications (or one province's), newest change first."""
    size = page_size or PAGE_SIZE
    query = _queue_query(province, state)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    last = max(1, -(-total // size))
    page = min(max(1, page), last)
    rows = session.execute(query.limit(size).offset((page - 1) * size))
    return NationalPage([QueueRow(*row) for row in rows], total, page, size)


def queue_rows(
    session: Session, *, province: str | None = None, state: str | None = None
) -> list[QueueRow]:
    """Every row of the (national or one province's) queue, for an export."""
    return [QueueRow(*row) for row in session.execute(_queue_query(province, state))]


def _queue_query(province: str | None, state: str | None) -> Select[*tuple[Any, ...]]:
    states = [state] if state in STATES else list(STATES)
    return (
        select(
            Submission.id,
            Submission.uscc,
            entity_name(),
            province_of(),
            Submission.year,
            Submission.state,
            Submission.requested_t,
            Submission.error_count,
            Submission.warning_count,
            Submission.updated_at,
        )
        .outerjoin(Entity, Entity.uscc == Submission.uscc)
        .where(Submission.state.in_(states), *_in_province(province))
        .order_by(Submission.updated_at.desc(), Submission.id.desc())
    )
