"""What every part of review writes: the audit log, the notices, and the guard on records.

Decisions, the notes sent with them, registrations, cancellations and audit
entries are written once and never changed: the ORM refuses to update or delete
them (``refuse_changes``) and the migration adds database triggers that do the same.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from intake.clock import stamp
from intake.db import Base


class ImmutableRecord(RuntimeError):
    """A record that the procedure keeps as written was about to be changed."""


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


def refuse_changes(model: type[Base]) -> None:
    """Make the ORM refuse to update or delete rows of ``model``."""
    event.listen(model, "before_update", _refuse_change)
    event.listen(model, "before_delete", _refuse_change)


refuse_changes(AuditEntry)
