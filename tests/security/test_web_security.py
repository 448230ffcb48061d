"""Upload limits on a real HTTP server, safe file names, cookies, headers, CSRF and login throttling."""

from __future__ import annotations

import http.client
import json
import re
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.serving import BaseWSGIServer, make_server

from intake import create_app
from intake.review.submissions.models import Version
from intake.web.database import storage
from intake.web.security import SECURITY_HEADERS
from tests.fixtures.data import FORMS
from tests.fixtures.web import csrf_token, login, upload

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def server(app: Flask) -> Iterator[BaseWSGIServer]:
    """The app behind werkzeug's threaded HTTP server on a free port."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    thread.join()
    httpd.server_close()


def _raw_post(
    httpd: BaseWSGIServer, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", httpd.server_port, timeout=30)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8")
        if response.getheader("Content-Type", "").startswith("application/json"):
            text = json.dumps(json.loads(text), ensure_ascii=False)
        return response.status, text
    finally:
        connection.close()


@pytest.mark.parametrize("path", ["/upload", "/login", "/api/v1/check"])
def test_oversized_upload_gets_a_chinese_413_page_not_a_reset(
    server: BaseWSGIServer, path: str
) -> None:
    body = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n'
    body += bytes(21 * 1024 * 1024) + b"\r\n--b--\r\n"
    status, text = _raw_post(
        server, path, body, {"Content-Type": "multipart/form-data; boundary=b"}
    )
    assert status == 413
    assert "20 MB" in text
    assert "文件过大" in text or "超过大小限制" in text


def test_upload_just_under_the_limit_is_not_refused_for_size(server: BaseWSGIServer) -> None:
    body = bytes(19 * 1024 * 1024)
    status, _text = _raw_post(server, "/login", body, {"Content-Type": "application/octet-stream"})
    assert status != 413


HOSTILE_NAMES = [
    "../../etc/passwd.docx",
    "..\\..\\windows\\win.ini.docx",
    "/abs/path.docx",
    "nul\x00byte.docx",
    "tab\tand\u202eRTL.docx",
    "<script>alert(1)</script>.docx",
    "CON.docx",
    "名" * 300 + ".docx",
]


def test_upload_names_are_never_paths_and_are_shown_escaped(
    client: FlaskClient, app: Flask, db_session: Session
) -> None:
    data = (FORMS / "v01.docx").read_bytes()
    login(client)
    for name in HOSTILE_NAMES:
        url = upload(client, data, name)
        version = db_session.scalars(select(Version).order_by(Version.id.desc())).first()
        assert version is not None
        assert version.file_sha256 is not None
        stored = storage(app).path(version.file_sha256)
        assert stored.read_bytes() == data
        assert stored.resolve().is_relative_to(Path(app.instance_path).resolve() / "uploads")
        shown = version.original_filename or ""
        assert not set(shown) & set("/\\\x00\n\t"), name
        assert len(shown) <= 255
        page = client.get(url).text
        assert "<script>alert(1)</script>" not in page
        original = client.get(url + "/original")
        disposition = original.headers["Content-Disposition"]
        original.close()
        assert not set(disposition) & set("\r\n/"), name
    files = {p.name for p in Path(app.instance_path).rglob("*")}
    assert not any("passwd" in f or "win.ini" in f or "script" in f for f in files)


def test_newline_in_a_file_name_breaks_no_header(client: FlaskClient, db_session: Session) -> None:
    data = (FORMS / "v01.docx").read_bytes()
    login(client)
    raw = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a\r\nX-Evil: 1.docx"'
        b"\r\n\r\n" + data + b"\r\n--b--\r\n"
    )
    response = client.post("/upload", data=raw, content_type="multipart/form-data; boundary=b")
    assert "X-Evil" not in response.headers
    for version in db_session.scalars(select(Version)):
        assert "\n" not in (version.original_filename or "")


def test_security_headers_on_every_kind_of_page(client: FlaskClient) -> None:
    for path in ("/login", "/static/intake.css", "/no-such-page", "/api/v1/openapi.json"):
        response = client.get(path)
        response.close()
        for header, value in SECURITY_HEADERS.items():
            assert response.headers.get(header) == value, (path, header)
    assert "'unsafe-inline'" not in SECURITY_HEADERS["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in SECURITY_HEADERS["Content-Security-Policy"]


TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_templates_have_no_inline_script_the_policy_would_block() -> None:
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag, (template.name, tag)
        assert not re.search(r"\son[a-z]+\s*=", text), template.name
        assert "javascript:" not in text, template.name


def _session_cookie(response: Any) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "no session cookie set"
    return str(cookies[0])


def test_session_cookie_is_httponly_samesite_and_secure_outside_tests(
    app_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    production = {k: v for k, v in app_config.items() if k != "TESTING"}
    app = create_app(production)
    try:
        from intake.demo import load_demo

        load_demo(app)
        response = app.test_client().post(
            "/login", data={"username": "demo-enterprise", "password": "demo-password"}
        )
        cookie = _session_cookie(response)
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert "Secure" in cookie
        monkeypatch.setenv("INTAKE_COOKIE_SECURE", "0")
        local = create_app(production)
        local.extensions["intake.engine"].dispose()
        assert local.config["SESSION_COOKIE_SECURE"] is False
    finally:
        app.extensions["intake.engine"].dispose()


@pytest.fixture
def csrf_app(app_config: dict[str, Any]) -> Iterator[Flask]:
    """The demo app with CSRF protection on, as in production."""
    from intake.demo import load_demo

    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    load_demo(app)
    yield app
    app.extensions["intake.engine"].dispose()


def _example_url(rule: Any) -> str:
    values = {name: "1" for name in rule.arguments}
    values.update({"project_number": "CCER-0001"} if "project_number" in rule.arguments else {})
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: values[m.group(1)], rule.rule)


def test_every_post_form_refuses_a_request_without_csrf_token(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    page = client.get("/login").text
    token = csrf_token(page)
    response = client.post(
        "/login",
        data={"username": "demo-enterprise", "password": "demo-password", "csrf_token": token},
    )
    assert response.status_code == 302
    posts = [
        r for r in csrf_app.url_map.iter_rules()
        if "POST" in (r.methods or set()) and not r.rule.startswith("/api/")
    ]  # fmt: skip
    assert len(posts) >= 10
    for rule in posts:
        url = _example_url(rule)
        refused = client.post(url, data={"x": "1"})
        assert refused.status_code == 400, url
        assert "请求无效" in refused.text or "CSRF" in refused.text, url
    assert client.get("/").status_code == 200  # still logged in: the refused logout did nothing


def test_api_is_exempt_from_csrf_but_needs_a_token(csrf_app: Flask) -> None:
    client = csrf_app.test_client()
    assert client.post("/api/v1/check", data={}).status_code == 401


def test_login_is_throttled_per_username_and_address(client: FlaskClient, app: Flask) -> None:
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        response = client.post(
            "/login", data={"username": "demo-enterprise", "password": "wrong-one"}
        )
        assert response.status_code == 200
    blocked = client.post(
        "/login", data={"username": "demo-enterprise", "password": "demo-password"}
    )
    assert blocked.status_code == 429
    assert "登录失败次数过多，请 15 分钟后再试" in blocked.text
    assert 850 < int(blocked.headers["Retry-After"]) <= 900
    # Another username from the same address is not affected.
    other = client.post(
        "/login", data={"username": "demo-enterprise-2", "password": "demo-password"}
    )
    assert other.status_code == 302


def test_successful_login_resets_the_count(client: FlaskClient, app: Flask) -> None:
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        client.post("/login", data={"username": "demo-enterprise", "password": "wrong-one"})
    login(client)
    client.post("/logout")
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        client.post("/login", data={"username": "demo-enterprise", "password": "wrong-one"})
    login(client)


def test_throttle_forgets_failures_after_the_window(
    client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1_000_000.0]
    # The limiter's in-memory storage reads the time through its module's ``time``.
    monkeypatch.setattr("limits.storage.memory.time", SimpleNamespace(time=lambda: now[0]))
    wrong = {"username": "demo-enterprise", "password": "wrong-one"}
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/login", data=wrong)
    now[0] += app.config["LOGIN_WINDOW_S"] - 1
    assert client.post("/login", data=wrong).status_code == 429
    now[0] += 2
    login(client)


def test_redis_throttle_is_shared_between_instances(app_config: dict[str, Any]) -> None:
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError:
        pytest.skip("Redis is not reachable")
    from intake.demo import load_demo

    prefix = f"intake-test-{secrets.token_hex(4)}"
    config = {**app_config, "RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}
    first, second = create_app(config), create_app(config)
    client = redis.Redis.from_url(REDIS_URL)
    try:
        load_demo(first)
        wrong = {"username": "demo-enterprise", "password": "wrong-one"}
        for _ in range(first.config["LOGIN_MAX_FAILURES"] - 1):
            assert first.test_client().post("/login", data=wrong).status_code == 200
        assert second.test_client().post("/login", data=wrong).status_code == 200
        right = {"username": "demo-enterprise", "password": "demo-password"}
        assert first.test_client().post("/login", data=right).status_code == 429
        keys = list(client.scan_iter(f"*{prefix}*"))
        assert keys
        assert all(0 < client.ttl(key) <= first.config["LOGIN_WINDOW_S"] for key in keys)
    finally:
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)
        client.close()
        for each in (first, second):
            each.extensions["intake.engine"].dispose()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_pages_and_api_answers_with_data_are_never_stored(app: Flask, client: FlaskClient) -> None:
    from tests.fixtures.web import token_for

    login(client, "demo-province")
    for path in ("/review/", "/registrations/", "/account/password"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    api = client.get("/api/v1/applications", headers=token_for(app, "demo-enterprise"))
    assert api.status_code == 200
    assert api.headers["Cache-Control"] == "no-store"
    static = client.get("/static/intake.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_openapi_servers_are_relative_whatever_the_host_header(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json", headers={"Host": "attacker.example"})
    assert response.status_code == 200
    assert response.json is not None
    assert response.json["servers"] == [{"url": "/api/v1"}]
    assert "attacker.example" not in response.text
