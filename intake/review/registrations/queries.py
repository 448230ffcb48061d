"""Offset registrations and the CCER lots behind them, for entities, provinces and the ministry.

Scoped by the caller's reach: the views pass the logged-in user's uscc or province.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from intake.registry.models import CcerLot, LotStatus
from intake.review.paging import Paged
from intake.review.registrations.models import Cancellation, Registration

PAGE_SIZE = 50


@dataclass(frozen=True)
class RegistrationPage(Paged):
    """One page of offset registrations, with how many match in all."""

    registrations: list[Registration]
    total: int
    page: int
    page_size: int


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


def pending_project_names(session: Session, uscc: str) -> dict[str, str]:
    """Project number -> name, for the projects the entity holds 待抵销 lots of."""
    query = select(CcerLot.project_number, CcerLot.project_name).where(
        CcerLot.uscc == uscc, CcerLot.status == LotStatus.PENDING.value
    )
    return {number: name for number, name in session.execute(query)}


def entity_lots(session: Session, uscc: str) -> list[CcerLot]:
    """The entity's CCER lots in every status, by project then id."""
    query = select(CcerLot).where(CcerLot.uscc == uscc)
    return list(session.scalars(query.order_by(CcerLot.project_number, CcerLot.id)))
