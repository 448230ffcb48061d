"""The review pages through the Flask test client: the whole path, and every route as every role."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.application import Report
from intake.review.models import AuditEntry
from intake.review.projects.models import ProjectVerification
from intake.review.submissions.models import Submission
from intake.review.submissions.operations import add_version, create_from_form
from tests.fixtures.review import (
    OTHER_USCC,
    USCC,
    Users,
    applicant,
    application,
    client_for,
    error,
    lots,
    stamp,
    warning,
)


def draft(session: Session, uscc: str = USCC, year: int = 2021, **kw: Any) -> Submission:
    """A checked draft of the entity with the given problems."""
    problems = kw.pop("problems", [error(), warning()])
    report = Report(file=None, application=application(uscc, year, **kw), problems=problems)
    version = create_from_form(session, user=applicant(session, uscc), report=report)
    return stamp(session, None, version).submission


def test_the_whole_path_from_submission_to_registration(
    review_app: Flask, web_session: Session, web_users: Users
) -> None:
    submission = draft(web_session)
    enterprise = client_for(review_app, "datang")
    response = enterprise.post(f"/registrations/applications/{submission.id}/submit")
    assert response.status_code == 302
    assert "待审核" in enterprise.get(f"/registrations/applications/{submission.id}").text

    stranger = client_for(review_app, "bingtuan")
    assert f"申请 {submission.id}" not in stranger.get("/review/").text
    assert stranger.get(f"/review/{submission.id}").status_code == 404

    reviewer = client_for(review_app, "shanxi")
    assert f"申请 {submission.id}" in reviewer.get("/review/").text
    page = reviewer.get(f"/review/{submission.id}").text
    assert "示例错误 RATIO_MISMATCH" in page
    assert "云南曲靖水电站项目" in page
    reviewer.post(
        f"/review/{submission.id}/notes", data={"field": "", "text": "公章模糊，请重新盖章"}
    )
    response = reviewer.post(
        f"/review/{submission.id}/reject", data={"comment": "请一并修改", "version": "1"}
    )
    assert response.status_code == 302

    page = enterprise.get(f"/registrations/applications/{submission.id}").text
    assert "已驳回" in page
    for reason in ("示例错误 RATIO_MISMATCH", "数字文件，无法核验公章", "公章模糊，请重新盖章"):
        assert reason in page
    assert "被驳回" in enterprise.get("/registrations/notices").text

    fixed = Report(file=None, application=application(), problems=[warning()])
    web_session.refresh(submission)  # its state changed in the app's sessions
    version = add_version(
        web_session, submission, user=applicant(web_session, submission.uscc), report=fixed
    )
    stamp(web_session, None, version)
    enterprise.post(f"/registrations/applications/{submission.id}/submit")
    page = reviewer.get(f"/review/{submission.id}").text
    assert "第 2 版" in page
    # The first post shows what would be registered, lot by lot; nothing changes yet.
    data = {"comment": "同意", "version": "2"}
    confirm = reviewer.post(f"/review/{submission.id}/approve", data=data)
    assert confirm.status_code == 200
    assert "确认审核通过并登记" in confirm.text
    assert "10000 吨中使用 10000 吨（全部）" in confirm.text
    assert "5000 吨中使用 2000 吨（拆分，余 3000 吨仍为待抵销）" in confirm.text
    web_session.expire_all()
    assert web_session.get(Submission, submission.id).state == "submitted"  # type: ignore[union-attr]
    response = reviewer.post(f"/review/{submission.id}/approve", data={**data, "confirmed": "1"})
    assert response.status_code == 302, response.text
    web_session.expire_all()
    assert web_session.get(Submission, submission.id).state == "approved"  # type: ignore[union-attr]
    assert ("2075", "10000", "已抵销", None) in lots(web_session)

    page = enterprise.get("/registrations/").text
    assert "DJ2021-000001" in page
    assert "云南曲靖水电站项目 · 12000 吨" in page
    assert "已抵销" in page

    ministry = client_for(review_app, "mee")
    page = ministry.get("/ministry/projects").text
    assert 'id="p-2075"' in page
    assert 'id="p-2639"' in page


def test_a_stale_error_blocks_approval_until_a_reason_is_given(
    review_app: Flask, web_session: Session, web_users: Users
) -> None:
    submission = draft(web_session)
    client_for(review_app, "datang").post(f"/registrations/applications/{submission.id}/submit")
    reviewer = client_for(review_app, "shanxi")
    response = reviewer.post(
        f"/review/{submission.id}/approve", data={"version": "1"}, follow_redirects=True
    )
    assert "1 项错误未说明放行理由" in response.text
    data = {
        "overrides-0-key": "RATIO_MISMATCH@offset_ratio_pct",
        "overrides-0-reason": "核实无误",
        "version": "1",
        "confirmed": "1",
    }
    assert reviewer.post(f"/review/{submission.id}/approve", data=data).status_code == 302
    web_session.expire_all()
    assert web_session.get(Submission, submission.id).state == "approved"  # type: ignore[union-attr]


def test_the_review_page_shows_the_ministry_verification(
    review_app: Flask, web_session: Session, web_users: Users
) -> None:
    submission = draft(web_session)
    client_for(review_app, "datang").post(f"/registrations/applications/{submission.id}/submit")
    ministry = client_for(review_app, "mee")
    response = ministry.post(
        "/ministry/projects/2639/verify", data={"verified": "0", "note": "备案信息不符"}
    )
    assert response.status_code == 302
    found = web_session.get(ProjectVerification, "2639")
    assert found is not None
    assert (found.verified, found.note, found.verified_by_name) == (False, "备案信息不符", "mee")
    page = client_for(review_app, "shanxi").get(f"/review/{submission.id}").text
    assert "核验未通过" in page
    assert "备案信息不符" in page
    page = ministry.get("/ministry/projects?flag=attention").text
    assert "主管部门核验未通过" in page


def test_exports_are_workbooks_scoped_to_the_viewer(
    review_app: Flask, web_session: Session, web_users: Users
) -> None:
    first = draft(web_session, problems=[])
    second = draft(web_session, OTHER_USCC, rows=[("2075", "1000")], problems=[])
    client_for(review_app, "datang").post(f"/registrations/applications/{first.id}/submit")
    client_for(review_app, "karamay").post(f"/registrations/applications/{second.id}/submit")
    confirmed = {"version": "1", "confirmed": "1"}
    client_for(review_app, "shanxi").post(f"/review/{first.id}/approve", data=confirmed)
    xinjiang = web_users.other_reviewer
    xinjiang.province = "新疆维吾尔自治区"
    web_session.commit()
    client_for(review_app, "bingtuan").post(f"/review/{second.id}/approve", data=confirmed)

    def rows(client: FlaskClient, url: str) -> list[tuple[Any, ...]]:
        response = client.get(url)
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.data)).active
        return [tuple(r) for r in sheet.iter_rows(min_row=2, values_only=True)]

    shanxi = rows(client_for(review_app, "shanxi"), "/registrations/export.xlsx")
    assert [(r[2], r[6], r[8]) for r in shanxi] == [(USCC, "2075", 12000), (USCC, "2639", 3000)]
    national = rows(client_for(review_app, "mee"), "/registrations/export.xlsx")
    assert len(national) == 3
    projects = rows(client_for(review_app, "mee"), "/ministry/projects.xlsx")
    assert [(r[0], r[8]) for r in projects] == [("2075", 2), ("2639", 1)]
    assert "多个单位申请同一项目" in projects[0][9]
    audit_rows = rows(client_for(review_app, "mee"), "/ministry/audit.xlsx")
    assert {r[3] for r in audit_rows} >= {"提交申请", "审核通过", "抵销登记", "导出"}
    # Everything done through the web carries the client's address (the drafts and their
    # copies were made by the test's factories, outside any request).
    web_actions = AuditEntry.action.not_in(["create", "attach_copy"])
    addresses = web_session.scalars(select(AuditEntry.address).where(web_actions)).all()
    assert set(addresses) == {"127.0.0.1"}


ROLES = ("enterprise", "other_enterprise", "reviewer", "other_reviewer", "ministry", "admin")
USERNAMES = dict(
    zip(ROLES, ("datang", "karamay", "shanxi", "bingtuan", "mee", "root"), strict=True)
)

# (method, url, the status each role gets); {id} is a submitted application of 山西省.
ROUTES: list[tuple[str, str, dict[str, int]]] = [
    ("GET", "/review/", {"reviewer": 200, "other_reviewer": 200}),
    ("GET", "/review/{id}", {"reviewer": 200, "other_reviewer": 404}),
    ("GET", "/review/{id}/v/1", {"reviewer": 200, "other_reviewer": 404}),
    ("GET", "/review/{id}/v/1/file", {"reviewer": 404, "other_reviewer": 404}),
    ("POST", "/review/{id}/notes", {"reviewer": 302, "other_reviewer": 404}),
    ("POST", "/review/{id}/notes/999/delete", {"reviewer": 404, "other_reviewer": 404}),
    ("POST", "/review/{id}/reject", {"reviewer": 302, "other_reviewer": 404}),
    # Without the version shown, the reviewer is sent back to the application.
    ("POST", "/review/{id}/approve", {"reviewer": 302, "other_reviewer": 404}),
    ("GET", "/ministry/projects", {"ministry": 200, "admin": 200}),
    ("GET", "/ministry/projects.xlsx", {"ministry": 200, "admin": 200}),
    ("POST", "/ministry/projects/2075/verify", {"ministry": 302}),
    ("GET", "/ministry/audit", {"ministry": 200, "admin": 200}),
    ("GET", "/ministry/audit.xlsx", {"ministry": 200, "admin": 200}),
    (
        "GET",
        "/registrations/",
        {
            "enterprise": 200,
            "other_enterprise": 200,
            "reviewer": 200,
            "other_reviewer": 200,
            "ministry": 200,
            "admin": 200,
        },
    ),
    (
        "GET",
        "/registrations/export.xlsx",
        {
            "enterprise": 200,
            "other_enterprise": 200,
            "reviewer": 200,
            "other_reviewer": 200,
            "ministry": 200,
            "admin": 200,
        },
    ),
    ("GET", "/registrations/applications/{id}", {"enterprise": 200, "other_enterprise": 404}),
    (
        "POST",
        "/registrations/applications/{id}/submit",
        {"enterprise": 302, "other_enterprise": 404},
    ),
    ("GET", "/registrations/notices", {"enterprise": 200, "other_enterprise": 200}),
    (
        "POST",
        "/registrations/notices/{notice}/read",
        {"enterprise": 302, "other_enterprise": 404},
    ),
]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("method", "url", "allowed"), ROUTES, ids=[r[1] for r in ROUTES])
def test_every_route_checks_role_and_reach(
    review_app: Flask,
    web_session: Session,
    web_users: Users,
    method: str,
    url: str,
    allowed: dict[str, int],
) -> None:
    submission = draft(web_session, problems=[error()])
    client_for(review_app, "datang").post(f"/registrations/applications/{submission.id}/submit")
    client_for(review_app, "shanxi").post(f"/review/{submission.id}/reject", data={"version": "1"})
    web_session.refresh(submission)
    version = add_version(
        web_session,
        submission,
        user=applicant(web_session, submission.uscc),
        report=Report(file=None, application=application(), problems=[error()]),
    )
    stamp(web_session, None, version)
    client_for(review_app, "datang").post(f"/registrations/applications/{submission.id}/submit")
    target = url.format(id=submission.id, notice=1)
    anonymous = review_app.test_client().open(target, method=method)
    assert anonymous.status_code == 302
    assert "/login" in anonymous.headers["Location"]
    for role in ROLES:
        client = client_for(review_app, USERNAMES[role])
        data = {"text": "意见", "verified": "1"} if method == "POST" else None
        response = client.open(target, method=method, data=data)
        assert response.status_code == allowed.get(role, 403), (role, response.text[:300])
