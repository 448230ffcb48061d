"""Fixtures of the review tests: a small registry in two provinces, users, submission factories."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from intake.application import Problem, Report
from intake.review.models import Submission
from intake.review.operations import create_from_form
from tests.review.review_factories import (
    USCC,
    MakeSubmission,
    Users,
    application,
    make_users,
    seed_registry,
)


@pytest.fixture
def registry_session(session: Session) -> Session:
    """A session on a migrated database holding the review registry."""
    seed_registry(session)
    return session


@pytest.fixture
def users(registry_session: Session) -> Users:
    """The users, in the seeded database."""
    return make_users(registry_session)


@pytest.fixture
def make_submission(registry_session: Session) -> MakeSubmission:
    """A checked submission (draft) of the application with these problems."""

    def make(
        uscc: str = USCC,
        year: int = 2021,
        rows: list[tuple[str, str]] | None = None,
        problems: list[Problem] | None = None,
    ) -> Submission:
        app = application(uscc, year, rows)
        report = Report(file=None, application=app, problems=list(problems or []))
        version = create_from_form(registry_session, uscc=uscc, report=report, user_id=None)
        return version.submission

    return make
