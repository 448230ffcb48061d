"""Rules, what they yield, and how a finding becomes a Problem.

A rule is a small function ``(check) -> Iterator[Found]`` registered with
``@rule(code, field=..., message=...)``. It yields what it found; the engine
adds the severity from the catalogue and formats the Chinese message.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeAlias

from intake.application import Problem
from intake.verify.catalogue import CATALOGUE, label, row_of
from intake.verify.check import Check


class _Unset(enum.Enum):
    UNSET = enum.auto()


UNSET = _Unset.UNSET


class Found:
    """What a rule found: the field (if not the rule's), actual and expected, placeholders."""

    __slots__ = ("actual", "expected", "field", "values")

    def __init__(
        self,
        *,
        field: str | _Unset | None = UNSET,
        actual: object = None,
        expected: object = None,
        **values: object,
    ) -> None:
        self.field = field
        self.actual = actual
        self.expected = expected
        self.values = values

    def __repr__(self) -> str:
        return f"Found(field={self.field!r}, actual={self.actual!r}, expected={self.expected!r})"


RuleFunction: TypeAlias = Callable[[Check], Iterator[Found]]


@dataclass(frozen=True)
class Rule:
    """One registered rule."""

    code: str
    field: str | None
    message: str
    function: RuleFunction

    @property
    def name(self) -> str:
        """The rule function's name."""
        return self.function.__name__


RULES: list[Rule] = []


def rule(
    code: str, *, field: str | None = None, message: str | None = None
) -> Callable[[RuleFunction], RuleFunction]:
    """Register a rule for a catalogue code; its message defaults to the catalogue's."""
    if code not in CATALOGUE:
        raise ValueError(f"unknown problem code {code!r}")

    def register(function: RuleFunction) -> RuleFunction:
        RULES.append(Rule(code, field, message or CATALOGUE[code].message, function))
        return function

    return register


def plain(value: object) -> str:
    """A value as a message or report shows it: decimals plainly, dates in ISO."""
    if isinstance(value, Decimal):
        # No exponent, except for absurd magnitudes that no form holds (kept readable).
        if value.is_finite() and abs(value.adjusted()) > 60:
            return str(value)
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def as_string(value: object) -> str | None:
    """``expected`` / ``actual`` of a Problem: a plain string or None."""
    return None if value is None else plain(value)


def to_problem(code: str, field: str | None, message: str, found: Found) -> Problem:
    """Turn one finding into a Problem with the catalogue's severity and a Chinese message."""
    row = row_of(field)
    values = {
        "label": label(field),
        "row": "" if row is None else str(row),
        "actual": plain(found.actual),
        "expected": plain(found.expected),
        **{key: plain(value) for key, value in found.values.items()},
    }
    return Problem(
        code=code,
        severity=CATALOGUE[code].severity,
        field=field,
        message=message.format_map(values),
        expected=as_string(found.expected),
        actual=as_string(found.actual),
    )


def run_rule(item: Rule, check: Check) -> Iterator[Problem]:
    """The problems one rule finds in one application."""
    for found in item.function(check):
        field = item.field if found.field is UNSET else found.field
        yield to_problem(item.code, field, item.message, found)


def problem_for(
    code: str, field: str | None = None, *, message: str | None = None, **values: object
) -> Problem:
    """A Problem for a code outside the rules (FILE_UNREADABLE, FORM_NOT_RECOGNIZED): the
    catalogue's severity, and its message or the more specific ``message`` given."""
    if message is not None:
        return Problem(code=code, severity=CATALOGUE[code].severity, field=field, message=message)
    actual = values.pop("actual", None)
    expected = values.pop("expected", None)
    found = Found(field=field, actual=actual, expected=expected, **values)
    return to_problem(code, field, CATALOGUE[code].message, found)
