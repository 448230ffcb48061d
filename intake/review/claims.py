"""What an entity's other live applications already ask for, as the verifier's ``claims``.

An application is live while it waits for a decision (submitted): a draft asks for
nothing yet, a rejected one has been sent back, and an approved one has already
moved its CCER to 已抵销, so it no longer counts against what is pending.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial

from sqlalchemy.orm import Session

from intake.registry.lookup import Claims, SqlRegistry
from intake.review import operations


def live_claims(session: Session, uscc: str, exclude: int | None = None) -> dict[str, Decimal]:
    """Project number -> quantity asked in the entity's live applications other than ``exclude``."""
    return operations.claims(session, uscc, exclude)


def claims_for(session: Session) -> Claims:
    """The ``claims`` callable of ``SqlRegistry(session, claims=...)``, reading this session."""
    return partial(live_claims, session)


def review_registry(session: Session) -> SqlRegistry:
    """The registry as a check of a submission should see it: pending lots minus live claims."""
    return SqlRegistry(session, claims=claims_for(session))
