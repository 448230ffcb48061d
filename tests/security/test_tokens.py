"""API tokens that expire and can be revoked, by their owner on the web and by an admin on the
command line; the migration of the single token users held before."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from intake.accounts.models import ApiToken
from intake.accounts.operations import find_user, issue_token, token_hash
from intake.cli import main
from intake.db import upgrade
from intake.web.database import sessions
from tests.fixtures.web import login

LIST = "/api/v1/applications"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def bearer(value: str) -> dict[str, str]:
    """The Authorization header of a token."""
    return {"Authorization": f"Bearer {value}"}


def new_token(client: FlaskClient, label: str = "报送系统", days: str = "30") -> str:
    """Create a token on the page and read it from the page (it is shown once)."""
    page = client.post("/account/tokens", data={"label": label, "days": days})
    assert page.status_code == 200
    found = re.search(r'<code class="token" id="new-token">([^<]+)</code>', page.text)
    assert found is not None, page.text
    return found.group(1)


def refusal(response: object) -> str:
    """The Chinese message of a 401 JSON answer."""
    assert getattr(response, "status_code", None) == 401
    body = getattr(response, "json", None)
    assert body is not None
    assert body["error"]["title"] == "需要登录"
    return str(body["error"]["message"])


def test_token_made_on_the_page_works_until_it_expires(client: FlaskClient, app: Flask) -> None:
    moment = [START]
    app.config["CLOCK"] = lambda: moment[0]
    login(client)
    value = new_token(client, days="30")
    assert client.get(LIST, headers=bearer(value)).status_code == 200
    listing = client.get("/account/tokens").text
    assert value not in listing  # shown once only
    assert "报送系统" in listing
    assert value[:6] in listing
    assert "有效" in listing
    moment[0] += dt.timedelta(days=29, hours=23)
    assert client.get(LIST, headers=bearer(value)).status_code == 200
    moment[0] += dt.timedelta(hours=1)
    response = client.get(LIST, headers=bearer(value))
    assert "已过期" in refusal(response)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    login(client)  # the login session ran out long ago
    assert "已过期" in client.get("/account/tokens").text


def test_revoked_token_is_refused_at_once(client: FlaskClient) -> None:
    login(client)
    kept, revoked = new_token(client, "保留"), new_token(client, "撤销")
    with_id = re.findall(r"/account/tokens/(\d+)/revoke", client.get("/account/tokens").text)
    assert len(with_id) == 2
    newest = max(int(i) for i in with_id)
    assert client.post(f"/account/tokens/{newest}/revoke").status_code == 302
    assert "已撤销" in refusal(client.get(LIST, headers=bearer(revoked)))
    assert client.get(LIST, headers=bearer(kept)).status_code == 200


def test_unknown_token_gets_its_own_message(client: FlaskClient) -> None:
    assert "无效" in refusal(client.get(LIST, headers=bearer("not-a-token")))
    assert "有效的 API 令牌" in refusal(client.get(LIST))


def test_nobody_revokes_another_users_token(client: FlaskClient, app: Flask) -> None:
    login(client)
    value = new_token(client)
    other = app.test_client()
    login(other, "demo-enterprise-2")
    token_id = re.findall(r"/account/tokens/(\d+)/revoke", client.get("/account/tokens").text)[0]
    assert other.post(f"/account/tokens/{token_id}/revoke").status_code == 404
    assert value[:6] not in other.get("/account/tokens").text
    assert client.get(LIST, headers=bearer(value)).status_code == 200


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_token_form_refusals_are_in_chinese(client: FlaskClient) -> None:
    login(client)
    response = client.post("/account/tokens", data={"label": "", "days": "9999"})
    assert "请填写令牌用途" in response.text
    assert "请选择有效期" in response.text
    assert 'id="new-token"' not in response.text


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_only_enterprise_users_have_a_token_page(client: FlaskClient) -> None:
    login(client, "demo-province")
    assert client.get("/account/tokens").status_code == 403


def test_admin_issues_lists_and_revokes_tokens_on_the_command_line(
    client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTAKE_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("INTAKE_INSTANCE_PATH", str(app.instance_path))
    runner = CliRunner()
    issued = runner.invoke(main, ["user", "token", "demo-enterprise", "--days", "7"])
    assert issued.exit_code == 0, issued.output
    value = issued.stdout.strip()
    assert client.get(LIST, headers=bearer(value)).status_code == 200
    listed = runner.invoke(main, ["user", "tokens", "demo-enterprise"])
    assert listed.exit_code == 0
    [line] = listed.output.splitlines()
    token_id, state, label, prefix = line.split("\t")[:4]
    assert (state, label, prefix) == ("有效", "命令行签发", value[:6])
    too_long = runner.invoke(main, ["user", "token", "demo-enterprise", "--days", "400"])
    assert too_long.exit_code == 1
    assert "令牌有效期不能超过 365 天" in too_long.output
    revoked = runner.invoke(main, ["user", "revoke-token", token_id])
    assert revoked.exit_code == 0
    assert "已撤销" in refusal(client.get(LIST, headers=bearer(value)))
    listed = runner.invoke(main, ["user", "tokens", "demo-enterprise"])
    assert "\t已撤销\t" in listed.output
    missing = runner.invoke(main, ["user", "revoke-token", "999999"])
    assert missing.exit_code == 1
    assert "令牌 999999 不存在" in missing.output


def test_tokens_of_a_user_are_independent(app: Flask, client: FlaskClient) -> None:
    """Issuing a token no longer replaces the earlier one: scripts are not cut off."""
    with sessions(app)() as session:
        user = find_user(session, "demo-enterprise")
        assert user is not None
        first, second = issue_token(user), issue_token(user)
        session.commit()
    assert client.get(LIST, headers=bearer(first)).status_code == 200
    assert client.get(LIST, headers=bearer(second)).status_code == 200


def test_migration_moves_the_old_tokens_with_an_expiry(engine: Engine, session: Session) -> None:
    """Done on a database at 0005 (``engine`` is at head: go down first, then up again)."""
    from alembic import command

    from intake.db import alembic_config

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (username, password_hash, role, display_name, "
                "api_token_hash, created_at) VALUES ('old-script', 'x', 'ministry', '', "
                ":digest, :now)"
            ),
            {"digest": token_hash("old-token"), "now": START},
        )
    upgrade(engine)
    moved = session.scalars(select(ApiToken)).one()
    assert moved.token_hash == token_hash("old-token")
    assert moved.revoked_at is None
    days = (moved.expires_at.replace(tzinfo=dt.UTC) - dt.datetime.now(dt.UTC)).days
    assert 88 <= days <= 90
    session.close()  # its read lock would hold up the downgrade on PostgreSQL
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
        back = connection.execute(text("SELECT api_token_hash FROM users")).scalar_one()
    assert back == token_hash("old-token")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_token_label_with_control_characters_is_refused(client: FlaskClient) -> None:
    login(client)
    response = client.post("/account/tokens", data={"label": "报送\x01系统", "days": "30"})
    assert "含有不可见的控制字符" in response.text
    assert 'id="new-token"' not in response.text
    accepted = client.post("/account/tokens", data={"label": "报送\t系统", "days": "30"})
    assert 'id="new-token"' in accepted.text
