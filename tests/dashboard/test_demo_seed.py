"""The demo loads applications in every state, made through the review operations."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError

from intake import clock, create_app
from intake.accounts.models import User, aware
from intake.demo import DEMO_TODAY, demo_config, load_demo
from intake.registry.ledger import LedgerEntry
from intake.review.audit import Action
from intake.review.decisions.models import Decision
from intake.review.models import AuditEntry, Notice
from intake.review.registrations.models import Registration
from intake.review.submissions.models import Submission, Version
from intake.web.database import sessions
from tests.fixtures.web import login


def test_demo_has_every_state_in_several_provinces_and_runs_before_the_deadline(
    tmp_path: Path,
) -> None:
    app = create_app({**demo_config(), "TESTING": True, "INSTANCE_PATH": str(tmp_path)})
    load_demo(app, applications=True)
    load_demo(app, applications=True)  # a second start adds nothing
    assert app.config["INTAKE_SETTINGS"].today == DEMO_TODAY < dt.date(2023, 12, 15)
    with sessions(app)() as session:
        submissions = list(session.scalars(select(Submission)))
        states = {s.state for s in submissions}
        assert states == {"draft", "submitted", "approved", "rejected"}
        assert len(submissions) >= 10
        approved = [s for s in submissions if s.state == "approved"]
        registered = list(session.scalars(select(Registration)))
        assert {r.submission_id for r in registered} == {s.id for s in approved}
        rejected = [s.uscc for s in submissions if s.state == "rejected"]
        notices = session.scalars(select(Notice.uscc).where(Notice.title.contains("驳回")))
        assert sorted(notices) == sorted(rejected)
    app.extensions["intake.engine"].dispose()


STAMPED = [
    (AuditEntry, AuditEntry.at),
    (Decision, Decision.decided_at),
    (Registration, Registration.registered_at),
    (Notice, Notice.created_at),
    (LedgerEntry, LedgerEntry.moved_at),
    (Submission, Submission.updated_at),
    (Version, Version.created_at),
    (User, User.created_at),
]


def _day(moment: dt.datetime) -> dt.date:
    """The date in Beijing of a stored time (SQLite gives it back without its zone, in UTC)."""
    return aware(moment).astimezone(clock.BEIJING).date()


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_what_the_demo_records_is_dated_on_its_today(demo_app: Flask) -> None:
    """Decisions, the audit log and the rest are stamped by the service's clock, in 2023."""
    with sessions(demo_app)() as session:
        for model, column in STAMPED:
            days = {_day(at) for at in session.scalars(select(column))}
            assert days, model
            assert max(days) <= DEMO_TODAY, model
            assert min(days) >= DEMO_TODAY - dt.timedelta(days=30), model
        decided = {_day(at) for at in session.scalars(select(Decision.decided_at))}
        assert decided == {DEMO_TODAY}
        count = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    client = demo_app.test_client()
    login(client, "demo-ministry")
    assert client.get("/ministry/audit.xlsx").status_code == 200  # an export is audited
    with sessions(demo_app)() as session:
        latest = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert latest is not None
        assert latest.action == Action.EXPORT
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == count + 1
        assert _day(latest.at) == DEMO_TODAY
    page = client.get("/ministry/audit").text
    shown = {dt.date.fromisoformat(d) for d in re.findall(r"<td>(\d{4}-\d\d-\d\d) ", page)}
    assert shown == {DEMO_TODAY}  # every entry of the demo is made on its today


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_audit_rows_stay_as_written(demo_app: Flask) -> None:
    """The database still refuses to change or delete an audit entry, whatever its date."""
    moved = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for statement in (update(AuditEntry).values(at=moved), delete(AuditEntry)):
        with sessions(demo_app)() as session, pytest.raises(DBAPIError):
            session.execute(statement)
