"""The province's queue, the ministry's project list, live claims, notices and their e-mail."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from decimal import Decimal
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler
from sqlalchemy.orm import Session

from intake.checking import Checker, Claims
from intake.config import Settings
from intake.review import notify
from intake.review.decisions.operations import approve, reject, submit
from intake.review.projects.operations import mark_project
from intake.review.projects.queries import project_usage
from intake.review.submissions import queries
from intake.review.submissions.operations import claims as live_claims
from intake.review.submissions.queries import QueueFilter
from tests.fixtures.review import (
    BINGTUAN_USCC,
    OTHER_USCC,
    USCC,
    MakeSubmission,
    Users,
    error,
    warning,
)

D = Decimal
DEADLINE = dt.date(2023, 12, 15)


def _queue(session: Session, province: str = "山西省", **where: Any) -> list[int]:
    page = queries.province_queue(
        session, province, QueueFilter(**where), deadline=DEADLINE, today=dt.date(2023, 12, 1)
    )
    return [r.submission_id for r in page.rows]


def test_the_queue_holds_the_province_s_handed_in_applications_only(
    registry_session: Session, users: Users, make_submission: MakeSubmission
) -> None:
    mine = make_submission(problems=[error(), warning(), warning("LOW_CONFIDENCE")])
    other = make_submission(year=2022, rows=[("2075", "100")])
    make_submission(year=2021)  # a draft: not handed in
    foreign = make_submission(OTHER_USCC)
    for submission, who in ((mine, users.enterprise), (other, users.enterprise)):
        submit(registry_session, submission, who)
    submit(registry_session, foreign, users.other_enterprise)
    assert sorted(_queue(registry_session)) == [mine.id, other.id]
    assert _queue(registry_session, "新疆生产建设兵团") == []
    assert _queue(registry_session, "新疆维吾尔自治区") == [foreign.id]
    rows = queries.province_queue(
        registry_session, "山西省", QueueFilter(year=2021), deadline=DEADLINE,
        today=dt.date(2023, 12, 1),
    ).rows  # fmt: skip
    assert [(r.requested_t, r.errors, r.warnings, r.days_left) for r in rows] == [
        (D(15000), 1, 2, 14)
    ]
    assert rows[0].entity_name == "大唐太原发电有限责任公司"


def test_the_queue_filters_and_sorts(
    registry_session: Session, users: Users, make_submission: MakeSubmission
) -> None:
    small = make_submission(year=2021, rows=[("2075", "100")], problems=[error()])
    large = make_submission(year=2022, rows=[("2075", "900")])
    for submission in (small, large):
        submit(registry_session, submission, users.enterprise)
    reject(registry_session, small, users.reviewer, version=small.submitted_version)
    assert _queue(registry_session, sort="requested", descending=True) == [large.id, small.id]
    assert _queue(registry_session, sort="requested", descending=False) == [small.id, large.id]
    assert _queue(registry_session, sort="errors", descending=True) == [small.id, large.id]
    assert _queue(registry_session, state="rejected") == [small.id]
    assert _queue(registry_session, year=2022) == [large.id]
    assert _queue(registry_session, entity="大唐", sort="requested") == [large.id, small.id]
    assert _queue(registry_session, entity="91140105", sort="requested") == [large.id, small.id]
    assert _queue(registry_session, entity="克拉玛依") == []


def test_live_claims_count_other_submitted_applications_only(
    registry_session: Session, users: Users, make_submission: MakeSubmission
) -> None:
    first = make_submission(year=2021, rows=[("2075", "100"), ("2639", "5")])
    second = make_submission(year=2022, rows=[("2075", "40")])
    make_submission(year=2021, rows=[("2075", "999")])  # a draft asks for nothing
    submit(registry_session, first, users.enterprise)
    submit(registry_session, second, users.enterprise)
    assert live_claims(registry_session, USCC, None) == {"2075": D(140), "2639": D(5)}
    assert live_claims(registry_session, USCC, first.id) == {"2075": D(40)}
    registry = Checker.for_session(registry_session, Settings(), claims=Claims.LIVE).registry
    assert registry.claimed_elsewhere(USCC, second.id) == {"2075": D(100), "2639": D(5)}
    approve(registry_session, first, users.reviewer, version=first.submitted_version)
    assert live_claims(registry_session, USCC, None) == {"2075": D(40)}


def test_the_ministry_sees_every_project_number_and_what_stands_out(
    registry_session: Session, users: Users, make_submission: MakeSubmission
) -> None:
    a2021 = make_submission(year=2021, rows=[("2075", "3000"), ("9999", "10")])
    a2022 = make_submission(year=2022, rows=[("2075", "13000"), ("777", "5")])
    karamay = make_submission(OTHER_USCC, rows=[("2075", "4000")])
    bingtuan = make_submission(BINGTUAN_USCC, rows=[("2639", "1")])
    for submission in (a2021, a2022):
        submit(registry_session, submission, users.enterprise)
    submit(registry_session, karamay, users.other_enterprise)
    bingtuan_user = users.other_enterprise
    bingtuan_user.uscc = BINGTUAN_USCC
    registry_session.commit()
    submit(registry_session, bingtuan, bingtuan_user)
    mark_project(registry_session, "2639", users.ministry, verified=False, note="待核实")
    usage = {u.project_number: u for u in project_usage(registry_session)}
    assert sorted(usage) == ["2075", "2639", "777", "9999"]
    u2075 = usage["2075"]
    assert (u2075.pending_t, u2075.claimed_t, u2075.approved_t) == (D(19000), D(20000), D(0))
    assert u2075.flags == ["over_claimed", "several_entities", "both_years"]
    assert usage["9999"].flags == ["unknown", "over_claimed"]  # nobody holds it
    assert usage["777"].flags == ["ineligible", "over_claimed"]
    assert usage["2639"].flags == ["not_verified", "over_claimed"]  # 兵团 holds none
    assert usage["2639"].verification is not None
    assert usage["2639"].verification.note == "待核实"
    with pytest.raises(ValueError, match="只有主管部门"):
        mark_project(registry_session, "2639", users.reviewer, verified=True)


class _Catcher:
    """A local SMTP server that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        catcher = self

        class Handler(MessageHandler):
            def handle_message(self, message: Message) -> None:
                catcher.messages.append(message)

        self.port = _free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp() -> Iterator[_Catcher]:
    """An SMTP catcher on a free local port."""
    catcher = _Catcher()
    catcher.controller.start()
    yield catcher
    catcher.controller.stop()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_decision_is_mailed_after_commit_when_smtp_is_configured(
    registry_session: Session, users: Users, make_submission: MakeSubmission, smtp: _Catcher
) -> None:
    submission = make_submission(problems=[error()])
    submit(registry_session, submission, users.enterprise)
    result = reject(
        registry_session,
        submission,
        users.reviewer,
        version=submission.submitted_version,
        notes=[(None, "请补充材料")],
    )
    settings = Settings(smtp_host="127.0.0.1", smtp_port=smtp.port, mail_from="review@example.org")
    assert notify.deliver(registry_session, settings, result.notice)
    assert not notify.deliver(registry_session, settings, result.notice)  # sent once only
    [message] = smtp.messages
    assert message["To"] == "zhang@example.com"
    assert message["From"] == "review@example.org"
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject == "2021 年度 CCER 抵销申请被驳回，请修改后重新提交"
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert "2. 请补充材料" in body.decode("utf-8")
    assert result.notice.mailed_at is not None


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_without_smtp_the_notice_stays_on_the_home_page_only(
    registry_session: Session, users: Users, make_submission: MakeSubmission
) -> None:
    submission = make_submission(problems=[error()])
    submit(registry_session, submission, users.enterprise)
    result = reject(
        registry_session, submission, users.reviewer, version=submission.submitted_version
    )
    assert not notify.deliver(registry_session, Settings(), result.notice)
    unreachable = Settings(smtp_host="127.0.0.1", smtp_port=1)
    assert not notify.deliver(registry_session, unreachable, result.notice)
    assert result.notice.mail_error
    assert [n.id for n in notify.notices_for(registry_session, USCC, unread_only=True)] == [
        result.notice.id
    ]
    assert not notify.mark_read(registry_session, OTHER_USCC, result.notice.id)
    assert notify.mark_read(registry_session, USCC, result.notice.id)
    assert notify.notices_for(registry_session, USCC, unread_only=True) == []
