"""The user table."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from intake.db import Base


class Role(StrEnum):
    """What a user may do: one entity, one province, the whole country, or administration."""

    ENTERPRISE = "enterprise"
    PROVINCE = "province"
    MINISTRY = "ministry"
    ADMIN = "admin"


def utcnow() -> dt.datetime:
    """The current time, timezone-aware (UTC)."""
    return dt.datetime.now(dt.UTC)


class User(Base):
    """A person who logs in; an enterprise user belongs to one 统一社会信用代码."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    uscc: Mapped[str | None] = mapped_column(String(18), default=None, index=True)
    province: Mapped[str | None] = mapped_column(String(50), default=None)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    api_token_hash: Mapped[str | None] = mapped_column(String(64), default=None, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        CheckConstraint(
            "role IN ('enterprise', 'province', 'ministry', 'admin')", name="role_known"
        ),
        CheckConstraint("role <> 'enterprise' OR uscc IS NOT NULL", name="enterprise_has_uscc"),
        CheckConstraint("role <> 'province' OR province IS NOT NULL", name="province_has_province"),
    )

    # Flask-Login's user interface, spelled out rather than inherited from UserMixin.
    @property
    def is_authenticated(self) -> bool:
        """Every stored user is authenticated once loaded by the login manager."""
        return True

    @property
    def is_active(self) -> bool:
        """Users cannot be disabled yet."""
        return True

    @property
    def is_anonymous(self) -> bool:
        """A stored user is never anonymous."""
        return False

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session."""
        return str(self.id)

    def can_see_entity(self, uscc: str | None) -> bool:
        """True when the user is entitled to this entity's registry data and applications."""
        if uscc is None:
            return False
        if self.role == Role.ENTERPRISE:
            return self.uscc == uscc
        return self.role in (Role.MINISTRY, Role.ADMIN)
