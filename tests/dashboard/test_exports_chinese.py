"""Exports read in Chinese: file names, roles and details of the audit log."""

from __future__ import annotations

import io
from urllib.parse import unquote

import pytest
from flask import Flask
from openpyxl import load_workbook

from intake.review.export import ROLE_NAMES, details_text
from tests.fixtures.web import login


def test_details_are_chinese_sentences() -> None:
    text = details_text({"verified": False, "note": ""})
    assert text == "说明：—；核验结果：否"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_audit_workbook_names_roles_and_details_in_chinese(demo_app: Flask) -> None:
    client = demo_app.test_client()
    login(client, "demo-ministry")
    client.post("/ministry/projects/2075/verify", data={"verified": "0", "note": ""})
    response = client.get("/ministry/audit.xlsx")
    disposition = unquote(response.headers["Content-Disposition"])
    assert "审计日志.xlsx" in disposition
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows
    assert {r[2] for r in rows} <= set(ROLE_NAMES.values())
    details = " ".join(str(r[7] or "") for r in rows)
    assert "=" not in details
    assert "False" not in details
    assert "核验结果：否" in details
    for url, name in (("/ministry/projects.xlsx", "项目编号核验.xlsx"),
                      ("/registrations/export.xlsx", "抵销登记.xlsx")):  # fmt: skip
        assert name in unquote(client.get(url).headers["Content-Disposition"])


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_saving_a_verification_keeps_the_list_as_it_was(demo_app: Flask) -> None:
    client = demo_app.test_client()
    login(client, "demo-ministry")
    response = client.post(
        "/ministry/projects/2075/verify?flag=unverified&sort=number",
        data={"verified": "1", "note": "已核验"},
    )
    location = unquote(response.headers["Location"])
    assert location.startswith("/ministry/projects?")
    assert "flag=unverified" in location
    assert "number=2075" not in location
