"""The audit log: who did what, when, to which application, from which address.

Entries are only ever added (``record``) in the transaction of the change they
describe, so an entry exists exactly when its change was committed. There is no
function to change or remove one, and the database refuses it too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from intake import clock
from intake.accounts.models import User
from intake.review.models import AuditEntry
from intake.review.submissions.models import Version


class Action:
    """The stable names of audited actions (shown in Chinese by the templates)."""

    CREATE = "create"
    NEW_VERSION = "new_version"
    ATTACH_COPY = "attach_copy"
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    DISCARD = "discard"
    APPROVE = "approve"
    REJECT = "reject"
    REGISTER = "register"
    VERIFY_PROJECT = "verify_project"
    DOWNLOAD_FILE = "download_file"
    EXPORT = "export"
    RECALL = "recall"


# Every action in Chinese, in the order the audit page's filter lists them.
ACTION_NAMES = {
    Action.CREATE: "新建申请",
    Action.NEW_VERSION: "上传新版本",
    Action.ATTACH_COPY: "上传盖章件",
    Action.SUBMIT: "提交申请",
    Action.WITHDRAW: "撤回申请",
    Action.DISCARD: "删除申请",
    Action.APPROVE: "审核通过",
    Action.REJECT: "驳回",
    Action.REGISTER: "抵销登记",
    Action.VERIFY_PROJECT: "核验项目编号",
    Action.DOWNLOAD_FILE: "下载申请文件",
    Action.EXPORT: "导出",
    Action.RECALL: "强制召回",
}


@dataclass(frozen=True)
class Actor:
    """Who acts, and from where (the request's remote address, or a command line)."""

    user_id: int | None
    username: str
    role: str
    address: str = ""

    @classmethod
    def of(cls, user: User, address: str | None = None) -> Actor:
        """The actor for a logged-in user."""
        return cls(user.id, user.username, user.role, address or "")


# The service itself, for what it does on its own (discarding an unreadable first upload).
SYSTEM = Actor(None, "system", "system")


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    submission_id: int | None = None,
    target: str = "",
    details: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> AuditEntry:
    """Add an entry to the caller's transaction (it is committed with the change it describes)."""
    entry = AuditEntry(
        at=at or clock.now_of(session),
        user_id=actor.user_id,
        username=actor.username[:80],
        role=actor.role,
        action=action,
        submission_id=submission_id,
        target=target[:200],
        address=actor.address[:64],
        details=details or {},
    )
    session.add(entry)
    return entry


def log_download(session: Session, actor: Actor, version: Version) -> None:
    """Log that ``actor`` downloaded the file of ``version`` (a read: committed alone)."""
    record(
        session,
        actor,
        Action.DOWNLOAD_FILE,
        submission_id=version.submission_id,
        target=f"第 {version.number} 版",
    )
    session.commit()


def log_export(session: Session, actor: Actor, what: str, rows: int, **details: Any) -> None:
    """Log that ``actor`` exported ``rows`` rows of ``what``; committed alone, like a download."""
    record(session, actor, Action.EXPORT, target=what, details={"rows": rows, **details})
    session.commit()


@dataclass(frozen=True)
class AuditFilter:
    """What the ministry's audit page narrows the log to."""

    action: str | None = None
    username: str | None = None
    submission_id: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None


def _filtered(query: Select[tuple[AuditEntry]], where: AuditFilter) -> Select[tuple[AuditEntry]]:
    if where.action:
        query = query.where(AuditEntry.action == where.action)
    if where.username:
        query = query.where(AuditEntry.username == where.username)
    if where.submission_id is not None:
        query = query.where(AuditEntry.submission_id == where.submission_id)
    if where.since is not None:
        start = dt.datetime.combine(where.since, dt.time(), dt.UTC)
        query = query.where(AuditEntry.at >= start)
    if where.until is not None:
        end = dt.datetime.combine(where.until + dt.timedelta(days=1), dt.time(), dt.UTC)
        query = query.where(AuditEntry.at < end)
    return query


def entries(
    session: Session, where: AuditFilter | None = None, *, limit: int | None = 500
) -> list[AuditEntry]:
    """The newest entries first, narrowed by the filter."""
    query = _filtered(select(AuditEntry), where or AuditFilter())
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def history(session: Session, submission_id: int) -> list[AuditEntry]:
    """Every entry about one application, oldest first."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.submission_id == submission_id)
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    return list(session.scalars(query))
