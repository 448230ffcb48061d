"""A second version and what changed; every route refuses another entity's ids."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.fixtures.data import FORMS
from tests.fixtures.web import csrf_token, form_data, login


def upload(client: FlaskClient, name: str, url: str = "/upload") -> str:
    """Upload a sample form; the URL of its report."""
    data = (FORMS / name).read_bytes()
    response = client.post(
        url, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def test_second_version_shows_what_changed(client: FlaskClient) -> None:
    login(client)
    first = upload(client, "v03.docx")
    submission = re.search(r"/applications/(\d+)/", first)
    assert submission is not None
    second = upload(client, "v01.docx", f"/applications/{submission.group(1)}/upload")
    assert second.endswith("/v/2")
    page = client.get(second + "/changes").text
    assert "联系邮箱" in page
    fixed = page.split("已更正的问题")[1].split("新出现的问题")[0]
    assert "EMAIL_INVALID" in fixed
    assert "FIELD_MISSING" in fixed
    assert "新出现的问题（0）" in page


def test_uploaded_values_show_where_they_were_read(client: FlaskClient) -> None:
    login(client)
    page = client.get(upload(client, "v01.docx")).text
    assert "zhang.jie@126.com" in page
    assert 'href="#f-contact_email"' not in page  # clean: no problem links to the field
    assert "STAMP_UNVERIFIED" in page
    assert client.get(upload(client, "v03.docx")).text.count('href="#f-') >= 2


def _own_urls(client: FlaskClient) -> list[str]:
    """Every enterprise URL of one online application and one upload of the logged-in user."""
    online = client.post("/applications/new?year=2021", data=form_data())
    uploaded = upload(client, "v01.docx")
    urls = []
    for location in (online.headers["Location"], uploaded):
        sid = re.search(r"/applications/(\d+)", location)
        assert sid is not None
        base = f"/applications/{sid.group(1)}"
        urls += [base, f"{base}/edit", f"{base}/upload", f"{base}/v/1", f"{base}/v/1/print",
                 f"{base}/v/1/status", f"{base}/v/1/changes", f"{base}/v/1/form.docx"]  # fmt: skip
    urls.append(f"{base}/v/1/original")
    return urls


def test_every_route_hides_another_entitys_application(app: Flask) -> None:
    owner, other = app.test_client(), app.test_client()
    login(owner)
    urls = _own_urls(owner)
    for url in urls:
        response = owner.get(url)
        response.close()  # the original is streamed from its file
        assert response.status_code in (200, 302), url
    login(other, "demo-enterprise-2")
    for url in urls:
        assert other.get(url).status_code == 404, url
        assert other.post(url, data=form_data()).status_code in (404, 405), url


def test_report_hides_registry_values_of_another_entity(client: FlaskClient) -> None:
    login(client, "demo-enterprise-2")
    page = client.get(upload(client, "v01.docx")).text  # the form of demo-enterprise's entity
    assert "表中的统一社会信用代码与您的账户所属单位不一致" in page
    assert "APPLICANT_MISMATCH" in page
    assert "C8122225684" in page  # what the file says is shown…
    # …but every expected value is the account's own entity's, never the named one's.
    shown = set(re.findall(r"（应为：([^）]*)）", page))
    assert "91140105MAN619RM62" in shown
    assert not shown & {"华能双河发电有限责任公司", "C8122225684", "752068687273", "950402"}


def test_other_roles_cannot_use_enterprise_pages(client: FlaskClient) -> None:
    login(client, "demo-ministry")
    assert client.get("/").headers["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200
    assert client.get("/upload").status_code == 403
    assert client.get("/applications/new").status_code == 403


@pytest.fixture
def app_config_csrf(app_config: dict[str, object]) -> dict[str, object]:
    """CSRF turned on."""
    return {**app_config, "WTF_CSRF_ENABLED": True}


def test_forms_without_csrf_token_are_rejected(app_config: dict[str, object]) -> None:
    from intake import create_app
    from intake.demo import DEMO_PASSWORD, load_demo

    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    load_demo(app)
    client = app.test_client()
    refused = client.post("/login", data={"username": "demo-enterprise", "password": DEMO_PASSWORD})
    assert refused.status_code == 400
    assert "请求无效" in refused.text
    token = csrf_token(client.get("/login").text)
    data = {"username": "demo-enterprise", "password": DEMO_PASSWORD, "csrf_token": token}
    assert client.post("/login", data=data).status_code == 302
    assert client.post("/applications/new?year=2021", data=form_data()).status_code == 400
    assert client.post("/logout").status_code == 400
    app.extensions["intake.engine"].dispose()


def test_upload_over_the_limit_gets_a_chinese_413(app_config: dict[str, object]) -> None:
    from intake import create_app
    from intake.demo import load_demo

    app = create_app({**app_config, "MAX_UPLOAD_MB": 1})
    load_demo(app)
    client = app.test_client()
    login(client)
    # Built by hand: the test client would spool a body this large to an unclosed temp file.
    body = (
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n%PDF" + b"0" * (1024 * 1024 + 10) + b"\r\n--B--\r\n"
    )
    response = client.post("/upload", data=body, content_type="multipart/form-data; boundary=B")
    assert response.status_code == 413
    assert "文件过大" in response.text
    assert "1 MB" in response.text
    app.extensions["intake.engine"].dispose()


def test_unknown_page_is_a_chinese_404(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "页面不存在" in response.text
    assert "Traceback" not in response.text
