"""Bounds of what a filter may ask for: dates the service can count from, ids a row can have."""

from __future__ import annotations

import datetime as dt
from typing import Any

from wtforms import Field, Form
from wtforms.validators import ValidationError

EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 31)
# The largest value of a 64-bit signed integer column.
MAX_ID = 2**63 - 1


class DateRange:
    """A date between EARLIEST and LATEST (so a day after it still exists), or a Chinese error."""

    def __call__(self, form: Form, field: Field) -> None:
        value: Any = field.data
        if isinstance(value, dt.date) and not EARLIEST <= value <= LATEST:
            raise ValidationError(f"日期应在 {EARLIEST.isoformat()} 至 {LATEST.isoformat()} 之间。")
