"""Help for every problem code, and fixes computed from a problem's own numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from intake.application import Problem
from intake.verify.catalogue import CATALOGUE
from intake.verify.help import HELP, suggestion


def shown(code: str, expected: str | None) -> Problem:
    """A problem as a page shows it: only its code and expected value matter here."""
    return Problem(code=code, severity="error", field=None, message="", expected=expected)


def test_every_code_of_the_catalogue_has_its_help() -> None:
    assert set(HELP) == set(CATALOGUE)
    for code, entry in HELP.items():
        assert entry.checks, code
        assert entry.clause, code
        assert entry.fix, code
        assert entry.example, code


@pytest.mark.parametrize(
    ("due", "largest"),
    [(Decimal("950402"), "47520"), (Decimal("1250000"), "62500"), (Decimal("999"), "49")],
)
def test_the_largest_request_the_ceiling_allows_is_rounded_down(due: Decimal, largest: str) -> None:
    limit = due * Decimal("0.05")
    tip = suggestion(shown("RATIO_OVER_LIMIT", f"≤ {format(limit, 'f')}"))
    assert tip is not None
    assert f"最多可填 {largest} 吨" in tip


def test_pending_left_is_suggested_and_nothing_without_a_shown_number() -> None:
    tip = suggestion(shown("PENDING_INSUFFICIENT", "≤ 12900"))
    assert tip is not None
    assert "12900" in tip
    assert suggestion(shown("PENDING_INSUFFICIENT", None)) is None
    assert suggestion(shown("EMAIL_INVALID", "≤ 5")) is None


def test_message_patterns_name_their_blanks_in_chinese() -> None:
    from intake.verify.help import message_pattern

    for entry in CATALOGUE.values():
        assert "{" not in message_pattern(entry.message), entry.code
    assert message_pattern("申请抵销量 {actual} 吨") == "申请抵销量 〔填写值〕 吨"
