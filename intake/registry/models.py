"""The registry's tables: key emission units, their allocations, their CCER lots, the catalogue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import Mapped, mapped_column

from intake.clock import stamp
from intake.db import Base
from intake.registry.values import LotStatus as LotStatus  # re-exported for the tables
from intake.registry.values import plain

# Every quantity is in tonnes CO2e with at most 4 decimals.
QUANTITY_PRECISION = 20
QUANTITY_SCALE = 4


class Quantity(TypeDecorator[Decimal]):
    """An exact NUMERIC(20, 4) read back as a plain Decimal (``216159``, not ``216159.0000``)."""

    impl = Numeric(QUANTITY_PRECISION, QUANTITY_SCALE, asdecimal=True)
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        """Drop the trailing zeros of the column's scale."""
        if value is None:
            return None
        return plain(Decimal(value))


def utcnow() -> dt.datetime:
    """The current time, timezone-aware (UTC)."""
    return dt.datetime.now(dt.UTC)


class Entity(Base):
    """A key emission unit (重点排放单位)."""

    __tablename__ = "entities"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    province: Mapped[str] = mapped_column(String(50))
    ccer_account_id: Mapped[str] = mapped_column(String(64), default="")
    ets_account_id: Mapped[str] = mapped_column(String(64), default="")
    accounts_bound: Mapped[bool] = mapped_column(Boolean)


class Allocation(Base):
    """应清缴配额量 of a unit for one compliance year."""

    __tablename__ = "allocations"

    uscc: Mapped[str] = mapped_column(ForeignKey("entities.uscc"), primary_key=True)
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    due_allowance_t: Mapped[Decimal] = mapped_column(Quantity)

    __table_args__ = (CheckConstraint("due_allowance_t > 0", name="due_allowance_positive"),)


class CcerLot(Base):
    """A quantity of CCER of one project held by a unit, in one status.

    ``parent_id`` is the id of the lot this one was split from (part offset, part
    still pending); it holds within one load of the registry, which replaces every lot.
    """

    __tablename__ = "ccer_lots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(ForeignKey("entities.uscc"))
    # A string: catalogue numbers such as "0010" keep their leading zeros.
    project_number: Mapped[str] = mapped_column(String(64))
    project_name: Mapped[str] = mapped_column(String(300), default="")
    project_type: Mapped[str] = mapped_column(String(100), default="")
    quantity_t: Mapped[Decimal] = mapped_column(Quantity)
    status: Mapped[str] = mapped_column(String(8))
    # Not a foreign key on purpose: a load replaces every lot, and a self-reference
    # would make that one DELETE check each row (seconds on 100,000 lots).
    parent_id: Mapped[int | None] = mapped_column(Integer, default=None)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=stamp, onupdate=stamp
    )

    __table_args__ = (
        CheckConstraint(
            "status IN ('待抵销', '已抵销', '已召回')",
            name="status_known",
        ),
        CheckConstraint("quantity_t > 0", name="quantity_positive"),
        Index("ix_ccer_lots_uscc_status", "uscc", "status"),
        Index("ix_ccer_lots_project_number", "project_number"),
        Index("ix_ccer_lots_uscc_project_status", "uscc", "project_number", "status"),
        Index("ix_ccer_lots_parent_id", "parent_id"),
    )


class Project(Base):
    """A project of the ministry's catalogue of CCER projects."""

    __tablename__ = "projects"

    project_number: Mapped[str] = mapped_column(String(64), primary_key=True)
    project_name: Mapped[str] = mapped_column(String(300))
    project_type: Mapped[str] = mapped_column(String(100), default="")
    province: Mapped[str] = mapped_column(String(50), default="")
    eligible: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")
