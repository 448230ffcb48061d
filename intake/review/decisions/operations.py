"""Every change of state of review: submit, note, approve, reject; each in one transaction.

draft → submitted → approved | rejected; a rejected submission gets a new version
(``intake.review.submissions.operations.add_version`` puts it back to draft) and is submitted
again. A rejection sends back, in one go, every automatic problem of the version
and every note of the reviewer; an approval with an error standing needs a reason
for overriding each error, and registers the offset in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from intake.accounts.models import User
from intake.application import Application
from intake.review import audit
from intake.review.audit import Action, Actor
from intake.review.decisions.guards import (
    already_decided,
    blocking_problems,
    checked_version,
    decided_version,
    ever_submitted,
    locked_submission,
    refuse_second_live,
    require_reviewer,
    require_state,
    require_submittable,
)
from intake.review.decisions.items import (
    auto_items,
    decision_notice,
    draft_notes,
    note_item,
    override_notes,
)
from intake.review.decisions.models import (
    NOTE_FIELD_MAX,
    NOTE_TEXT_MAX,
    Decision,
    DecisionKind,
    NoteKind,
    ReviewNote,
)
from intake.review.errors import ReviewError
from intake.review.models import Notice
from intake.review.registrations.operations import lock_for_write, register
from intake.review.submissions.models import Submission, SubmissionState, Version
from intake.review.submissions.operations import require_owner, transaction

__all__ = [
    "DecisionResult",
    "add_note",
    "approve",
    "delete_note",
    "discard",
    "reject",
    "submit",
    "withdraw",
]


@dataclass(frozen=True)
class DecisionResult:
    """What a decision wrote: the decision and the notice for the enterprise."""

    decision: Decision
    notice: Notice


def submit(session: Session, submission: Submission, user: User, address: str = "") -> None:
    """The enterprise hands in its latest version for review (draft → submitted)."""
    with transaction(session):
        lock_for_write(session)
        submission = locked_submission(session, submission.id)
        require_owner(submission, user)
        require_state(submission, SubmissionState.DRAFT, "提交")
        version = checked_version(submission)
        if already_decided(session, version):
            raise ReviewError("该版本已被驳回，请修改后上传新版本再提交")
        if submission.year is None:
            raise ReviewError("无法确定申请年度，请检查申请表")
        require_submittable(version)
        refuse_second_live(session, submission)
        submission.state = SubmissionState.SUBMITTED.value
        submission.submitted_version = version.number
        _record(session, user, address, Action.SUBMIT, submission, version.number)


def withdraw(session: Session, submission: Submission, user: User, address: str = "") -> None:
    """The enterprise takes back an application before the decision (submitted → withdrawn).

    Its CCER are no longer spoken for; a new version can then be made and submitted.
    """
    with transaction(session):
        lock_for_write(session)
        submission = locked_submission(session, submission.id)
        require_owner(submission, user)
        require_state(submission, SubmissionState.SUBMITTED, "撤回")
        number = submission.submitted_version
        submission.state = SubmissionState.WITHDRAWN.value
        submission.submitted_version = None
        _record(session, user, address, Action.WITHDRAW, submission, number)


def discard(session: Session, submission: Submission, user: User, address: str = "") -> None:
    """The enterprise deletes a draft it never submitted (draft → discarded).

    Nothing is erased: the application is hidden, its files and the log are kept.
    """
    with transaction(session):
        lock_for_write(session)
        submission = locked_submission(session, submission.id)
        require_owner(submission, user)
        require_state(submission, SubmissionState.DRAFT, "删除")
        if ever_submitted(session, submission):
            raise ReviewError("该申请已提交过审核，不能删除；不再需要时可保持草稿状态")
        submission.state = SubmissionState.DISCARDED.value
        _record(session, user, address, Action.DISCARD, submission, submission.latest_version)


def _record(
    session: Session,
    user: User,
    address: str,
    action: str,
    submission: Submission,
    number: int | None,
    **details: Any,
) -> None:
    """Audit an action of the applicant on one version of its application."""
    audit.record(
        session,
        Actor.of(user, address),
        action,
        submission_id=submission.id,
        target=f"第 {number} 版",
        details={"version": number, **details},
    )


def add_note(
    session: Session, submission: Submission, user: User, text: str, field: str | None = None
) -> ReviewNote:
    """A reviewer writes down one point about the latest version, before deciding."""
    text = text.strip()
    if not text:
        raise ReviewError("审核意见不能为空")
    if len(text) > NOTE_TEXT_MAX:
        raise ReviewError(f"审核意见不能超过 {NOTE_TEXT_MAX} 个字符")
    if field is not None and len(field) > NOTE_FIELD_MAX:
        raise ReviewError("所涉栏目无效")
    with transaction(session):
        require_reviewer(session, submission, user)
        require_state(submission, SubmissionState.SUBMITTED, "添加审核意见")
        version = checked_version(submission)
        note = ReviewNote(
            submission_id=submission.id,
            version_id=version.id,
            author_id=user.id,
            kind=NoteKind.NOTE.value,
            field=(field or None),
            text=text,
        )
        session.add(note)
        session.flush()
    return note


def delete_note(session: Session, note: ReviewNote, user: User) -> None:
    """Withdraw a note not yet sent; a note sent with a decision is kept as written."""
    if note.decision_id is not None:
        raise ReviewError("审核意见已随审核决定发出，不能修改或删除")
    with transaction(session):
        if note.author_id != user.id:
            raise ReviewError("只能删除自己填写的审核意见")
        session.delete(note)


def _new_decision(
    submission: Submission, version: Version, user: User, kind: DecisionKind
) -> Decision:
    return Decision(
        submission_id=submission.id, version_id=version.id, kind=kind.value, decided_by=user.id
    )


def _attach(session: Session, notes: list[ReviewNote], decision: Decision) -> None:
    """Send the notes with the decision; from now on they are kept as written."""
    for note in notes:
        note.decision_id = decision.id
        session.add(note)


def _deciding(
    session: Session, submission: Submission, user: User, version: int | None, doing: str
) -> tuple[Submission, Version]:
    """The opening of every decision, inside its transaction: the submission, locked, and the
    version shown to the reviewer.

    Takes the write lock on the lots first, then refuses (ReviewError) unless ``user`` reviews
    the submission, it is submitted, and ``version`` is the number of the version handed in.
    """
    lock_for_write(session)
    locked = locked_submission(session, submission.id)
    require_reviewer(session, locked, user)
    require_state(locked, SubmissionState.SUBMITTED, doing)
    return locked, decided_version(locked, version)


def approve(
    session: Session,
    submission: Submission,
    user: User,
    *,
    version: int | None,
    overrides: Mapping[str, str] | None = None,
    comment: str = "",
    address: str = "",
) -> DecisionResult:
    """Approve the submitted version (the one shown) and register it, or change nothing.

    ``version`` is the number of the version the reviewer was shown; the decision is
    refused (ReviewError) unless it is the one handed in for review.
    """
    with transaction(session):
        submission, shown = _deciding(session, submission, user, version, "审核通过")
        if blocking := blocking_problems(shown):
            raise ReviewError("该版本不能审核通过：" + "；".join(blocking))
        if submission.year is None:
            raise ReviewError("无法确定申请年度")
        notes = [*override_notes(submission, shown, user, overrides or {})]
        notes += draft_notes(session, shown)
        decision = _new_decision(submission, shown, user, DecisionKind.APPROVED)
        decision.comment = comment.strip()
        decision.items = auto_items(shown) + [note_item(n) for n in notes]
        session.add(decision)
        session.flush()
        application = Application.from_json(shown.application_json or {})
        registration = register(session, decision, submission.uscc, submission.year, application)
        _attach(session, notes, decision)
        submission.state = SubmissionState.APPROVED.value
        actor = Actor.of(user, address)
        audit.record(
            session,
            actor,
            Action.APPROVE,
            submission_id=submission.id,
            target=f"第 {shown.number} 版",
            details={
                "version": shown.number,
                "decision": decision.id,
                "overrides": [n.code for n in notes if n.code],
            },
        )
        audit.record(
            session,
            actor,
            Action.REGISTER,
            submission_id=submission.id,
            target=registration.number,
            details={"version": shown.number, "total_t": format(registration.total_t, "f")},
        )
        notice = decision_notice(session, submission, decision, application, registration.number)
    return DecisionResult(decision, notice)


def reject(
    session: Session,
    submission: Submission,
    user: User,
    *,
    version: int | None,
    notes: list[tuple[str | None, str]] | None = None,
    comment: str = "",
    address: str = "",
) -> DecisionResult:
    """Send the submitted version (the one shown) back with every problem and every note."""
    with transaction(session):
        submission, shown = _deciding(session, submission, user, version, "驳回")
        written = draft_notes(session, shown)
        for field, text in notes or []:
            if text.strip():
                written.append(
                    ReviewNote(
                        submission_id=submission.id,
                        version_id=shown.id,
                        author_id=user.id,
                        kind=NoteKind.NOTE.value,
                        field=field or None,
                        text=text.strip(),
                    )
                )
        items = auto_items(shown)
        if not written and not any(i["severity"] == "error" for i in items):
            raise ReviewError("自动检查未发现错误，驳回时请至少写明一条理由")
        decision = _new_decision(submission, shown, user, DecisionKind.REJECTED)
        decision.comment = comment.strip()
        decision.items = items + [note_item(n) for n in written]
        session.add(decision)
        session.flush()
        _attach(session, written, decision)
        submission.state = SubmissionState.REJECTED.value
        audit.record(
            session,
            Actor.of(user, address),
            Action.REJECT,
            submission_id=submission.id,
            target=f"第 {shown.number} 版",
            details={
                "version": shown.number,
                "decision": decision.id,
                "items": len(decision.items),
            },
        )
        application = Application.from_json(shown.application_json or {})
        notice = decision_notice(session, submission, decision, application, None)
    return DecisionResult(decision, notice)
