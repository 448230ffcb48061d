"""Two reviewers approve applications sharing lots at the same moment: nothing is over-spent.

Each approval runs in its own thread on its own connection; a barrier releases
them together. On PostgreSQL the lots are locked FOR UPDATE, on SQLite the
database is locked for writing (BEGIN IMMEDIATE).
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from intake.application import Report
from intake.db import session_factory
from intake.registry.models import CcerLot, Entity, LotStatus
from intake.review.decisions.operations import approve, submit
from intake.review.errors import ReviewError
from intake.review.registrations.models import Cancellation, Registration
from intake.review.submissions.models import Submission, SubmissionState
from intake.review.submissions.operations import create_from_form
from tests.fixtures.review import application, make_user, stamp

D = Decimal
ROUNDS = 6


def _entity(session: Session, index: int, lots: list[str]) -> str:
    uscc = f"91110000MA{index:07d}X"
    session.add(Entity(uscc=uscc, name=f"单位{index}", province="山西省", accounts_bound=True))
    session.flush()
    for quantity in lots:
        session.add(
            CcerLot(uscc=uscc, project_number="2075", quantity_t=D(quantity), status="待抵销")
        )
    session.commit()
    return uscc


def _submitted(session: Session, uscc: str, year: int, quantity: str) -> int:
    user = make_user(session, f"e{uscc}{year}", "enterprise", uscc=uscc)
    app = application(uscc, year, [("2075", quantity)])
    report = Report(file=None, application=app, problems=[])
    submission = stamp(
        session, None, create_from_form(session, user=user, report=report)
    ).submission
    submit(session, submission, user)
    return submission.id


def _approve_together(engine: Engine, reviewer_id: int, submission_ids: list[int]) -> list[str]:
    """Approve each submission in its own thread, all released at once; the outcomes."""
    barrier = threading.Barrier(len(submission_ids))
    outcomes: list[str] = ["" for _ in submission_ids]
    factory = session_factory(engine)

    def run(slot: int, submission_id: int) -> None:
        with factory() as session:
            from intake.accounts.models import User

            reviewer = session.get(User, reviewer_id)
            submission = session.get(Submission, submission_id)
            assert reviewer is not None
            assert submission is not None
            session.commit()  # end the read transaction: the approval starts its own
            barrier.wait()
            try:
                approve(session, submission, reviewer, version=submission.submitted_version)
                outcomes[slot] = "approved"
            except ReviewError as error:
                outcomes[slot] = str(error)

    threads = [
        threading.Thread(target=run, args=(slot, sid)) for slot, sid in enumerate(submission_ids)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _totals(session: Session, uscc: str) -> dict[str, Decimal]:
    session.expire_all()
    totals: dict[str, Decimal] = {s.value: D(0) for s in LotStatus}
    for lot in session.scalars(select(CcerLot).where(CcerLot.uscc == uscc)):
        totals[lot.status] += lot.quantity_t
    return totals


@pytest.mark.parametrize("db_url", ["postgresql", "sqlite"], indirect=True)
def test_concurrent_approvals_over_shared_lots_never_overspend(
    engine: Engine, session: Session
) -> None:
    reviewer = make_user(session, "shanxi", "province", province="山西省")
    session.commit()
    for index in range(ROUNDS):
        uscc = _entity(session, index, ["6000", "4000"])
        ids = [_submitted(session, uscc, 2021, "7000"), _submitted(session, uscc, 2022, "6000")]
        outcomes = _approve_together(engine, reviewer.id, ids)
        assert sorted(outcomes, key=len)[0] == "approved"
        refused = [o for o in outcomes if o != "approved"]
        assert len(refused) == 1
        assert refused[0].startswith("待抵销 CCER 不足，不能登记：项目 2075 申请注销")
        totals = _totals(session, uscc)
        winner = ids[outcomes.index("approved")]
        spent = D("7000") if winner == ids[0] else D("6000")
        assert totals == {"待抵销": D(10000) - spent, "已抵销": spent, "已召回": D(0)}
        states = {
            s.id: s.state for s in session.scalars(select(Submission).where(Submission.id.in_(ids)))
        }
        assert sorted(states.values()) == [SubmissionState.APPROVED, SubmissionState.SUBMITTED]
        registered = session.scalars(select(Registration).where(Registration.uscc == uscc)).all()
        assert [r.submission_id for r in registered] == [winner]


@pytest.mark.parametrize("db_url", ["postgresql", "sqlite"], indirect=True)
def test_concurrent_approvals_that_fit_both_succeed_and_split_in_turn(
    engine: Engine, session: Session
) -> None:
    reviewer = make_user(session, "shanxi", "province", province="山西省")
    session.commit()
    for index in range(ROUNDS):
        uscc = _entity(session, index, ["10000"])
        ids = [_submitted(session, uscc, 2021, "5000"), _submitted(session, uscc, 2022, "4000")]
        assert _approve_together(engine, reviewer.id, ids) == ["approved", "approved"]
        assert _totals(session, uscc) == {"待抵销": D(1000), "已抵销": D(9000), "已召回": D(0)}
        cancelled = session.scalars(
            select(Cancellation.quantity_t).join(Registration).where(Registration.uscc == uscc)
        ).all()
        assert sorted(cancelled) == [D(4000), D(5000)]
