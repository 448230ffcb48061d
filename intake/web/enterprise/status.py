"""Where an application stands in review, as the enterprise's pages show it and act on it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, url_for
from werkzeug.wrappers import Response

from intake.forms.review import ActionForm
from intake.review.decisions.guards import ever_submitted, require_submittable
from intake.review.decisions.models import Decision, DecisionKind
from intake.review.decisions.queries import decisions_of
from intake.review.errors import ReviewError
from intake.review.submissions.models import (
    OPEN_STATES,
    STATE_NAMES,
    CheckState,
    Submission,
    SubmissionState,
    Version,
)
from intake.review.submissions.operations import require_open
from intake.web.database import db

# One word per state on every page (the review module's filters and messages use the same).
STATE_LABELS = STATE_NAMES


@dataclass(frozen=True)
class ReviewStatus:
    """What the enterprise may do with an application now, and the rejection to correct."""

    state: str
    editable: bool
    can_submit: bool
    can_withdraw: bool
    can_discard: bool
    # An online version without its stamped copy yet: it must be uploaded before submitting.
    needs_copy: bool
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
    draft = submission.state == SubmissionState.DRAFT.value
    return ReviewStatus(
        state=submission.state,
        editable=submission.state in OPEN_STATES,
        can_submit=checked and draft and latest is not None and _submittable(latest),
        can_withdraw=submission.state == SubmissionState.SUBMITTED.value,
        can_discard=draft and not ever_submitted(db(), submission),
        needs_copy=latest is not None
        and latest.is_online_form
        and latest.copy_sha256 is None
        and submission.state in OPEN_STATES,
        rejection=rejection,
        rejected_number=numbers.get(rejection.version_id) if rejection is not None else None,
        form=ActionForm(),
    )


def _submittable(version: Version) -> bool:
    """Whether ``decisions.submit`` would take the version as it is (its own guard says)."""
    try:
        require_submittable(version)
    except ReviewError:
        return False
    return True


def _last_rejection(submission: Submission) -> Decision | None:
    """The latest decision when it is a rejection the enterprise has not yet answered."""
    if submission.state not in (SubmissionState.REJECTED.value, SubmissionState.DRAFT.value):
        return None
    found = decisions_of(db(), submission.id)
    if found and found[-1].kind == DecisionKind.REJECTED.value:
        return found[-1]
    return None


def refuse_change(submission: Submission) -> Response | None:
    """A redirect with the reason when the application cannot take a new version now."""
    db().refresh(submission)  # another request (a reviewer, a submit) may have changed it
    try:
        require_open(submission)
    except ReviewError as error:
        flash(str(error), "error")
        return redirect(url_for("enterprise.submission", submission_id=submission.id))
    return None
