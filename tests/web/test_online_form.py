"""The online form: prefilled from the registry, problems beside the fields, then fixed."""

from __future__ import annotations

import io
import re

import docx
from flask.testing import FlaskClient

from tests.fixtures.web import form_data, login


def test_new_form_is_prefilled_from_the_registry(client: FlaskClient) -> None:
    login(client)
    page = client.get("/applications/new?year=2022").text
    assert 'value="C8122225684"' in page
    assert 'value="868196"' in page  # the 2022 allocation
    assert "新疆阿勒泰10MW光伏发电项目（可用 270398 吨）" in page


def test_error_is_shown_at_its_field_then_fixed(client: FlaskClient) -> None:
    login(client)
    response = client.post(
        "/applications/new?year=2021", data=form_data(contact_email="zhang.jie@")
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    field = re.search(r'<div class="field has-error" id="f-contact_email">(.*?)</div>', page, re.S)
    assert field is not None
    assert "EMAIL_INVALID" in field.group(1)
    assert "发现 1 个错误" in page
    fixed = client.post(response.headers["Location"].split("#")[0], data=form_data())
    page = client.get(fixed.headers["Location"]).text
    assert "第 2 版已保存，未发现错误" in page
    assert "has-error" not in page


def test_ratio_is_computed_when_left_blank(client: FlaskClient) -> None:
    login(client)
    response = client.post("/applications/new?year=2021", data=form_data())
    page = client.get(response.headers["Location"]).text
    assert 'value="2.55"' in page  # 24200 / 950402 = 2.546…%


def test_rows_add_and_remove_without_javascript(client: FlaskClient) -> None:
    login(client)
    added = client.post("/applications/new?year=2021", data=form_data(add_row="添加一行", check=""))
    assert added.status_code == 200
    assert 'name="ccer_rows-3-project_number"' in added.text
    removed = client.post("/applications/new?year=2021", data=form_data(remove_row="1", check=""))
    assert 'name="ccer_rows-2-project_number"' not in removed.text
    assert 'value="9400"' in removed.text
    assert 'value="5100"' not in removed.text


def test_over_the_limit_is_reported(client: FlaskClient) -> None:
    login(client)
    response = client.post(
        "/applications/new?year=2021",
        data=form_data(offset_requested_t="70000", **{"ccer_rows-0-cancel_quantity_t": "55500"}),
    )
    page = client.get(response.headers["Location"]).text
    assert "RATIO_OVER_LIMIT" in page


def test_download_docx_holds_the_values(client: FlaskClient) -> None:
    login(client)
    response = client.post("/applications/new?year=2021", data=form_data())
    submission = re.search(r"/applications/(\d+)/", response.headers["Location"])
    assert submission is not None
    download = client.get(f"/applications/{submission.group(1)}/v/1/form.docx")
    assert download.status_code == 200
    text = "\n".join(
        cell.text
        for table in docx.Document(io.BytesIO(download.data)).tables
        for row in table.rows
        for cell in row.cells
    )
    assert "91659001MAL8YR44XK" in text
    assert "zhang.jie@126.com" in text
