"""The demo loads applications in every state, made through the review operations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from intake import create_app
from intake.demo import DEMO_TODAY, demo_config, load_demo
from intake.review.models import Submission
from intake.review.records import Notice, Registration
from intake.web.database import sessions


def test_demo_has_every_state_in_several_provinces_and_runs_before_the_deadline(
    tmp_path: Path,
) -> None:
    app = create_app({**demo_config(), "TESTING": True, "INSTANCE_PATH": str(tmp_path)})
    load_demo(app, applications=True)
    load_demo(app, applications=True)  # a second start adds nothing
    assert app.config["INTAKE_SETTINGS"].today == DEMO_TODAY < dt.date(2023, 12, 15)
    with sessions(app)() as session:
        submissions = list(session.scalars(select(Submission)))
        states = {s.state for s in submissions}
        assert states == {"draft", "submitted", "approved", "rejected"}
        assert len(submissions) >= 10
        approved = [s for s in submissions if s.state == "approved"]
        registered = list(session.scalars(select(Registration)))
        assert {r.submission_id for r in registered} == {s.id for s in approved}
        rejected = [s.uscc for s in submissions if s.state == "rejected"]
        notices = session.scalars(select(Notice.uscc).where(Notice.title.contains("驳回")))
        assert sorted(notices) == sorted(rejected)
    app.extensions["intake.engine"].dispose()
