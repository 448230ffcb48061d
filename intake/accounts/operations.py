"""Every change to user accounts: creation, passwords, API tokens (login sessions live in
``intake.accounts.sessions``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from intake.accounts.models import ApiToken, Role, User, aware, utcnow
from intake.accounts.sessions import end_all_sessions

MIN_PASSWORD_LENGTH = 8
DEFAULT_TOKEN_DAYS = 90
TOKEN_PREFIX_LENGTH = 6


class AccountError(ValueError):
    """A user cannot be created or changed as asked (the message is Chinese, for the user)."""


def create_user(
    session: Session,
    username: str,
    password: str,
    role: Role | str,
    *,
    uscc: str | None = None,
    province: str | None = None,
    display_name: str = "",
) -> User:
    """Add a user (the caller commits); AccountError when the input cannot make a valid user."""
    role = Role(role)
    username = username.strip()
    if not username:
        raise AccountError("用户名不能为空")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符")
    if role == Role.ENTERPRISE and not uscc:
        raise AccountError("企业用户必须指定统一社会信用代码")
    if role == Role.PROVINCE and not province:
        raise AccountError("省级审核用户必须指定所属省级地区")
    if find_user(session, username) is not None:
        raise AccountError(f"用户名 {username} 已存在")
    user = User(
        username=username,
        password_hash=generate_password_hash(password),
        role=role.value,
        uscc=uscc if role == Role.ENTERPRISE else None,
        province=province if role == Role.PROVINCE else None,
        display_name=display_name or username,
    )
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, username: str) -> User | None:
    """The user with exactly this username, or None."""
    return session.scalar(select(User).where(User.username == username.strip()))


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user when the password matches, else None (same answer for an unknown name)."""
    user = find_user(session, username)
    if user is None:
        # Hash anyway so that an unknown name takes as long as a wrong password.
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def password_matches(user: User, password: str) -> bool:
    """True when ``password`` is the user's password."""
    return check_password_hash(user.password_hash, password)


def set_password(user: User, password: str) -> None:
    """Replace the user's password (the caller commits)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符")
    user.password_hash = generate_password_hash(password)


def change_password(session: Session, user: User, new: str, now: dt.datetime) -> int:
    """Set a new password and end every login session of the user (the caller commits).

    How many sessions were ended.
    """
    set_password(user, new)
    return end_all_sessions(session, user, now, "password")


# ---------------------------------------------------------------- API tokens


class TokenState(StrEnum):
    """Why a bearer token does or does not let its holder in."""

    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


TOKEN_STATE_LABELS = {"active": "有效", "expired": "已过期", "revoked": "已撤销"}


def issue_token(
    user: User,
    *,
    days: int = DEFAULT_TOKEN_DAYS,
    label: str = "",
    now: dt.datetime | None = None,
    max_days: int | None = None,
) -> str:
    """A new API token of the user, valid for ``days``; only its hash is kept (the caller
    commits). Earlier tokens stay valid until they expire or are revoked."""
    if days < 1:
        raise AccountError("令牌有效期至少为 1 天")
    if max_days is not None and days > max_days:
        raise AccountError(f"令牌有效期不能超过 {max_days} 天")
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    user.tokens.append(
        ApiToken(token_hash=token_hash(token), prefix=token[:TOKEN_PREFIX_LENGTH],
                 label=label.strip(), created_at=now, expires_at=now + dt.timedelta(days=days))
    )  # fmt: skip
    return token


def token_hash(token: str) -> str:
    """The stored form of an API token (tokens are random, so a plain SHA-256 suffices)."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_token(
    session: Session, token: str, now: dt.datetime | None = None
) -> tuple[TokenState, User | None]:
    """The token's state and, when it is active, its user (whose ``last_used_at`` is
    refreshed at most once a minute; the caller commits)."""
    found = None
    if token:
        found = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if found is None:
        return TokenState.UNKNOWN, None
    now = now or utcnow()
    state = TokenState(found.state(now))
    if state != TokenState.ACTIVE:
        return state, None
    if found.last_used_at is None or now - aware(found.last_used_at) >= dt.timedelta(minutes=1):
        found.last_used_at = now
    return state, found.user


def user_for_token(session: Session, token: str) -> User | None:
    """The user holding this API token while it is neither expired nor revoked, or None."""
    return check_token(session, token)[1]


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens, newest first."""
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                        .order_by(ApiToken.id.desc()))
    )  # fmt: skip


def revoke_token(session: Session, token_id: int, *, owner: User | None = None,
                 now: dt.datetime | None = None) -> ApiToken | None:  # fmt: skip
    """Revoke one token (of ``owner`` only, when given); None when there is no such token.

    Revoking a revoked token keeps its first date. The caller commits.
    """
    found = session.get(ApiToken, token_id)
    if found is None or (owner is not None and found.user_id != owner.id):
        return None
    if found.revoked_at is None:
        found.revoked_at = now or utcnow()
    return found


_DUMMY_HASH = generate_password_hash("intake-dummy-password")
