"""Factories of the review tests: a registry in three provincial units, users, applications."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from intake.accounts.models import User
from intake.application import Application, CcerRow, Declaration, Problem, Report
from intake.checking import Checker, Claims
from intake.config import Settings
from intake.registry.models import Allocation, CcerLot, Entity, LotStatus, Project
from intake.review.models import Submission, Version
from intake.review.operations import attach_copy, record_check
from intake.storage import Storage

D = Decimal
USCC = "91140105MAN619RM62"  # 山西省
OTHER_USCC = "91650102MAYH3HKT17"  # 新疆维吾尔自治区
BINGTUAN_USCC = "91659001MAXFAT9L36"  # 新疆生产建设兵团
PASSWORD = "correct-horse-9"
# One hash for every test user: hashing is deliberately slow, and tests make many users.
PASSWORD_HASH = generate_password_hash(PASSWORD)

MakeSubmission = Callable[..., Submission]


def seed_registry(session: Session) -> None:
    """Three entities in three provincial units, their lots, a small catalogue."""
    session.add_all(
        [
            Entity(
                uscc=USCC,
                name="大唐太原发电有限责任公司",
                province="山西省",
                ccer_account_id="C5436984476",
                ets_account_id="303707502349",
                accounts_bound=True,
            ),
            Entity(
                uscc=OTHER_USCC,
                name="国家能源集团克拉玛依电力有限公司",
                province="新疆维吾尔自治区",
                ccer_account_id="C3004194665",
                ets_account_id="664598884086",
                accounts_bound=True,
            ),
            Entity(
                uscc=BINGTUAN_USCC,
                name="兵团双河热电有限公司",
                province="新疆生产建设兵团",
                ccer_account_id="C5597805237",
                ets_account_id="364917028972",
                accounts_bound=True,
            ),
        ]
    )
    session.flush()
    session.add_all(
        [
            Allocation(uscc=USCC, year=2021, due_allowance_t=D("507742")),
            Allocation(uscc=USCC, year=2022, due_allowance_t=D("483603")),
            Allocation(uscc=OTHER_USCC, year=2021, due_allowance_t=D("1483451")),
            Project(project_number="2075", project_name="云南曲靖水电站项目", eligible=True),
            Project(project_number="2639", project_name="甘肃环县风电场一期", eligible=True),
            Project(project_number="777", project_name="示例碳汇项目", eligible=False),
        ]
    )
    for uscc, project, quantity, status in [
        (USCC, "2075", "10000", LotStatus.PENDING),
        (USCC, "2075", "5000", LotStatus.PENDING),
        (USCC, "2639", "8000", LotStatus.PENDING),
        (USCC, "1488", "3000", LotStatus.OFFSET),
        (OTHER_USCC, "2075", "4000", LotStatus.PENDING),
    ]:
        session.add(
            CcerLot(
                uscc=uscc,
                project_number=project,
                project_name="",
                quantity_t=D(quantity),
                status=status.value,
            )
        )
    session.commit()


@dataclasses.dataclass
class Users:
    """One user of every role, plus a reviewer of another province and another enterprise."""

    enterprise: User
    other_enterprise: User
    reviewer: User
    other_reviewer: User
    ministry: User
    admin: User

    def all(self) -> dict[str, User]:
        """Every user by fixture name."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


def make_user(session: Session, username: str, role: str, **kw: Any) -> User:
    """A user with the shared test password."""
    user = User(username=username, password_hash=PASSWORD_HASH, role=role, display_name=username)
    for key, value in kw.items():
        setattr(user, key, value)
    session.add(user)
    session.flush()
    return user


def make_users(session: Session) -> Users:
    """Create the users of ``Users``."""
    users = Users(
        enterprise=make_user(session, "datang", "enterprise", uscc=USCC),
        other_enterprise=make_user(session, "karamay", "enterprise", uscc=OTHER_USCC),
        reviewer=make_user(session, "shanxi", "province", province="山西省"),
        other_reviewer=make_user(session, "bingtuan", "province", province="新疆生产建设兵团"),
        ministry=make_user(session, "mee", "ministry"),
        admin=make_user(session, "root", "admin"),
    )
    session.commit()
    return users


def applicant(session: Session, uscc: str = USCC) -> User:
    """The enterprise account of the entity (made on first use)."""
    found = session.scalar(
        select(User).where(User.uscc == uscc, User.role == "enterprise").order_by(User.id)
    )
    return found or make_user(session, f"applicant-{uscc}", "enterprise", uscc=uscc)


def stamp(session: Session, storage: Storage | None, version: Version, **changes: Any) -> Version:
    """Attach a stamped copy to an online version, read as its own values (with ``changes``)."""
    storage = storage or Storage(Path(tempfile.mkdtemp(prefix="intake-test-copies-")))
    submission = version.submission
    user = applicant(session, submission.uscc)
    version = attach_copy(
        session, storage, submission, user=user, data=f"copy {version.id}".encode(),
        filename="盖章件.pdf",
    )  # fmt: skip
    online = Application.from_json(version.application_json or {})
    copy = dataclasses.replace(online, stamp_present=True, source_kind="ocr", **changes)
    checker = Checker.for_session(session, Settings(), claims=Claims.LIVE)
    report = checker.check(
        online, applicant_uscc=submission.uscc,
        application_year=submission.year, exclude_submission=submission.id,
        copy=Report(file="盖章件.pdf", application=copy),
    )  # fmt: skip
    report = dataclasses.replace(report, problems=[
        p for p in report.problems if p.code in ("COPY_MISMATCH", "STAMP_MISSING")
    ] + [p for p in Report.from_json(version.report_json or {}).problems])  # fmt: skip
    record_check(session, version, report, copy=copy)
    return version


def application(
    uscc: str = USCC, year: int = 2021, rows: list[tuple[str, str]] | None = None, **kw: Any
) -> Application:
    """A plausible application asking for the rows' quantities (project number, tonnes)."""
    rows = rows if rows is not None else [("2075", "12000"), ("2639", "3000")]
    total = sum((D(q) for _, q in rows), D(0))
    return Application(
        year=year,
        entity_name="大唐太原发电有限责任公司",
        uscc=uscc,
        due_allowance_t=D("507742"),
        offset_requested_t=total,
        contact_email=kw.pop("contact_email", "zhang@example.com"),
        ccer_rows=[CcerRow(D(q), p) for p, q in rows],
        declaration=Declaration(province="山西省", offset_t=total, year=year),
        **kw,
    )


def error(code: str = "RATIO_MISMATCH", field: str | None = "offset_ratio_pct") -> Problem:
    """An automatic error as the verifier would report it."""
    return Problem(code, "error", field, f"示例错误 {code}")


def warning(code: str = "STAMP_UNVERIFIED") -> Problem:
    """An automatic warning as the verifier would report it."""
    return Problem(code, "warning", None, "数字文件，无法核验公章")


def lots(session: Session, uscc: str = USCC) -> list[tuple[str, str, str, int | None]]:
    """(project, quantity, status, parent id) of every lot of the entity, by id."""
    session.expire_all()
    query = select(CcerLot).where(CcerLot.uscc == uscc).order_by(CcerLot.id)
    return [
        (lot.project_number, format(lot.quantity_t, "f"), lot.status, lot.parent_id)
        for lot in session.scalars(query)
    ]
