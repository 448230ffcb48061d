"""The formal letter of a decision: 审核意见告知书 (rejection) or 审核确认书 (approval).

Gathers what the letter says from the decision as it was sent (its items are kept
as written), the submission, the registry's entity and the registration; the
renderer (``intake.render.notice``) only lays it out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.accounts.models import Role, User
from intake.application import Application
from intake.review.decisions.guards import entity_province
from intake.review.decisions.models import Decision, DecisionKind
from intake.review.registrations.models import Registration
from intake.review.submissions.models import Submission, Version
from intake.verify.catalogue import label
from intake.verify.help import help_for

BEIJING = dt.timezone(dt.timedelta(hours=8))
# Municipalities and the 兵团 have a 生态环境局, the provinces and regions a 生态环境厅.
BUREAU_UNITS = frozenset({"北京市", "天津市", "上海市", "重庆市", "新疆生产建设兵团"})
PROCEDURE = "《2021、2022 年度全国碳市场重点排放单位使用 CCER 抵销配额清缴程序》"


@dataclass(frozen=True)
class Reason:
    """One matter the application does not meet: where, what, on what ground."""

    field: str
    message: str
    clause: str
    severity: str


@dataclass(frozen=True)
class Letter:
    """Everything the letter of one decision says."""

    decision_id: int
    approved: bool
    reference: str
    entity_name: str
    uscc: str
    year: int | None
    submission_id: int
    version: int
    authority: str
    decided_on: dt.date
    comment: str
    reasons: list[Reason] = field(default_factory=list)
    offset_t: Decimal | None = None
    registration: str | None = None
    rows: list[tuple[str, str]] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The letter's heading."""
        return "审核确认书" if self.approved else "审核意见告知书"

    @property
    def we(self) -> str:
        """How the department calls itself in the letter: 我厅 or 我局."""
        return "我局" if self.authority.endswith("局") else "我厅"

    @property
    def file_stem(self) -> str:
        """The name of the downloaded file, without its extension."""
        return f"{self.title}-{self.year or ''}-{self.uscc}-{self.reference}"


def authority(province: str | None) -> str:
    """The provincial department that signs: 山西省生态环境厅, 新疆生产建设兵团生态环境局."""
    if not province:
        return "省级生态环境主管部门"
    return province + ("生态环境局" if province in BUREAU_UNITS else "生态环境厅")


def may_read(session: Session, viewer: User, submission: Submission) -> bool:
    """True when the viewer may read the letters sent on the submission.

    The enterprise they were sent to, the province that decided, and, read only, the
    ministry and the administrators, who oversee every province.
    """
    if viewer.role == Role.ENTERPRISE:
        return viewer.uscc == submission.uscc
    if viewer.role == Role.PROVINCE:
        return viewer.province is not None and viewer.province == entity_province(
            session, submission
        )
    return viewer.role in (Role.MINISTRY, Role.ADMIN)


def letter_of(session: Session, decision: Decision) -> Letter:
    """The letter of a decision, read from the records as they were written."""
    submission = session.get(Submission, decision.submission_id)
    version = session.get(Version, decision.version_id)
    if submission is None or version is None:
        raise LookupError(f"decision {decision.id} has no submission or version")
    application = Application.from_json(version.application_json or {})
    approved = decision.kind == DecisionKind.APPROVED.value
    registration = session.scalar(
        select(Registration).where(Registration.submission_id == submission.id)
    )
    decided = decision.decided_at
    if decided.tzinfo is None:
        decided = decided.replace(tzinfo=dt.UTC)
    return Letter(
        decision_id=decision.id,
        approved=approved,
        reference=f"{decided.astimezone(BEIJING).year}-{decision.id:05d}",
        entity_name=application.entity_name or submission.declared_name or "",
        uscc=submission.uscc,
        year=submission.year,
        submission_id=submission.id,
        version=version.number,
        authority=authority(entity_province(session, submission)),
        decided_on=decided.astimezone(BEIJING).date(),
        comment=decision.comment or "",
        reasons=[] if approved else reasons(decision),
        offset_t=registration.total_t if registration is not None and approved else None,
        registration=registration.number if registration is not None and approved else None,
        rows=[
            (row.project_number or "", str(row.cancel_quantity_t or ""))
            for row in application.ccer_rows
        ],
    )


def reasons(decision: Decision) -> list[Reason]:
    """Every item sent with the decision, each with its field and the clause it rests on."""
    found = []
    for item in decision.items:
        code = item.get("code")
        guide = help_for(code) if isinstance(code, str) else None
        if item.get("source") == "auto":
            clause = guide.clause if guide is not None else PROCEDURE
        else:
            clause = "审核人员意见（" + PROCEDURE + "第四步）"
        found.append(
            Reason(
                field=label(item.get("field")) if item.get("field") else "整份申请",
                message=str(item.get("message") or ""),
                clause=clause,
                severity=str(item.get("severity") or "error"),
            )
        )
    return found
