"""Claims on the automatic check of a version: whoever runs it holds a claim, and only the
holder records the result.

A check may be started twice: a job queued again after a restart, two processes resuming
the same work, a worker killed half way. Each run first *claims* the version with one
conditional ``UPDATE`` (atomic in the database: of several callers at once exactly one
changes the row); while it runs it renews its sign of life; it records its result with
another conditional ``UPDATE`` that succeeds only while it still holds the claim. A claim
whose holder has shown no sign of life since ``stale_before`` may be taken over.

``intake.review.submissions.operations`` calls these from ``start_check``, ``record_check`` and
``fail_check``; the job runner calls ``renew`` and ``unfinished``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, and_, or_, select, update
from sqlalchemy.orm import Session

from intake.review.submissions.models import CheckState, Version, utcnow

UNFINISHED = (CheckState.PENDING.value, CheckState.RUNNING.value)


def claim(session: Session, version_id: int, *, stale_before: dt.datetime | None) -> str | None:
    """Take the version's check: a new claim token, or None when it is done or held by another.

    A pending version is always taken; a running one only when its holder's last sign of
    life is older than ``stale_before`` (never, when that is None). The caller commits.
    """
    takeable: ColumnElement[bool] = Version.check_state == CheckState.PENDING.value
    if stale_before is not None:
        takeable = or_(
            takeable,
            and_(
                Version.check_state == CheckState.RUNNING.value,
                or_(Version.check_alive_at.is_(None), Version.check_alive_at < stale_before),
            ),
        )
    token = secrets.token_hex(16)
    now = utcnow()
    values = {
        "check_state": CheckState.RUNNING.value,
        "check_claim": token,
        "check_started_at": now,
        "check_alive_at": now,
        "check_attempts": Version.check_attempts + 1,
    }
    return token if _changed(session, version_id, takeable, values) else None


def renew(session: Session, version_id: int, token: str) -> bool:
    """Show that the holder of ``token`` is still checking; False once the claim is lost."""
    held = and_(Version.check_state == CheckState.RUNNING.value, Version.check_claim == token)
    return _changed(session, version_id, held, {"check_alive_at": utcnow()})


def finish(session: Session, version_id: int, token: str | None, values: Mapping[str, Any]) -> bool:
    """End the check with ``values`` (a final state) if ``token`` still holds it.

    Without a token, if the check is not finished yet. On PostgreSQL the row stays locked
    until the caller's transaction ends, so the rest of the result is written by one holder.
    """
    held: ColumnElement[bool] = Version.check_state.in_(UNFINISHED)
    if token is not None:
        held = and_(held, Version.check_claim == token)
    return _changed(session, version_id, held, {**values, "check_claim": None})


def unfinished(
    session: Session, *, stale_before: dt.datetime, pending_before: dt.datetime
) -> list[int]:
    """Uploaded versions whose check nobody is doing: pending since before ``pending_before``,
    or running without a sign of life since ``stale_before``."""
    query = (
        select(Version.id)
        .where(
            Version.file_sha256.is_not(None),
            or_(
                and_(
                    Version.check_state == CheckState.PENDING.value,
                    Version.created_at < pending_before,
                ),
                and_(
                    Version.check_state == CheckState.RUNNING.value,
                    or_(Version.check_alive_at.is_(None), Version.check_alive_at < stale_before),
                ),
            ),
        )
        .order_by(Version.id)
    )
    return list(session.scalars(query))


def _changed(session: Session, version_id: int, condition: Any, values: Mapping[str, Any]) -> bool:
    """Update the version's row when ``condition`` holds; True when it did."""
    statement = (
        update(Version)
        .where(Version.id == version_id, condition)
        .values(dict(values))
        .execution_options(synchronize_session=False)
    )
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return result.rowcount == 1
