"""What review leaves behind: decisions, notes, registrations, cancellations, verifications, audit.

Decisions, the notes sent with them, registrations, cancellations and audit
entries are written once and never changed: the ORM refuses to update or delete
them (``_refuse_change``) and the migration adds database triggers that do the same.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    event,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from intake.clock import stamp
from intake.db import Base
from intake.registry.models import Quantity


def utcnow() -> dt.datetime:
    """The current time, timezone-aware (UTC)."""
    return dt.datetime.now(dt.UTC)


NOTE_FIELD_MAX = 100  # the column's length: the path of the form field a note is about
NOTE_TEXT_MAX = 2000  # what the note form accepts; the column itself is unbounded text


class ImmutableRecord(RuntimeError):
    """A record that the procedure keeps as written was about to be changed."""


class DecisionKind(StrEnum):
    """What a provincial reviewer decided."""

    APPROVED = "approved"
    REJECTED = "rejected"


class NoteKind(StrEnum):
    """A reviewer's own remark, or the reason for approving despite an automatic error."""

    NOTE = "note"
    OVERRIDE = "override"


class Decision(Base):
    """A reviewer's approval or rejection of one version of a submission."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"))
    kind: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=stamp)
    comment: Mapped[str] = mapped_column(Text, default="")
    # The itemised list sent back in one go: automatic problems, then the reviewer's notes.
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    notes: Mapped[list[ReviewNote]] = relationship(
        back_populates="decision", order_by="ReviewNote.id"
    )

    __table_args__ = (CheckConstraint("kind IN ('approved', 'rejected')", name="kind_known"),)


class ReviewNote(Base):
    """One point a reviewer wrote about a version: a remark on a field, or an override reason."""

    __tablename__ = "review_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"))
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), default=None)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16), default=NoteKind.NOTE.value)
    field: Mapped[str | None] = mapped_column(String(NOTE_FIELD_MAX), default=None)
    code: Mapped[str | None] = mapped_column(String(40), default=None)
    text: Mapped[str] = mapped_column(Text)  # at most NOTE_TEXT_MAX, checked by add_note
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=stamp)
    decision: Mapped[Decision | None] = relationship(back_populates="notes")

    __table_args__ = (CheckConstraint("kind IN ('note', 'override')", name="kind_known"),)


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


class ProjectVerification(Base):
    """The ministry's finding on one CCER project number, as it stands now."""

    __tablename__ = "project_verifications"

    project_number: Mapped[str] = mapped_column(String(64), primary_key=True)
    verified: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_by_name: Mapped[str] = mapped_column(String(200), default="")
    verified_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=stamp)


class AuditEntry(Base):
    """One line of the append-only audit log."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=stamp, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, default=None)
    username: Mapped[str] = mapped_column(String(80), default="")
    role: Mapped[str] = mapped_column(String(16), default="")
    action: Mapped[str] = mapped_column(String(40), index=True)
    submission_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    target: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Notice(Base):
    """A message for an entity's home page (and its e-mail, when mail is configured)."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(String(18))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), default=None)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    email_to: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=stamp)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    mailed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    mail_error: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_notices_uscc_created_at", "uscc", "created_at"),)


def _refuse_change(_mapper: Mapper[Any], _connection: Any, target: Any) -> None:
    raise ImmutableRecord(f"{type(target).__name__} {target.id} cannot be changed")


def _refuse_decided_note_change(_mapper: Mapper[Any], _connection: Any, target: Any) -> None:
    from sqlalchemy import inspect

    history = inspect(target).attrs.decision_id.history
    previous = history.deleted[0] if history.deleted else target.decision_id
    if previous is not None:
        raise ImmutableRecord(f"review note {target.id} was sent with a decision")


for _model in (Decision, Registration, Cancellation, AuditEntry):
    event.listen(_model, "before_update", _refuse_change)
    event.listen(_model, "before_delete", _refuse_change)
event.listen(ReviewNote, "before_update", _refuse_decided_note_change)
event.listen(ReviewNote, "before_delete", _refuse_decided_note_change)
