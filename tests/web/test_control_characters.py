"""Control characters: refused at the door (form and API); what is already stored still
exports and prints (issue 11: ``"2639\\x01"`` broke the ministry's workbook for everyone)."""

from __future__ import annotations

import io
import re
import shutil

import docx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from intake.accounts.operations import find_user
from intake.application import Report
from intake.review.submissions.models import Submission, SubmissionState
from intake.review.submissions.operations import create_from_form
from intake.web.database import sessions
from tests.fixtures.review import application
from tests.fixtures.web import form_data, login, token_for

BAD_NUMBER = "2639\x01"


def test_the_online_form_refuses_control_characters(client: FlaskClient) -> None:
    login(client)
    response = client.post(
        "/applications/new?year=2021",
        data=form_data(entity_name="华能\x01双河", **{"ccer_rows-1-cancel_quantity_t": "51\x0800"}),
    )
    assert response.status_code == 200  # shown again, nothing saved
    assert response.text.count("含有不可见的控制字符") == 2


def test_the_api_refuses_control_characters(app: Flask, client: FlaskClient) -> None:
    data = application(rows=[(BAD_NUMBER, "3000")]).to_json()
    response = client.post(
        "/api/v1/applications", json=data, headers=token_for(app, "demo-enterprise")
    )
    assert response.status_code == 422
    assert response.json is not None
    assert "ccer_rows[0].project_number 含有不可见的控制字符" in response.json["error"]["message"]


def _stored_with_control_characters(app: Flask) -> int:
    """A submitted application stored, before input was checked, with \\x01 in its fields."""
    bad = application(
        uscc="91659001MAL8YR44XK", rows=[(BAD_NUMBER, "3000")], contact_name="张\x01杰"
    )
    with sessions(app)() as session:
        user = find_user(session, "demo-enterprise")
        assert user is not None
        version = create_from_form(session, user=user, report=Report(None, bad))
        submission: Submission = version.submission
        submission.state = SubmissionState.SUBMITTED.value
        submission.submitted_version = version.number
        session.commit()
        return submission.id


def test_stored_control_characters_do_not_break_the_exports(
    app: Flask, client: FlaskClient
) -> None:
    submission_id = _stored_with_control_characters(app)
    login(client, "demo-ministry")
    workbook = client.get("/ministry/projects.xlsx")
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.data)).active
    assert sheet is not None
    assert "2639" in [cell.value for cell in sheet["A"]]
    login(client, "demo-enterprise")
    form = client.get(f"/applications/{submission_id}/v/1/form.docx")
    assert form.status_code == 200
    document = docx.Document(io.BytesIO(form.data))
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert {"2639", "张杰"} <= cells


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_stored_control_characters_do_not_break_the_pdf(app: Flask, client: FlaskClient) -> None:
    submission_id = _stored_with_control_characters(app)
    login(client)
    pdf = client.get(f"/applications/{submission_id}/v/1/form.pdf")
    assert pdf.status_code == 200
    assert re.match(rb"%PDF-", pdf.data)
