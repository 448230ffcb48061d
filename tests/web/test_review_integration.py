"""The enterprise's side of review: states and notices at home, submit, every reason, resubmit."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.fixtures.web import form_data, login, upload_copy

NOTE = "联系电话无法接通，请核实"


def client_of(app: Flask, username: str) -> FlaskClient:
    """A test client logged in as a demo user."""
    client = app.test_client()
    login(client, username)
    return client


def save_online(client: FlaskClient, url: str = "/applications/new?year=2021", **data: str) -> int:
    """Save the online form; the submission's id."""
    response = client.post(url, data=form_data(**data))
    assert response.status_code == 302, response.text
    found = re.search(r"/applications/(\d+)/edit", response.headers["Location"])
    assert found is not None
    upload_copy(client, int(found.group(1)))
    return int(found.group(1))


def reject(app: Flask, submission_id: int) -> None:
    """The 新疆生产建设兵团 reviewer rejects with a note on the phone number."""
    reviewer = client_of(app, "demo-province")
    note = {"field": "contact_phone", "text": NOTE}
    assert reviewer.post(f"/review/{submission_id}/notes", data=note).status_code == 302
    page = reviewer.get(f"/review/{submission_id}").text
    shown = re.search(r'name="version" type="hidden" value="(\d+)"', page)
    assert shown is not None
    data = {"comment": "", "version": shown.group(1)}
    assert reviewer.post(f"/review/{submission_id}/reject", data=data).status_code == 302


def test_the_report_offers_submit_then_locks_the_application(app: Flask) -> None:
    enterprise = client_of(app, "demo-enterprise")
    sid = save_online(enterprise, contact_email="zhang.jie@")
    home = enterprise.get("/").text
    assert f'href="/registrations/applications/{sid}">提交审核</a>' in home
    assert "草稿" in home
    report = enterprise.get(f"/applications/{sid}/v/1").text
    assert f'action="/registrations/applications/{sid}/submit"' in report
    assert "本版仍有 2 个错误" in report  # the e-mail, and no seal on a Word copy
    assert (
        f'action="/registrations/applications/{sid}/submit"'
        in enterprise.get(f"/applications/{sid}/edit").text
    )

    assert enterprise.post(f"/registrations/applications/{sid}/submit").status_code == 302
    report = enterprise.get(f"/applications/{sid}/v/1").text
    assert "等待省级主管部门审核" in report
    assert "submit-form" not in report
    assert f"/applications/{sid}/edit" not in report
    for url in (f"/applications/{sid}/edit", f"/applications/{sid}/upload"):
        response = enterprise.get(url)
        assert response.status_code == 302
        assert response.headers["Location"] == f"/applications/{sid}"
    refused = enterprise.post(f"/applications/{sid}/edit", data=form_data())
    assert refused.status_code == 302
    assert "审核结束前不能修改" in enterprise.get(f"/applications/{sid}/v/1").text
    assert enterprise.get(f"/applications/{sid}/v/2").status_code == 404


def test_every_reason_reaches_the_home_page_and_the_report(app: Flask) -> None:
    enterprise = client_of(app, "demo-enterprise")
    sid = save_online(enterprise, contact_email="zhang.jie@")
    enterprise.post(f"/registrations/applications/{sid}/submit")
    reject(app, sid)

    home = enterprise.get("/").text
    notices = home[home.index('id="h-notices"') : home.index("我的申请</h2>")]
    assert "被驳回" in notices
    assert "联系邮箱 zhang.jie@ 不是有效的电子邮件地址" in notices
    assert NOTE in notices
    assert "已驳回" in home[home.index("我的申请</h2>") :]

    report = enterprise.get(f"/applications/{sid}/v/1").text
    assert "第 1 版审核未通过" in report
    assert f"联系电话</strong>：{NOTE}" in report
    assert f'href="/applications/{sid}/edit"' in report
    assert f'href="/applications/{sid}/upload"' in report
    assert "submit-form" not in report


def test_a_corrected_version_is_submitted_again(app: Flask) -> None:
    enterprise = client_of(app, "demo-enterprise")
    sid = save_online(enterprise, contact_email="zhang.jie@")
    enterprise.post(f"/registrations/applications/{sid}/submit")
    reject(app, sid)

    edit = enterprise.get(f"/applications/{sid}/edit").text
    assert NOTE in edit
    assert save_online(enterprise, f"/applications/{sid}/edit") == sid
    report = enterprise.get(f"/applications/{sid}/v/2").text
    assert "上次审核未通过" in report
    assert 'id="submit-form"' in report
    older = enterprise.get(f"/applications/{sid}/v/1").text
    assert "submit-form" not in older
    assert enterprise.post(f"/registrations/applications/{sid}/submit").status_code == 302
    assert "待审核" in enterprise.get(f"/registrations/applications/{sid}").text


def test_a_notice_read_from_home_leaves_it(app: Flask) -> None:
    enterprise = client_of(app, "demo-enterprise")
    sid = save_online(enterprise)
    enterprise.post(f"/registrations/applications/{sid}/submit")
    reject(app, sid)
    found = re.search(r'id="notice-(\d+)"', enterprise.get("/").text)
    assert found is not None
    response = enterprise.post(
        f"/registrations/notices/{found.group(1)}/read", data={"back": "home"}
    )
    assert response.headers["Location"] == "/"
    assert 'id="h-notices"' not in enterprise.get("/").text
    assert "被驳回" in enterprise.get("/registrations/notices").text


def test_another_entitys_notice_cannot_be_marked(app: Flask) -> None:
    enterprise = client_of(app, "demo-enterprise")
    sid = save_online(enterprise)
    enterprise.post(f"/registrations/applications/{sid}/submit")
    reject(app, sid)
    found = re.search(r'id="notice-(\d+)"', enterprise.get("/").text)
    assert found is not None
    other = client_of(app, "demo-enterprise-2")
    assert other.post(f"/registrations/notices/{found.group(1)}/read").status_code == 404
    assert 'id="h-notices"' not in other.get("/").text
    assert 'id="h-notices"' in enterprise.get("/").text
