"""Login sessions a user can end: a captured cookie stops working after logout and after a
password change; sessions time out when idle and at their absolute lifetime."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.accounts.models import LoginSession
from intake.accounts.sessions import key_hash
from intake.cli import main
from intake.demo import DEMO_PASSWORD
from intake.web.security import SESSION_KEY
from tests.fixtures.web import login

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
NEW_PASSWORD = "a-new-password-2026"


def copy_of(client: FlaskClient, app: Flask) -> FlaskClient:
    """Another browser holding a copy of the client's session cookie (a stolen cookie)."""
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie(cookie.key, cookie.value)
    return thief


def opens(client: FlaskClient, path: str = "/review/") -> bool:
    """True when the page opens (200), False when the client is sent to log in."""
    response = client.get(path)
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
        return False
    assert response.status_code == 200, response.status_code
    return True


@pytest.fixture
def clock(app: Flask) -> Callable[[dt.timedelta], None]:
    """Freeze the app's time at START; calling the fixture moves it on."""
    moment = [START]
    app.config["CLOCK"] = lambda: moment[0]

    def advance(step: dt.timedelta) -> None:
        moment[0] += step

    return advance


def test_captured_cookie_is_refused_after_logout(client: FlaskClient, app: Flask) -> None:
    login(client, "demo-province")
    thief = copy_of(client, app)
    assert opens(thief)  # the copy works while the session lives
    assert client.post("/logout").status_code == 302
    assert not opens(thief)
    assert not opens(client)


def test_logout_ends_only_that_session(app: Flask) -> None:
    office, home = app.test_client(), app.test_client()
    login(office, "demo-province")
    login(home, "demo-province")
    office.post("/logout")
    assert opens(home)


def test_captured_cookie_is_refused_after_password_change(app: Flask) -> None:
    victim, laptop = app.test_client(), app.test_client()
    login(victim, "demo-province")
    login(laptop, "demo-province")
    thief = copy_of(victim, app)
    assert opens(thief)
    changed = victim.post(
        "/account/password",
        data={"current": DEMO_PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    assert "密码已修改" in victim.get("/account/password").text
    assert opens(victim)  # the browser that changed it stays logged in
    assert not opens(thief)
    assert not opens(laptop)
    old = app.test_client().post(
        "/login", data={"username": "demo-province", "password": DEMO_PASSWORD}
    )
    assert old.status_code == 200
    fresh = app.test_client().post(
        "/login", data={"username": "demo-province", "password": NEW_PASSWORD}
    )
    assert fresh.status_code == 302


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"current": "wrong-password", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD},
         "当前密码不正确"),
        ({"current": DEMO_PASSWORD, "new": "short", "confirm": "short"}, "新密码长度应为 8 至"),
        ({"current": DEMO_PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"},
         "两次输入的新密码不一致"),
        ({"current": DEMO_PASSWORD, "new": DEMO_PASSWORD, "confirm": DEMO_PASSWORD},
         "新密码不能与当前密码相同"),
        ({"current": "", "new": "", "confirm": ""}, "请输入当前密码"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_password_change_refusals_are_in_chinese(
    client: FlaskClient, app: Flask, data: dict[str, str], message: str
) -> None:
    login(client, "demo-ministry")
    thief = copy_of(client, app)
    response = client.post("/account/password", data=data)
    assert response.status_code == 200
    assert message in response.text
    assert opens(thief, "/account/password")  # nothing changed, nothing ended


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("username", ["demo-enterprise", "demo-province", "demo-ministry", "admin"])
def test_every_role_reaches_the_password_page_from_the_navigation(
    client: FlaskClient, username: str
) -> None:
    login(client, username)
    home = client.get("/", follow_redirects=True).text
    assert 'href="/account/password"' in home
    assert "修改密码" in client.get("/account/password").text


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_wrong_current_passwords_are_throttled(client: FlaskClient, app: Flask) -> None:
    login(client, "demo-ministry")
    wrong = {"current": "wrong-password", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert client.post("/account/password", data=wrong).status_code == 200
    blocked = client.post(
        "/account/password",
        data={"current": DEMO_PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert blocked.status_code == 429
    assert "当前密码错误次数过多" in blocked.text


def test_idle_session_times_out(
    client: FlaskClient, clock: Callable[[dt.timedelta], None], db_session: Session
) -> None:
    login(client, "demo-province")
    clock(dt.timedelta(hours=7, minutes=59))
    assert opens(client)  # 7 hours 59 without a request: still open
    client.post("/logout")
    login(client, "demo-province")
    clock(dt.timedelta(hours=1))
    assert opens(client)
    clock(dt.timedelta(hours=8))  # 8 hours without a request, 9 after login
    assert not opens(client)
    assert "登录已失效" in client.get("/login").text
    ended = db_session.scalars(select(LoginSession).order_by(LoginSession.id)).all()
    assert [e.end_reason for e in ended] == ["logout", "idle"]


def test_session_ends_at_its_absolute_lifetime_however_active(
    client: FlaskClient, clock: Callable[[dt.timedelta], None], db_session: Session
) -> None:
    login(client, "demo-province")
    for _ in range(3):
        clock(dt.timedelta(hours=3, minutes=59))
        assert opens(client)
    clock(dt.timedelta(minutes=3))  # 12 hours after login
    assert not opens(client)
    ended = db_session.scalars(select(LoginSession)).one()
    assert ended.end_reason == "lifetime"
    login(client, "demo-province")  # a new login starts a new lifetime
    assert opens(client)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_session_limits_come_from_the_settings(app_config: dict[str, Any]) -> None:
    from intake import create_app
    from intake.demo import load_demo

    app = create_app({**app_config, "SESSION_IDLE_MINUTES": 30, "SESSION_LIFETIME_HOURS": 1})
    try:
        load_demo(app)
        moment = [START]
        app.config["CLOCK"] = lambda: moment[0]
        client = app.test_client()
        login(client, "demo-province")
        moment[0] += dt.timedelta(minutes=29)
        assert opens(client)
        moment[0] += dt.timedelta(minutes=31)
        assert not opens(client)
    finally:
        app.extensions["intake.engine"].dispose()


def test_cookie_from_before_the_upgrade_is_refused(client: FlaskClient, app: Flask) -> None:
    """A session cookie without a login-session key (as issued before) opens nothing."""
    with client.session_transaction() as cookie:
        cookie["_user_id"] = "3"
        cookie["_fresh"] = True
    assert not opens(client)


def test_cli_password_change_ends_every_session(
    client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(client, "demo-province")
    monkeypatch.setenv("INTAKE_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("INTAKE_INSTANCE_PATH", str(app.instance_path))
    result = CliRunner().invoke(
        main, ["user", "password", "demo-province", "--password-stdin"], input="short\n"
    )
    assert result.exit_code == 1
    assert "密码至少需要 8 个字符" in result.output
    assert opens(client)
    result = CliRunner().invoke(
        main, ["user", "password", "demo-province", "--password-stdin"], input=NEW_PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "结束登录会话 1 个" in result.output
    assert not opens(client)
    fresh = app.test_client().post(
        "/login", data={"username": "demo-province", "password": NEW_PASSWORD}
    )
    assert fresh.status_code == 302


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_only_the_hash_of_the_session_key_is_stored(
    client: FlaskClient, db_session: Session
) -> None:
    login(client, "demo-province")
    with client.session_transaction() as cookie:
        key = cookie[SESSION_KEY]
    [row] = db_session.scalars(select(LoginSession)).all()
    assert row.key_hash == key_hash(key) != key
    assert len(key) >= 40  # 32 random bytes
