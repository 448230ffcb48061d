"""Submissions and their versions: every file or online form an entity hands in, kept as sent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from intake.application import Report
from intake.clock import stamp
from intake.db import Base
from intake.registry.models import Quantity


def utcnow() -> dt.datetime:
    """The current time, timezone-aware (UTC)."""
    return dt.datetime.now(dt.UTC)


class SubmissionState(StrEnum):
    """Where an application stands in the procedure."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    DISCARDED = "discarded"


# One word per state, on every page and in every message.
STATE_NAMES = {
    "draft": "草稿",
    "submitted": "待审核",
    "approved": "已通过",
    "rejected": "已驳回",
    "withdrawn": "已撤回",
    "discarded": "已删除",
}
# The states in which the enterprise may add a version (and then submit again).
OPEN_STATES = (
    SubmissionState.DRAFT.value,
    SubmissionState.REJECTED.value,
    SubmissionState.WITHDRAWN.value,
)


class CheckState(StrEnum):
    """Where the automatic parse and check of a version stands."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Submission(Base):
    """One entity's application for one year, across all its versions."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    # Fixed when the application is created (online, or JSON through the API), or by the
    # first uploaded version whose year is read; every later version must be of that year.
    year: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    state: Mapped[str] = mapped_column(String(16), default=SubmissionState.DRAFT.value)
    # The number of the version handed in for review; set by ``submit``, kept through the
    # decision, cleared by ``withdraw``. A decision is taken on this version only.
    submitted_version: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=stamp)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=stamp, onupdate=stamp
    )
    # What the queue shows of the newest version, kept in step by ``operations`` so that
    # a queue is read from this table alone, without decoding any JSON: its number (0
    # before the first), 申请抵销量 when it is an exact quantity, the numbers of errors
    # and warnings found, and the province and name its form declares (for an entity
    # that is not in the registry).
    latest_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    requested_t: Mapped[Decimal | None] = mapped_column(Quantity, default=None)
    error_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    warning_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    declared_province: Mapped[str | None] = mapped_column(String(50), default=None)
    declared_name: Mapped[str | None] = mapped_column(String(200), default=None)
    versions: Mapped[list[Version]] = relationship(
        back_populates="submission", order_by="Version.number", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint(
            "state IN ('draft', 'submitted', 'approved', 'rejected', 'withdrawn', 'discarded')",
            name="state_known",
        ),
    )

    @property
    def latest(self) -> Version | None:
        """The newest version, or None before the first."""
        return self.versions[-1] if self.versions else None


class Version(Base):
    """One file or online form handed in for a submission, with what was read and found."""

    __tablename__ = "versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    # SHA-256 of the stored original; None for an application typed into the online form.
    file_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    original_filename: Mapped[str | None] = mapped_column(String(255), default=None)
    application_json: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    report_json: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # Indexed for the sweep that resumes unfinished checks (migration 0009).
    check_state: Mapped[str] = mapped_column(
        String(16), default=CheckState.PENDING.value, index=True
    )
    check_error: Mapped[str | None] = mapped_column(Text, default=None)
    # The claim on the running check (``intake.review.submissions.check_claims``): the
    # holder's random token, when it was taken, the holder's last sign of life, and how
    # often it was taken.
    check_claim: Mapped[str | None] = mapped_column(String(32), default=None)
    check_started_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )
    check_alive_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )
    check_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=stamp)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    # An application typed online is handed in with its stamped copy: the printed,
    # sealed form as a scan, photo or PDF. It is read like any upload and compared field
    # by field with the online version; what was read of it is kept for the reviewer.
    copy_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    copy_filename: Mapped[str | None] = mapped_column(String(255), default=None)
    copy_application_json: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    submission: Mapped[Submission] = relationship(back_populates="versions")
    claims: Mapped[list[VersionClaim]] = relationship(
        back_populates="version", order_by="VersionClaim.row_index", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("submission_id", "number"),
        CheckConstraint(
            "check_state IN ('pending', 'running', 'done', 'failed')", name="check_state_known"
        ),
    )

    @property
    def report(self) -> Report | None:
        """What the check found, or None while the version has not been checked."""
        return Report.from_json(self.report_json) if self.report_json else None

    @property
    def is_online_form(self) -> bool:
        """True for a version typed into the online form rather than uploaded."""
        return self.file_sha256 is None

    @property
    def checked_file_sha256(self) -> str | None:
        """The stored file the automatic check reads: the upload, or an online form's copy."""
        return self.file_sha256 or self.copy_sha256


class VersionClaim(Base):
    """One CCER row of a version's application that names a project: what it asks to cancel.

    Written with the version's application JSON, so that live claims and the ministry's
    project list are read in SQL (joined on ``Submission.latest_version``). ``quantity_t``
    is None when the row's 注销量 is blank, invalid, or not exact at the registry's precision.
    """

    __tablename__ = "version_claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("versions.id", ondelete="CASCADE"), index=True
    )
    row_index: Mapped[int] = mapped_column(Integer)  # 1-based position in the CCER table
    project_number: Mapped[str] = mapped_column(String(64), index=True)
    quantity_t: Mapped[Decimal | None] = mapped_column(Quantity, default=None)
    version: Mapped[Version] = relationship(back_populates="claims")
