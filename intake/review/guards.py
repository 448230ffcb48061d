"""What must hold before review changes state: who acts, in which state, on which version."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.accounts.models import Role, User
from intake.registry.models import Entity
from intake.review.models import CheckState, Submission, SubmissionState, Version
from intake.review.records import Decision
from intake.review.registration import ReviewError

STATE_NAMES = {"draft": "草稿", "submitted": "待审核", "approved": "已通过", "rejected": "已驳回"}


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
