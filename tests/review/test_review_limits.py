"""Limits the review operations enforce themselves, whatever form or client called them."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.review.decisions import operations as decisions
from intake.review.decisions.models import NOTE_FIELD_MAX, NOTE_TEXT_MAX, ReviewNote
from intake.review.decisions.operations import submit
from intake.review.errors import ReviewError
from tests.fixtures.review import MakeSubmission, Users


def test_a_note_longer_than_allowed_is_refused_in_chinese(
    registry_session: Session, users: Users, make_submission: MakeSubmission
) -> None:
    submission = make_submission()
    submit(registry_session, submission, users.enterprise)
    with pytest.raises(ReviewError, match="审核意见不能超过 2000 个字符"):
        decisions.add_note(registry_session, submission, users.reviewer, "长" * 10_000)
    with pytest.raises(ReviewError, match="所涉栏目无效"):
        decisions.add_note(
            registry_session, submission, users.reviewer, "见下", "x" * (NOTE_FIELD_MAX + 1)
        )
    decisions.add_note(
        registry_session, submission, users.reviewer, "长" * NOTE_TEXT_MAX, "f" * NOTE_FIELD_MAX
    )
    note = registry_session.scalars(select(ReviewNote)).one()
    assert (len(note.text), len(note.field or "")) == (NOTE_TEXT_MAX, NOTE_FIELD_MAX)
