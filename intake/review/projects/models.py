"""The ministry's verification of CCER project numbers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from intake.clock import stamp
from intake.db import Base


class ProjectVerification(Base):
    """The ministry's finding on one CCER project number, as it stands now."""

    __tablename__ = "project_verifications"

    project_number: Mapped[str] = mapped_column(String(64), primary_key=True)
    verified: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_by_name: Mapped[str] = mapped_column(String(200), default="")
    verified_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=stamp)
