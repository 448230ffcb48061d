"""Kill a worker at random points of submit, check and approve on PostgreSQL: nothing is lost.

After every SIGKILL the database must be consistent (each approval registered once,
registrations add up, lots conserve their quantity) and every version's file present.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from intake.accounts.models import Role, User
from intake.db import make_engine, session_factory, upgrade
from intake.demo import DEMO_DATA
from intake.registry.loader import load_registry
from intake.registry.models import CcerLot, Entity, LotStatus
from intake.review.decisions.models import Decision
from intake.review.registrations.models import Cancellation, Registration
from intake.review.submissions.models import Submission, SubmissionState, Version
from intake.storage import Storage
from tests.fixtures.database import postgres_schema_url

ROOT = Path(__file__).resolve().parents[2]
KILLS = 8


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    """A migrated PostgreSQL schema with the demo registry and users."""
    for url in postgres_schema_url():
        engine = make_engine(url)
        upgrade(engine)
        load_registry(engine, DEMO_DATA)
        with session_factory(engine)() as session:
            create_worker_users(session)
            session.commit()
        yield engine
        engine.dispose()


def create_worker_users(session: Session) -> None:
    """One enterprise user per entity and one reviewer per province (one shared hash: fast)."""
    hashed = generate_password_hash("worker-password")
    provinces = set()
    for entity in session.scalars(select(Entity)):
        session.add(User(username=f"w-{entity.uscc}", password_hash=hashed,
                         role=Role.ENTERPRISE.value, uscc=entity.uscc))  # fmt: skip
        provinces.add(entity.province)
    for province in provinces:
        session.add(User(username=f"w-province-{province}", password_hash=hashed,
                         role=Role.PROVINCE.value, province=province))  # fmt: skip


def lot_totals(session: Session) -> dict[tuple[str, str], Decimal]:
    """Quantity per entity and project, every status together (spending only moves it)."""
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for lot in session.scalars(select(CcerLot)):
        totals[(lot.uscc, lot.project_number)] += lot.quantity_t
    return dict(totals)


def offset_total(session: Session) -> Decimal:
    """What the lots marked 已抵销 hold."""
    lots = select(CcerLot).where(CcerLot.status == LotStatus.OFFSET.value)
    return sum((lot.quantity_t for lot in session.scalars(lots)), Decimal(0))


def check_invariants(
    session: Session, storage: Storage, before: dict[tuple[str, str], Decimal], offset0: Decimal
) -> tuple[int, int]:
    """Assert every invariant; the number of versions and of registrations."""
    session.expire_all()
    assert lot_totals(session) == before
    versions = list(session.scalars(select(Version)))
    for version in versions:
        assert version.file_sha256 is not None
        assert storage.exists(version.file_sha256)
    registrations = list(session.scalars(select(Registration)))
    by_submission = defaultdict(list)
    for registration in registrations:
        by_submission[registration.submission_id].append(registration)
        parts = session.scalars(
            select(Cancellation).where(Cancellation.registration_id == registration.id)
        )
        assert sum((c.quantity_t for c in parts), Decimal(0)) == registration.total_t
    for submission in session.scalars(select(Submission)):
        approved = submission.state == SubmissionState.APPROVED.value
        assert len(by_submission[submission.id]) == (1 if approved else 0), submission.id
        assert submission.versions, submission.id
        decided = session.scalars(select(Decision).where(Decision.submission_id == submission.id))
        if submission.state in (SubmissionState.APPROVED.value, SubmissionState.REJECTED.value):
            assert list(decided), submission.id
    spent = sum((r.total_t for r in registrations), Decimal(0))
    assert offset_total(session) == offset0 + spent
    return len(versions), len(registrations)


def test_killing_a_worker_anywhere_loses_nothing(pg_engine: Engine, tmp_path: Path) -> None:
    storage = Storage(tmp_path / "uploads")
    url = pg_engine.url.render_as_string(hide_password=False)
    with session_factory(pg_engine)() as session:
        before = lot_totals(session)
        offset0 = offset_total(session)
    rng = random.Random(6)
    steps_seen = 0
    progress = []
    for _ in range(KILLS):
        worker = subprocess.Popen(
            [sys.executable, "-m", "tests.security.worker", url, str(storage.root)],
            cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        assert worker.stdout is not None
        for _ in range(rng.randint(1, 9)):
            line = worker.stdout.readline()
            assert line, "the worker died"
            assert line != "done\n", "the worker ran out of work"
            steps_seen += 1
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        worker.stdout.close()
        with session_factory(pg_engine)() as session:
            progress.append(check_invariants(session, storage, before, offset0))
    assert steps_seen >= KILLS
    assert progress[-1][0] > progress[0][0]  # work went on between kills
    assert progress[-1][1] >= 1  # and approvals were registered
