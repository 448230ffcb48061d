"""Every change to user accounts: creation, passwords, API tokens."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from intake.accounts.models import Role, User

MIN_PASSWORD_LENGTH = 8


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


def set_password(user: User, password: str) -> None:
    """Replace the user's password (the caller commits)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符")
    user.password_hash = generate_password_hash(password)


def issue_token(user: User) -> str:
    """A new API token for the user, replacing any earlier one; only its hash is kept."""
    token = secrets.token_urlsafe(32)
    user.api_token_hash = token_hash(token)
    return token


def token_hash(token: str) -> str:
    """The stored form of an API token (tokens are random, so a plain SHA-256 suffices)."""
    return hashlib.sha256(token.encode()).hexdigest()


def user_for_token(session: Session, token: str) -> User | None:
    """The user holding this API token, or None."""
    if not token:
        return None
    return session.scalar(select(User).where(User.api_token_hash == token_hash(token)))


_DUMMY_HASH = generate_password_hash("intake-dummy-password")
