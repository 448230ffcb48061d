"""Input no row or page can match is a clear 4xx answer, never a 500 (issue 11)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.fixtures.web import login, token_for

BEYOND_64_BITS = str(2**63)


@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("demo-province", f"/review/{BEYOND_64_BITS}"),
        ("demo-enterprise", f"/applications/{BEYOND_64_BITS}"),
        ("demo-enterprise", f"/applications/1/v/{BEYOND_64_BITS}"),
        ("demo-enterprise", "/applications/0"),
        ("demo-enterprise", "/applications/0001"),
        ("demo-enterprise", "/applications/1000000000000000000"),
    ],
)
def test_ids_beyond_what_a_row_can_have_are_404(
    client: FlaskClient, username: str, path: str
) -> None:
    login(client, username)
    response = client.get(path)
    assert response.status_code == 404
    assert "页面不存在" in response.text


def test_api_ids_beyond_64_bits_are_404(app: Flask, client: FlaskClient) -> None:
    headers = token_for(app, "demo-enterprise")
    for path in (
        f"/api/v1/applications/{BEYOND_64_BITS}",
        f"/api/v1/applications/{BEYOND_64_BITS}/report",
    ):
        response = client.get(path, headers=headers)
        assert response.status_code == 404
        assert response.json is not None
        assert response.json["error"]["title"] == "页面不存在"


@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("demo-province", "/review/"),
        ("demo-ministry", "/ministry/projects"),
        ("demo-ministry", "/registrations/"),
        ("demo-ministry", "/dashboard/queue"),
    ],
)
def test_page_numbers_are_bounded(client: FlaskClient, username: str, path: str) -> None:
    login(client, username)
    assert client.get(path + "?page=99999999999999999999").status_code == 404
    assert client.get(path + "?page=1000001").status_code == 404
    for page in ("-3", "0", "abc", "1"):
        assert client.get(f"{path}?page={page}").status_code == 200, page


def test_audit_dates_out_of_range_are_400_in_chinese(client: FlaskClient) -> None:
    login(client, "demo-ministry")
    response = client.get("/ministry/audit?until=9999-12-31")
    assert response.status_code == 400
    assert "日期应在 2000-01-01 至 2099-12-31 之间" in response.text
    assert client.get(f"/ministry/audit?submission_id={BEYOND_64_BITS}").status_code == 400
    assert client.get("/ministry/audit.xlsx?since=0001-01-01").status_code == 400
    assert client.get("/ministry/audit?until=2026-12-31").status_code == 200
