"""The ledger: an append-only record of every quantity this service moved out of 待抵销.

A registration moves, for each project of the approved application, a quantity of
the entity's 待抵销 lots to 已抵销 (one entry per cancellation); the forced recall
moves every lot still 待抵销 to 已召回 (one entry per entity and project). Each
entry is written in the same transaction as the movement, keyed by entity and
project so that it can be applied again to a fresh registry export (see
``intake.registry.reconcile``).

Entries are never changed: the ORM refuses to update or delete one
(``LedgerEntryImmutable``), and migration 0006 adds database triggers that do the same.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    cast,
    event,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Mapper, Session, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from intake.clock import stamp
from intake.db import Base
from intake.registry.models import CcerLot, LotStatus, Quantity
from intake.registry.values import plain

MovedTotals = dict[tuple[str, str], Decimal]

# Sums in SQL are taken over whole ten-thousandths of a tonne (the quantities' scale):
# SQLite adds its REAL-stored quantities exactly only as integers.
QUANTUM_PER_T = 10_000


class LedgerEntryImmutable(RuntimeError):
    """A ledger entry was about to be changed or deleted."""


class MovementKind(StrEnum):
    """Why lots left 待抵销."""

    REGISTRATION = "registration"
    RECALL = "recall"


class LedgerEntry(Base):
    """A quantity of one entity's project moved from 待抵销 to ``status``.

    ``total_after_t`` is what the database held of the entity's project in ``status``
    right after the movement: a later export that shows at least that much already
    reflects the movement. Registrations name their decision, registration and
    cancellation (plain ids: the registry does not depend on the review tables);
    recalls name their recall date.
    """

    __tablename__ = "lot_ledger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    uscc: Mapped[str] = mapped_column(String(18))
    project_number: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(8))
    quantity_t: Mapped[Decimal] = mapped_column(Quantity)
    total_after_t: Mapped[Decimal] = mapped_column(Quantity)
    decision_id: Mapped[int | None] = mapped_column(Integer, default=None)
    registration_id: Mapped[int | None] = mapped_column(Integer, default=None)
    cancellation_id: Mapped[int | None] = mapped_column(Integer, default=None)
    recall_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    moved_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=stamp)

    __table_args__ = (
        CheckConstraint(
            "(kind = 'registration' AND status = '已抵销' AND decision_id IS NOT NULL"
            " AND registration_id IS NOT NULL AND cancellation_id IS NOT NULL)"
            " OR (kind = 'recall' AND status = '已召回' AND recall_date IS NOT NULL)",
            name="kind_complete",
        ),
        CheckConstraint("quantity_t > 0", name="quantity_positive"),
        CheckConstraint("total_after_t >= quantity_t", name="total_covers_quantity"),
        Index("ix_lot_ledger_uscc_project_number", "uscc", "project_number"),
    )


def _refuse_change(_mapper: Mapper[Any], _connection: Any, target: LedgerEntry) -> None:
    raise LedgerEntryImmutable(f"ledger entry {target.id} is kept as written")


event.listen(LedgerEntry, "before_update", _refuse_change)
event.listen(LedgerEntry, "before_delete", _refuse_change)


def exact_sum(quantity: Any) -> ColumnElement[int]:
    """SUM of a quantity column, in ten-thousandths of a tonne (exact on both databases)."""
    return func.sum(cast(func.round(quantity * QUANTUM_PER_T), BigInteger))


def tonnes(units: Any) -> Decimal:
    """Back from ten-thousandths of a tonne (None, an empty sum, is zero)."""
    return plain(Decimal(int(units or 0)) / QUANTUM_PER_T)


def moved_totals(
    session: Session, status: LotStatus, uscc: str | None = None, projects: Iterable[str] = ()
) -> MovedTotals:
    """(uscc, project) -> quantity in ``status``; optionally only of one entity's projects."""
    query = (
        select(CcerLot.uscc, CcerLot.project_number, exact_sum(CcerLot.quantity_t))
        .where(CcerLot.status == status.value)
        .group_by(CcerLot.uscc, CcerLot.project_number)
    )
    if uscc is not None:
        query = query.where(CcerLot.uscc == uscc, CcerLot.project_number.in_(list(projects)))
    return {(holder, project): tonnes(units) for holder, project, units in session.execute(query)}


def allocate(lots: list[CcerLot], quantity: Decimal) -> list[tuple[CcerLot, Decimal]]:
    """Which lots (in list order) give ``quantity``, and how much of each (nothing moves)."""
    taken: list[tuple[CcerLot, Decimal]] = []
    remaining = quantity
    for lot in lots:
        if remaining <= 0:
            break
        take = plain(min(lot.quantity_t, remaining))
        remaining -= take
        taken.append((lot, take))
    return taken


def move_lots(
    session: Session, lots: list[CcerLot], quantity: Decimal, status: LotStatus
) -> list[tuple[CcerLot, Decimal]]:
    """Move ``quantity`` of the pending lots (in list order) to ``status``; the lots moved.

    A lot used only in part is split: it keeps the remainder, still 待抵销, and a new
    lot (``parent_id`` pointing at it) holds the part moved. New lots are flushed.
    """
    moved: list[tuple[CcerLot, Decimal]] = []
    for lot, take in allocate(lots, quantity):
        if take == lot.quantity_t:
            lot.status = status.value
            moved.append((lot, take))
            continue
        lot.quantity_t = plain(lot.quantity_t - take)
        part = CcerLot(
            uscc=lot.uscc,
            project_number=lot.project_number,
            project_name=lot.project_name,
            project_type=lot.project_type,
            quantity_t=take,
            status=status.value,
            parent_id=lot.id,
        )
        session.add(part)
        moved.append((part, take))
    session.flush()
    return moved


def recall_entries(
    before: MovedTotals, recalled: Iterable[tuple[str, str, Decimal]], recall_date: dt.date
) -> list[LedgerEntry]:
    """One entry per entity and project of the recalled lots (uscc, project, quantity)."""
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for uscc, project, quantity in recalled:
        totals[uscc, project] += quantity
    return [
        LedgerEntry(
            kind=MovementKind.RECALL.value,
            uscc=uscc,
            project_number=project,
            status=LotStatus.RECALLED.value,
            quantity_t=plain(quantity),
            total_after_t=plain(before.get((uscc, project), Decimal(0)) + quantity),
            recall_date=recall_date,
        )
        for (uscc, project), quantity in sorted(totals.items())
    ]
