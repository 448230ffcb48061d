"""Login sessions kept on the server: started at login, checked on every request, ended for good.

The browser's (signed) cookie carries a random key; the table keeps its SHA-256 only,
so a copy of the database opens no session. Ending a row ends every copy of the cookie
that carries its key, which a signed cookie alone could never do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from intake.accounts.models import LoginSession, User, aware

# Writing last_seen_at on every request would cost a write per page; a minute is precise enough.
TOUCH_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session may stay idle, and how long it may live at all."""

    idle: dt.timedelta
    lifetime: dt.timedelta


def key_hash(key: str) -> str:
    """The stored form of a session key (keys are random, so a plain SHA-256 suffices)."""
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(session: Session, user: User, now: dt.datetime) -> str:
    """A new login session of the user (the caller commits); its key, for the cookie only."""
    key = secrets.token_urlsafe(32)
    session.add(LoginSession(user_id=user.id, key_hash=key_hash(key), created_at=now,
                             last_seen_at=now))  # fmt: skip
    session.flush()
    return key


def check_session(
    session: Session, user_id: int, key: str, now: dt.datetime, policy: SessionPolicy
) -> bool:
    """True when the key opens a live session of the user; ends it when it has run out.

    Commits when it records the end or refreshes ``last_seen_at``: run it in a session of
    its own, never in one holding a view's unfinished work.
    """
    if not key:
        return False
    row = session.scalar(select(LoginSession).where(LoginSession.key_hash == key_hash(key)))
    if row is None or row.user_id != user_id or row.ended_at is not None:
        return False
    reason = _run_out(row, now, policy)
    if reason is not None:
        row.ended_at, row.end_reason = now, reason
        session.commit()
        return False
    if now - aware(row.last_seen_at) >= TOUCH_EVERY:
        row.last_seen_at = now
        session.commit()
    return True


def _run_out(row: LoginSession, now: dt.datetime, policy: SessionPolicy) -> str | None:
    if now - aware(row.created_at) >= policy.lifetime:
        return "lifetime"
    if now - aware(row.last_seen_at) >= policy.idle:
        return "idle"
    return None


def end_session(session: Session, key: str, now: dt.datetime, reason: str = "logout") -> None:
    """End the session the key opens, if it is live (the caller commits)."""
    session.execute(
        update(LoginSession)
        .where(LoginSession.key_hash == key_hash(key), LoginSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )


def end_all_sessions(session: Session, user: User, now: dt.datetime, reason: str) -> int:
    """End every live session of the user (the caller commits); how many were ended."""
    result = session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)
