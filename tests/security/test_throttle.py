"""Login throttling that slows guessing without letting a stranger lock a user out, and the
client address taken behind a configured number of trusted proxies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from intake import create_app
from intake.demo import DEMO_PASSWORD, load_demo

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

WRONG = {"username": "demo-enterprise", "password": "wrong-one"}
RIGHT = {"username": "demo-enterprise", "password": DEMO_PASSWORD}


def post_login(client: FlaskClient, data: dict[str, str], address: str, **headers: str) -> int:
    """The status of a login attempt from ``address`` (the TCP peer), with extra headers."""
    response = client.post(
        "/login", data=data, environ_base={"REMOTE_ADDR": address}, headers=headers
    )
    return response.status_code


@pytest.fixture
def make_app(app_config: dict[str, Any]) -> Iterator[Any]:
    """Build demo apps with extra configuration; disposed after the test."""
    made: list[Flask] = []

    def build(**extra: Any) -> Flask:
        built = create_app({**app_config, **extra})
        load_demo(built)
        made.append(built)
        return built

    yield build
    for built in made:
        built.extensions["intake.engine"].dispose()


def test_a_stranger_cannot_lock_a_user_out(client: FlaskClient, app: Flask) -> None:
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert post_login(client, WRONG, "198.51.100.7") == 200
    assert post_login(client, RIGHT, "198.51.100.7") == 429  # the guesser is slowed down
    assert post_login(app.test_client(), RIGHT, "203.0.113.20") == 302  # the owner is not


def test_guessing_from_many_addresses_hits_the_per_name_limit_but_not_the_owner(
    make_app: Any,
) -> None:
    app = make_app(LOGIN_USER_MAX_FAILURES=5)
    client = app.test_client()
    for n in range(5):
        assert post_login(client, WRONG, f"198.51.100.{n}") == 200
    # Past the per-name limit, clients that have failed on the name wait ...
    assert post_login(client, RIGHT, "198.51.100.0") == 429
    # ... a new guesser gets one try (he has not failed yet), then waits too ...
    assert post_login(client, WRONG, "198.51.100.99") == 200
    assert post_login(client, WRONG, "198.51.100.99") == 429
    # ... and the owner, who has not failed, logs in.
    assert post_login(app.test_client(), RIGHT, "203.0.113.20") == 302


def test_one_password_sprayed_over_many_names_is_throttled(client: FlaskClient, app: Flask) -> None:
    limit = app.config["LOGIN_ADDRESS_MAX_FAILURES"]
    assert limit < 10 * app.config["LOGIN_MAX_FAILURES"]
    for n in range(limit):
        sprayed = {"username": f"user-{n}", "password": "Spring2026!"}
        assert post_login(client, sprayed, "198.51.100.7") == 200
    blocked = client.post(
        "/login",
        data={"username": "user-next", "password": "Spring2026!"},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert blocked.status_code == 429
    assert "登录失败次数过多" in blocked.text
    assert post_login(app.test_client(), RIGHT, "203.0.113.20") == 302


def test_behind_one_trusted_proxy_each_client_is_counted_apart(make_app: Any) -> None:
    app = make_app(TRUSTED_PROXIES=1)
    proxy = "10.0.0.2"
    client = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert post_login(client, WRONG, proxy, **{"X-Forwarded-For": "198.51.100.7"}) == 200
    assert post_login(client, RIGHT, proxy, **{"X-Forwarded-For": "198.51.100.7"}) == 429
    # Every client comes through the same proxy, yet the owner is not locked out.
    assert post_login(client, RIGHT, proxy, **{"X-Forwarded-For": "203.0.113.20"}) == 302
    # A client's own X-Forwarded-For entry is not believed: only the proxy's last one is.
    spoofed = {"X-Forwarded-For": "203.0.113.20, 198.51.100.7"}
    assert post_login(app.test_client(), RIGHT, proxy, **spoofed) == 429


def test_without_trusted_proxies_forwarded_for_is_ignored(client: FlaskClient, app: Flask) -> None:
    assert app.config["TRUSTED_PROXIES"] == 0
    for n in range(app.config["LOGIN_MAX_FAILURES"]):
        forged = {"X-Forwarded-For": f"203.0.113.{n}"}
        assert post_login(client, WRONG, "198.51.100.7", **forged) == 200
    # Changing the header does not make a new client: the TCP peer is what counts.
    assert post_login(client, RIGHT, "198.51.100.7", **{"X-Forwarded-For": "192.0.2.1"}) == 429


def test_trusted_proxies_come_from_the_environment(
    app_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTAKE_TRUSTED_PROXIES", "2")
    app = create_app(app_config)
    try:
        assert app.config["TRUSTED_PROXIES"] == 2
        seen: list[str] = []

        @app.get("/_address")
        def address() -> str:
            from flask import request

            seen.append(request.remote_addr or "")
            return ""

        app.test_client().get(
            "/_address", environ_base={"REMOTE_ADDR": "10.0.0.2"},
            headers={"X-Forwarded-For": "198.51.100.7, 203.0.113.20, 10.0.0.1"},
        )  # fmt: skip
        # Two proxies appended the last two entries; the one before them is the client.
        assert seen == ["203.0.113.20"]
    finally:
        app.extensions["intake.engine"].dispose()
