"""The JSON API: token authentication, check, create and read applications, reports."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.fixtures.data import FORMS
from tests.fixtures.web import token_for


def sample(name: str) -> dict[str, Any]:
    """Multipart data holding a sample form."""
    return {"file": (io.BytesIO((FORMS / name).read_bytes()), name)}


def test_no_or_bad_token_is_401(client: FlaskClient) -> None:
    assert client.get("/api/v1/applications").status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    response = client.get("/api/v1/applications", headers=bad)
    assert response.status_code == 401
    assert response.json is not None
    assert response.json["error"]["title"] == "需要登录"


def test_check_returns_the_contract_report(app: Flask, client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/check", data=sample("v03.docx"), headers=token_for(app, "demo-enterprise")
    )
    assert response.status_code == 200
    report = response.json
    assert report is not None
    assert report["ok"] is False
    assert {"EMAIL_INVALID", "FIELD_MISSING"} <= {p["code"] for p in report["problems"]}
    assert set(report) == {"file", "application", "problems", "ok"}


def test_create_read_and_report(app: Flask, client: FlaskClient) -> None:
    headers = token_for(app, "demo-enterprise")
    created = client.post("/api/v1/applications", data=sample("v01.docx"), headers=headers)
    assert created.status_code in (201, 202)
    assert created.json is not None
    application_id = created.json["application_id"]
    read = client.get(f"/api/v1/applications/{application_id}", headers=headers).json
    assert read is not None
    assert read["application"]["uscc"] == "91659001MAL8YR44XK"
    report = client.get(f"/api/v1/applications/{application_id}/report", headers=headers).json
    assert report is not None
    assert [p["code"] for p in report["problems"]] == ["STAMP_UNVERIFIED"]
    data = dict(read["application"], contact_email="bad@")
    version = client.post(
        f"/api/v1/applications/{application_id}/versions", json=data, headers=headers
    )
    assert version.status_code == 201
    assert version.json is not None
    assert [p["code"] for p in version.json["report"]["problems"]] == ["EMAIL_INVALID"]


def test_another_entitys_application_is_404(app: Flask, client: FlaskClient) -> None:
    owner = token_for(app, "demo-enterprise")
    created = client.post("/api/v1/applications", data=sample("v01.docx"), headers=owner).json
    assert created is not None
    other = token_for(app, "demo-enterprise-2")
    base = f"/api/v1/applications/{created['application_id']}"
    assert client.get(base, headers=other).status_code == 404
    assert client.get(base + "/report", headers=other).status_code == 404
    assert client.post(base + "/versions", json={}, headers=other).status_code == 404
    listed = client.get("/api/v1/applications", headers=other).json
    assert listed == {"applications": []}


def test_check_hides_another_entitys_registry_values(app: Flask, client: FlaskClient) -> None:
    headers = token_for(app, "demo-enterprise-2")
    with_wrong_name = client.post(
        "/api/v1/applications",
        json={"year": 2021, "uscc": "91659001MAL8YR44XK", "entity_name": "别的名字"},
        headers=headers,
    ).json
    assert with_wrong_name is not None
    problems = with_wrong_name["report"]["problems"]
    assert "ENTITY_NAME_MISMATCH" in [p["code"] for p in problems]
    assert all(p["expected"] is None for p in problems if p["code"] == "ENTITY_NAME_MISMATCH")


@pytest.mark.parametrize("username", ["demo-ministry"])
def test_non_enterprise_tokens_are_403(app: Flask, client: FlaskClient, username: str) -> None:
    assert client.get("/api/v1/applications", headers=token_for(app, username)).status_code == 403


def test_openapi_lists_every_route(app: Flask, client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").json
    assert document is not None
    assert document["openapi"].startswith("3.")
    documented = {"/api/v1" + path for path in document["paths"]}
    routes = {
        str(rule).replace("<int:application_id>", "{application_id}")
        for rule in app.url_map.iter_rules()
        if str(rule).startswith("/api/v1/")
    }
    assert routes == documented
