"""Claims on a version's check: one holder at a time, a stale claim taken over, one result."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from intake.application import Report
from intake.db import session_factory
from intake.review.submissions import check_claims, operations
from intake.review.submissions.models import CheckState, Version, utcnow
from intake.storage import Storage
from tests.fixtures.review import applicant

USCC = "91140105MAN619RM62"
HOUR = dt.timedelta(hours=1)


def _upload(session: Session, tmp_path: Path, content: bytes = b"form") -> Version:
    return operations.create_from_upload(
        session, Storage(tmp_path / "uploads"), user=applicant(session, USCC), data=content,
        filename="a.docx",
    )  # fmt: skip


def _age(session: Session, version: Version, *, alive: dt.timedelta, created: dt.timedelta) -> None:
    """Make the version's claim and creation look that old."""
    session.execute(
        update(Version)
        .where(Version.id == version.id)
        .values(check_alive_at=utcnow() - alive, created_at=utcnow() - created)
    )
    session.commit()


def test_a_pending_check_is_claimed_once(session: Session, tmp_path: Path) -> None:
    version = _upload(session, tmp_path)
    first = operations.start_check(session, version, stale_before=utcnow() - HOUR)
    assert first is not None
    assert (version.check_state, version.check_claim, version.check_attempts) == (
        CheckState.RUNNING.value, first, 1,
    )  # fmt: skip
    assert operations.start_check(session, version, stale_before=utcnow() - HOUR) is None
    assert version.check_attempts == 1


def test_a_stale_claim_is_taken_over_and_the_old_holder_records_nothing(
    session: Session, tmp_path: Path
) -> None:
    version = _upload(session, tmp_path)
    old = operations.start_check(session, version)
    _age(session, version, alive=2 * HOUR, created=2 * HOUR)
    new = operations.start_check(session, version, stale_before=utcnow() - HOUR)
    assert new is not None
    assert new != old
    report = Report(file="a.docx", application=None)
    assert not operations.record_check(session, version, report, old)
    assert not operations.fail_check(session, version, "late", old)
    assert not check_claims.renew(session, version.id, old or "")
    assert operations.record_check(session, version, report, new)
    assert (version.check_state, version.check_claim, version.check_attempts) == (
        CheckState.DONE.value, None, 2,
    )  # fmt: skip
    assert not operations.record_check(session, version, report, new)  # recorded once
    assert operations.start_check(session, version, stale_before=utcnow()) is None


def test_unfinished_lists_only_what_nobody_is_doing(session: Session, tmp_path: Path) -> None:
    fresh_pending = _upload(session, tmp_path, b"1")
    old_pending = _upload(session, tmp_path, b"2")
    _age(session, old_pending, alive=dt.timedelta(0), created=2 * HOUR)
    alive = _upload(session, tmp_path, b"3")
    operations.start_check(session, alive)
    dead = _upload(session, tmp_path, b"4")
    operations.start_check(session, dead)
    _age(session, dead, alive=2 * HOUR, created=2 * HOUR)
    done = _upload(session, tmp_path, b"5")
    operations.start_check(session, done)
    operations.record_check(session, done, Report(file="a.docx", application=None))
    _age(session, done, alive=2 * HOUR, created=2 * HOUR)
    cutoff = utcnow() - HOUR
    found = check_claims.unfinished(session, stale_before=cutoff, pending_before=cutoff)
    assert found == [old_pending.id, dead.id]
    assert fresh_pending.id not in found


def test_concurrent_claims_have_one_winner(engine: Engine, tmp_path: Path) -> None:
    factory = session_factory(engine)
    with factory() as session:
        version_id = _upload(session, tmp_path).id
    contenders = 6
    barrier = threading.Barrier(contenders)
    tokens: list[str | None] = []

    def contend() -> None:
        with factory() as session:
            version = session.get(Version, version_id)
            assert version is not None
            barrier.wait()
            tokens.append(operations.start_check(session, version, stale_before=utcnow() - HOUR))

    threads = [threading.Thread(target=contend) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([t for t in tokens if t is not None]) == 1
    with factory() as session:
        version = session.get(Version, version_id)
        assert version is not None
        assert version.check_attempts == 1
