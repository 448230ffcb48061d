"""The application lifecycle through every channel: what was submitted is what is decided.

Each test closes one way in which an application could be changed after submission,
decided on a version nobody submitted, registered for the wrong year or entity, or
used to read another entity's registry data.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from intake.application import Application
from intake.render import render_docx
from intake.review.audit import Action
from intake.review.models import AuditEntry
from intake.review.registrations.models import Registration
from intake.review.submissions.models import Submission
from intake.web.database import sessions
from tests.fixtures.data import EXPECTED, FORMS
from tests.fixtures.web import form_data, login, token_for, upload_copy

D = Decimal
OWN = "91659001MAL8YR44XK"  # demo-enterprise, reviewed by demo-province (新疆生产建设兵团)
FOREIGN_PROJECT = "2435"  # demo-enterprise holds 14785 t of it pending


def v01() -> Application:
    """The clean 2021 form of demo-enterprise's entity, as the sample's answer has it."""
    data = json.loads((EXPECTED / "v01.json").read_text())
    return Application.from_json(data["application"])


def docx_of(app: Application) -> dict[str, Any]:
    """Multipart data holding the filled official form of ``app``."""
    return {"file": (io.BytesIO(render_docx(app)), "申请表.docx")}


def with_row(app: Application, index: int, quantity: str) -> Application:
    """The application with one row's 注销量 changed, the totals kept consistent."""
    rows = [dataclasses.replace(r) for r in app.ccer_rows]
    rows[index] = dataclasses.replace(rows[index], cancel_quantity_t=D(quantity))
    total = sum((D(str(r.cancel_quantity_t)) for r in rows), D(0))
    declaration = dataclasses.replace(app.declaration, offset_t=total)
    return dataclasses.replace(
        app, ccer_rows=rows, offset_requested_t=total, declaration=declaration
    )


def codes(report: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(code, field) of every problem of a report JSON."""
    return [(p["code"], p["field"]) for p in report["problems"]]


def created(client: FlaskClient, headers: dict[str, str], data: Any) -> tuple[int, int]:
    """Create an application through the API; (its id, the HTTP status)."""
    kwargs = {"json": data} if isinstance(data, dict) and "file" not in data else {"data": data}
    response = client.post("/api/v1/applications", headers=headers, **kwargs)
    assert response.status_code in (201, 202), response.text
    return response.json["application_id"], response.status_code  # type: ignore[index]


def state_of(app: Flask, submission_id: int) -> Submission:
    with sessions(app)() as session:
        found = session.get(Submission, submission_id)
        assert found is not None
        session.expunge(found)
        return found


def review_version(reviewer: FlaskClient, submission_id: int) -> str:
    """The version number the reviewer's decision form carries."""
    page = reviewer.get(f"/review/{submission_id}").text
    found = re.search(r'name="version" type="hidden" value="(\d+)"', page)
    assert found is not None
    return found.group(1)


def test_the_api_cannot_add_a_version_while_submitted_or_after_approval(
    app: Flask, client: FlaskClient
) -> None:
    headers = token_for(app, "demo-enterprise")
    sid, _ = created(client, headers, sample_v01())
    assert client.post(f"/api/v1/applications/{sid}/submit", headers=headers).status_code == 200
    changed = json.loads(json.dumps(v01().to_json()))
    changed["ccer_rows"][0]["cancel_quantity_t"] = "1"
    refused = client.post(f"/api/v1/applications/{sid}/versions", json=changed, headers=headers)
    assert refused.status_code == 409
    assert "撤回" in refused.json["error"]["message"]  # type: ignore[index]
    upload = client.post(f"/api/v1/applications/{sid}/versions", data=sample_v01(), headers=headers)
    assert upload.status_code == 409

    reviewer = app.test_client()
    login(reviewer, "demo-province")
    data = {"version": review_version(reviewer, sid), "confirmed": "1"}
    data |= {"overrides-0-key": "STAMP_MISSING@stamp_present", "overrides-0-reason": "x"}
    assert reviewer.post(f"/review/{sid}/approve", data=data).status_code == 302
    assert state_of(app, sid).state == "approved"
    again = client.post(f"/api/v1/applications/{sid}/versions", json=changed, headers=headers)
    assert again.status_code == 409
    assert "已审核通过" in again.json["error"]["message"]  # type: ignore[index]
    with sessions(app)() as session:
        registration = session.scalars(select(Registration)).one()
        submitted = session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == Action.SUBMIT)
        ).one()
        approved = session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == Action.APPROVE)
        ).one()
        assert submitted["version"] == approved["version"] == 1
        assert registration.total_t == D("24200")
        assert [c.quantity_t for c in registration.cancellations] == [D(9700), D(5100), D(9400)]


def sample_v01() -> dict[str, Any]:
    """The v01.docx sample as multipart data."""
    return {"file": (io.BytesIO((FORMS / "v01.docx").read_bytes()), "v01.docx")}


def test_a_decision_on_another_version_than_the_one_shown_is_refused(
    app: Flask, client: FlaskClient
) -> None:
    headers = token_for(app, "demo-enterprise")
    sid, _ = created(client, headers, sample_v01())
    client.post(f"/api/v1/applications/{sid}/submit", headers=headers)
    reviewer = app.test_client()
    login(reviewer, "demo-province")
    shown = review_version(reviewer, sid)
    # The enterprise withdraws, corrects and submits again while the page is open.
    assert client.post(f"/api/v1/applications/{sid}/withdraw", headers=headers).status_code == 200
    client.post(f"/api/v1/applications/{sid}/versions", data=sample_v01(), headers=headers)
    assert client.post(f"/api/v1/applications/{sid}/submit", headers=headers).status_code == 200
    stale = {"version": shown, "comment": "x"}
    page = reviewer.post(f"/review/{sid}/reject", data=stale, follow_redirects=True).text
    assert "请刷新页面后重新审核" in page
    assert state_of(app, sid).state == "submitted"
    current = {"version": review_version(reviewer, sid), "confirmed": "1"}
    assert current["version"] == "2"
    assert reviewer.post(f"/review/{sid}/approve", data=current).status_code == 302
    assert state_of(app, sid).state == "approved"


def test_the_year_is_fixed_when_the_application_is_created(app: Flask, client: FlaskClient) -> None:
    headers = token_for(app, "demo-enterprise")
    sid, _ = created(client, headers, v01().to_json())
    of_2022 = v01().to_json()
    of_2022["year"] = of_2022["declaration"]["year"] = 2022
    refused = client.post(f"/api/v1/applications/{sid}/versions", json=of_2022, headers=headers)
    assert refused.status_code == 409
    assert "2021 年度" in refused.json["error"]["message"]  # type: ignore[index]
    # An uploaded form of another year is read, kept, and cannot be submitted.
    other_year = dataclasses.replace(v01(), year=2022)
    other_year.declaration.year = 2022
    added = client.post(
        f"/api/v1/applications/{sid}/versions", data=docx_of(other_year), headers=headers
    )
    assert ("APPLICATION_YEAR_MISMATCH", "year") in codes(added.json["report"])  # type: ignore[index]
    submit = client.post(f"/api/v1/applications/{sid}/submit", headers=headers)
    assert submit.status_code == 409
    assert state_of(app, sid).year == 2021


def test_a_form_of_another_entity_is_an_error_that_blocks_submission(
    app: Flask, client: FlaskClient
) -> None:
    headers = token_for(app, "demo-enterprise-2")
    sid, _ = created(client, headers, sample_v01())
    report = client.get(f"/api/v1/applications/{sid}/report", headers=headers).json
    assert ("APPLICANT_MISMATCH", "uscc") in codes(report)  # type: ignore[arg-type]
    # Checked against the account's own entity, which holds none of these projects.
    assert ("PENDING_INSUFFICIENT", None) not in codes(report)  # type: ignore[arg-type]
    assert {c for c, _ in codes(report)} >= {"PROJECT_NOT_PENDING"}  # type: ignore[arg-type]
    refused = client.post(f"/api/v1/applications/{sid}/submit", headers=headers)
    assert refused.status_code == 409
    assert "统一社会信用代码" in refused.json["error"]["message"]  # type: ignore[index]
    assert state_of(app, sid).state == "draft"


@pytest.mark.parametrize("quantity", ["14785", "14786"])  # at and just above its pending
def test_nothing_about_another_entity_can_be_read_by_checking_its_form(
    app: Flask, client: FlaskClient, quantity: str
) -> None:
    headers = token_for(app, "demo-enterprise-2")
    probe = with_row(v01(), 1, quantity)
    assert probe.ccer_rows[1].project_number == FOREIGN_PROJECT
    report = client.post("/api/v1/check", data=docx_of(probe), headers=headers).json
    found = codes(report)  # type: ignore[arg-type]
    assert ("APPLICANT_MISMATCH", "uscc") in found
    assert "PENDING_INSUFFICIENT" not in {c for c, _ in found}
    # What the registry holds for the named entity (its name, accounts, allocation, pending,
    # province) appears nowhere the service speaks for the registry.
    secrets = {"华能双河发电有限责任公司", "C8122225684", "752068687273", "950402", "14785"}
    expected = {p["expected"] for p in report["problems"]}  # type: ignore[index]
    assert not expected & secrets
    messages = " ".join(p["message"] for p in report["problems"])  # type: ignore[index]
    if quantity != "14785":
        assert "14785" not in messages


def test_an_online_application_needs_its_stamped_copy_which_is_compared(
    app: Flask, client: FlaskClient
) -> None:
    login(client)
    response = client.post("/applications/new?year=2021", data=form_data())
    sid = int(re.search(r"/applications/(\d+)/", response.headers["Location"]).group(1))  # type: ignore[union-attr]
    refused = client.post(f"/registrations/applications/{sid}/submit", follow_redirects=True)
    assert "加盖公章" in refused.text
    assert state_of(app, sid).state == "draft"
    # A copy whose phone differs from what was typed online.
    typed = form_data()
    app_json = client.get(f"/api/v1/applications/{sid}", headers=token_for(app, "demo-enterprise"))
    application = Application.from_json(app_json.json["application"])  # type: ignore[index]
    copy = dataclasses.replace(application, contact_phone="13900000000")
    uploaded = client.post(
        f"/applications/{sid}/copy", data=docx_of(copy), content_type="multipart/form-data"
    )
    assert uploaded.status_code == 302
    report = client.get(
        f"/api/v1/applications/{sid}/report", headers=token_for(app, "demo-enterprise")
    ).json
    mismatches = [p for p in report["problems"] if p["code"] == "COPY_MISMATCH"]  # type: ignore[index]
    assert [(p["field"], p["expected"], p["actual"]) for p in mismatches] == [
        ("contact_phone", typed["contact_phone"], "13900000000")
    ]
    assert "STAMP_MISSING" in {p["code"] for p in report["problems"]}  # type: ignore[index]
    # The reviewer sees both side by side once it is submitted.
    upload_copy(client, sid)
    assert client.post(f"/registrations/applications/{sid}/submit").status_code == 302
    assert state_of(app, sid).state == "submitted"
    reviewer = app.test_client()
    login(reviewer, "demo-province")
    page = reviewer.get(f"/review/{sid}").text
    assert "在线填写与盖章件对照" in page
    assert page.count('<span class="badge badge-error">不一致</span>') == 0


def test_an_unreadable_upload_leaves_no_application(app: Flask, client: FlaskClient) -> None:
    headers = token_for(app, "demo-enterprise")
    junk = {"file": (io.BytesIO(b"not a form at all"), "申请表.docx")}
    sid, _ = created(client, headers, junk)
    report = client.get(f"/api/v1/applications/{sid}/report", headers=headers).json
    assert codes(report) == [("FILE_UNREADABLE", None)]  # type: ignore[arg-type]
    assert client.get("/api/v1/applications", headers=headers).json == {"applications": []}
    login(client)
    assert f"申请 {sid}</a>" not in client.get("/").text
    assert state_of(app, sid).state == "discarded"


def test_withdraw_frees_the_lots_and_discard_hides_a_draft(app: Flask, client: FlaskClient) -> None:
    headers = token_for(app, "demo-enterprise")
    sid, _ = created(client, headers, sample_v01())
    assert client.delete(f"/api/v1/applications/{sid}", headers=headers).status_code == 204
    assert state_of(app, sid).state == "discarded"
    sid, _ = created(client, headers, sample_v01())
    client.post(f"/api/v1/applications/{sid}/submit", headers=headers)
    # While it waits, a second application of the year cannot be submitted.
    second, _ = created(client, headers, sample_v01())
    assert client.post(f"/api/v1/applications/{second}/submit", headers=headers).status_code == 409
    assert client.post(f"/api/v1/applications/{sid}/withdraw", headers=headers).status_code == 200
    assert state_of(app, sid).state == "withdrawn"
    # Withdrawn, it asks for nothing: the other one goes in, and this one cannot be deleted.
    assert client.post(f"/api/v1/applications/{second}/submit", headers=headers).status_code == 200
    refused = client.delete(f"/api/v1/applications/{sid}", headers=headers)
    assert refused.status_code == 409
    with sessions(app)() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.submission_id == sid)
        ).all()
    assert actions == ["create", "submit", "withdraw"]
