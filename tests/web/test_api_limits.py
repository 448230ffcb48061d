"""The API checks application JSON against the schema it publishes (issue 11): types,
lengths, the online form's 30 rows, known years; lists are paged; times carry a zone."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import Length

from intake.config import load_settings
from intake.forms.application import MAX_ROWS, ApplicationForm, CcerRowForm
from intake.review.submissions.models import Version
from intake.values import has_control_characters
from intake.web.api_models import MAX_TEXT, NO_CONTROL, ApplicationInput
from intake.web.database import sessions
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


def test_the_published_schema_is_the_one_that_checks(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").json
    assert document is not None
    schemas = document["components"]["schemas"]
    model = ApplicationInput.model_json_schema(ref_template="#/components/schemas/{model}")
    nested = model.pop("$defs")
    assert schemas["ApplicationInput"] == model
    assert all(schemas[name] == schema for name, schema in nested.items())
    assert schemas["ApplicationInput"]["properties"]["ccer_rows"]["maxItems"] == MAX_ROWS == 30


def test_the_models_bound_input_as_the_online_form_does() -> None:
    text_fields = [
        getattr(ApplicationForm, name)
        for name in ApplicationInput.model_fields
        if isinstance(getattr(ApplicationForm, name, None), UnboundField)
        and getattr(ApplicationForm, name).field_class is StringField
    ] + [CcerRowForm.cancel_quantity_t]
    assert len(text_fields) == 12
    lengths = {
        validator.max
        for field in text_fields
        for validator in field.kwargs["validators"]
        if isinstance(validator, Length)
    }
    assert lengths == {MAX_TEXT}
    entity_name = ApplicationInput.model_json_schema()["properties"]["entity_name"]["anyOf"][0]
    assert entity_name["maxLength"] == MAX_TEXT
    # The online form offers the years of the configured cycles; so does the API.
    years = list(load_settings().cycles.years)
    assert ApplicationInput.model_json_schema()["properties"]["year"]["anyOf"][0]["enum"] == years


@pytest.mark.parametrize("text", ["2639\x01", "\x7f", "a\x9fb", "\ufffe", "x\x0b"])
def test_the_published_pattern_refuses_what_the_check_refuses(text: str) -> None:
    assert has_control_characters(text)
    assert re.fullmatch(NO_CONTROL, text) is None
    with pytest.raises(ValidationError):
        ApplicationInput.model_validate({"entity_name": text})
    fine = text.translate({ord(c): None for c in text if has_control_characters(c)}) + "\t\n"
    assert re.fullmatch(NO_CONTROL, fine) is not None
    assert ApplicationInput.model_validate({"entity_name": fine}).entity_name == fine


def test_the_document_says_what_each_operation_answers(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json", headers={"Host": "evil.example"}).json
    assert document is not None
    assert document["servers"] == [{"url": "/api/v1"}]
    statuses = {
        f"{method.upper()} {path}": sorted(operation["responses"])
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    assert statuses == {
        "GET /openapi.json": ["200"],
        "POST /check": ["200", "400", "401", "403", "413"],
        "GET /applications": ["200", "400", "401", "403"],
        "POST /applications": ["201", "202", "400", "401", "403", "409", "413", "422"],
        "GET /applications/{application_id}": ["200", "401", "403", "404"],
        "DELETE /applications/{application_id}": ["204", "401", "403", "404", "409"],
        "POST /applications/{application_id}/copy": ["202", "400", "401", "403", "404", "409", "413"],
        "POST /applications/{application_id}/submit": ["200", "401", "403", "404", "409"],
        "POST /applications/{application_id}/withdraw": ["200", "401", "403", "404", "409"],
        "POST /applications/{application_id}/versions": [
            "201", "202", "400", "401", "403", "404", "409", "413", "422",
        ],
        "GET /applications/{application_id}/report": ["200", "202", "400", "401", "403", "404", "500"],
    }  # fmt: skip
    schemas = document["components"]["schemas"]
    assert schemas["Version"]["properties"]["created_at"]["format"] == "date-time"
    page = schemas["ApplicationPage"]["properties"]
    assert page["applications"]["maxItems"] == 100
    assert "next" in page
    listed = document["paths"]["/applications"]["get"]["parameters"]
    assert {p["name"]: p["schema"]["maximum"] for p in listed} == {
        "page": 1_000_000,
        "per_page": 100,
    }
    item = document["paths"]["/applications/{application_id}"]["get"]["parameters"]
    assert item[0]["schema"] == {"type": "integer", "minimum": 1, "maximum": 10**18 - 1}
    assert document["paths"]["/openapi.json"]["get"]["security"] == []
    assert document["security"] == [{"bearer": []}]


def test_a_body_without_a_file_or_an_object_is_400_in_chinese(
    app: Flask, client: FlaskClient
) -> None:
    headers = token_for(app, "demo-enterprise")
    no_file = client.post("/api/v1/check", data={"note": "x"}, headers=headers)
    assert no_file.status_code == 400
    assert no_file.json["error"]["message"] == "请以 multipart/form-data 上传文件，字段名为 file"  # type: ignore[index]
    bodies: list[object] = [[], None, "text"]
    for body in bodies:
        response = client.post("/api/v1/applications", json=body, headers=headers)
        assert response.status_code == 400, body
        assert "申请 JSON 对象" in response.json["error"]["message"]  # type: ignore[index]
    listed = client.get("/api/v1/applications", headers=headers).json
    assert listed == {"applications": []}


def test_half_a_character_is_refused_though_no_pattern_can_say_so(
    app: Flask, client: FlaskClient
) -> None:
    body = '{"year": 2021, "entity_name": "华能\\ud800"}'
    response = client.post(
        "/api/v1/applications",
        data=body,
        content_type="application/json",
        headers=token_for(app, "demo-enterprise"),
    )
    assert response.status_code == 422
    assert response.json["error"]["message"].startswith("entity_name ")  # type: ignore[index]


def test_an_answer_not_matching_its_model_is_a_500_in_the_api_shape(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    headers = token_for(app, "demo-enterprise")
    created = client.post("/api/v1/applications", json=valid(), headers=headers).json
    assert created is not None
    with sessions(app)() as session:
        version = session.get(Version, _version_id(session, created))
        assert version is not None
        # Readable as a Report, but no severity the published model knows.
        problem = {"code": "X", "severity": "fatal", "field": None, "message": "m"}
        version.report_json = {**created["report"], "problems": [problem]}
        session.commit()
    response = client.get(
        f"/api/v1/applications/{created['application_id']}/report", headers=headers
    )
    assert response.status_code == 500
    assert response.json is not None
    assert set(response.json) == {"error"}
    assert response.json["error"]["status"] == 500
    assert "API answer not matching Report" in caplog.text


def _version_id(session: Session, created: dict[str, Any]) -> int:
    found = session.scalars(
        select(Version.id).where(
            Version.submission_id == created["application_id"],
            Version.number == created["version"],
        )
    ).one()
    return found
