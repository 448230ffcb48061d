"""Offset registrations and their cancellations, one per project: written once, never changed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from intake.clock import stamp
from intake.db import Base
from intake.registry.models import Quantity
from intake.review.models import refuse_changes


class Registration(Base):
    """The offset registration (抵销登记) written when a submission is approved."""

    __tablename__ = "registrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), unique=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    # The version that was submitted, decided and registered: its CCER rows are the
    # cancellations below, row for row.
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"), default=None)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    entity_name: Mapped[str] = mapped_column(String(200))
    province: Mapped[str] = mapped_column(String(50), index=True)
    year: Mapped[int] = mapped_column(SmallInteger)
    total_t: Mapped[Decimal] = mapped_column(Quantity)
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=stamp)
    cancellations: Mapped[list[Cancellation]] = relationship(
        back_populates="registration", order_by="Cancellation.id"
    )

    @property
    def number(self) -> str:
        """The registration's reference as shown to users."""
        return f"DJ{self.year}-{self.id:06d}"


class Cancellation(Base):
    """The cancellation (注销登记) of one project's CCER for one registration."""

    __tablename__ = "cancellations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    project_number: Mapped[str] = mapped_column(String(64), index=True)
    project_name: Mapped[str] = mapped_column(String(300), default="")
    quantity_t: Mapped[Decimal] = mapped_column(Quantity)
    # The lots now 已抵销 that make up the quantity: [{"lot_id": 7, "quantity_t": "100"}].
    lots: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    registration: Mapped[Registration] = relationship(back_populates="cancellations")

    __table_args__ = (CheckConstraint("quantity_t > 0", name="quantity_positive"),)

    @property
    def number(self) -> str:
        """The cancellation's reference as shown to users."""
        return f"ZX{self.registration.year}-{self.id:06d}"


refuse_changes(Registration)
refuse_changes(Cancellation)
