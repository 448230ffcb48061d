"""Registration on approval: approved CCER go from 待抵销 to 已抵销, one cancellation per project.

Nothing is ever spent twice. The caller takes the write lock first (``lock_for_write``):
on PostgreSQL the lots are read ``FOR UPDATE``, so a second approval over the same
lots waits for the first to commit and then sees what is left; on SQLite the whole
database is locked for writing (``BEGIN IMMEDIATE``) before anything is read.

A lot used only in part is split: the lot keeps the remainder, still 待抵销, and a
new lot (``parent_id`` pointing at it) holds the part now 已抵销. Keeping the
remainder in the locked row matters on PostgreSQL: a transaction that waited on the
lock re-reads that row, whereas a row inserted meanwhile would be invisible to it.

Each cancellation is also written to the registry's ledger (``intake.registry.ledger``)
in the same transaction, so that a later load of the registry export keeps it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.application import Application, number
from intake.registry.ledger import LedgerEntry, MovementKind, allocate, move_lots, moved_totals
from intake.registry.models import CcerLot, Entity, LotStatus, Project
from intake.registry.values import plain
from intake.review.decisions.models import Decision
from intake.review.errors import ReviewError
from intake.review.registrations.models import Cancellation, Registration


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
    offset_before = moved_totals(session, LotStatus.OFFSET, uscc, requested)
    for project, quantity in requested.items():
        of_project = [lot for lot in lots if lot.project_number == project]
        moved = move_lots(session, of_project, quantity, LotStatus.OFFSET)
        registration.cancellations.append(
            Cancellation(
                project_number=project,
                project_name=_project_name(session, project, of_project),
                quantity_t=quantity,
                lots=[{"lot_id": lot.id, "quantity_t": format(q, "f")} for lot, q in moved],
            )
        )
    session.add(registration)
    session.flush()
    _record(session, decision, registration, offset_before)
    return registration


def _record(
    session: Session,
    decision: Decision,
    registration: Registration,
    offset_before: dict[tuple[str, str], Decimal],
) -> None:
    """Write one ledger entry per cancellation, in the registration's transaction."""
    for cancellation in registration.cancellations:
        key = (registration.uscc, cancellation.project_number)
        session.add(
            LedgerEntry(
                kind=MovementKind.REGISTRATION.value,
                uscc=registration.uscc,
                project_number=cancellation.project_number,
                status=LotStatus.OFFSET.value,
                quantity_t=cancellation.quantity_t,
                total_after_t=plain(offset_before.get(key, Decimal(0)) + cancellation.quantity_t),
                decision_id=decision.id,
                registration_id=registration.id,
                cancellation_id=cancellation.id,
            )
        )
    session.flush()
