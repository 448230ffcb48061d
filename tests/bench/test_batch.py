"""The batch checker: the same reports as one application at a time, in a constant few queries."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from bench.generate import generate, read_applications
from bench.submissions import store_submitted
from intake.application import Application, CcerRow, Report
from intake.batch import batch, check_batch, check_files, live_claims
from intake.checking import Checker, Claims
from intake.config import Settings
from intake.registry.loader import load_registry
from intake.registry.memory import MemoryRegistry
from intake.render import render_docx
from intake.review.submissions import operations
from intake.review.submissions.models import Submission
from tests.fixtures.review import applicant

D = Decimal


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic national registry with its applications (no forms)."""
    return generate(tmp_path_factory.mktemp("national"), scale=0.01, seed=7, forms=False)


@pytest.fixture
def loaded(engine: Engine, national: Path) -> Engine:
    """The database holding the synthetic registry."""
    load_registry(engine, national)
    return engine


def one_at_a_time(session: Session, app: Application, exclude: int | None) -> dict[str, object]:
    """The report as the web's job makes it: SqlRegistry, claims read per unit."""
    checker = Checker.for_session(session, Settings(), claims=Claims.LIVE)
    return checker.check(app, exclude_submission=exclude).to_json()


def count_statements(engine: Engine, apps: list[Application]) -> int:
    """SQL statements one batch check of ``apps`` sends."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        with Session(engine) as session:
            check_batch(session, apps)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(seen)


def test_batch_reports_equal_one_at_a_time_with_live_claims(loaded: Engine, national: Path) -> None:
    apps = read_applications(national)
    # Every application handed in twice: each copy's claims count against the other.
    ids = store_submitted(loaded, apps + apps)
    with Session(loaded) as session:
        batch_reports = [r.to_json() for r in check_batch(session, apps, exclude=ids[: len(apps)])]
        single = [one_at_a_time(session, a, i) for a, i in zip(apps, ids, strict=False)]
    assert batch_reports == single
    codes = {p["code"] for r in batch_reports for p in r["problems"]}
    assert "PENDING_INSUFFICIENT" in codes


def test_batch_without_claims_finds_no_pending_shortfall(loaded: Engine, national: Path) -> None:
    apps = read_applications(national)
    with Session(loaded) as session:
        reports = check_batch(session, apps)
    assert len(reports) == len(apps)
    assert all(p.code != "PENDING_INSUFFICIENT" for r in reports for p in r.problems)
    assert sum(r.ok for r in reports) > len(apps) // 2


def test_statements_do_not_grow_with_the_batch(loaded: Engine, national: Path) -> None:
    apps = read_applications(national)
    store_submitted(loaded, apps)
    assert count_statements(loaded, apps[:3]) == count_statements(loaded, apps) == 5


def test_check_files_keeps_order_and_unreadable_files(
    loaded: Engine, national: Path, tmp_path: Path
) -> None:
    app = read_applications(national)[0]
    good = tmp_path / "a.docx"
    good.write_bytes(render_docx(app))
    bad = tmp_path / "b.docx"
    bad.write_bytes(b"not a form")
    with Session(loaded) as session:
        reports = check_files(session, [bad, good])
    assert [r.file for r in reports] == [str(bad), str(good)]
    assert reports[0].flatten("code") == [("FILE_UNREADABLE",)]
    assert reports[1].application is not None
    assert reports[1].application.uscc == app.uscc


def test_batch_command_prints_one_json_per_file(
    loaded: Engine, national: Path, tmp_path: Path
) -> None:
    forms = tmp_path / "forms"
    forms.mkdir()
    apps = read_applications(national)[:2]
    for i, app in enumerate(apps):
        (forms / f"{i}.docx").write_bytes(render_docx(app))
    (forms / "notes.txt").write_text("not a form")
    url = loaded.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(batch, [str(forms), "--db", url, "--json"])
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["application"]["uscc"] for line in lines] == [a.uscc for a in apps]
    assert result.exit_code == (0 if all(line["ok"] for line in lines) else 1)


def _stored(session: Session, uscc: str, rows: list[tuple[str, str]], state: str) -> int:
    """A checked application of the unit in ``state``; its submission id."""
    app = Application(uscc=uscc, year=2021, ccer_rows=[CcerRow(D(q), p) for p, q in rows])
    report = Report(file=None, application=app, problems=[])
    submission = operations.create_from_form(session, user=applicant(session, uscc), report=report)
    submission.submission.state = state
    session.commit()
    return submission.submission.id


def test_preloaded_claims_are_the_stored_claims_of_live_latest_versions(
    session: Session,
) -> None:
    unit, other = "91140105MAN619RM62", "91650102MAYH3HKT17"
    live = _stored(
        session, unit, [("2075", "100"), ("2639", "0.00001"), ("2075", "5")], "submitted"
    )
    _stored(session, unit, [("2075", "7")], "draft")
    _stored(session, unit, [("2075", "9")], "rejected")
    _stored(session, other, [("2075", "40")], "submitted")
    replaced = _stored(session, other, [("777", "1")], "submitted")
    submission = session.get(Submission, replaced)
    assert submission is not None
    second = Application(uscc=other, year=2021, ccer_rows=[CcerRow(D(3), "888")])
    submission.state = "draft"  # a new version is made in draft, then submitted again
    operations.add_version(
        session,
        submission,
        user=applicant(session, submission.uscc),
        report=Report(None, second, []),
    )
    submission.state = "submitted"
    session.commit()
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        preloaded = MemoryRegistry(claims=live_claims(session)).claimed_elsewhere
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(seen) == 1
    assert preloaded(unit, None) == {"2075": D(105)}  # 0.00001 t is beyond the registry's precision
    assert preloaded(unit, live) == {}
    assert preloaded(other, None) == {"2075": D(40), "888": D(3)}  # the newest version only
    for uscc in (unit, other):
        for exclude in (None, live, replaced):
            assert preloaded(uscc, exclude) == operations.claims(session, uscc, exclude)
