"""Decisions and the reviewer's notes sent with them: written once, kept as written."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from intake.clock import stamp
from intake.db import Base
from intake.review.models import ImmutableRecord, refuse_changes

NOTE_FIELD_MAX = 100  # the column's length: the path of the form field a note is about
NOTE_TEXT_MAX = 2000  # what the note form accepts; the column itself is unbounded text


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


def _refuse_decided_note_change(_mapper: Mapper[Any], _connection: Any, target: Any) -> None:
    from sqlalchemy import inspect

    history = inspect(target).attrs.decision_id.history
    previous = history.deleted[0] if history.deleted else target.decision_id
    if previous is not None:
        raise ImmutableRecord(f"review note {target.id} was sent with a decision")


refuse_changes(Decision)
event.listen(ReviewNote, "before_update", _refuse_decided_note_change)
event.listen(ReviewNote, "before_delete", _refuse_decided_note_change)
