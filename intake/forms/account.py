"""The forms of a user's own account: changing the password, issuing an API token."""

from __future__ import annotations

from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, EqualTo, Length

from intake.accounts.operations import MIN_PASSWORD_LENGTH
from intake.forms.base import IntakeForm

TOKEN_DAYS = [("30", "30 天"), ("90", "90 天"), ("180", "180 天"), ("365", "365 天")]


class PasswordChangeForm(IntakeForm):
    """The current password, and the new one twice."""

    current = PasswordField("当前密码", validators=[DataRequired(message="请输入当前密码")])
    new = PasswordField(
        "新密码",
        validators=[
            DataRequired(message="请输入新密码"),
            Length(min=MIN_PASSWORD_LENGTH, max=200,
                   message=f"新密码长度应为 {MIN_PASSWORD_LENGTH} 至 200 个字符"),
        ],
    )  # fmt: skip
    confirm = PasswordField(
        "再次输入新密码",
        validators=[
            DataRequired(message="请再次输入新密码"),
            EqualTo("new", message="两次输入的新密码不一致"),
        ],
    )


class TokenForm(IntakeForm):
    """A new API token: what it is for, and how long it stays valid."""

    label = StringField(
        "用途说明",
        validators=[DataRequired(message="请填写令牌用途"),
                    Length(max=100, message="用途说明不能超过 100 个字符")],
    )  # fmt: skip
    # WTForms' own choice check speaks English; AnyOf says it in Chinese.
    days = SelectField(
        "有效期",
        choices=[SelectChoice(value, label) for value, label in TOKEN_DAYS],
        default="90",
        validate_choice=False,
        validators=[AnyOf([value for value, _ in TOKEN_DAYS], message="请选择有效期")],
    )
