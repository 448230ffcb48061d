"""Registration on approval: approved CCER go from 待抵销 to 已抵销, one cancellation per project.

Nothing is ever spent twice. The caller takes the write lock first (``lock_for_write``):
on PostgreSQL the lots are read ``FOR UPDATE``, so a second approval over the same
lots waits for the first to commit and then sees what is left; on SQLite the whole
database is locked for writing (``BEGIN IMMEDIATE``) before anything is read.

A lot used only in part is split: the lot keeps the remainder, still 待抵销, and a
new lot (``parent_id`` pointing at it) holds the part now 已抵销. Keeping the
remainder in the locked row matters on PostgreSQL: a transaction that waited on the
lock re-reads that row, whereas a row inserted meanwhile would be invisible to it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.application import Application, number
from intake.registry.models import CcerLot, Entity, LotStatus, Project
from intake.registry.values import plain
from intake.review.records import Cancellation, Decision, Registration


class ReviewError(ValueError):
    """A review step cannot be done as asked (the message is Chinese, for the user)."""


class RegistrationError(ReviewError):
    """The approved quantities cannot be registered (the message is Chinese, for the reviewer)."""


@dataclass(frozen=True)
class Shortfall:
    """A project whose pending quantity does not cover what is approved."""

    project_number: str
    requested: Decimal
    available: Decimal


def lock_for_write(session: Session) -> None:
    """On SQLite, take the database write lock now, before anything is read (BEGIN IMMEDIATE).

    On PostgreSQL this does nothing: the rows are locked as they are read.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.driver_connection
    if raw is not None and not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def requested_by_project(application: Application) -> dict[str, Decimal]:
    """Project number -> the quantity the application's rows ask to cancel, in form order."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for index, row in enumerate(application.ccer_rows, start=1):
        quantity = number(row.cancel_quantity_t)
        if not row.project_number or quantity is None or quantity <= 0:
            raise RegistrationError(f"第 {index} 行的注销量或项目编号无法识别，不能登记")
        totals[row.project_number] += quantity
    if not totals:
        raise RegistrationError("申请表没有可登记的 CCER 注销行")
    return {project: plain(quantity) for project, quantity in totals.items()}


def _locked_lots(session: Session, uscc: str, projects: list[str]) -> list[CcerLot]:
    query = (
        select(CcerLot)
        .where(
            CcerLot.uscc == uscc,
            CcerLot.project_number.in_(projects),
            CcerLot.status == LotStatus.PENDING.value,
        )
        .order_by(CcerLot.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list(session.scalars(query))


def shortfalls(requested: dict[str, Decimal], lots: list[CcerLot]) -> list[Shortfall]:
    """The projects whose pending lots hold less than requested."""
    available: dict[str, Decimal] = defaultdict(Decimal)
    for lot in lots:
        available[lot.project_number] += lot.quantity_t
    return [
        Shortfall(project, quantity, plain(available[project]))
        for project, quantity in requested.items()
        if quantity > available[project]
    ]


def shortfall_message(found: list[Shortfall]) -> str:
    """The Chinese explanation of why the approval cannot be registered."""
    parts = [
        f"项目 {s.project_number} 申请注销 {s.requested} 吨，当前待抵销仅 {s.available} 吨"
        for s in found
    ]
    return "待抵销 CCER 不足，不能登记：" + "；".join(parts) + "。请刷新后重新审核。"


def allocate(lots: list[CcerLot], quantity: Decimal) -> list[tuple[CcerLot, Decimal]]:
    """Which lots (oldest first) give ``quantity``, and how much of each."""
    taken: list[tuple[CcerLot, Decimal]] = []
    remaining = quantity
    for lot in lots:
        if remaining <= 0:
            break
        take = min(lot.quantity_t, remaining)
        remaining -= take
        taken.append((lot, take))
    return taken


@dataclass(frozen=True)
class PlannedLot:
    """One 待抵销 lot an approval would use: all of it, or a part split off."""

    lot_id: int
    quantity_t: Decimal
    take_t: Decimal

    @property
    def split(self) -> bool:
        """True when only part of the lot is used: it is split in two."""
        return self.take_t < self.quantity_t


@dataclass(frozen=True)
class PlannedCancellation:
    """What an approval would register for one project, lot by lot."""

    project_number: str
    project_name: str
    quantity_t: Decimal
    available_t: Decimal
    lots: list[PlannedLot]

    @property
    def short(self) -> bool:
        """True when the entity's 待抵销 lots do not cover the quantity."""
        return self.quantity_t > self.available_t


def plan(session: Session, uscc: str, application: Application) -> list[PlannedCancellation]:
    """What approving the application would register, read without changing anything.

    The approval itself reads the lots again under a lock, so what it registers may differ
    only if the lots changed in between; then it is refused rather than changed.
    """
    requested = requested_by_project(application)
    query = select(CcerLot).where(
        CcerLot.uscc == uscc,
        CcerLot.project_number.in_(sorted(requested)),
        CcerLot.status == LotStatus.PENDING.value,
    )
    lots = list(session.scalars(query.order_by(CcerLot.id)))
    planned = []
    for project, quantity in requested.items():
        of_project = [lot for lot in lots if lot.project_number == project]
        planned.append(
            PlannedCancellation(
                project_number=project,
                project_name=_project_name(session, project, of_project),
                quantity_t=quantity,
                available_t=plain(sum((lot.quantity_t for lot in of_project), Decimal(0))),
                lots=[
                    PlannedLot(lot.id, lot.quantity_t, plain(take))
                    for lot, take in allocate(of_project, quantity)
                ],
            )
        )
    return planned


def _spend(session: Session, lots: list[CcerLot], quantity: Decimal) -> list[dict[str, str | int]]:
    """Mark ``quantity`` of the lots (oldest first) 已抵销; the lots used, with how much of each."""
    used: list[dict[str, str | int]] = []
    for lot, take in allocate(lots, quantity):
        if take == lot.quantity_t:
            lot.status = LotStatus.OFFSET.value
            used.append({"lot_id": lot.id, "quantity_t": format(plain(take), "f")})
            continue
        lot.quantity_t = plain(lot.quantity_t - take)
        part = CcerLot(
            uscc=lot.uscc,
            project_number=lot.project_number,
            project_name=lot.project_name,
            project_type=lot.project_type,
            quantity_t=take,
            status=LotStatus.OFFSET.value,
            parent_id=lot.id,
        )
        session.add(part)
        session.flush()
        used.append({"lot_id": part.id, "quantity_t": format(plain(take), "f")})
    return used


def _project_name(session: Session, project_number: str, lots: list[CcerLot]) -> str:
    project = session.get(Project, project_number)
    if project is not None:
        return project.project_name
    return next((lot.project_name for lot in lots if lot.project_name), "")


def register(
    session: Session, decision: Decision, uscc: str, year: int, application: Application
) -> Registration:
    """Spend the approved quantities and write the registration; the caller holds the lock."""
    requested = requested_by_project(application)
    lots = _locked_lots(session, uscc, sorted(requested))
    found = shortfalls(requested, lots)
    if found:
        raise RegistrationError(shortfall_message(found))
    entity = session.get(Entity, uscc)
    if entity is None:
        raise RegistrationError(f"登记系统中没有统一社会信用代码为 {uscc} 的重点排放单位")
    registration = Registration(
        submission_id=decision.submission_id,
        decision_id=decision.id,
        version_id=decision.version_id,
        uscc=uscc,
        entity_name=entity.name,
        province=entity.province,
        year=year,
        total_t=plain(sum(requested.values(), Decimal(0))),
    )
    for project, quantity in requested.items():
        of_project = [lot for lot in lots if lot.project_number == project]
        registration.cancellations.append(
            Cancellation(
                project_number=project,
                project_name=_project_name(session, project, of_project),
                quantity_t=quantity,
                lots=_spend(session, of_project, quantity),
            )
        )
    session.add(registration)
    session.flush()
    return registration
