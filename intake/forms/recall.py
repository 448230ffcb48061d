"""The confirmation of the forced recall."""

from __future__ import annotations

from wtforms import BooleanField
from wtforms.validators import DataRequired

from intake.forms.base import IntakeForm


class RecallForm(IntakeForm):
    """Run the recall only once the person has confirmed the list of lots."""

    confirm = BooleanField(
        "我已核对上述待抵销 CCER，确认执行强制召回",
        validators=[DataRequired(message="请先勾选确认")],
    )
