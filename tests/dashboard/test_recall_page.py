"""The forced recall in the web: the date, the list, the confirmed run and the notices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from intake import create_app
from intake.demo import load_demo
from intake.registry.models import CcerLot
from intake.review.models import AuditEntry, Notice
from intake.web.database import sessions
from tests.fixtures.web import login


def _app(db_url: str, tmp_path: Path, today: dt.date) -> Flask:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": db_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "test-secret",
            "TODAY": today,
        }
    )
    load_demo(app)
    return app


@pytest.fixture
def recall_day_app(db_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The demo on the recall date itself (2024-01-22)."""
    app = _app(db_url, tmp_path, dt.date(2024, 1, 22))
    yield app
    app.extensions["intake.engine"].dispose()


def _pending(app: Flask) -> tuple[int, set[str]]:
    with sessions(app)() as session:
        lots = session.scalar(
            select(func.count()).select_from(CcerLot).where(CcerLot.status == "待抵销")
        )
        holders = set(session.scalars(select(CcerLot.uscc).where(CcerLot.status == "待抵销")))
    return lots or 0, holders


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_the_recall_runs_only_when_confirmed_and_tells_every_holder(
    recall_day_app: Flask,
) -> None:
    lots, holders = _pending(recall_day_app)
    assert lots > 0
    client = recall_day_app.test_client()
    login(client, "demo-ministry")
    page = client.get("/recall/").text
    assert 'id="recall-date">2024-01-22<' in page
    assert f'id="recall-lots">{lots}<' in page
    unconfirmed = client.post("/recall/", data={})
    assert "请先勾选确认" in unconfirmed.text
    assert _pending(recall_day_app)[0] == lots
    done = client.post("/recall/", data={"confirm": "y"}, follow_redirects=True)
    assert f"已召回 {lots} 个批次" in done.text
    assert _pending(recall_day_app)[0] == 0
    with sessions(recall_day_app)() as session:
        told = set(session.scalars(select(Notice.uscc).where(Notice.title.contains("强制召回"))))
        assert told == holders
        assert session.scalar(select(AuditEntry).where(AuditEntry.action == "recall"))
    enterprise = recall_day_app.test_client()
    login(enterprise, "demo-enterprise")
    assert "待抵销 CCER 已强制召回" in enterprise.get("/").text


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_no_recall_before_the_recall_date(db_url: str, tmp_path: Path) -> None:
    app = _app(db_url, tmp_path, dt.date(2024, 1, 19))
    client = app.test_client()
    login(client, "admin")
    page = client.get("/recall/").text
    assert "尚未到召回日（还有 3 天）" in page
    lots = _pending(app)[0]
    client.post("/recall/", data={"confirm": "y"})
    assert _pending(app)[0] == lots
    other = app.test_client()
    login(other, "demo-province")
    assert other.get("/recall/").status_code == 403
    app.extensions["intake.engine"].dispose()
