"""The users, their login sessions and their API tokens."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from intake.clock import stamp
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


def aware(moment: dt.datetime) -> dt.datetime:
    """The moment with its zone; SQLite hands stored times back without one (they are UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


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
    # Before migration 0008 the user's single API token; moved to api_tokens and NULL since.
    # Not dropped: on SQLite that rebuilds the table, firing every ON DELETE that refers to it.
    api_token_hash: Mapped[str | None] = mapped_column(String(64), default=None, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=stamp)
    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="ApiToken.id"
    )

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


class LoginSession(Base):
    """One login in one browser: the cookie holds a random key, the table only its hash.

    A session ends at logout, at a password change (every session of the user), after
    being idle too long or at its absolute lifetime; an ended session never comes back.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    end_reason: Mapped[str | None] = mapped_column(String(16), default=None)

    __table_args__ = (
        CheckConstraint(
            "end_reason IS NULL OR end_reason IN ('logout', 'password', 'idle', 'lifetime')",
            name="end_reason_known",
        ),
    )


class ApiToken(Base):
    """A bearer token for the JSON API: only its hash is kept; it expires and can be revoked."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, so that its owner can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(8), default="")
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    user: Mapped[User] = relationship(back_populates="tokens")

    def state(self, now: dt.datetime) -> str:
        """``revoked``, ``expired`` or ``active`` at the moment ``now``."""
        if self.revoked_at is not None:
            return "revoked"
        if aware(self.expires_at) <= now:
            return "expired"
        return "active"
