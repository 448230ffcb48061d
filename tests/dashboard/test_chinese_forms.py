"""Built-in validation messages are WTForms' own Chinese ones, in every form."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from intake.forms.application import CcerRowForm
from intake.forms.review import AuditFilterForm
from tests.fixtures.web import login


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_audit_filter_answers_in_chinese(demo_app: Flask) -> None:
    client = demo_app.test_client()
    login(client, "demo-ministry")
    page = client.get("/ministry/audit?since=abc&until=2023-13-40").text
    assert "Not a valid" not in page
    assert "不是有效的日期值" in page


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_nested_and_filter_forms_speak_chinese(demo_app: Flask) -> None:
    with demo_app.test_request_context():
        row = CcerRowForm(MultiDict({"cancel_quantity_t": "9" * 250}))
        row.validate()
        messages = [m for errors in row.errors.values() for m in errors]
        assert messages
        assert all("字段长度不能超过" in m for m in messages), messages
        audit = AuditFilterForm(MultiDict({"since": "yesterday"}))
        audit.validate()
        assert audit.errors["since"] == ["不是有效的日期值。"]
