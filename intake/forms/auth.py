"""The login form."""

from __future__ import annotations

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from intake.forms.base import IntakeForm


class LoginForm(IntakeForm):
    """Username and password."""

    username = StringField(
        "用户名", validators=[DataRequired(message="请输入用户名"), Length(max=80)]
    )
    password = PasswordField("密码", validators=[DataRequired(message="请输入密码")])
