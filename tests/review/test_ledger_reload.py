"""Registered and recalled CCER stay so when the registry export is loaded again.

Per entity and project, 待抵销 + 已抵销 + 已召回 stays what the export holds; register →
reload → recall → reload leaves every status and quantity as it was; an export that
contradicts the ledger is refused and the database is unchanged.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake import create_app
from intake.application import Report
from intake.demo import load_demo
from intake.registry.ledger import LedgerEntry
from intake.registry.loader import RegistryLoadError, load_registry
from intake.registry.models import Entity
from intake.review.decisions.operations import approve, submit
from intake.review.registrations.models import Cancellation, Registration
from intake.review.registrations.recall import run_recall
from intake.review.submissions.models import Submission
from intake.review.submissions.operations import create_from_form
from intake.web.database import sessions
from tests.fixtures.exports import (
    LOTS,
    OTHER_USCC,
    USCC,
    Holding,
    by_status,
    holdings,
    totals,
    write_export,
)
from tests.fixtures.review import D, Users, application, make_users, stamp

PERIOD_END = dt.date(2023, 12, 31)
RECALL_DAY = dt.date(2024, 1, 22)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    """The review tests' registry as an export."""
    return write_export(tmp_path / "export")


@pytest.fixture
def loaded(session: Session, export: Path) -> Session:
    """A session on a database holding the export."""
    load_registry(session, export)
    session.commit()
    return session


def approved(session: Session, users: Users, rows: list[tuple[str, str]]) -> Submission:
    """An application of USCC for 2021 asking these rows, submitted and approved."""
    report = Report(file=None, application=application(USCC, 2021, rows), problems=[])
    version = create_from_form(session, user=users.enterprise, report=report)
    submission = stamp(session, None, version).submission
    submit(session, submission, users.enterprise)
    approve(session, submission, users.reviewer, version=submission.submitted_version)
    return submission


def reload(session: Session, export: Path) -> list[Holding]:
    """Load the export again and commit; the lots held afterwards."""
    load_registry(session, export)
    session.commit()
    return holdings(session)


def test_register_reload_recall_reload_keeps_every_status(loaded: Session, export: Path) -> None:
    users = make_users(loaded)
    approved(loaded, users, [("2075", "12000"), ("2639", "3000")])
    registered = holdings(loaded)
    assert by_status(registered)[USCC, "2075", "已抵销"] == D(12000)
    assert totals(registered) == totals(LOTS)

    assert reload(loaded, export) == registered

    run_recall(loaded, RECALL_DAY, PERIOD_END)
    recalled = holdings(loaded)
    assert [h for h in recalled if h[3] == "待抵销"] == []
    assert by_status(recalled)[USCC, "2075", "已召回"] == D(3000)
    assert by_status(recalled)[OTHER_USCC, "2075", "已召回"] == D(4000)

    assert reload(loaded, export) == recalled
    assert reload(loaded, export) == recalled
    assert totals(recalled) == totals(LOTS)


def test_the_ledger_records_each_cancellation_and_each_recalled_project(
    loaded: Session, export: Path
) -> None:
    users = make_users(loaded)
    submission = approved(loaded, users, [("2075", "12000"), ("2639", "3000")])
    run_recall(loaded, RECALL_DAY, PERIOD_END)
    registration = loaded.scalars(select(Registration)).one()
    cancellations = {c.project_number: c.id for c in loaded.scalars(select(Cancellation))}
    entries = loaded.scalars(select(LedgerEntry).order_by(LedgerEntry.id)).all()
    assert [
        (
            e.kind,
            e.uscc,
            e.project_number,
            e.status,
            e.quantity_t,
            e.total_after_t,
            e.registration_id,
            e.cancellation_id,
            e.recall_date,
        )
        for e in entries
    ] == [
        ("registration", USCC, "2075", "已抵销", D(12000), D(12000), registration.id, cancellations["2075"], None),
        ("registration", USCC, "2639", "已抵销", D(3000), D(3000), registration.id, cancellations["2639"], None),
        ("recall", USCC, "2075", "已召回", D(3000), D(3000), None, None, RECALL_DAY),
        ("recall", USCC, "2639", "已召回", D(5000), D(5000), None, None, RECALL_DAY),
        ("recall", OTHER_USCC, "2075", "已召回", D(4000), D(4000), None, None, RECALL_DAY),
    ]  # fmt: skip
    assert {e.decision_id for e in entries[:2]} == {registration.decision_id}
    assert registration.submission_id == submission.id
    assert all(e.moved_at is not None for e in entries)


def test_a_second_registration_of_a_project_counts_from_the_first(
    loaded: Session, export: Path
) -> None:
    users = make_users(loaded)
    approved(loaded, users, [("2075", "4000")])
    loaded.commit()
    report = Report(file=None, application=application(USCC, 2022, [("2075", "6000")]), problems=[])
    version = create_from_form(loaded, user=users.enterprise, report=report)
    second = stamp(loaded, None, version).submission
    submit(loaded, second, users.enterprise)
    approve(loaded, second, users.reviewer, version=second.submitted_version)
    after = loaded.scalars(select(LedgerEntry.total_after_t).order_by(LedgerEntry.id)).all()
    assert after == [D(4000), D(10000)]
    both = holdings(loaded)
    assert reload(loaded, export) == both
    assert by_status(both)[USCC, "2075", "待抵销"] == D(5000)


def test_a_contradicting_export_is_refused_and_nothing_changes(
    loaded: Session, export: Path, tmp_path: Path
) -> None:
    users = make_users(loaded)
    approved(loaded, users, [("2075", "12000"), ("2639", "3000")])
    before = holdings(loaded)
    shrunk = [lot for lot in LOTS if lot[:2] != (USCC, "2075")] + [
        (USCC, "2075", "11000", "待抵销")
    ]
    with pytest.raises(RegistryLoadError) as raised:
        load_registry(loaded, write_export(tmp_path / "shrunk", shrunk))
    loaded.rollback()
    [problem] = raised.value.problems
    assert (problem.file, problem.line) == ("pending_ccer.csv", 5)
    assert "待抵销仅 11000 吨" in problem.reason
    assert holdings(loaded) == before
    assert len(loaded.scalars(select(LedgerEntry)).all()) == 2


@pytest.fixture
def demo_app(db_url: str, tmp_path: Path) -> Flask:
    """The app on an empty database."""
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": db_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "test-secret",
        }
    )


def test_the_demo_registry_is_loaded_only_into_an_empty_database(demo_app: Flask) -> None:
    load_demo(demo_app)
    with sessions(demo_app)() as session:
        entity = session.get_one(Entity, USCC)
        entity.name = "改名后的单位"
        run_recall(session, RECALL_DAY, PERIOD_END)
        recalled = holdings(session)
    load_demo(demo_app)
    with sessions(demo_app)() as session:
        assert session.get_one(Entity, USCC).name == "改名后的单位"
        assert holdings(session) == recalled
    demo_app.extensions["intake.engine"].dispose()
