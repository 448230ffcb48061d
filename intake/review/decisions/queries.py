"""The decisions on a submission, as they were sent."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.review.decisions.models import Decision


def decisions_of(session: Session, submission_id: int) -> list[Decision]:
    """The decisions on a submission, oldest first."""
    query = select(Decision).where(Decision.submission_id == submission_id)
    return list(session.scalars(query.order_by(Decision.decided_at, Decision.id)))
