"""The forced recall writes who ran it to the audit log, once, in its own transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.cli import main
from intake.db import make_engine, session_factory
from intake.demo import DEMO_DATA
from intake.review.audit import Action, Actor
from intake.review.models import AuditEntry
from intake.review.registrations.recall import run_recall

PERIOD_END = dt.date(2023, 12, 31)
OPERATOR = Actor(None, "operator", "system", "命令行")


def recall_entries(session: Session) -> list[AuditEntry]:
    """The audit entries of recalls, oldest first."""
    session.expire_all()
    query = select(AuditEntry).where(AuditEntry.action == Action.RECALL).order_by(AuditEntry.id)
    return list(session.scalars(query))


def test_a_recall_is_audited_once(registry_session: Session) -> None:
    early = run_recall(registry_session, dt.date(2024, 1, 19), PERIOD_END, actor=OPERATOR)
    assert early.recalled_lots == 0
    assert recall_entries(registry_session) == []

    due = run_recall(registry_session, dt.date(2024, 1, 22), PERIOD_END, actor=OPERATOR)
    assert due.recalled_lots == 4
    [entry] = recall_entries(registry_session)
    assert (entry.username, entry.role, entry.address) == ("operator", "system", "命令行")
    assert entry.target == "2024-01-22"
    assert entry.details == {
        "recall_date": "2024-01-22",
        "recalled_lots": 4,
        "recalled_t": "27000",
        "as_of": "2024-01-22",
    }

    again = run_recall(registry_session, dt.date(2024, 3, 1), PERIOD_END, actor=OPERATOR)
    assert again.recalled_lots == 0
    assert len(recall_entries(registry_session)) == 1


def test_without_an_actor_nothing_is_audited(registry_session: Session) -> None:
    assert run_recall(registry_session, dt.date(2024, 1, 22), PERIOD_END).recalled_lots == 4
    assert recall_entries(registry_session) == []


def test_the_audit_entry_rolls_back_with_the_recall(registry_session: Session) -> None:
    run_recall(registry_session, dt.date(2024, 1, 22), PERIOD_END, commit=False, actor=OPERATOR)
    registry_session.rollback()
    assert recall_entries(registry_session) == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_command_line_records_the_operator(db_url: str) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["registry", "load", str(DEMO_DATA), "--db", db_url]).exit_code == 0
    result = runner.invoke(main, ["recall", "--as-of", "2024-01-22", "--db", db_url, "--json"])
    assert result.exit_code == 0, result.output
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        [entry] = recall_entries(session)
        assert entry.address == "命令行"
        assert entry.details["recalled_lots"] > 0
    engine.dispose()
