"""The base of every form: WTForms' own Chinese messages for its built-in validators.

Flask-WTF translates only through Flask-Babel, which this service does not use; so
each form asks WTForms directly for its shipped ``zh`` catalogue ("不是有效的整数。",
"字段长度不能超过 200 个字符。") instead of falling back to English.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, Form, PasswordField
from wtforms.meta import DefaultMeta

from intake.values import has_control_characters

CONTROL_MESSAGE = "含有不可见的控制字符，请删除后重新填写。"
Extra = Mapping[str, Sequence[Any]] | None


def refuse_control_characters(fields: Any) -> bool:
    """Add CONTROL_MESSAGE to every text field holding a control character; True if none."""
    clean = True
    for field in fields:
        if _holds_control_characters(field):
            field.errors = [*field.errors, CONTROL_MESSAGE]
            clean = False
    return clean


def _holds_control_characters(field: Field) -> bool:
    if isinstance(field, PasswordField):  # only hashed: never shown, exported or printed
        return False
    data = field.data
    return isinstance(data, str) and has_control_characters(data)


class IntakeForm(FlaskForm):
    """A FlaskForm (CSRF included) whose built-in messages are Chinese."""

    class Meta:
        locales = ("zh",)

        def get_translations(self, form: Any) -> Any:
            """WTForms' zh catalogue, whatever Flask-WTF's i18n setting."""
            return DefaultMeta.get_translations(self, form)

    def validate(self, extra_validators: Extra = None) -> bool:
        """The fields' own validators, then no control character in any text field."""
        valid: bool = super().validate(extra_validators)
        return refuse_control_characters(self) and valid


class SubForm(Form):
    """A form nested in another (FormField, FieldList): no CSRF of its own, Chinese messages."""

    class Meta:
        locales = ("zh",)

    def validate(self, extra_validators: Extra = None) -> bool:
        """The fields' own validators, then no control character in any text field."""
        valid: bool = super().validate(extra_validators)
        return refuse_control_characters(self) and valid
