"""What must hold before review changes state: who acts, in which state, on which version."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.accounts.models import Role, User
from intake.registry.models import Entity
from intake.review.audit import Action
from intake.review.decisions.models import Decision
from intake.review.errors import ReviewError
from intake.review.models import AuditEntry
from intake.review.submissions.models import (
    STATE_NAMES,
    CheckState,
    Submission,
    SubmissionState,
    Version,
)
from intake.verify.catalogue import BLOCKING_CODES


def entity_province(session: Session, submission: Submission) -> str | None:
    """The province that reviews the submission: the entity's, else the one its 声明 names."""
    entity = session.get(Entity, submission.uscc)
    if entity is not None:
        return entity.province
    # Kept in step with the newest version by ``operations``: no JSON to decode.
    return submission.declared_province


def locked_submission(session: Session, submission_id: int) -> Submission:
    """The submission read again under a row lock (ReviewError when it is gone)."""
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


def require_state(submission: Submission, state: SubmissionState, doing: str) -> None:
    """Refuse (ReviewError) unless the submission is in this state."""
    if submission.state != state.value:
        name = STATE_NAMES.get(submission.state, submission.state)
        raise ReviewError(f"该申请当前状态为“{name}”，不能{doing}")


def require_reviewer(session: Session, submission: Submission, user: User) -> None:
    """Refuse (ReviewError) unless the user reviews the submission's province."""
    if user.role != Role.PROVINCE or user.province != entity_province(session, submission):
        raise ReviewError("只有该单位所在省级主管部门的审核人员可以审核此申请")


def checked_version(submission: Submission) -> Version:
    """The latest version, checked and readable, or ReviewError."""
    version = submission.latest
    if version is None or version.check_state != CheckState.DONE.value:
        raise ReviewError("申请的最新版本尚未完成自动检查")
    if version.application_json is None:
        raise ReviewError("申请的最新版本无法读取，请重新上传申请表")
    return version


def blocking_problems(version: Version) -> list[str]:
    """The messages of the version's problems that forbid submitting or approving it."""
    report = version.report
    problems = report.problems if report is not None else []
    return [p.message or p.code for p in problems if p.code in BLOCKING_CODES]


def require_submittable(version: Version) -> None:
    """Refuse (ReviewError) a version that cannot be handed in as it is."""
    if blocking := blocking_problems(version):
        raise ReviewError("该版本不能提交：" + "；".join(blocking))
    if version.is_online_form:
        if version.copy_sha256 is None:
            raise ReviewError(
                "在线填写的申请须上传打印并加盖公章的申请表（扫描件、照片或扫描 PDF）后才能提交"
            )
        if version.copy_application_json is None:
            raise ReviewError("盖章件无法读取，请重新上传清晰的盖章件")


def decided_version(submission: Submission, shown: int | None) -> Version:
    """The submitted version, when it is the one the reviewer was shown (ReviewError otherwise).

    A decision is taken on what was handed in and looked at, never on anything else.
    """
    version = checked_version(submission)
    if submission.submitted_version != version.number:
        raise ReviewError("提交审核的版本已发生变化，请刷新页面后重新审核")
    if shown != version.number:
        raise ReviewError(
            f"审核页面显示的是第 {shown} 版，当前提交审核的是第 {version.number} 版，"
            "请刷新页面后重新审核"
        )
    return version


def ever_submitted(session: Session, submission: Submission) -> bool:
    """True when the application was handed in at least once (the audit log says so)."""
    query = select(AuditEntry.id).where(
        AuditEntry.submission_id == submission.id, AuditEntry.action == Action.SUBMIT
    )
    return session.scalar(query.limit(1)) is not None


def already_decided(session: Session, version: Version) -> bool:
    """True when a decision was already taken on this version."""
    return session.scalar(select(Decision.id).where(Decision.version_id == version.id)) is not None


def refuse_second_live(session: Session, submission: Submission) -> None:
    """Refuse (ReviewError) a second live or approved application of the entity for the year."""
    query = select(Submission.id).where(
        Submission.uscc == submission.uscc,
        Submission.year == submission.year,
        Submission.id != submission.id,
        Submission.state.in_([SubmissionState.SUBMITTED.value, SubmissionState.APPROVED.value]),
    )
    if session.scalar(query) is not None:
        raise ReviewError(f"本单位 {submission.year} 年度已有待审核或已通过的申请，不能重复提交")
