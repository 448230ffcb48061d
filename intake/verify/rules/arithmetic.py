"""The form's own arithmetic: ratio, the cycle's ceiling, rows sum, the 声明 against the table."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from intake.values import decimals_written, ratio_pct
from intake.verify.check import Check
from intake.verify.engine import Found, rule


@rule("RATIO_MISMATCH", field="offset_ratio_pct")
def ratio_mismatch(check: Check) -> Iterator[Found]:
    """The stated ratio is not 申请抵销量 ÷ 应清缴配额量 × 100, rounded as written."""
    offset = check.number("offset_requested_t")
    due = check.number("due_allowance_t")
    stated = check.number("offset_ratio_pct")
    if offset is None or due is None or stated is None:
        return
    computed = ratio_pct(offset, due, decimals_written(stated))
    if computed != stated:
        yield Found(actual=stated, expected=computed, offset=offset, due=due)


@rule("RATIO_OVER_LIMIT", field="offset_requested_t")
def ratio_over_limit(check: Check) -> Iterator[Found]:
    """申请抵销量 above the cycle's ceiling of 应清缴配额量 (exactly the ceiling is allowed)."""
    offset = check.number("offset_requested_t")
    due = check.number("due_allowance_t")
    if offset is None or due is None:
        return
    cycle = check.cycle
    if cycle.over_ceiling(offset, due):
        limit = cycle.limit(due)  # exact: the verifier runs in a wide decimal context
        yield Found(
            actual=offset,
            expected=f"≤ {format(limit, 'f')}",
            limit=limit,
            ceiling=cycle.ceiling_text,
            base=cycle.ceiling_base,
        )


@rule("ROWS_SUM_MISMATCH", field="offset_requested_t")
def rows_sum_mismatch(check: Check) -> Iterator[Found]:
    """The CCER rows' 注销量 do not add up to 申请抵销量."""
    offset = check.number("offset_requested_t")
    rows = check.filled_rows
    quantities = [check.number(f"ccer_rows[{index}].cancel_quantity_t") for index, _ in rows]
    if offset is None or not rows or any(q is None for q in quantities):
        return
    total = sum((q for q in quantities if q is not None), Decimal(0))
    if total != offset:
        yield Found(actual=offset, expected=total)


@rule(
    "DECLARATION_MISMATCH",
    field="declaration.offset_t",
    message="声明中的抵销量 {actual} tCO₂e 与申请表中的申请抵销量 {expected} 吨不一致",
)
def declaration_offset_mismatch(check: Check) -> Iterator[Found]:
    """The 声明's tCO₂e differs from 申请抵销量."""
    declared = check.number("declaration.offset_t")
    table = check.number("offset_requested_t")
    if declared is not None and table is not None and declared != table:
        yield Found(actual=declared, expected=table)


@rule(
    "DECLARATION_MISMATCH",
    field="declaration.ratio_pct",
    message="声明中的抵销比例 {actual}% 与申请表中的抵销比例 {expected}% 不一致",
)
def declaration_ratio_mismatch(check: Check) -> Iterator[Found]:
    """The 声明's % differs from the table's ratio."""
    declared = check.number("declaration.ratio_pct")
    table = check.number("offset_ratio_pct")
    if declared is not None and table is not None and declared != table:
        yield Found(actual=declared, expected=table)


@rule("YEAR_MISMATCH", field="declaration.year")
def year_mismatch(check: Check) -> Iterator[Found]:
    """The 声明's year differs from the form's year."""
    declared, year = check.declaration_year, check.year
    if declared is not None and year is not None and declared != year:
        yield Found(actual=declared, expected=year)
