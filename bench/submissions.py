"""Bulk-store applications as submitted submissions, for the benchmarks' national data."""

from __future__ import annotations

from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import Session

from intake.application import Application
from intake.review.submissions import operations
from intake.review.submissions.models import CheckState, Submission, SubmissionState, Version


def store_submitted(
    engine: Engine, apps: list[Application], reports: list[dict[str, object]] | None = None
) -> list[int]:
    """Every application as a submitted submission with one checked version; their ids."""
    ids = list(range(1, len(apps) + 1))
    with Session(engine) as session, session.begin():
        session.execute(
            insert(Submission),
            [
                {"id": i, "uscc": app.uscc, "year": app.year,
                 "state": SubmissionState.SUBMITTED.value}
                for i, app in zip(ids, apps, strict=True)
            ],
        )  # fmt: skip
        session.execute(
            insert(Version),
            [
                {
                    "id": i,
                    "submission_id": i,
                    "number": 1,
                    "application_json": app.to_json(with_sources=True),
                    "report_json": reports[i - 1] if reports is not None else None,
                    "check_state": CheckState.DONE.value,
                    "original_filename": f"{app.uscc}-{app.year}.docx",
                }
                for i, app in zip(ids, apps, strict=True)
            ],
        )
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            for sequence in ("submissions_id_seq", "versions_id_seq"):
                connection.execute(text("SELECT setval(:s, :n)"), {"s": sequence, "n": len(ids)})
    with Session(engine) as session:
        operations.summarize(session)  # the queue columns and claims the bulk insert left out
    return ids
