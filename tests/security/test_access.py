"""Every route and API call, as every role, against another entity's or province's objects.

The table is ``app.url_map`` itself, so a route added later is tried too. Enterprise A
owns an application (submitted, so that province X reviews it); everyone else guesses
its id, and ids that do not exist: nobody gets a 2xx or sees A's registry data, and
nothing changes.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from intake.accounts.models import Role
from intake.accounts.operations import create_user, find_user, issue_token
from intake.demo import DEMO_PASSWORD
from intake.review.decisions.models import Decision, ReviewNote
from intake.review.models import AuditEntry
from intake.review.submissions.models import Submission, Version
from tests.fixtures.data import FORMS
from tests.fixtures.web import login

# What only enterprise A (华能双河, 新疆生产建设兵团) and its reviewers may see.
A_MARKERS = ("91659001MAL8YR44XK", "华能双河", "C8122225684", "752068687273")
ROLES = ["anonymous", "enterprise-b", "province-y", "province-x", "ministry", "admin",
         "enterprise-a"]  # fmt: skip
USERNAMES = {"enterprise-a": "demo-enterprise", "enterprise-b": "demo-enterprise-2",
             "province-x": "demo-province", "province-y": "province-shanxi",
             "ministry": "demo-ministry", "admin": "admin"}  # fmt: skip
OUTSIDERS = {"anonymous", "enterprise-b", "province-y"}  # never entitled to anything of A
SKIPPED = {"static", "auth.login", "auth.logout", "api.openapi"}


def _owns(role: str, rule: Rule, index: int, url: str, world: dict[str, Any]) -> bool:
    """True when the object behind the URL is the role's own (so the role may change it)."""
    if rule.endpoint == "account.revoke":  # API tokens: each user's own, whoever made the id
        return f"/tokens/{world['token_ids'].get(role)}/" in url
    return role in _owner_of(rule) and (index == 0 or "project_number" in rule.arguments)


def _owner_of(rule: Rule) -> set[str]:
    """The roles entitled to A's object behind an id-bearing rule."""
    if rule.endpoint.startswith("review."):
        return {"province-x"}
    if rule.endpoint.startswith("ministry."):  # project numbers: the ministry's, nationwide
        return {"ministry"}
    if rule.endpoint.startswith("dashboard."):  # the national read-only view of applications
        return {"ministry", "admin"}
    return {"enterprise-a"}


@pytest.fixture
def world(app: Flask, db_session: Session) -> dict[str, Any]:
    """A's submitted application, province Y's reviewer, and API tokens for every user."""
    client = app.test_client()
    login(client)
    data = (FORMS / "v01.docx").read_bytes()
    response = client.post(
        "/upload", data={"file": (io.BytesIO(data), "v01.docx")}, content_type="multipart/form-data"
    )
    found = re.search(r"/applications/(\d+)/", response.headers["Location"])
    assert found is not None
    submission_id = int(found.group(1))
    client.post(f"/registrations/applications/{submission_id}/submit", data={})
    create_user(
        db_session, USERNAMES["province-y"], DEMO_PASSWORD, Role.PROVINCE, province="山西省"
    )
    tokens, holders = {}, {}
    for role, name in USERNAMES.items():
        user = find_user(db_session, name)
        assert user is not None
        tokens[role] = issue_token(user)
        holders[role] = user
    db_session.commit()
    token_ids = {role: holder.tokens[-1].id for role, holder in holders.items()}
    submission = db_session.get(Submission, submission_id)
    assert submission is not None
    assert submission.state == "submitted"
    return {"submission_id": submission_id, "tokens": tokens, "token_ids": token_ids}


def _clients(app: Flask) -> Iterator[tuple[str, FlaskClient]]:
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            login(client, USERNAMES[role])
        yield role, client


def _urls(rule: Rule, submission_id: int) -> list[str]:
    """The rule's URL for A's object and for guessed ids (next ones, far ones)."""
    urls = []
    for guess in (submission_id, submission_id + 1, 999_999):
        values = {name: str(guess) for name in rule.arguments}
        values |= {k: "1" for k in ("number", "number_", "note_id", "notice_id") if k in values}
        if "project_number" in values:
            values["project_number"] = "CCER-0001"
        urls.append(re.sub(r"<(?:[^:>]+:)?([^>]+)>", partial(_argument, values), rule.rule))
    return urls


def _argument(values: dict[str, str], match: re.Match[str]) -> str:
    """The value of the URL argument the match names."""
    return values[match.group(1)]


def _state(session: Session, submission_id: int) -> tuple[Any, ...]:
    session.expire_all()
    submission = session.get(Submission, submission_id)
    assert submission is not None

    def count(model: type[Any]) -> int | None:
        return session.scalar(select(func.count()).select_from(model))

    return (submission.state, count(Version), count(Decision), count(ReviewNote))


def _text(data: bytes) -> str:
    """A response body as text; an .xlsx or .docx is searched inside its XML parts, JSON
    with its escapes undone."""
    if data[:1] in (b"{", b"["):
        try:
            return json.dumps(json.loads(data), ensure_ascii=False)
        except ValueError:
            pass
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            data = b"".join(zf.read(name) for name in zf.namelist())
    return data.decode("utf-8", "replace")


def _assert_refused(role: str, url: str, response: Any, entitled: bool) -> None:
    body = _text(response.get_data())
    response.close()
    if role in OUTSIDERS:
        for marker in A_MARKERS:
            assert marker not in body, (role, url, marker)
    if not entitled:
        assert not 200 <= response.status_code < 300, (role, url, response.status_code)
        if response.status_code in (301, 302, 303):
            assert "/login" in response.headers["Location"], (role, url)


def test_no_role_reaches_another_entitys_or_provinces_objects(
    app: Flask, world: dict[str, Any], db_session: Session
) -> None:
    submission_id = world["submission_id"]
    before = _state(db_session, submission_id)
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in SKIPPED]
    tried = 0
    for role, client in _clients(app):
        for rule in rules:
            with_id = bool(rule.arguments)
            for index, url in enumerate(_urls(rule, submission_id)):
                own = _owns(role, rule, index, url, world)
                headers = {}
                if rule.rule.startswith("/api/") and role != "anonymous":
                    headers["Authorization"] = f"Bearer {world['tokens'][role]}"
                for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                    if own:
                        continue
                    response = client.open(url, method=method, headers=headers, data={})
                    _assert_refused(role, url, response, entitled=not with_id)
                    tried += 1
    assert tried > 300
    assert _state(db_session, submission_id) == before


def test_api_lists_only_the_callers_entity(app: Flask, world: dict[str, Any]) -> None:
    client = app.test_client()
    for role in ("enterprise-b", "province-x", "ministry", "admin"):
        headers = {"Authorization": f"Bearer {world['tokens'][role]}"}
        response = client.get("/api/v1/applications", headers=headers)
        assert response.status_code in (200, 403), role
        for marker in A_MARKERS:
            assert marker not in response.text
    own = client.get(
        "/api/v1/applications",
        headers={"Authorization": f"Bearer {world['tokens']['enterprise-a']}"},
    )
    assert str(world["submission_id"]) in own.text


def test_province_reviewer_sees_only_own_province_in_the_queue(
    app: Flask, world: dict[str, Any]
) -> None:
    x, y = app.test_client(), app.test_client()
    login(x, USERNAMES["province-x"])
    login(y, USERNAMES["province-y"])
    assert "华能双河" in x.get("/review/").text
    assert "华能双河" not in y.get("/review/").text


def test_audit_log_records_no_foreign_access_as_success(
    app: Flask, world: dict[str, Any], db_session: Session
) -> None:
    intruder = app.test_client()
    login(intruder, USERNAMES["province-y"])
    before = db_session.scalar(select(func.count()).select_from(AuditEntry))
    sid = world["submission_id"]
    for url in (f"/review/{sid}/approve", f"/review/{sid}/reject", f"/review/{sid}/notes"):
        assert intruder.post(url, data={"comment": "x", "text": "x"}).status_code == 404
    assert db_session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_owner_does_see_the_markers(app: Flask, world: dict[str, Any]) -> None:
    owner = app.test_client()
    login(owner)
    page = owner.get(f"/applications/{world['submission_id']}/v/1").text
    assert all(marker in page for marker in A_MARKERS[:3])


def test_report_on_a_foreign_uscc_says_only_that_it_does_not_match(
    app: Flask, world: dict[str, Any]
) -> None:
    from intake.checking import parse_report

    application = parse_report(FORMS / "v01.docx").application
    assert application is not None
    application.entity_name = "某某有限公司"
    application.ccer_account_id = "C0000000001"
    application.ets_account_id = "000000000001"
    assert isinstance(application.due_allowance_t, Decimal)
    application.due_allowance_t += 7
    client = app.test_client()
    headers = {"Authorization": f"Bearer {world['tokens']['enterprise-b']}"}
    for uscc in ("91659001MAL8YR44XK", "91110000100000000X"):  # A's, and a valid unknown one
        application.uscc = uscc
        response = client.post("/api/v1/applications", json=application.to_json(), headers=headers)
        assert response.status_code == 201, response.text
        text = json.dumps(response.get_json(), ensure_ascii=False)
        assert "ENTITY" in text or "MISMATCH" in text or "UNKNOWN" in text, text
        for secret in ("华能双河", "C8122225684", "752068687273", "950402"):
            assert secret not in text, (uscc, secret)
