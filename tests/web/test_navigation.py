"""Every page of every role: the shared layout, the stylesheet and that role's navigation."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.fixtures.web import form_data, login, upload_copy

OVERSIGHT = ["工作台", "全国申请", "项目编号核验", "强制召回", "全国登记查询", "审计日志", "导出"]
NAVIGATION = {
    "demo-enterprise": ["我的申请", "新建申请", "上传申请表", "抵销登记查询"],
    "demo-province": ["工作台", "审核队列", "本地区登记查询"],
    "demo-ministry": OVERSIGHT,
    "admin": OVERSIGHT,
}
ALL_ITEMS = {item for items in NAVIGATION.values() for item in items}
PAGES = {
    "demo-enterprise": ["/", "/applications/start", "/upload", "/applications/new?year=2021",
                        "/applications/new?year=2022", "/registrations/", "/registrations/notices",
                        "/applications/{id}/v/1", "/applications/{id}/v/2",
                        "/applications/{id}/v/2/changes", "/registrations/applications/{id}",
                        "/applications/{id}/edit", "/applications/{id}/upload"],
    "demo-province": ["/", "/review/", "/review/{id}", "/review/{id}/v/1", "/registrations/"],
    "demo-ministry": ["/", "/dashboard/queue", "/ministry/projects", "/ministry/audit",
                      "/registrations/"],
    "admin": ["/", "/dashboard/queue", "/ministry/projects", "/ministry/audit", "/registrations/"],
}  # fmt: skip


def nav_items(html: str) -> list[str]:
    """The texts of the main navigation's entries."""
    nav = re.search(r'<nav class="site" aria-label="主导航">(.*?)</nav>', html, re.S)
    assert nav is not None, "no main navigation"
    return re.findall(r"<(?:a|summary)\b[^>]*>([^<]+)</(?:a|summary)>", nav.group(1))


@pytest.fixture
def submission_id(app: Flask) -> int:
    """A submitted application of demo-enterprise with two versions."""
    client = app.test_client()
    login(client)
    first = client.post("/applications/new?year=2021", data=form_data())
    found = re.search(r"/applications/(\d+)/", first.headers["Location"])
    assert found is not None
    client.post(f"/applications/{found.group(1)}/edit", data=form_data(contact_name="张杰明"))
    upload_copy(client, int(found.group(1)))
    client.post(f"/registrations/applications/{found.group(1)}/submit")
    return int(found.group(1))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("username", list(PAGES))
def test_every_page_has_the_layout_and_the_roles_navigation(
    app: Flask, submission_id: int, username: str
) -> None:
    client = app.test_client()
    login(client, username)
    for url in PAGES[username]:
        response = client.get(url.format(id=submission_id), follow_redirects=True)
        assert response.status_code == 200, url
        page = response.text
        assert '<link rel="stylesheet" href="/static/intake.css">' in page, url
        assert '<main id="main" class="wrap">' in page, url
        items = nav_items(page)
        assert [i for i in items if i in ALL_ITEMS] == NAVIGATION[username], url
        assert page.count('aria-current="page"') <= 1, url


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_current_page_is_marked(client: FlaskClient) -> None:
    login(client)
    page = client.get("/applications/new?year=2022").text
    assert re.search(r'<a href="/applications/start" aria-current="page">新建申请</a>', page)
    assert page.count('aria-current="page"') == 1


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_error_pages_keep_the_navigation(client: FlaskClient) -> None:
    login(client, "demo-province")
    page = client.get("/review/999999").text
    assert "页面不存在" in page
    assert nav_items(page) == NAVIGATION["demo-province"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_anonymous_pages_have_no_navigation(client: FlaskClient) -> None:
    page = client.get("/login").text
    assert 'aria-label="主导航"' not in page
    assert '<link rel="stylesheet" href="/static/intake.css">' in page


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_other_roles_land_on_their_own_work(client: FlaskClient) -> None:
    login(client, "demo-province")
    page = client.get("/", follow_redirects=True).text
    assert "审核工作台" in page
    assert 'href="/review/">进入审核队列</a>' in page
