"""The base of every form: WTForms' own Chinese messages for its built-in validators.

Flask-WTF translates only through Flask-Babel, which this service does not use; so
each form asks WTForms directly for its shipped ``zh`` catalogue ("不是有效的整数。",
"字段长度不能超过 200 个字符。") instead of falling back to English.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import Form
from wtforms.meta import DefaultMeta


class IntakeForm(FlaskForm):
    """A FlaskForm (CSRF included) whose built-in messages are Chinese."""

    class Meta:
        locales = ("zh",)

        def get_translations(self, form: Any) -> Any:
            """WTForms' zh catalogue, whatever Flask-WTF's i18n setting."""
            return DefaultMeta.get_translations(self, form)


class SubForm(Form):
    """A form nested in another (FormField, FieldList): no CSRF of its own, Chinese messages."""

    class Meta:
        locales = ("zh",)
