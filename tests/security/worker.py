"""A worker that submits, checks, submits for review and approves applications in a loop.

``python -m tests.security.worker DB_URL STORE_DIR`` prints a line after every step, so a
test can SIGKILL it at any point of an operation and then check the invariants.
"""

from __future__ import annotations

import dataclasses
import sys
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.accounts.models import User
from intake.accounts.operations import find_user
from intake.application import Application, CcerRow, Report
from intake.checking import parse_report
from intake.db import make_engine, session_factory
from intake.registry.models import CcerLot, Entity, LotStatus
from intake.review.decisions import operations as decisions
from intake.review.errors import ReviewError
from intake.review.submissions import operations
from intake.review.submissions.models import Submission, SubmissionState
from intake.storage import Storage
from tests.fixtures.data import FORMS

FORM = FORMS / "v01.docx"


def step(name: str) -> None:
    """Say a step is done (the test kills after a random number of these)."""
    sys.stdout.write(name + "\n")
    sys.stdout.flush()


def decide(session: Session, submission: Submission) -> None:
    """Approve the submission, or reject it when the lots no longer cover it."""
    reviewer = reviewer_of(session, submission.uscc)
    try:
        decisions.approve(
            session, submission, reviewer, version=submission.submitted_version, comment="ok"
        )
        step("approved")
    except ReviewError:
        session.rollback()
        decisions.reject(
            session,
            submission,
            reviewer,
            version=submission.submitted_version,
            comment="not enough",
        )
        step("rejected")


def reviewer_of(session: Session, uscc: str) -> User:
    """The worker's reviewer of the entity's province."""
    entity = session.get(Entity, uscc)
    assert entity is not None
    found = find_user(session, f"w-province-{entity.province}")
    assert found is not None
    return found


def next_case(session: Session, base: Application) -> tuple[User, Application] | None:
    """An entity and year with pending lots and no live or approved application, and its form."""
    taken = {
        (s.uscc, s.year)
        for s in session.scalars(
            select(Submission).where(Submission.state.in_(("submitted", "approved")))
        )
    }
    lots = select(CcerLot).where(CcerLot.status == LotStatus.PENDING.value).order_by(CcerLot.id)
    for lot in session.scalars(lots):
        for year in (2021, 2022):
            if (lot.uscc, year) in taken:
                continue
            owner = find_user(session, f"w-{lot.uscc}")
            if owner is None:
                continue
            quantity = Decimal(1 + lot.id % 3)
            application = dataclasses.replace(
                base,
                uscc=lot.uscc,
                year=year,
                offset_requested_t=quantity,
                ccer_rows=[CcerRow(quantity, lot.project_number)],
            )
            return owner, application
    return None


def main(url: str, store_dir: str) -> None:
    """Loop until killed (or nothing is left to approve): upload, check, submit, decide."""
    engine = make_engine(url)
    storage = Storage(Path(store_dir))
    base = parse_report(FORM).application
    assert base is not None
    with session_factory(engine)() as session:
        # Recover what a killed worker left half way: decide every submitted application.
        live = select(Submission).where(Submission.state == SubmissionState.SUBMITTED.value)
        for submission in session.scalars(live).all():
            decide(session, submission)
        index = 0
        while (case := next_case(session, base)) is not None:
            owner, application = case
            index += 1
            data = FORM.read_bytes() + f"\n{index}-{id(session)}-{application.uscc}".encode()
            version = operations.create_from_upload(
                session, storage, user=owner, data=data, filename="v01.docx"
            )
            step("uploaded")
            operations.start_check(session, version)
            operations.record_check(
                session, version, Report(file="v01.docx", application=application)
            )
            step("checked")
            decisions.submit(session, version.submission, owner)
            step("submitted")
            decide(session, version.submission)
    step("done")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
