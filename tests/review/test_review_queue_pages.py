"""The queue read in SQL: pages, the province's reach, and the stored summary kept in step."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.orm import Session

from intake.application import Application, Problem, Report
from intake.db import Base, current_revision, import_models, make_engine, upgrade
from intake.registry.models import CcerLot, LotStatus
from intake.review.decisions.operations import reject, submit
from intake.review.projects.queries import project_usage
from intake.review.submissions import operations, queries
from intake.review.submissions.models import Submission, SubmissionState, Version, VersionClaim
from intake.review.submissions.operations import add_version, create_from_form, record_check
from intake.review.submissions.queries import QueueFilter, QueuePage
from intake.storage import Storage
from tests.fixtures.review import (
    OTHER_USCC,
    USCC,
    Users,
    applicant,
    application,
    client_for,
    error,
    stamp,
    warning,
)

D = Decimal
DEADLINE = dt.date(2023, 12, 15)
UNREGISTERED = "91140100TEST00001X"  # not in the registry; its form declares 山西省


def _page(session: Session, province: str = "山西省", **kw: Any) -> QueuePage:
    page = kw.pop("page", 1)
    size = kw.pop("page_size", None)
    return queries.province_queue(
        session, province, QueueFilter(**kw), deadline=DEADLINE, today=dt.date(2023, 12, 1),
        page=page, page_size=size,
    )  # fmt: skip


def _hand_in(session: Session, *submissions: Submission) -> None:
    """Mark drafts handed in without the one-live-application rule (many per entity here)."""
    for submission in submissions:
        submission.state = SubmissionState.SUBMITTED.value
    session.commit()


def _draft(
    session: Session,
    uscc: str = USCC,
    problems: list[Problem] | None = None,
    declared: str = "山西省",
    **kw: Any,
) -> Submission:
    app = application(uscc, kw.pop("year", 2021), kw.pop("rows", None), **kw)
    app.declaration.province = declared
    report = Report(file=None, application=app, problems=list(problems or []))
    version = create_from_form(session, user=applicant(session, uscc), report=report)
    return stamp(session, None, version).submission


def test_pages_cover_every_row_once_in_order(registry_session: Session) -> None:
    made = [_draft(registry_session, rows=[("2075", str(100 + i))]) for i in range(7)]
    _hand_in(registry_session, *made)
    pages = [_page(registry_session, sort="requested", page=n, page_size=3) for n in (1, 2, 3)]
    assert [(p.total, p.page, p.pages) for p in pages] == [(7, 1, 3), (7, 2, 3), (7, 3, 3)]
    seen = [r.submission_id for p in pages for r in p.rows]
    assert seen == [s.id for s in reversed(made)]  # 106 t first, descending
    assert [len(p.rows) for p in pages] == [3, 3, 1]
    beyond = _page(registry_session, sort="requested", page=99, page_size=3)
    assert (beyond.page, [r.submission_id for r in beyond.rows]) == (3, [made[0].id])
    assert _page(registry_session, page=-4, page_size=3).page == 1
    empty = _page(registry_session, "新疆维吾尔自治区", page=2)
    assert (empty.total, empty.page, empty.pages, empty.rows) == (0, 1, 1, [])


def test_a_province_never_sees_another_province_s_rows(registry_session: Session) -> None:
    shanxi = _draft(registry_session)
    # Registered in 新疆: its form naming 山西省 does not move it.
    karamay = _draft(registry_session, OTHER_USCC)
    unregistered = _draft(registry_session, UNREGISTERED)  # declares 山西省
    elsewhere = _draft(registry_session, "91650100TEST00002X", declared="新疆维吾尔自治区")
    _hand_in(registry_session, shanxi, karamay, unregistered, elsewhere)
    for sort in queries.SORT_KEYS:
        for descending in (True, False):
            ids = {
                r.submission_id
                for n in (1, 2)
                for r in _page(
                    registry_session, sort=sort, descending=descending, page=n, page_size=1
                ).rows
            }
            assert ids == {shanxi.id, unregistered.id}, sort
    xinjiang = _page(registry_session, "新疆维吾尔自治区")
    assert {r.submission_id for r in xinjiang.rows} == {karamay.id, elsewhere.id}
    assert _page(registry_session, "新疆生产建设兵团").total == 0
    row = next(r for r in _page(registry_session).rows if r.submission_id == unregistered.id)
    assert row.entity_name == "大唐太原发电有限责任公司"  # the name its form declares
    assert queries.submission_in_province(registry_session, unregistered, "山西省")
    assert not queries.submission_in_province(registry_session, karamay, "山西省")


def test_the_entity_filter_takes_its_text_literally(registry_session: Session) -> None:
    submission = _draft(registry_session)
    _hand_in(registry_session, submission)
    assert _page(registry_session, entity="太原").total == 1
    assert _page(registry_session, entity="%").total == 0
    assert _page(registry_session, entity="_").total == 0
    assert _page(registry_session, entity="91140105man").total == 1


def _row(session: Session, submission: Submission) -> tuple[Any, ...]:
    """What the queue shows of a handed-in submission."""
    session.expire_all()
    [row] = [r for r in _page(session).rows if r.submission_id == submission.id]
    return (row.versions, row.requested_t, row.errors, row.warnings, row.state)


def _stored(session: Session, submission: Submission) -> tuple[Any, ...]:
    """The summary stored on a submission (a draft is in no queue)."""
    session.expire_all()
    s = session.get(Submission, submission.id)
    assert s is not None
    return (s.latest_version, s.requested_t, s.error_count, s.warning_count, s.state)


def test_the_summary_follows_new_versions_checks_and_decisions(
    registry_session: Session, users: Users, tmp_path: Any
) -> None:
    session = registry_session
    submission = _draft(session, problems=[error(), warning(), warning("LOW_CONFIDENCE")])
    submit(session, submission, users.enterprise)
    assert _row(session, submission) == (1, D(15000), 1, 2, "submitted")
    reject(session, submission, users.reviewer, version=submission.submitted_version)
    assert _row(session, submission) == (1, D(15000), 1, 2, "rejected")
    assert operations.claims(session, USCC, None) == {}
    fixed = application(rows=[("2075", "900.1234")])
    stamp(session, None, add_version(
        session,
        submission,
        user=applicant(session, submission.uscc),
        report=Report(None, fixed, [warning()]),
    ))  # fmt: skip
    submit(session, submission, users.enterprise)
    assert _row(session, submission) == (2, D("900.1234"), 0, 1, "submitted")
    assert operations.claims(session, USCC, None) == {"2075": D("900.1234")}
    # An uploaded file waiting for its check: nothing read or found yet.
    reject(
        session,
        submission,
        users.reviewer,
        version=submission.submitted_version,
        notes=[(None, "请上传盖章扫描件")],
    )
    storage = Storage(tmp_path / "files")
    third = add_version(
        session,
        submission,
        user=applicant(session, submission.uscc),
        storage=storage,
        data=b"x",
        filename="a",
    )
    assert _stored(session, submission) == (3, None, 0, 0, "draft")
    late = Report(None, application(rows=[("2075", "1")]), [error(), error()])
    record_check(session, submission.versions[0], late)  # an old check finishing late
    assert _stored(session, submission) == (3, None, 0, 0, "draft")
    record_check(session, third, Report(None, application(rows=[("2639", "7")]), [error()]))
    assert _stored(session, submission) == (3, D(7), 1, 0, "draft")
    assert [c.project_number for c in third.claims] == ["2639"]


def test_quantities_beyond_the_registry_precision_are_not_stored_rounded(
    registry_session: Session,
) -> None:
    fine = _draft(registry_session, rows=[("2075", "0.0001")])
    too_fine = _draft(registry_session, rows=[("2075", "1.00001")])
    _hand_in(registry_session, fine, too_fine)
    rows = {r.submission_id: r.requested_t for r in _page(registry_session).rows}
    assert rows == {fine.id: D("0.0001"), too_fine.id: None}
    assert operations.storable(D("99999999999.9999")) == D("99999999999.9999")
    assert operations.storable(D("100000000000")) is None
    by_requested = _page(registry_session, sort="requested", descending=False).rows
    assert [r.submission_id for r in by_requested] == [fine.id, too_fine.id]  # blank last


def test_summarize_rebuilds_what_a_bulk_load_left_out(registry_session: Session) -> None:
    app = application(rows=[("2075", "40"), ("2639", "2")])
    problems = [error().to_json(), warning().to_json()]
    registry_session.execute(
        insert(Submission), [{"id": 900, "uscc": USCC, "year": 2021, "state": "submitted"}]
    )
    registry_session.execute(
        insert(Version),
        [
            {
                "submission_id": 900,
                "number": n,
                "application_json": app.to_json(with_sources=True),
                "report_json": {"problems": problems[:n]},
                "check_state": "done",
            }
            for n in (1, 2)
        ],
    )
    registry_session.commit()
    assert _row(registry_session, registry_session.get(Submission, 900) or Submission()) == (
        0, None, 0, 0, "submitted",
    )  # fmt: skip
    assert operations.summarize(registry_session) == 1
    submission = registry_session.get(Submission, 900)
    assert submission is not None
    assert _row(registry_session, submission) == (2, D(42), 1, 1, "submitted")
    assert operations.claims(registry_session, USCC, None) == {"2075": D(40), "2639": D(2)}
    assert registry_session.scalar(select(VersionClaim.id).limit(1)) is not None
    assert operations.summarize(registry_session, [900]) == 1  # again: nothing doubles
    assert operations.claims(registry_session, USCC, None) == {"2075": D(40), "2639": D(2)}


def test_the_migration_fills_the_summary_from_stored_json(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0003")
        _store_at_0003(engine)
        upgrade(engine, "0004")
        with engine.connect() as connection:
            summary = connection.execute(
                text(
                    "SELECT latest_version, requested_t, error_count, warning_count,"
                    " declared_province, declared_name FROM submissions"
                )
            ).one()
            rows = connection.execute(
                text(
                    "SELECT v.number, c.row_index, c.project_number, c.quantity_t"
                    " FROM version_claims c JOIN versions v ON v.id = c.version_id"
                    " ORDER BY v.number, c.row_index"
                )
            ).all()
        assert (summary[0], D(summary[1]), *summary[2:]) == (
            2, D("300.5"), 1, 0, "山西省", "大唐太原发电有限责任公司",
        )  # fmt: skip
        assert [(n, i, p, D(q) if q is not None else None) for n, i, p, q in rows] == [
            (1, 1, "2075", D(100)),
            (2, 1, "2075", D("300.5")),
            (2, 2, "2639", None),
        ]
        upgrade_head = current_revision(engine)
        assert upgrade_head == "0004"
        _downgrade(engine)
        assert current_revision(engine) == "0003"
    finally:
        engine.dispose()


def _store_at_0003(engine: Engine) -> None:
    first = application(rows=[("2075", "100")])
    second = Application.from_json(
        {**application(rows=[("2075", "300.5")]).to_json(), "offset_requested_t": "300.5"}
    )
    second.ccer_rows.append(type(second.ccer_rows[0])("见附件", "2639"))
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO submissions (id, uscc, year, state, created_at, updated_at)"
                " VALUES (1, :uscc, 2021, 'submitted', :now, :now)"
            ),
            {"uscc": USCC, "now": dt.datetime(2023, 11, 1, tzinfo=dt.UTC)},
        )
        for number, app, problems in ((1, first, []), (2, second, [error().to_json()])):
            connection.execute(
                text(
                    "INSERT INTO versions (submission_id, number, application_json, report_json,"
                    " check_state, created_at) VALUES (1, :n, :app, :report, 'done', :now)"
                ),
                {
                    "n": number,
                    "app": json.dumps(app.to_json(with_sources=True), ensure_ascii=False),
                    "report": json.dumps({"problems": problems}, ensure_ascii=False),
                    "now": dt.datetime(2023, 11, number, tzinfo=dt.UTC),
                },
            )


def _downgrade(engine: Engine) -> None:
    from alembic import command

    from intake.db import alembic_config

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_queue_page_shows_the_count_and_pages_keeping_the_filters(
    review_app: Flask,
    web_session: Session,
    web_users: Users,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = [_draft(web_session, rows=[("2075", str(10 + i))], year=2022) for i in range(5)]
    _hand_in(web_session, *made)
    monkeypatch.setattr(queries, "PAGE_SIZE", 2)
    client = client_for(review_app, "shanxi")
    html = client.get("/review/?year=2022&sort=requested&ascending=y").text
    assert "共 5 件申请，第 1 / 3 页" in html
    assert f'/review/{made[0].id}"' in html
    assert f'/review/{made[2].id}"' not in html
    assert "/review/?year=2022&amp;sort=requested&amp;ascending=y&amp;page=2" in html
    assert '<option selected value="2022">' in html  # the filter form keeps its values
    assert '<input checked id="ascending"' in html
    last = client.get("/review/?year=2022&sort=requested&ascending=y&page=3").text
    assert f'/review/{made[4].id}"' in last
    assert f'/review/{made[0].id}"' not in last
    assert "下一页" not in last
    assert "上一页" in last
    assert "共 0 件申请" in client.get("/review/?year=2021").text


def test_the_ministry_list_counts_latest_versions_and_sums_lots_exactly(
    registry_session: Session, users: Users
) -> None:
    session = registry_session
    for quantity in ("0.1", "0.2"):
        session.add(
            CcerLot(
                uscc=USCC, project_number="2639", project_name="", quantity_t=D(quantity),
                status=LotStatus.PENDING.value,
            )
        )  # fmt: skip
    session.commit()
    submission = _draft(session, rows=[("2075", "500")], problems=[error()])
    submit(session, submission, users.enterprise)
    reject(session, submission, users.reviewer, version=submission.submitted_version)
    replaced = application(rows=[("2639", "8000.3")])
    stamp(session, None, add_version(
        session,
        submission,
        user=applicant(session, submission.uscc),
        report=Report(None, replaced, []),
    ))  # fmt: skip
    submit(session, submission, users.enterprise)
    usage = {u.project_number: u for u in project_usage(session)}
    assert sorted(usage) == ["2639"]  # the first version's 2075 is no longer asked for
    assert (usage["2639"].pending_t, usage["2639"].claimed_t) == (D("8000.3"), D("8000.3"))
    assert usage["2639"].flags == []


def test_the_review_tables_match_the_migrations(engine: Engine) -> None:
    import_models()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    mine = {"submissions", "versions", "version_claims"}
    assert [d for d in differences if mine & set(str(d).split("'"))] == []
