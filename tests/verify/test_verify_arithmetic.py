"""Arithmetic rules: ratio, 5 % limit, rows sum, 声明 against the table, 声明 year."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal as D

import pytest

from intake.application import Report

Run = Callable[..., Report]


def form(offset: str, ratio: str, rows: list[tuple[str, str]], **more: object) -> dict[str, object]:
    """Overrides of a coherent table and 声明 for another 申请抵销量."""
    return {
        "offset_requested_t": D(offset),
        "offset_ratio_pct": D(ratio),
        "ccer_rows": [(D(q), n) for q, n in rows],
        "declaration__offset_t": D(offset),
        "declaration__ratio_pct": D(ratio),
        **more,
    }


@pytest.mark.parametrize("ratio", ["4.96", "4.960", "5", "4.9600"])
def test_ratio_as_written_passes(run: Run, ratio: str) -> None:
    report = run(offset_ratio_pct=D(ratio), declaration__ratio_pct=D(ratio))
    assert report.problems == []


@pytest.mark.parametrize(("ratio", "expected"), [("4.95", "4.96"), ("4.9", "5.0"), ("4", "5")])
def test_ratio_mismatch(run: Run, ratio: str, expected: str) -> None:
    report = run(offset_ratio_pct=D(ratio), declaration__ratio_pct=D(ratio))
    assert report.flatten("code", "field", "expected", "actual") == [
        ("RATIO_MISMATCH", "offset_ratio_pct", expected, ratio)
    ]
    assert report.problems[0].message == (
        f"抵销比例填写 {ratio}%，按申请抵销量 62000 吨 ÷ 应清缴配额量 1250000 吨 × 100"
        f" 计算应为 {expected}%"
    )


def test_ratio_rounds_half_up(run: Run) -> None:
    # 53625 / 1300000 = 4.125 % exactly: half-up gives 4.13 (half-even would give 4.12).
    rows = [("40000", "CCER-1052-2016"), ("13625", "0127")]
    coherent = form("53625", "4.13", rows, year=2022, due_allowance_t=D("1300000"))
    assert run(**coherent, declaration__year=2022).problems == []
    rounded_down = form("53625", "4.12", rows, year=2022, due_allowance_t=D("1300000"))
    report = run(**rounded_down, declaration__year=2022)
    assert report.flatten("code", "expected") == [("RATIO_MISMATCH", "4.13")]


def test_exactly_five_percent_is_allowed(run: Run) -> None:
    report = run(**form("62500", "5.00", [("40000", "CCER-1052-2016"), ("22500", "0127")]))
    assert report.problems == []


def test_over_five_percent(run: Run) -> None:
    report = run(**form("62501", "5.00", [("40000", "CCER-1052-2016"), ("22501", "0127")]))
    assert report.flatten("code", "field", "expected", "actual") == [
        ("RATIO_OVER_LIMIT", "offset_requested_t", "≤ 62500", "62501")
    ]
    assert report.problems[0].message == "申请抵销量 62501 吨超过应清缴配额量的 5%（上限 62500 吨）"


def test_limit_keeps_its_decimals(run: Run) -> None:
    report = run(
        due_allowance_t=D("1239990"), offset_ratio_pct=D("5.00"), declaration__ratio_pct=D("5.00")
    )
    over = [p for p in report.problems if p.code == "RATIO_OVER_LIMIT"]
    assert [(p.expected, p.message) for p in over] == [
        ("≤ 61999.5", "申请抵销量 62000 吨超过应清缴配额量的 5%（上限 61999.5 吨）")
    ]


def test_rows_add_up(run: Run) -> None:
    report = run(ccer_rows=[(D("40000.0"), "CCER-1052-2016"), (D("22000"), "0127")])
    assert report.problems == []


def test_rows_sum_mismatch(run: Run) -> None:
    report = run(ccer_rows=[(D("38000"), "CCER-1052-2016"), (D("22000"), "0127")])
    assert report.flatten("code", "field", "expected", "actual") == [
        ("ROWS_SUM_MISMATCH", "offset_requested_t", "60000", "62000")
    ]
    assert report.problems[0].message == "CCER 注销量合计 60000 吨，与申请抵销量 62000 吨不一致"


def test_rows_sum_not_checked_without_offset(run: Run) -> None:
    report = run(offset_requested_t=None, ccer_rows=[(D("1"), "0127")])
    assert report.flatten("code", "field") == [("FIELD_MISSING", "offset_requested_t")]


def test_declaration_compared_as_numbers(run: Run) -> None:
    report = run(declaration__offset_t=D("62000.00"), declaration__ratio_pct=D("4.960"))
    assert report.problems == []


def test_declaration_offset_mismatch(run: Run) -> None:
    report = run(declaration__offset_t=D("61000"))
    assert report.flatten("code", "field", "expected", "actual") == [
        ("DECLARATION_MISMATCH", "declaration.offset_t", "62000", "61000")
    ]
    assert report.problems[0].message == (
        "声明中的抵销量 61000 tCO₂e 与申请表中的申请抵销量 62000 吨不一致"
    )


def test_declaration_gives_one_problem_per_differing_blank(run: Run) -> None:
    report = run(declaration__offset_t=D("61000"), declaration__ratio_pct=D("4.88"))
    assert report.flatten("code", "field") == [
        ("DECLARATION_MISMATCH", "declaration.offset_t"),
        ("DECLARATION_MISMATCH", "declaration.ratio_pct"),
    ]


def test_declaration_not_compared_with_an_invalid_table_value(run: Run) -> None:
    report = run(offset_ratio_pct="约5", declaration__ratio_pct=D("4.88"))
    assert report.flatten("code", "field") == [("VALUE_INVALID", "offset_ratio_pct")]


def test_year_mismatch(run: Run) -> None:
    report = run(declaration__year=2022)
    assert report.flatten("code", "field", "expected", "actual") == [
        ("YEAR_MISMATCH", "declaration.year", "2021", "2022")
    ]
    assert report.problems[0].message == "声明中的年份 2022 与申请表的年份 2021 不一致"
