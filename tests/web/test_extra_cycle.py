"""A later year's procedure supported by configuration alone: form, check, document, recall."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import pytest
from flask import Flask
from flask.testing import FlaskClient

from intake import create_app
from intake.demo import load_demo
from intake.registry.models import Allocation
from intake.review.registrations.recall import run_recall
from intake.web.database import sessions, settings
from tests.fixtures.cycles import CYCLE_2023
from tests.fixtures.web import form_data, login

USCC = "91659001MAL8YR44XK"  # the demo enterprise


@pytest.fixture
def later_app(app_config: dict[str, Any], tmp_path: Path) -> Iterator[Flask]:
    """The demo app with a 2023 cycle configured and the enterprise's 2023 allocation."""
    cycles = tmp_path / "cycles.toml"
    cycles.write_text(CYCLE_2023, encoding="utf-8")
    app = create_app({**app_config, "CYCLES_FILE": cycles})
    load_demo(app)
    with sessions(app)() as session:
        session.add(Allocation(uscc=USCC, year=2023, due_allowance_t=Decimal(500000)))
        session.commit()
    yield app
    app.extensions["intake.engine"].dispose()


def test_a_configured_cycle_works_end_to_end(later_app: Flask) -> None:
    client: FlaskClient = later_app.test_client()
    login(client)
    start = client.get("/applications/start").text
    assert "在线填写 2023 年度申请表" in start
    assert "附表3：使用 CCER 抵销 2023 年度配额清缴" in start
    blank = client.get("/applications/new?year=2023").text
    assert "2023年全国碳市场重点排放单位使用CCER抵销配额清缴申请表" in blank
    assert 'value="500000"' in blank  # prefilled with the 2023 allocation
    assert 'data-limit-pct="4"' in blank

    # 24200 t of 500000 t is 4.84 %: within 5 %, beyond this cycle's 4 %.
    saved = client.post(
        "/applications/new?year=2023",
        data=form_data(year="2023", due_allowance_t="500000", signed_date="2024-11-30"),
    )
    assert saved.status_code == 302, saved.text
    page = client.get(saved.headers["Location"]).text
    assert "申请抵销量 24200 吨超过应清缴配额量的 4%（上限 20000 吨）" in page
    assert "DEADLINE_PASSED" not in page  # the 2023 deadline, not the 2021/2022 one

    submission = re.search(r"/applications/(\d+)/", saved.headers["Location"])
    assert submission is not None
    form = client.get(f"/applications/{submission.group(1)}/v/1/form.docx")
    assert form.status_code == 200
    document = docx.Document(io.BytesIO(form.data))
    assert document.paragraphs[0].text == "附表3"
    assert document.tables[0].rows[3].cells[0].text == "2023年应清缴配额量(吨)"

    guide = client.get("/help/RATIO_OVER_LIMIT").text
    assert "申请抵销量是否超过应清缴配额量的 4%" in guide
    assert "2024 年 11 月 30 日" in client.get("/help/DEADLINE_PASSED").text

    with later_app.app_context():
        config = settings()
    assert config.deadline == dt.date(2024, 11, 30)
    with sessions(later_app)() as session:
        early = run_recall(
            session, dt.date(2025, 1, 14), config.compliance_period_end, config.recall_working_days
        )
        due = run_recall(
            session, dt.date(2025, 1, 15), config.compliance_period_end, config.recall_working_days
        )
    assert (early.recall_date, early.recalled_lots) == (dt.date(2025, 1, 15), 0)
    assert due.recalled_lots > 0
