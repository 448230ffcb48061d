"""Fixtures of the review tests: a small registry in two provinces, users, submission factories."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from intake import create_app
from intake.application import Problem, Report
from intake.review.models import Submission
from intake.review.operations import create_from_form
from intake.storage import Storage
from intake.web.database import sessions
from tests.review.review_factories import (
    USCC,
    MakeSubmission,
    Users,
    applicant,
    application,
    make_users,
    seed_registry,
    stamp,
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
def file_store(tmp_path: Path) -> Storage:
    """A file store in the test's folder."""
    return Storage(tmp_path / "files")


@pytest.fixture
def make_submission(registry_session: Session, file_store: Storage) -> MakeSubmission:
    """A checked submission (draft) of the application with these problems, typed online
    and, unless ``stamped=False``, with a matching stamped copy (so it can be submitted)."""

    def make(
        uscc: str = USCC,
        year: int = 2021,
        rows: list[tuple[str, str]] | None = None,
        problems: list[Problem] | None = None,
        stamped: bool = True,
    ) -> Submission:
        app = application(uscc, year, rows)
        report = Report(file=None, application=app, problems=list(problems or []))
        user = applicant(registry_session, uscc)
        version = create_from_form(registry_session, user=user, report=report)
        if stamped:
            stamp(registry_session, file_store, version)
        return version.submission

    return make


@pytest.fixture
def review_app(db_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app on a fresh database holding the review registry and users."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": db_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "WTF_CSRF_ENABLED": False,
            "JOB_RUNNER": "sync",
            "SECRET_KEY": "test-secret",
        }
    )
    with sessions(app)() as session:
        seed_registry(session)
    yield app
    app.extensions["intake.engine"].dispose()


@pytest.fixture
def web_session(review_app: Flask) -> Iterator[Session]:
    """A session on the app's database."""
    with sessions(review_app)() as session:
        yield session


@pytest.fixture
def web_users(web_session: Session) -> Users:
    """The users of every role."""
    return make_users(web_session)
