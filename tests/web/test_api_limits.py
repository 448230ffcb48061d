"""The API checks application JSON against the schema it publishes (issue 11): types,
lengths, the online form's 30 rows, known years; lists are paged; times carry a zone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from intake.web.api_input import APPLICATION
from intake.web.openapi import SCHEMAS
from tests.fixtures.review import application
from tests.fixtures.web import token_for


def valid() -> dict[str, Any]:
    """An application JSON of the demo enterprise that the API accepts."""
    return application(uscc="91659001MAL8YR44XK").to_json()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"entity_name": 5}, "entity_name 的类型不正确"),
        ({"offset_requested_t": ["1"]}, "offset_requested_t 的类型不正确"),
        ({"year": 2023}, "year 的值不在允许的范围内"),
        ({"contact_name": "张" * 201}, "contact_name 不能超过 200 个字符"),
        ({"ccer_rows": [{"project_number": "2639", "cancel_quantity_t": "1"}] * 31},
         "ccer_rows 最多 30 行"),
        ({"ccer_rows": [{"project_number": {"a": 1}}]}, "ccer_rows[0].project_number 的类型不正确"),
        ({"declaration": {"year": 99999}}, "declaration.year"),
        ({"colour": "red"}, "含有接口未定义的字段"),
    ],
)  # fmt: skip
def test_application_json_breaking_the_schema_is_422(
    app: Flask, client: FlaskClient, change: dict[str, Any], message: str
) -> None:
    headers = token_for(app, "demo-enterprise")
    response = client.post("/api/v1/applications", json=valid() | change, headers=headers)
    assert response.status_code == 422
    assert response.json is not None
    assert message in response.json["error"]["message"]
    listed = client.get("/api/v1/applications", headers=headers).json
    assert listed == {"applications": []}


def test_a_huge_body_is_refused_quickly(app: Flask, client: FlaskClient) -> None:
    headers = token_for(app, "demo-enterprise")
    rows = [{"project_number": "2639", "cancel_quantity_t": "1"}] * 5_000
    response = client.post(
        "/api/v1/applications", json=valid() | {"ccer_rows": rows}, headers=headers
    )
    assert response.status_code == 422
    assert response.json["error"]["message"] == "ccer_rows 最多 30 行"  # type: ignore[index]
    padded = valid() | {"entity_name": "x" * (1024 * 1024)}
    response = client.post("/api/v1/applications", json=padded, headers=headers)
    assert response.status_code == 413
    assert "超过 1024 KB" in response.json["error"]["message"]  # type: ignore[index]


def test_what_get_returns_can_be_sent_back(app: Flask, client: FlaskClient) -> None:
    headers = token_for(app, "demo-enterprise")
    data = application(uscc="91659001MAL8YR44XK").to_json(with_sources=True)
    assert client.post("/api/v1/applications", json=data, headers=headers).status_code == 201


def test_the_list_is_paged_with_a_next_link(app: Flask, client: FlaskClient) -> None:
    headers = token_for(app, "demo-enterprise")
    ids = [
        client.post("/api/v1/applications", json=valid(), headers=headers).json["application_id"]  # type: ignore[index]
        for _ in range(3)
    ]
    first = client.get("/api/v1/applications?per_page=2", headers=headers).json
    assert first is not None
    assert [a["id"] for a in first["applications"]] == ids[:2]
    second = client.get(first["next"], headers=headers).json
    assert second is not None
    assert [a["id"] for a in second["applications"]] == ids[2:]
    assert "next" not in second
    for bad in ("per_page=101", "per_page=0", "page=0", "page=abc", "page=99999999999999999999"):
        response = client.get(f"/api/v1/applications?{bad}", headers=headers)
        assert response.status_code == 400, bad
        assert "应为 1 至" in response.json["error"]["message"]  # type: ignore[index]
    report = client.get(f"/api/v1/applications/{ids[0]}/report?version=x", headers=headers)
    assert report.status_code == 400
    typo = client.get("/api/v1/applications?perpage=2", headers=headers)
    assert typo.status_code == 400
    assert typo.json["error"]["message"] == "未知的参数：perpage"  # type: ignore[index]


def test_time_stamps_carry_their_zone(app: Flask, client: FlaskClient) -> None:
    headers = token_for(app, "demo-enterprise")
    created = client.post("/api/v1/applications", json=valid(), headers=headers).json
    assert created is not None
    read = client.get(f"/api/v1/applications/{created['application_id']}", headers=headers).json
    assert read is not None
    for stamp in (created["created_at"], read["versions"][0]["created_at"]):
        assert dt.datetime.fromisoformat(stamp).utcoffset() == dt.timedelta(0)


def test_the_published_schema_is_the_one_that_checks() -> None:
    assert SCHEMAS["ApplicationInput"]["properties"]["ccer_rows"]["maxItems"] == 30
    assert APPLICATION.schema is SCHEMAS["ApplicationInput"]
