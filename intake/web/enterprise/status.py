"""Where an application stands in review, as the enterprise's pages show it and act on it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, url_for
from werkzeug.wrappers import Response

from intake.forms.review import ActionForm
from intake.review import decisions
from intake.review.models import CheckState, Submission, SubmissionState, Version
from intake.review.records import Decision, DecisionKind
from intake.web.database import db

# One word per state on every page (the review module's filters and messages use the same).
STATE_LABELS = {"draft": "草稿", "submitted": "待审核", "approved": "已通过", "rejected": "已驳回"}
# Until a decision, and once approved, the application is not the enterprise's to change.
LOCKED = (SubmissionState.SUBMITTED.value, SubmissionState.APPROVED.value)


@dataclass(frozen=True)
class ReviewStatus:
    """What the enterprise may do with an application now, and the rejection to correct."""

    state: str
    editable: bool
    can_submit: bool
    rejection: Decision | None
    rejected_number: int | None
    form: ActionForm

    @property
    def label(self) -> str:
        """The state in Chinese."""
        return STATE_LABELS.get(self.state, self.state)


def review_status(submission: Submission, version: Version | None = None) -> ReviewStatus:
    """The status of the submission, seen from one of its versions (the latest by default)."""
    latest = submission.latest
    shown = version or latest
    checked = (
        shown is not None
        and shown is latest
        and shown.check_state == CheckState.DONE.value
        and shown.application_json is not None
    )
    rejection = _last_rejection(submission)
    numbers = {v.id: v.number for v in submission.versions}
    return ReviewStatus(
        state=submission.state,
        editable=submission.state not in LOCKED,
        can_submit=checked and submission.state == SubmissionState.DRAFT.value,
        rejection=rejection,
        rejected_number=numbers.get(rejection.version_id) if rejection is not None else None,
        form=ActionForm(),
    )


def _last_rejection(submission: Submission) -> Decision | None:
    """The latest decision when it is a rejection the enterprise has not yet answered."""
    if submission.state not in (SubmissionState.REJECTED.value, SubmissionState.DRAFT.value):
        return None
    found = decisions.decisions_of(db(), submission.id)
    if found and found[-1].kind == DecisionKind.REJECTED.value:
        return found[-1]
    return None


def refuse_change(submission: Submission) -> Response | None:
    """A redirect with the reason when the application cannot take a new version now."""
    db().refresh(submission)  # another request (a reviewer, a submit) may have changed it
    if submission.state not in LOCKED:
        return None
    if submission.state == SubmissionState.SUBMITTED.value:
        flash("申请正在审核中，审核结束前不能修改；如被驳回，可按审核意见修改后重新提交", "error")
    else:
        flash("申请已审核通过并完成抵销登记，不能再修改", "error")
    return redirect(url_for("enterprise.submission", submission_id=submission.id))
