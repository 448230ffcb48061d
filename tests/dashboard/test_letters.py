"""The letter of a decision: every reason in the .docx, who may download it, the PDF cache."""

from __future__ import annotations

import io
import re
import shutil

import docx
import pytest
from flask import Flask
from sqlalchemy import select

from intake.review.decisions.models import Decision
from intake.web.database import sessions
from intake.web.letters import DOCX
from tests.fixtures.web import login


def _decision(app: Flask, kind: str, uscc: str) -> Decision:
    with sessions(app)() as session:
        from intake.review.submissions.models import Submission

        query = (
            select(Decision)
            .join(Submission, Submission.id == Decision.submission_id)
            .where(Decision.kind == kind, Submission.uscc == uscc)
        )
        decision = session.scalars(query).one()
        session.expunge(decision)
        return decision


def _text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_rejection_letter_holds_every_reason_with_field_and_clause(demo_app: Flask) -> None:
    decision = _decision(demo_app, "rejected", "91140702MAPPAJ2E9X")
    client = demo_app.test_client()
    login(client, "demo-province-2")
    response = client.get(f"/letters/{decision.id}.docx")
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    text = _text(response.data)
    assert "审核意见告知书" in text
    assert "国家电投集团大同热电有限公司" in text
    assert "91140702MAPPAJ2E9X" in text
    assert "山西省生态环境厅" in text
    assert f"共 {len(decision.items)} 项" in text
    for item in decision.items:
        assert item["message"] in text
    assert "程序第四步" in text  # the clause of the 5 % rule
    assert "CCER 第 1 行注销量" in text or "CCER 第" in text  # a row field named in Chinese


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_approval_letter_confirms_the_registration(demo_app: Flask) -> None:
    decision = _decision(demo_app, "approved", "91140105MAN619RM62")
    client = demo_app.test_client()
    login(client, "demo-enterprise-2")  # the enterprise sees the same document
    text = _text(client.get(f"/letters/{decision.id}.docx").data)
    assert "审核确认书" in text
    assert "登记编号 DJ2021-" in text


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_no_one_else_reads_a_letter(demo_app: Flask) -> None:
    decision = _decision(demo_app, "rejected", "91140702MAPPAJ2E9X")
    for username in ("demo-province", "demo-enterprise"):
        client = demo_app.test_client()
        login(client, username)
        assert client.get(f"/letters/{decision.id}.docx").status_code == 404
        assert client.get(f"/letters/{decision.id}.pdf").status_code == 404


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
@pytest.mark.parametrize("username", ["demo-ministry", "admin"])
@pytest.mark.parametrize(
    ("kind", "uscc", "title"),
    [("rejected", "91140702MAPPAJ2E9X", "审核意见告知书"),
     ("approved", "91140105MAN619RM62", "审核确认书")],
)  # fmt: skip
def test_the_ministry_reads_any_provinces_letter_from_the_application_page(
    demo_app: Flask, username: str, kind: str, uscc: str, title: str
) -> None:
    decision = _decision(demo_app, kind, uscc)
    client = demo_app.test_client()
    login(client, username)
    page = client.get(f"/dashboard/applications/{decision.submission_id}").text
    link = f'href="/letters/{decision.id}.docx"'
    assert link in page
    assert f"下载{title}（Word）" in page
    response = client.get(f"/letters/{decision.id}.docx")
    assert response.status_code == 200
    assert response.mimetype == DOCX
    text = _text(response.data)
    assert title in text
    assert uscc in text
    assert "山西省生态环境厅" in text  # the province's letter, as it sent it


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_pdf_is_converted_once_per_decision(demo_app: Flask) -> None:
    decision = _decision(demo_app, "rejected", "91659001MAL8YR44XK")
    client = demo_app.test_client()
    login(client, "demo-province")
    first = client.get(f"/letters/{decision.id}.pdf")
    assert first.status_code == 200
    assert first.data.startswith(b"%PDF")
    cached = list((demo_app.config["INTAKE_SETTINGS"].instance_path / "letters").glob("*.pdf"))
    assert len(cached) == 1
    assert client.get(f"/letters/{decision.id}.pdf").data == first.data


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_filled_form_pdf_is_converted_once_per_version(demo_app: Flask) -> None:
    client = demo_app.test_client()
    login(client, "demo-enterprise")
    home = client.get("/").text
    found = re.search(r'href="/applications/(\d+)', home)
    assert found is not None
    url = f"/applications/{found.group(1)}/v/1/form.pdf"
    first = client.get(url)
    assert first.data.startswith(b"%PDF")
    cache = demo_app.config["INTAKE_SETTINGS"].instance_path / "forms-pdf"
    assert len(list(cache.glob("*.pdf"))) == 1
    assert client.get(url).data == first.data
