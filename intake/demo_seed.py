"""Demo applications in every state, made through the review operations as users would.

So that every page of the demo shows real work: drafts, applications waiting for
review (some with errors), approvals with their offset registration and rejections
with their notices, across several provinces. Each application is built from the
demo registry (the entity's allocation and its 待抵销 lots), checked by the verifier,
then saved, submitted and decided by the same functions the web calls.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from intake.accounts.models import Role, User
from intake.accounts.operations import create_user, find_user
from intake.application import Application, CcerRow, Declaration
from intake.checking import Checker, Claims
from intake.clock import today
from intake.config import Settings
from intake.cycles import Cycle
from intake.render import render_docx
from intake.review.decisions import operations as decisions
from intake.review.submissions import operations
from intake.review.submissions.models import Submission, Version
from intake.storage import Storage
from intake.verify.protocol import Registry


@dataclass(frozen=True)
class DemoCase:
    """One demo application: whose, which year, where it ends, and whether it asks too much."""

    uscc: str
    year: int
    outcome: str  # "draft", "submitted", "approved" or "rejected"
    over_limit: bool = False
    prefer: tuple[str, ...] = ()  # project numbers to take first (a project two entities claim)


CASES = (
    DemoCase("91140105MAN619RM62", 2021, "approved"),
    DemoCase("91659004102430941D", 2021, "approved"),
    DemoCase("91659001MAL8YR44XK", 2021, "rejected", over_limit=True),
    DemoCase("91140702MAPPAJ2E9X", 2021, "rejected", over_limit=True),
    DemoCase("91659001MAXFAT9L36", 2021, "submitted", prefer=("2075",)),
    DemoCase("91140202361140527C", 2021, "submitted", over_limit=True),
    DemoCase("91140105MAN619RM62", 2022, "submitted"),
    DemoCase("91650102MAYH3HKT17", 2021, "submitted"),
    DemoCase("91371302MAQ6YR9H5M", 2021, "submitted"),
    DemoCase("91130203665865092J", 2022, "submitted", over_limit=True),
    DemoCase("91659001MAL8YR44XK", 2022, "draft"),
    DemoCase("91110112468674385N", 2021, "draft"),
)
REVIEW_NOTE = ("offset_requested_t", "申请抵销量超过上限，请核减后重新提交。")
REVIEW_COMMENT = "请按审核意见逐项修改后，在截止日前重新提交。"
# The copies are Word files, which show no seal: the reviewer saw the sealed paper.
PAPER_SEEN = {"STAMP_MISSING@stamp_present": "已核对加盖公章的纸质申请表。"}


def seed_applications(session: Session, settings: Settings, store: Storage) -> int:
    """Create the demo applications once (none when any application exists); how many made.

    Each is typed online and handed in with its stamped copy: here the filled form itself
    (a Word file, so the reviewer records that the sealed paper copy was seen).
    """
    if session.scalar(select(func.count()).select_from(Submission)):
        return 0
    checker = Checker.for_session(session, settings, claims=Claims.IGNORED)
    registry = checker.registry
    made = 0
    for case in CASES:
        cycle = settings.cycles.get(case.year)
        if cycle is None:
            continue
        application = build_application(session, registry, case, cycle)
        if application is None:
            continue
        applicant = _enterprise_user(session, case.uscc)
        report = checker.check(application, applicant_uscc=case.uscc)
        version = operations.create_from_form(session, user=applicant, report=report)
        made += 1
        if case.outcome == "draft":
            continue
        submission = _with_copy(session, settings, store, version, applicant).submission
        decisions.submit(session, submission, applicant)
        reviewer = _reviewer(session, registry, case.uscc)
        shown = submission.submitted_version
        if case.outcome == "approved" and reviewer is not None:
            decisions.approve(
                session, submission, reviewer, version=shown, overrides=PAPER_SEEN,
                comment="材料齐全，审核通过。",
            )  # fmt: skip
        elif case.outcome == "rejected" and reviewer is not None:
            decisions.reject(
                session, submission, reviewer, version=shown, notes=[REVIEW_NOTE],
                comment=REVIEW_COMMENT,
            )  # fmt: skip
    _date_in_the_window(session, today(settings))
    return made


def _date_in_the_window(session: Session, day: dt.date) -> None:
    """Date the demo applications on the days before the demo's today, a day apart.

    They are made on the demo's today (the service's clock), but the queue's ages and the
    dashboard's longest-waiting list must show applications handed in over the days
    before. (Decisions and the audit log keep the time they were written, on the demo's
    today: they cannot be changed.)
    """
    session.flush()
    ids = list(session.scalars(select(Submission.id).order_by(Submission.id)))
    for offset, submission_id in enumerate(ids):
        moment = dt.datetime.combine(
            day - dt.timedelta(days=len(ids) - offset), dt.time(9, 30), tzinfo=dt.UTC
        )
        session.execute(
            update(Submission)
            .where(Submission.id == submission_id)
            .values(created_at=moment, updated_at=moment)
        )
        session.execute(
            update(Version).where(Version.submission_id == submission_id).values(created_at=moment)
        )


def _with_copy(
    session: Session, settings: Settings, store: Storage, version: Version, applicant: User
) -> Version:
    """The online version with its copy attached and checked, as a job would."""
    from intake.web.jobs import check_stored_file

    form = render_docx(Application.from_json(version.application_json or {}))
    version = operations.attach_copy(
        session, store, version.submission, user=applicant, data=form, filename="盖章件.docx"
    )
    report, copy = check_stored_file(session, store, settings, version, isolated=False)
    operations.record_check(session, version, report, copy=copy)
    return version


def build_application(
    session: Session, registry: Registry, case: DemoCase, cycle: Cycle
) -> Application | None:
    """A filled-in form for the case from the registry; None when the entity has nothing to use."""
    entity = registry.entity(case.uscc)
    due = registry.due_allowance(case.uscc, case.year)
    if entity is None or due is None:
        return None
    taken = operations.claims(session, case.uscc, exclude=None)
    pending = sorted(
        registry.pending(case.uscc).items(), key=lambda item: (item[0] not in case.prefer, item[0])
    )
    available = {
        number: quantity - taken.get(number, Decimal(0))
        for number, quantity in pending
        if quantity - taken.get(number, Decimal(0)) > 0
    }
    cap = cycle.limit(due).to_integral_value(ROUND_DOWN)
    # Asking too much: a fifth more than the ceiling allows.
    wanted = (cap * 6 / 5).to_integral_value(ROUND_DOWN) if case.over_limit else cap
    rows = _rows(available, wanted)
    if not rows:
        return None
    short = wanted - sum((Decimal(str(r.cancel_quantity_t)) for r in rows), Decimal(0))
    if case.over_limit and short > 0:
        last = rows[-1]
        rows[-1] = CcerRow(Decimal(str(last.cancel_quantity_t)) + short, last.project_number)
    requested = sum((Decimal(str(r.cancel_quantity_t)) for r in rows), Decimal(0))
    ratio = (requested / due * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return Application(
        year=case.year,
        entity_name=entity.name,
        uscc=entity.uscc,
        ccer_account_id=entity.ccer_account_id,
        ets_account_id=entity.ets_account_id,
        due_allowance_t=due,
        offset_requested_t=requested,
        offset_ratio_pct=ratio,
        contact_name="王晓明",
        contact_phone="13912345678",
        contact_email="carbon@example.com",
        ccer_rows=rows,
        declaration=Declaration(
            province=entity.province, offset_t=requested, ratio_pct=ratio, year=case.year
        ),
        signed_date=dt.date(2023, 11, 20),
        stamp_present=None,
        source_kind="web",
    )


def _rows(available: dict[str, Decimal], wanted: Decimal) -> list[CcerRow]:
    """CCER rows taking each pending project in turn, up to ``wanted`` tonnes in all."""
    rows: list[CcerRow] = []
    left = wanted
    for number, quantity in available.items():
        take = min(quantity, left).to_integral_value(ROUND_DOWN)
        if take <= 0:
            break
        rows.append(CcerRow(cancel_quantity_t=take, project_number=number))
        left -= take
        if len(rows) == 3:
            break
    return rows


def _enterprise_user(session: Session, uscc: str) -> User:
    """The demo account of the entity, made for entities without a listed demo user."""
    found = session.scalar(select(User).where(User.role == Role.ENTERPRISE, User.uscc == uscc))
    if found is not None:
        return found
    name = f"demo-{uscc.lower()}"
    existing = find_user(session, name)
    if existing is not None:
        return existing
    from intake.demo import DEMO_PASSWORD

    return create_user(session, name, DEMO_PASSWORD, Role.ENTERPRISE, uscc=uscc)


def _reviewer(session: Session, registry: Registry, uscc: str) -> User | None:
    """A demo reviewer of the entity's province, when the demo has one."""
    entity = registry.entity(uscc)
    if entity is None:
        return None
    query = select(User).where(User.role == Role.PROVINCE, User.province == entity.province)
    return session.scalars(query.order_by(User.id)).first()
