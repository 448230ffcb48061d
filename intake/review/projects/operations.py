"""The ministry's finding on a CCER project number, recorded with its audit entry."""

from __future__ import annotations

from sqlalchemy.orm import Session

from intake import clock
from intake.accounts.models import Role, User
from intake.review import audit
from intake.review.audit import Action, Actor
from intake.review.errors import ReviewError
from intake.review.projects.models import ProjectVerification
from intake.review.submissions.operations import transaction


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
        found.verified_at = clock.now_of(session)
        audit.record(
            session,
            Actor.of(user, address),
            Action.VERIFY_PROJECT,
            target=project_number,
            details={"verified": verified, "note": found.note},
        )
    return found
