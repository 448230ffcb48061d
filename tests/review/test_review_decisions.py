"""Submit, reject with every reason, resubmit, approve with overrides, registration of offsets."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from intake.application import Report
from intake.review.decisions import items as decision_items
from intake.review.decisions import operations as decisions
from intake.review.decisions.models import Decision, ReviewNote
from intake.review.decisions.operations import approve, reject, submit
from intake.review.errors import ReviewError
from intake.review.models import AuditEntry, ImmutableRecord, Notice
from intake.review.registrations.models import Cancellation, Registration
from intake.review.submissions.models import SubmissionState
from intake.review.submissions.operations import add_version
from tests.fixtures.review import (
    OTHER_USCC,
    USCC,
    D,
    MakeSubmission,
    Users,
    applicant,
    application,
    error,
    lots,
    stamp,
    warning,
)


def test_submit_moves_a_checked_draft_to_review_and_audits_it(
    registry_session: Session, users: Users, make_submission: MakeSubmission
) -> None:
    submission = make_submission()
    submit(registry_session, submission, users.enterprise, "10.0.0.7")
    assert submission.state == SubmissionState.SUBMITTED
    assert submission.submitted_version == 1
    entry = registry_session.scalars(select(AuditEntry).where(AuditEntry.action == "submit")).one()
    assert (entry.action, entry.username, entry.address, entry.submission_id) == (
        "submit",
        "datang",
        "10.0.0.7",
        submission.id,
    )


@pytest.mark.parametrize("who", ["other_enterprise", "reviewer", "ministry", "admin"])
def test_only_the_entity_itself_submits(
    registry_session: Session, users: Users, make_submission: MakeSubmission, who: str
) -> None:
    submission = make_submission()
    with pytest.raises(ReviewError, match="只有申请单位本身"):
        submit(registry_session, submission, users.all()[who])
    assert submission.state == SubmissionState.DRAFT


def test_a_second_live_application_for_the_same_year_is_refused(
    registry_session: Session, users: Users, make_submission: MakeSubmission
) -> None:
    submit(registry_session, make_submission(year=2021), users.enterprise)
    second = make_submission(year=2021)
    with pytest.raises(ReviewError, match="2021 年度已有"):
        submit(registry_session, second, users.enterprise)
    submit(registry_session, make_submission(year=2022), users.enterprise)


def test_reject_sends_every_automatic_problem_and_every_note_at_once(
    registry_session: Session, users: Users, make_submission: MakeSubmission
) -> None:
    submission = make_submission(problems=[error(), warning()])
    submit(registry_session, submission, users.enterprise)
    decisions.add_note(registry_session, submission, users.reviewer, "公章不清晰", "stamp_present")
    result = reject(
        registry_session,
        submission,
        users.reviewer,
        version=submission.submitted_version,
        notes=[("contact_phone", "联系电话无人接听"), (None, "  ")],
        comment="请一并修改",
    )
    assert submission.state == SubmissionState.REJECTED
    assert [(i["source"], i["message"]) for i in result.decision.items] == [
        ("auto", "示例错误 RATIO_MISMATCH"),
        ("auto", "数字文件，无法核验公章"),
        ("reviewer", "公章不清晰"),
        ("reviewer", "联系电话无人接听"),
    ]
    notice = registry_session.scalars(select(Notice)).one()
    assert notice.uscc == USCC
    assert "被驳回" in notice.title
    assert "4. 联系电话无人接听" in notice.body
    assert "请一并修改" in notice.body


def test_a_reviewer_of_another_province_cannot_decide(
    registry_session: Session, users: Users, make_submission: MakeSubmission
) -> None:
    submission = make_submission(problems=[error()])
    submit(registry_session, submission, users.enterprise)
    for who in ("other_reviewer", "ministry", "enterprise"):
        with pytest.raises(ReviewError, match="所在省级主管部门"):
            reject(
                registry_session,
                submission,
                users.all()[who],
                version=submission.submitted_version,
                notes=[(None, "不行")],
            )
        with pytest.raises(ReviewError, match="所在省级主管部门"):
            approve(
                registry_session,
                submission,
                users.all()[who],
                version=submission.submitted_version,
                overrides={"x": "y"},
            )
    assert submission.state == SubmissionState.SUBMITTED
    assert registry_session.scalars(select(Decision)).all() == []


def test_rejecting_a_clean_application_needs_a_reason(
    registry_session: Session, users: Users, make_submission: MakeSubmission
) -> None:
    submission = make_submission(problems=[warning()])
    submit(registry_session, submission, users.enterprise)
    with pytest.raises(ReviewError, match="至少写明一条理由"):
        reject(registry_session, submission, users.reviewer, version=submission.submitted_version)
    assert submission.state == SubmissionState.SUBMITTED


def test_resubmission_needs_a_new_version(
    registry_session: Session, users: Users, make_submission: MakeSubmission
) -> None:
    submission = make_submission(problems=[error()])
    submit(registry_session, submission, users.enterprise)
    reject(registry_session, submission, users.reviewer, version=submission.submitted_version)
    with pytest.raises(ReviewError, match="状态为“已驳回”"):
        submit(registry_session, submission, users.enterprise)
    fixed = Report(file=None, application=application(), problems=[])
    version = add_version(
        registry_session,
        submission,
        user=applicant(registry_session, submission.uscc),
        report=fixed,
    )
    stamp(registry_session, None, version)
    submit(registry_session, submission, users.enterprise)
    assert submission.state == SubmissionState.SUBMITTED
    assert [v.number for v in submission.versions] == [1, 2]


def test_approval_with_a_standing_error_needs_an_override_reason(
    registry_session: Session, users: Users, make_submission: MakeSubmission
) -> None:
    problem = error()
    submission = make_submission(problems=[problem, warning()])
    submit(registry_session, submission, users.enterprise)
    key = decision_items.problem_key(problem)
    with pytest.raises(ReviewError, match="1 项错误未说明放行理由"):
        approve(
            registry_session,
            submission,
            users.reviewer,
            version=submission.submitted_version,
            overrides={key: "   "},
        )
    assert submission.state == SubmissionState.SUBMITTED
    assert lots(registry_session)[0] == ("2075", "10000", "待抵销", None)
    approve(
        registry_session,
        submission,
        users.reviewer,
        version=submission.submitted_version,
        overrides={key: "比例按四舍五入，可接受"},
    )
    assert submission.state == SubmissionState.APPROVED
    note = registry_session.scalars(select(ReviewNote)).one()
    assert (note.kind, note.code, note.text) == (
        "override",
        "RATIO_MISMATCH",
        "比例按四舍五入，可接受",
    )
    assert note.decision_id is not None


def test_approval_moves_the_quantities_to_offset_splitting_lots(
    registry_session: Session, users: Users, make_submission: MakeSubmission
) -> None:
    submission = make_submission(rows=[("2075", "12000"), ("2639", "3000"), ("2075", "500")])
    submit(registry_session, submission, users.enterprise)
    result = approve(
        registry_session,
        submission,
        users.reviewer,
        version=submission.submitted_version,
        address="10.1.1.1",
    )
    assert lots(registry_session) == [
        ("2075", "10000", "已抵销", None),  # used whole
        ("2075", "2500", "待抵销", None),  # 5000 - 2500 left pending
        ("2639", "5000", "待抵销", None),  # 8000 - 3000 left pending
        ("1488", "3000", "已抵销", None),
        ("2075", "2500", "已抵销", 2),  # the part split off lot 2
        ("2639", "3000", "已抵销", 3),
    ]
    registration = registry_session.scalars(select(Registration)).one()
    assert (registration.uscc, registration.province, registration.year) == (USCC, "山西省", 2021)
    assert registration.total_t == 15500
    assert registration.decision_id == result.decision.id
    cancellations = [(c.project_number, c.quantity_t) for c in registration.cancellations]
    assert cancellations == [("2075", D(12500)), ("2639", D(3000))]
    assert registration.cancellations[0].project_name == "云南曲靖水电站项目"
    assert registration.cancellations[0].lots == [
        {"lot_id": 1, "quantity_t": "10000"},
        {"lot_id": 6, "quantity_t": "2500"},
    ]
    assert lots(registry_session, OTHER_USCC) == [("2075", "4000", "待抵销", None)]
    actions = registry_session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["create", "attach_copy", "submit", "approve", "register"]
    assert registration.version_id == submission.latest.id  # type: ignore[union-attr]
    assert "审核通过" in registry_session.scalars(select(Notice)).one().title


def test_an_approval_that_would_overspend_changes_nothing(
    registry_session: Session, users: Users, make_submission: MakeSubmission
) -> None:
    first = make_submission(year=2021, rows=[("2075", "9000")])
    second = make_submission(year=2022, rows=[("2075", "7000"), ("2639", "9000")])
    submit(registry_session, first, users.enterprise)
    submit(registry_session, second, users.enterprise)
    approve(registry_session, first, users.reviewer, version=first.submitted_version)
    before = lots(registry_session)
    with pytest.raises(ReviewError) as raised:
        approve(registry_session, second, users.reviewer, version=second.submitted_version)
    assert str(raised.value) == (
        "待抵销 CCER 不足，不能登记：项目 2075 申请注销 7000 吨，当前待抵销仅 6000 吨；"
        "项目 2639 申请注销 9000 吨，当前待抵销仅 8000 吨。请刷新后重新审核。"
    )
    assert lots(registry_session) == before
    registry_session.refresh(second)
    assert second.state == SubmissionState.SUBMITTED
    assert registry_session.scalars(select(Registration)).all()[0].submission_id == first.id
    assert len(registry_session.scalars(select(Decision)).all()) == 1


def test_notes_sent_with_a_decision_are_kept_as_written(
    registry_session: Session, users: Users, make_submission: MakeSubmission
) -> None:
    submission = make_submission(problems=[error()])
    submit(registry_session, submission, users.enterprise)
    draft = decisions.add_note(registry_session, submission, users.reviewer, "草稿意见")
    draft.text = "草稿意见（修改）"
    registry_session.commit()  # a draft may still change
    reject(registry_session, submission, users.reviewer, version=submission.submitted_version)
    note = registry_session.scalars(select(ReviewNote)).one()
    with pytest.raises(ReviewError, match="不能修改或删除"):
        decisions.delete_note(registry_session, note, users.reviewer)
    note.text = "事后修改"
    with pytest.raises(ImmutableRecord):
        registry_session.commit()
    registry_session.rollback()
    with pytest.raises(DatabaseError):
        registry_session.execute(text("UPDATE review_notes SET text = 'x'"))
    registry_session.rollback()
    assert registry_session.scalars(select(ReviewNote.text)).one() == "草稿意见（修改）"


@pytest.mark.parametrize("table", ["audit_entries", "decisions", "registrations", "cancellations"])
def test_records_refuse_update_and_delete_in_the_database(
    registry_session: Session, users: Users, make_submission: MakeSubmission, table: str
) -> None:
    submission = make_submission()
    submit(registry_session, submission, users.enterprise)
    approve(registry_session, submission, users.reviewer, version=submission.submitted_version)
    for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
        with pytest.raises(DatabaseError):
            registry_session.execute(text(statement))
        registry_session.rollback()
    assert registry_session.scalar(text(f"SELECT count(*) FROM {table}")) > 0


def test_the_orm_refuses_to_change_an_audit_entry(
    registry_session: Session, users: Users, make_submission: MakeSubmission
) -> None:
    submit(registry_session, make_submission(), users.enterprise)
    entry = registry_session.scalars(select(AuditEntry).where(AuditEntry.action == "submit")).one()
    registry_session.delete(entry)
    with pytest.raises(ImmutableRecord):
        registry_session.flush()
    registry_session.rollback()
    assert registry_session.scalars(select(Cancellation)).all() == []
