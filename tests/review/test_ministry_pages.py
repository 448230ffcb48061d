"""The ministry's project list and the registrations page at scale: filtered, ordered, paged in SQL."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import event
from sqlalchemy.orm import Session

from intake.application import Report
from intake.registry.models import CcerLot, LotStatus, Project
from intake.review.decisions.guards import entity_province
from intake.review.decisions.operations import approve, submit
from intake.review.projects import queries as usage
from intake.review.projects.operations import mark_project
from intake.review.projects.queries import PROJECT_FLAGS, ProjectFilter
from intake.review.registrations import queries as registration_queries
from intake.review.submissions.models import SubmissionState
from intake.review.submissions.operations import add_version, create_from_form
from intake.storage import Storage
from tests.fixtures.review import (
    BINGTUAN_USCC,
    OTHER_USCC,
    USCC,
    Users,
    applicant,
    application,
    client_for,
    stamp,
)

D = Decimal
# What the projects made by ``_national`` show, by number.
EXPECTED_FLAGS = {
    "2075": ["over_claimed", "several_entities", "both_years"],
    "2639": ["not_verified"],
    "5001": [],
    "777": ["ineligible", "over_claimed"],
    "9999": ["unknown", "over_claimed"],
}


def _hand_in(
    session: Session, uscc: str, year: int, rows: list[tuple[str, str]], state: str
) -> None:
    """A checked application of the entity, put straight into ``state``."""
    report = Report(file=None, application=application(uscc, year, rows), problems=[])
    submission = create_from_form(session, user=applicant(session, uscc), report=report).submission
    submission.state = state
    session.commit()


def _national(session: Session, users: Users) -> None:
    """Five project numbers, each standing out in its own way (see EXPECTED_FLAGS).

    2075: 山西 asks 3,000 (2021) + 13,000 (2022) of its 15,000 pending, 新疆 4,000 of its
    4,000; 2639: 100 of 8,000, found wanting by the ministry; 5001: exactly what 兵团
    holds, and a rejected claim of 新疆 that no longer counts; 777: not eligible, held by
    no one; 9999: not in the catalogue.
    """
    session.add(Project(project_number="5001", project_name="兵团光伏项目", eligible=True))
    session.add(
        CcerLot(
            uscc=BINGTUAN_USCC, project_number="5001", project_name="", quantity_t=D("50.5"),
            status=LotStatus.PENDING.value,
        )
    )  # fmt: skip
    session.commit()
    submitted, rejected = SubmissionState.SUBMITTED.value, SubmissionState.REJECTED.value
    _hand_in(session, USCC, 2021, [("2075", "3000"), ("2639", "100")], submitted)
    _hand_in(session, USCC, 2022, [("2075", "13000"), ("777", "5")], submitted)
    _hand_in(session, OTHER_USCC, 2021, [("2075", "4000"), ("9999", "10")], submitted)
    _hand_in(session, BINGTUAN_USCC, 2021, [("5001", "50.5")], submitted)
    _hand_in(session, OTHER_USCC, 2022, [("5001", "70")], rejected)
    mark_project(session, "2639", users.ministry, verified=False, note="备案信息不符")
    mark_project(session, "2075", users.ministry, verified=True)


@pytest.fixture
def national(registry_session: Session, users: Users) -> Session:
    """The review registry with the five project numbers of ``_national``."""
    _national(registry_session, users)
    return registry_session


def _numbers(session: Session, **kw: Any) -> list[str]:
    return [u.project_number for u in usage.project_usage(session, ProjectFilter(**kw))]


def test_every_project_shows_its_quantities_and_flags(national: Session) -> None:
    usages = {u.project_number: u for u in usage.project_usage(national)}
    assert {n: u.flags for n, u in usages.items()} == EXPECTED_FLAGS
    u2075 = usages["2075"]
    assert (u2075.pending_t, u2075.claimed_t, u2075.approved_t) == (D(19000), D(20000), D(0))
    assert [(c.uscc, c.year) for c in u2075.claims] == [
        (USCC, 2021),
        (USCC, 2022),
        (OTHER_USCC, 2021),
    ]
    assert (usages["5001"].pending_t, usages["5001"].claimed_t) == (D("50.5"), D("50.5"))
    assert [c.state for c in usages["5001"].claims] == ["submitted", "rejected"]
    assert usages["2639"].verification is not None
    assert usages["2639"].verification.note == "备案信息不符"
    assert (usages["9999"].known, usages["777"].eligible) == (False, False)


@pytest.mark.parametrize(
    ("flag", "expected"),
    [
        (None, ["2075", "2639", "5001", "777", "9999"]),
        ("unknown", ["9999"]),
        ("ineligible", ["777"]),
        ("not_verified", ["2639"]),
        ("over_claimed", ["2075", "777", "9999"]),
        ("several_entities", ["2075"]),
        ("both_years", ["2075"]),
        ("attention", ["2075", "2639", "777", "9999"]),
        ("unverified", ["5001", "777", "9999"]),
    ],
)
def test_each_filter_keeps_the_projects_it_names(
    national: Session, flag: str | None, expected: list[str]
) -> None:
    assert _numbers(national, flag=flag) == expected


def test_a_flag_filter_agrees_with_the_flags_shown(national: Session) -> None:
    shown = {u.project_number: u.flags for u in usage.project_usage(national)}
    for flag in PROJECT_FLAGS:
        assert _numbers(national, flag=flag) == sorted(n for n, f in shown.items() if flag in f)


@pytest.mark.parametrize(
    ("sort", "descending", "expected"),
    [
        ("number", False, ["2075", "2639", "5001", "777", "9999"]),
        ("number", True, ["9999", "777", "5001", "2639", "2075"]),
        ("claimed", True, ["2075", "2639", "5001", "9999", "777"]),
        ("claimed", False, ["777", "9999", "5001", "2639", "2075"]),
        ("entities", True, ["2075", "5001", "2639", "777", "9999"]),
    ],
)
def test_projects_are_ordered_in_sql(
    national: Session, sort: str, descending: bool, expected: list[str]
) -> None:
    assert _numbers(national, sort=sort, descending=descending) == expected


@pytest.mark.parametrize(("needle", "expected"), [("20", ["2075"]), ("7", ["2075", "777"])])
def test_the_number_search_finds_a_part_of_the_number(
    national: Session, needle: str, expected: list[str]
) -> None:
    assert _numbers(national, number=needle) == expected


@pytest.mark.parametrize("needle", ["%", "_", "2_75"])
def test_the_number_search_takes_wildcards_literally(national: Session, needle: str) -> None:
    assert usage.project_page(national, ProjectFilter(number=needle)).total == 0


def test_pages_cover_the_whole_list_and_a_page_past_the_last_shows_the_last(
    national: Session,
) -> None:
    where = ProjectFilter(sort="claimed", descending=True)
    pages = [usage.project_page(national, where, page=n, page_size=2) for n in (1, 2, 3)]
    assert [(p.total, p.pages, p.page) for p in pages] == [(5, 3, 1), (5, 3, 2), (5, 3, 3)]
    paged = [u.project_number for p in pages for u in p.usages]
    assert paged == _numbers(national, sort="claimed", descending=True)
    beyond = usage.project_page(national, where, page=99, page_size=2)
    assert (beyond.page, [u.project_number for u in beyond.usages]) == (3, ["777"])
    assert [u.flags for u in pages[0].usages] == [EXPECTED_FLAGS["2075"], EXPECTED_FLAGS["2639"]]
    empty = usage.project_page(national, ProjectFilter(number="0000"))
    assert (empty.total, empty.pages, empty.usages) == (0, 1, [])


@contextmanager
def _statements(session: Session) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = session.get_bind()

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("flag", [None, "attention", "over_claimed"])
def test_a_page_takes_three_statements_whatever_its_size(
    national: Session, flag: str | None
) -> None:
    national.expire_all()
    for size in (1, 50):
        with _statements(national) as seen:
            usage.project_page(national, ProjectFilter(flag=flag), page_size=size)
        assert len(seen) == 3


def test_an_entity_outside_the_registry_is_reviewed_by_the_province_it_declares(
    registry_session: Session, tmp_path: Path
) -> None:
    unregistered = "91140100TEST00001X"
    report = Report(file=None, application=application(unregistered), problems=[])
    version = create_from_form(
        registry_session, user=applicant(registry_session, unregistered), report=report
    )
    submission = version.submission
    assert entity_province(registry_session, submission) == "山西省"
    add_version(
        registry_session,
        submission,
        user=applicant(registry_session, submission.uscc),
        storage=Storage(tmp_path),
        data=b"x",
    )
    assert entity_province(registry_session, submission) is None  # not read yet
    registered = create_from_form(
        registry_session, user=applicant(registry_session, OTHER_USCC), report=report
    )
    assert entity_province(registry_session, registered.submission) == "新疆维吾尔自治区"


# The web pages.


def _rows(client: FlaskClient, url: str) -> list[tuple[Any, ...]]:
    response = client.get(url)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [tuple(r) for r in sheet.iter_rows(min_row=2, values_only=True)]


def test_the_projects_page_is_paged_keeps_its_filters_and_exports_everything(
    review_app: Flask, web_session: Session, web_users: Users, monkeypatch: pytest.MonkeyPatch
) -> None:
    _national(web_session, web_users)
    monkeypatch.setattr(usage, "PAGE_SIZE", 2)
    ministry = client_for(review_app, "mee")
    first = ministry.get("/ministry/projects?flag=attention&sort=claimed&descending=y").text
    assert "共 4 个项目编号，第 1 / 2 页（每页 2 个）" in first
    assert 'id="p-2075"' in first
    assert 'id="p-2639"' in first
    assert 'id="p-777"' not in first
    assert "/ministry/projects?flag=attention&amp;sort=claimed&amp;descending=y&amp;page=2" in first
    assert '<option selected value="attention">' in first
    assert "/ministry/projects.xlsx?flag=attention&amp;sort=claimed&amp;descending=y" in first
    second = ministry.get("/ministry/projects?flag=attention&sort=claimed&descending=y&page=2")
    assert 'id="p-9999"' in second.text
    assert 'id="p-777"' in second.text
    assert "下一页" not in second.text
    everything = _rows(ministry, "/ministry/projects.xlsx?page=2")
    assert [r[0] for r in everything] == ["2075", "2639", "5001", "777", "9999"]
    assert [r[8] for r in everything] == [2, 1, 2, 1, 1]  # entities that named it
    flagged = _rows(ministry, "/ministry/projects.xlsx?flag=over_claimed&sort=claimed&descending=y")
    assert [r[0] for r in flagged] == ["2075", "9999", "777"]
    assert "申请量超过待抵销量" in flagged[0][9]


def test_a_bad_filter_shows_every_project(
    review_app: Flask, web_session: Session, web_users: Users
) -> None:
    _national(web_session, web_users)
    page = client_for(review_app, "mee").get("/ministry/projects?flag=nonsense").text
    assert "共 5 个项目编号" in page


def test_registrations_are_paged_and_exported_whole(
    review_app: Flask, web_session: Session, web_users: Users, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = stamp(web_session, None, create_from_form(
        web_session, user=applicant(web_session, USCC),
        report=Report(file=None, application=application(), problems=[]),
    )).submission  # fmt: skip
    second = stamp(web_session, None, create_from_form(
        web_session, user=applicant(web_session, OTHER_USCC),
        report=Report(file=None, application=application(OTHER_USCC, rows=[("2075", "1000")]),
                      problems=[]),
    )).submission  # fmt: skip
    submit(web_session, first, web_users.enterprise)
    submit(web_session, second, web_users.other_enterprise)
    approve(web_session, first, web_users.reviewer, version=first.submitted_version)
    web_users.other_reviewer.province = "新疆维吾尔自治区"
    web_session.commit()
    approve(web_session, second, web_users.other_reviewer, version=second.submitted_version)
    monkeypatch.setattr(registration_queries, "PAGE_SIZE", 1)
    ministry = client_for(review_app, "mee")
    page = ministry.get("/registrations/?year=2021").text
    assert "共 2 条抵销登记，第 1 / 2 页（每页 1 条）" in page
    assert "DJ2021-000002" in page  # newest first
    assert "DJ2021-000001" not in page
    assert "/registrations/?year=2021&amp;page=2" in page
    last = ministry.get("/registrations/?year=2021&page=5").text
    assert "DJ2021-000001" in last
    assert "第 2 / 2 页" in last
    exported = _rows(ministry, "/registrations/export.xlsx?year=2021&page=2")
    assert sorted((r[2], r[6]) for r in exported) == [
        (USCC, "2075"),
        (USCC, "2639"),
        (OTHER_USCC, "2075"),
    ]
    shanxi = client_for(review_app, "shanxi").get("/registrations/").text
    assert "共 1 条抵销登记" in shanxi
    assert "DJ2021-000001" in shanxi
