"""The dashboards: every figure recomputed from the database, links, exports, reach."""

from __future__ import annotations

import io
import re
from collections import Counter
from decimal import Decimal
from urllib.parse import quote

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from intake.registry.models import CcerLot, Entity
from intake.review.registrations.models import Registration
from intake.review.submissions.models import Submission
from intake.web.database import sessions
from tests.fixtures.web import login


def figure(page: str, name: str) -> str:
    """The text of the figure with the id ``fig-<name>``."""
    found = re.search(rf'id="fig-{name}">([^<]+)<', page)
    assert found is not None, name
    return found.group(1).strip()


def tonnes(value: Decimal) -> str:
    return format(value.normalize(), ",f")


def _recount(app: Flask, province: str | None) -> dict[str, object]:
    """The dashboard's figures, computed again from the rows with plain Python."""
    with sessions(app)() as session:
        entities = {e.uscc: e.province for e in session.scalars(select(Entity))}
        handed_in = [
            s
            for s in session.scalars(select(Submission))
            if s.state != "draft" and (province is None or entities.get(s.uscc) == province)
        ]
        registered = sum(
            (r.total_t for r in session.scalars(select(Registration))
             if province is None or r.province == province),
            Decimal(0),
        )  # fmt: skip
        pending = sum(
            (lot.quantity_t for lot in session.scalars(select(CcerLot))
             if lot.status == "待抵销" and (province is None or entities[lot.uscc] == province)),
            Decimal(0),
        )  # fmt: skip
    states = Counter(s.state for s in handed_in)
    waiting_t = sum((s.requested_t or Decimal(0) for s in handed_in if s.state == "submitted"),
                    Decimal(0))  # fmt: skip
    return {"states": states, "total": len(handed_in), "registered": registered,
            "pending": pending, "waiting_t": waiting_t}  # fmt: skip


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_province_dashboard_figures_are_the_databases(demo_app: Flask) -> None:
    client = demo_app.test_client()
    login(client, "demo-province-2")
    page = client.get("/", follow_redirects=True).text
    expected = _recount(demo_app, "山西省")
    total = expected["total"]
    assert isinstance(total, int)
    assert total > 0
    assert figure(page, "total") == str(expected["total"])
    for state in ("submitted", "approved", "rejected"):
        assert figure(page, state) == str(expected["states"][state])  # type: ignore[index]
    assert figure(page, "registered") == tonnes(expected["registered"])  # type: ignore[arg-type]
    assert figure(page, "pending") == tonnes(expected["pending"])  # type: ignore[arg-type]
    listed = client.get("/dashboard/pending").text
    assert f'id="pending-total">{tonnes(expected["pending"])}<' in listed  # type: ignore[arg-type]
    assert figure(page, "requested") == tonnes(expected["waiting_t"])  # type: ignore[arg-type]
    assert 'href="/review/?state=submitted"' in page
    assert "2023-12-15" in page
    assert "还剩 14 天" in page
    assert "2024-01-22" in page  # the recall date on the official calendar


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_ministry_dashboard_figures_are_the_databases(demo_app: Flask) -> None:
    client = demo_app.test_client()
    login(client, "demo-ministry")
    page = client.get("/", follow_redirects=True).text
    expected = _recount(demo_app, None)
    assert figure(page, "total") == str(expected["total"])
    for state in ("submitted", "approved", "rejected"):
        assert figure(page, state) == str(expected["states"][state])  # type: ignore[index]
    assert figure(page, "registered") == tonnes(expected["registered"])  # type: ignore[arg-type]
    for province in ("山西省", "新疆生产建设兵团", "山东省"):
        assert f'href="/dashboard/queue?province={quote(province)}"' in page


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_national_queue_lists_every_province_and_exports_what_it_lists(demo_app: Flask) -> None:
    client = demo_app.test_client()
    login(client, "demo-ministry")
    page = client.get("/dashboard/queue?state=submitted").text
    listed = re.findall(r">申请 (\d+)</a></td>", page)
    with sessions(demo_app)() as session:
        submitted = session.scalars(select(Submission.id).where(Submission.state == "submitted"))
        assert sorted(map(int, listed)) == sorted(submitted)
    response = client.get("/dashboard/queue.xlsx?state=submitted")
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert sorted(r[0] for r in rows) == sorted(map(int, listed))
    assert {r[5] for r in rows} == {"待审核"}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/queue?province=9999",
        "/dashboard/queue?state=bogus",
        "/dashboard/pending?province=<b>x</b>",
        "/dashboard/queue.xlsx?province=山西",
    ],
)
def test_a_filter_no_province_or_state_has_is_not_found(demo_app: Flask, url: str) -> None:
    client = demo_app.test_client()
    login(client, "demo-ministry")
    response = client.get(url)
    assert response.status_code == 404
    assert "9999" not in response.text
    assert "<b>x" not in response.text
    assert "找不到" in response.text or "不存在" in response.text


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_province_exports_its_own_queue_only(demo_app: Flask) -> None:
    client = demo_app.test_client()
    login(client, "demo-province")
    response = client.get("/dashboard/queue.xlsx?province=山西省")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    provinces = {r[3] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert provinces == {"新疆生产建设兵团"}
    assert client.get("/dashboard/queue").status_code == 403


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_enterprises_have_no_dashboard(demo_app: Flask) -> None:
    client = demo_app.test_client()
    login(client, "demo-enterprise")
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/dashboard/queue.xlsx").status_code == 403
    home = client.get("/").text
    assert "2023 年 12 月 15 日" in home
    assert "还剩 <strong>14</strong> 天" in home
    form = client.get("/applications/new?year=2021").text
    assert "还剩 <strong>14</strong> 天" in form


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_problem_links_to_its_help_with_the_message_first(demo_app: Flask) -> None:
    client = demo_app.test_client()
    login(client, "demo-enterprise")
    with sessions(demo_app)() as session:
        rejected = session.scalar(
            select(Submission.id).where(
                Submission.uscc == "91659001MAL8YR44XK", Submission.state == "rejected"
            )
        )
    page = client.get(f"/applications/{rejected}/v/1").text
    items = re.findall(r'<li class="problem problem-error">(.*?)</li>', page, re.S)
    text = next(i for i in items if "expected" in i)
    assert text.index("超过应清缴配额量的 5%") < text.index("RATIO_OVER_LIMIT")
    assert 'href="/help/RATIO_OVER_LIMIT"' in text
    assert "申请抵销量最多可填 47520 吨" in text
    help_page = client.get("/help/RATIO_OVER_LIMIT").text
    assert "5%" in help_page
    assert "第四步" in help_page
    assert client.get("/help/NO_SUCH_CODE").status_code == 404


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_ministry_reads_any_handed_in_application_but_no_draft(demo_app: Flask) -> None:
    with sessions(demo_app)() as session:
        by_state = {s.state: s.id for s in session.scalars(select(Submission))}
    client = demo_app.test_client()
    login(client, "demo-ministry")
    page = client.get(f"/dashboard/applications/{by_state['rejected']}").text
    assert "只读" in page
    assert "审核记录" in page
    assert client.get(f"/dashboard/applications/{by_state['draft']}").status_code == 404
    province = demo_app.test_client()
    login(province, "demo-province")
    assert province.get(f"/dashboard/applications/{by_state['approved']}").status_code == 403
