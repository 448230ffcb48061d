"""What a decision sends: automatic problems, reviewer notes, override reasons, the notice."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.accounts.models import User
from intake.application import Application, Problem
from intake.review import notify
from intake.review.decisions.models import Decision, DecisionKind, NoteKind, ReviewNote
from intake.review.errors import ReviewError
from intake.review.models import Notice
from intake.review.submissions.models import Submission, Version


def problem_key(problem: Problem) -> str:
    """A stable key of an automatic problem on a version, for the override form."""
    return f"{problem.code}@{problem.field or ''}"


def standing_errors(version: Version) -> list[Problem]:
    """The automatic errors of the version that a reviewer must override to approve."""
    report = version.report
    return report.errors if report is not None else []


def draft_notes(session: Session, version: Version) -> list[ReviewNote]:
    """The reviewer's notes on the version not yet sent with a decision."""
    query = select(ReviewNote).where(
        ReviewNote.version_id == version.id, ReviewNote.decision_id.is_(None)
    )
    return list(session.scalars(query.order_by(ReviewNote.id)))


def note_of(session: Session, submission: Submission, note_id: int) -> ReviewNote | None:
    """The note ``note_id`` when it was written on this submission, else None."""
    query = select(ReviewNote).where(
        ReviewNote.id == note_id, ReviewNote.submission_id == submission.id
    )
    return session.scalar(query)


def auto_items(version: Version) -> list[dict[str, Any]]:
    """The version's automatic problems as items of a decision."""
    report = version.report
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


def note_item(note: ReviewNote) -> dict[str, Any]:
    """A reviewer note as an item of a decision."""
    return {
        "source": "reviewer",
        "kind": note.kind,
        "code": note.code,
        "field": note.field,
        "message": note.text,
    }


def override_notes(
    submission: Submission, version: Version, user: User, overrides: Mapping[str, str]
) -> list[ReviewNote]:
    """One override note per standing error, or ReviewError when a reason is missing."""
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


def decision_notice(
    session: Session,
    submission: Submission,
    decision: Decision,
    application: Application,
    registration_number: str | None,
) -> Notice:
    """The notice telling the enterprise of the decision, by page and by email."""
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
