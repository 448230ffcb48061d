"""Every change of state of review: submit, note, approve, reject; each in one transaction.

draft → submitted → approved | rejected; a rejected submission gets a new version
(``intake.review.operations.add_version`` puts it back to draft) and is submitted
again. A rejection sends back, in one go, every automatic problem of the version
and every note of the reviewer; an approval with an error standing needs a reason
for overriding each error, and registers the offset in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.accounts.models import Role, User
from intake.application import Application, Problem, Report
from intake.registry.models import Entity
from intake.review import audit, notify
from intake.review.audit import Action, Actor
from intake.review.models import CheckState, Submission, SubmissionState, Version
from intake.review.operations import transaction
from intake.review.records import (
    Decision,
    DecisionKind,
    NoteKind,
    Notice,
    ProjectVerification,
    ReviewNote,
    utcnow,
)
from intake.review.registration import (
    RegistrationError,
    ReviewError,
    lock_for_write,
    register,
)

__all__ = [
    "DecisionResult",
    "RegistrationError",
    "ReviewError",
    "add_note",
    "approve",
    "delete_note",
    "draft_notes",
    "mark_project",
    "problem_key",
    "reject",
    "standing_errors",
    "submit",
]

STATE_NAMES = {"draft": "草稿", "submitted": "待审核", "approved": "已通过", "rejected": "已驳回"}


@dataclass(frozen=True)
class DecisionResult:
    """What a decision wrote: the decision and the notice for the enterprise."""

    decision: Decision
    notice: Notice


def problem_key(problem: Problem) -> str:
    """A stable key of an automatic problem on a version, for the override form."""
    return f"{problem.code}@{problem.field or ''}"


def report_of(version: Version) -> Report | None:
    """The version's stored report, or None while it has not been checked."""
    return Report.from_json(version.report_json) if version.report_json else None


def standing_errors(version: Version) -> list[Problem]:
    """The automatic errors of the version that a reviewer must override to approve."""
    report = report_of(version)
    return report.errors if report is not None else []


def entity_province(session: Session, submission: Submission) -> str | None:
    """The province that reviews the submission: the entity's, else the one its 声明 names."""
    entity = session.get(Entity, submission.uscc)
    if entity is not None:
        return entity.province
    # Kept in step with the newest version by ``operations``: no JSON to decode.
    return submission.declared_province


def _locked_submission(session: Session, submission_id: int) -> Submission:
    query = (
        select(Submission)
        .where(Submission.id == submission_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    submission = session.scalar(query)
    if submission is None:
        raise ReviewError("申请不存在")
    return submission


def _require_state(submission: Submission, state: SubmissionState, doing: str) -> None:
    if submission.state != state.value:
        name = STATE_NAMES.get(submission.state, submission.state)
        raise ReviewError(f"该申请当前状态为“{name}”，不能{doing}")


def _require_reviewer(session: Session, submission: Submission, user: User) -> None:
    if user.role != Role.PROVINCE or user.province != entity_province(session, submission):
        raise ReviewError("只有该单位所在省级主管部门的审核人员可以审核此申请")


def _checked_version(submission: Submission) -> Version:
    version = submission.latest
    if version is None or version.check_state != CheckState.DONE.value:
        raise ReviewError("申请的最新版本尚未完成自动检查")
    if version.application_json is None:
        raise ReviewError("申请的最新版本无法读取，请重新上传申请表")
    return version


def submit(session: Session, submission: Submission, user: User, address: str = "") -> None:
    """The enterprise hands in its latest version for review (also after a rejection)."""
    with transaction(session):
        lock_for_write(session)
        submission = _locked_submission(session, submission.id)
        if user.role != Role.ENTERPRISE or user.uscc != submission.uscc:
            raise ReviewError("只有申请单位本身可以提交申请")
        _require_state(submission, SubmissionState.DRAFT, "提交")
        version = _checked_version(submission)
        if _already_decided(session, version):
            raise ReviewError("该版本已被驳回，请修改后上传新版本再提交")
        if submission.year is None:
            raise ReviewError("无法确定申请年度，请检查申请表")
        _refuse_second_live(session, submission)
        submission.state = SubmissionState.SUBMITTED.value
        audit.record(
            session,
            Actor.of(user, address),
            Action.SUBMIT,
            submission_id=submission.id,
            target=f"第 {version.number} 版",
            details={"version": version.number},
        )


def _already_decided(session: Session, version: Version) -> bool:
    return session.scalar(select(Decision.id).where(Decision.version_id == version.id)) is not None


def _refuse_second_live(session: Session, submission: Submission) -> None:
    query = select(Submission.id).where(
        Submission.uscc == submission.uscc,
        Submission.year == submission.year,
        Submission.id != submission.id,
        Submission.state.in_([SubmissionState.SUBMITTED.value, SubmissionState.APPROVED.value]),
    )
    if session.scalar(query) is not None:
        raise ReviewError(f"本单位 {submission.year} 年度已有待审核或已通过的申请，不能重复提交")


def draft_notes(session: Session, version: Version) -> list[ReviewNote]:
    """The reviewer's notes on the version not yet sent with a decision."""
    query = select(ReviewNote).where(
        ReviewNote.version_id == version.id, ReviewNote.decision_id.is_(None)
    )
    return list(session.scalars(query.order_by(ReviewNote.id)))


def add_note(
    session: Session, submission: Submission, user: User, text: str, field: str | None = None
) -> ReviewNote:
    """A reviewer writes down one point about the latest version, before deciding."""
    text = text.strip()
    if not text:
        raise ReviewError("审核意见不能为空")
    with transaction(session):
        _require_reviewer(session, submission, user)
        _require_state(submission, SubmissionState.SUBMITTED, "添加审核意见")
        version = _checked_version(submission)
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


def _auto_items(version: Version) -> list[dict[str, Any]]:
    report = report_of(version)
    problems = report.problems if report is not None else []
    return [
        {
            "source": "auto",
            "severity": p.severity,
            "code": p.code,
            "field": p.field,
            "message": p.message,
        }
        for p in problems
    ]


def _note_item(note: ReviewNote) -> dict[str, Any]:
    return {
        "source": "reviewer",
        "kind": note.kind,
        "code": note.code,
        "field": note.field,
        "message": note.text,
    }


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


def _override_notes(
    submission: Submission, version: Version, user: User, overrides: Mapping[str, str]
) -> list[ReviewNote]:
    errors = standing_errors(version)
    missing = [p for p in errors if not (overrides.get(problem_key(p)) or "").strip()]
    if missing:
        listed = "；".join(p.message for p in missing)
        raise ReviewError(f"尚有 {len(missing)} 项错误未说明放行理由，不能审核通过：{listed}")
    return [
        ReviewNote(
            submission_id=submission.id,
            version_id=version.id,
            author_id=user.id,
            kind=NoteKind.OVERRIDE.value,
            field=p.field,
            code=p.code,
            text=overrides[problem_key(p)].strip(),
        )
        for p in errors
    ]


def approve(
    session: Session,
    submission: Submission,
    user: User,
    *,
    overrides: Mapping[str, str] | None = None,
    comment: str = "",
    address: str = "",
) -> DecisionResult:
    """Approve the latest version and register the offset, or change nothing (ReviewError)."""
    with transaction(session):
        lock_for_write(session)
        submission = _locked_submission(session, submission.id)
        _require_reviewer(session, submission, user)
        _require_state(submission, SubmissionState.SUBMITTED, "审核通过")
        version = _checked_version(submission)
        if submission.year is None:
            raise ReviewError("无法确定申请年度")
        notes = [*_override_notes(submission, version, user, overrides or {})]
        notes += draft_notes(session, version)
        decision = _new_decision(submission, version, user, DecisionKind.APPROVED)
        decision.comment = comment.strip()
        decision.items = _auto_items(version) + [_note_item(n) for n in notes]
        session.add(decision)
        session.flush()
        application = Application.from_json(version.application_json or {})
        registration = register(session, decision, submission.uscc, submission.year, application)
        _attach(session, notes, decision)
        submission.state = SubmissionState.APPROVED.value
        actor = Actor.of(user, address)
        audit.record(
            session,
            actor,
            Action.APPROVE,
            submission_id=submission.id,
            target=f"第 {version.number} 版",
            details={"decision": decision.id, "overrides": [n.code for n in notes if n.code]},
        )
        audit.record(
            session,
            actor,
            Action.REGISTER,
            submission_id=submission.id,
            target=registration.number,
            details={"total_t": format(registration.total_t, "f")},
        )
        notice = _decision_notice(session, submission, decision, application, registration.number)
    return DecisionResult(decision, notice)


def reject(
    session: Session,
    submission: Submission,
    user: User,
    *,
    notes: list[tuple[str | None, str]] | None = None,
    comment: str = "",
    address: str = "",
) -> DecisionResult:
    """Send the latest version back with every automatic problem and every reviewer note."""
    with transaction(session):
        lock_for_write(session)
        submission = _locked_submission(session, submission.id)
        _require_reviewer(session, submission, user)
        _require_state(submission, SubmissionState.SUBMITTED, "驳回")
        version = _checked_version(submission)
        written = draft_notes(session, version)
        for field, text in notes or []:
            if text.strip():
                written.append(
                    ReviewNote(
                        submission_id=submission.id,
                        version_id=version.id,
                        author_id=user.id,
                        kind=NoteKind.NOTE.value,
                        field=field or None,
                        text=text.strip(),
                    )
                )
        items = _auto_items(version)
        if not written and not any(i["severity"] == "error" for i in items):
            raise ReviewError("自动检查未发现错误，驳回时请至少写明一条理由")
        decision = _new_decision(submission, version, user, DecisionKind.REJECTED)
        decision.comment = comment.strip()
        decision.items = items + [_note_item(n) for n in written]
        session.add(decision)
        session.flush()
        _attach(session, written, decision)
        submission.state = SubmissionState.REJECTED.value
        audit.record(
            session,
            Actor.of(user, address),
            Action.REJECT,
            submission_id=submission.id,
            target=f"第 {version.number} 版",
            details={"decision": decision.id, "items": len(decision.items)},
        )
        application = Application.from_json(version.application_json or {})
        notice = _decision_notice(session, submission, decision, application, None)
    return DecisionResult(decision, notice)


def _decision_notice(
    session: Session,
    submission: Submission,
    decision: Decision,
    application: Application,
    registration_number: str | None,
) -> Notice:
    year = submission.year or ""
    if decision.kind == DecisionKind.APPROVED:
        title = f"{year} 年度 CCER 抵销申请已审核通过"
        body = f"您的申请已审核通过并完成抵销登记（登记编号 {registration_number}）。"
    else:
        title = f"{year} 年度 CCER 抵销申请被驳回，请修改后重新提交"
        lines = [f"{i}. {item['message']}" for i, item in enumerate(decision.items, start=1)]
        body = "审核意见如下（一次性告知）：\n" + "\n".join(lines)
    if decision.comment:
        body += f"\n审核说明：{decision.comment}"
    return notify.add_notice(
        session,
        uscc=submission.uscc,
        submission_id=submission.id,
        title=title,
        body=body,
        email_to=application.contact_email,
    )


def decisions_of(session: Session, submission_id: int) -> list[Decision]:
    """The decisions on a submission, oldest first."""
    query = select(Decision).where(Decision.submission_id == submission_id)
    return list(session.scalars(query.order_by(Decision.decided_at, Decision.id)))


def mark_project(
    session: Session,
    project_number: str,
    user: User,
    *,
    verified: bool,
    note: str = "",
    address: str = "",
) -> ProjectVerification:
    """The ministry records whether a project number is verified; reviews show it from now on."""
    project_number = project_number.strip()
    if not project_number:
        raise ReviewError("项目编号不能为空")
    if user.role != Role.MINISTRY:
        raise ReviewError("只有主管部门（生态环境部）人员可以核验项目编号")
    with transaction(session):
        found = session.get(ProjectVerification, project_number)
        if found is None:
            found = ProjectVerification(project_number=project_number)
            session.add(found)
        found.verified = verified
        found.note = note.strip()
        found.verified_by = user.id
        found.verified_by_name = user.display_name or user.username
        found.verified_at = utcnow()
        audit.record(
            session,
            Actor.of(user, address),
            Action.VERIFY_PROJECT,
            target=project_number,
            details={"verified": verified, "note": found.note},
        )
    return found
