"""The forms of review: queue filters, notes, approve (with override reasons), reject, verify."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from intake.forms.base import IntakeForm, SubForm
from intake.forms.dates import MAX_ID, DateRange
from intake.review.audit import ACTION_NAMES
from intake.review.decisions.models import NOTE_FIELD_MAX, NOTE_TEXT_MAX
from intake.values import PROVINCES


def choices(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    """(value, label) pairs as the choices of a select or radio field."""
    return [SelectChoice(value, label) for value, label in pairs]


STATES = [
    ("", "全部状态"),
    ("submitted", "待审核"),
    ("approved", "已通过"),
    ("rejected", "已驳回"),
]
YEARS = [("", "全部年度"), ("2021", "2021"), ("2022", "2022")]
SORTS = [
    ("updated", "更新时间"),
    ("days_left", "距截止日"),
    ("requested", "申请抵销量"),
    ("errors", "错误数"),
    ("warnings", "提示数"),
    ("entity", "单位名称"),
    ("year", "年度"),
    ("state", "状态"),
]
ACTIONS = [("", "全部操作"), *ACTION_NAMES.items()]


def _year(value: str | None) -> int | None:
    return int(value) if value else None


class QueueFilterForm(IntakeForm):
    """The province's queue: filters and order (a GET form, so no CSRF token)."""

    class Meta:
        csrf = False

    state = SelectField("状态", choices=choices(STATES), default="")
    entity = StringField("单位名称或代码", validators=[Optional(), Length(max=200)])
    year = SelectField("年度", choices=choices(YEARS), default="", coerce=str)
    sort = SelectField("排序", choices=choices(SORTS), default="updated")
    ascending = BooleanField("升序")

    @property
    def year_value(self) -> int | None:
        """The chosen year, or None for all."""
        return _year(self.year.data)


class NoteForm(IntakeForm):
    """One point a reviewer writes about the application before deciding."""

    field = SelectField(
        "所涉栏目",
        choices=choices([("", "（整份申请）")]),
        default="",
        validators=[Length(max=NOTE_FIELD_MAX)],
    )
    text = TextAreaField(
        "审核意见",
        validators=[DataRequired(message="请填写审核意见"), Length(max=NOTE_TEXT_MAX)],
    )


class DecisionForm(IntakeForm):
    """A decision on one version: the number of the version the reviewer was shown."""

    version = HiddenField()

    @property
    def version_value(self) -> int | None:
        """The version number shown, or None when it is missing or not a number."""
        raw = (self.version.data or "").strip()
        return int(raw) if raw.isdigit() and len(raw) < 10 else None


class RejectForm(DecisionForm):
    """Send the application back with every point at once."""

    comment = TextAreaField("驳回说明", validators=[Optional(), Length(max=2000)])


class OverrideForm(SubForm):
    """The reason for approving despite one automatic error."""

    key = HiddenField()
    reason = TextAreaField("放行理由", validators=[Optional(), Length(max=2000)])


class ApproveForm(DecisionForm):
    """Approve; each standing automatic error needs its own override reason.

    The first post shows what will be registered; only a post with ``confirmed`` approves.
    """

    overrides = FieldList(FormField(OverrideForm))
    comment = TextAreaField("审核说明", validators=[Optional(), Length(max=2000)])
    confirmed = HiddenField()


class VerifyForm(IntakeForm):
    """The ministry's finding on one project number."""

    verified = RadioField(
        "核验结果",
        choices=choices([("1", "核验通过"), ("0", "核验未通过")]),
        validators=[DataRequired(message="请选择核验结果")],
    )
    note = TextAreaField("说明", validators=[Optional(), Length(max=2000)])


PROJECT_FLAGS = [
    ("", "全部项目编号"),
    ("attention", "需关注的"),
    ("unknown", "不在项目目录中"),
    ("ineligible", "目录标注不可用于抵销"),
    ("not_verified", "主管部门核验未通过"),
    ("over_claimed", "申请量超过待抵销量"),
    ("several_entities", "多个单位申请同一项目"),
    ("both_years", "同一单位两个年度均申请"),
    ("unverified", "尚未核验"),
]
PROJECT_SORTS = [
    ("number", "项目编号"),
    ("claimed", "待审核申请量"),
    ("approved", "已通过申请量"),
    ("entities", "申请单位数"),
]


class ProjectFilterForm(IntakeForm):
    """Which project numbers the ministry looks at, and in which order (GET)."""

    class Meta:
        csrf = False

    flag = SelectField("只看", choices=choices(PROJECT_FLAGS), default="")
    number = StringField("项目编号", validators=[Optional(), Length(max=64)])
    sort = SelectField("排序", choices=choices(PROJECT_SORTS), default="number")
    descending = BooleanField("降序")


class RegistrationFilterForm(IntakeForm):
    """Registrations by year, and by province for the ministry (GET)."""

    class Meta:
        csrf = False

    year = SelectField("年度", choices=choices(YEARS), default="")
    province = SelectField(
        "省级地区", choices=choices([("", "全部"), *[(p, p) for p in PROVINCES]]), default=""
    )

    @property
    def year_value(self) -> int | None:
        """The chosen year, or None for all."""
        return _year(self.year.data)


class AuditFilterForm(IntakeForm):
    """The audit log narrowed by action, user, application and dates (GET)."""

    class Meta:
        csrf = False

    action = SelectField("操作", choices=choices(ACTIONS), default="")
    username = StringField("用户名", validators=[Optional(), Length(max=80)])
    submission_id = IntegerField(
        "申请编号", validators=[Optional(), NumberRange(min=1, max=MAX_ID, message="申请编号无效")]
    )
    since = DateField("起始日期", validators=[Optional(), DateRange()])
    until = DateField("截止日期", validators=[Optional(), DateRange()])


class ActionForm(IntakeForm):
    """A button that changes something: only the CSRF token."""
