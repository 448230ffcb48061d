"""Logging in, uploading a sample and reading its report."""

from __future__ import annotations

import io

from flask.testing import FlaskClient

from tests.fixtures.data import FORMS
from tests.fixtures.web import login


def test_login_then_home_shows_the_entity(client: FlaskClient) -> None:
    assert client.get("/").status_code == 302
    login(client)
    page = client.get("/").text
    assert "华能双河发电有限责任公司" in page
    assert "91659001MAL8YR44XK" in page


def test_wrong_password_is_refused(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "demo-enterprise", "password": "nope-nope"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.text


def test_upload_shows_every_problem(client: FlaskClient) -> None:
    login(client)
    data = (FORMS / "v03.docx").read_bytes()
    response = client.post(
        "/upload", data={"file": (io.BytesIO(data), "v03.docx")}, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert "EMAIL_INVALID" in page
    assert "FIELD_MISSING" in page
