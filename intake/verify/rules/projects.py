"""The CCER rows against the ministry's catalogue and the entity's 待抵销 holdings."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from intake.verify.catalogue import row_path
from intake.verify.check import Check
from intake.verify.engine import Found, rule


def rows_by_project(check: Check) -> dict[str, list[int]]:
    """项目编号 -> indexes of the rows naming it, in form order."""
    groups: dict[str, list[int]] = {}
    for index, row in check.filled_rows:
        number = check.project_number(row)
        if number is not None:
            groups.setdefault(number, []).append(index)
    return groups


def numbered_rows(check: Check) -> Iterator[tuple[int, str]]:
    """(index, 项目编号) of every row with a project number."""
    for index, row in check.filled_rows:
        number = check.project_number(row)
        if number is not None:
            yield index, number


@rule("PROJECT_UNKNOWN")
def project_unknown(check: Check) -> Iterator[Found]:
    """A 项目编号 that is not in the ministry's catalogue."""
    for index, number in numbered_rows(check):
        if check.project(number) is None:
            yield Found(field=row_path(index, "project_number"), actual=number)


@rule("PROJECT_INELIGIBLE")
def project_ineligible(check: Check) -> Iterator[Found]:
    """A catalogued project marked not eligible for offsetting."""
    for index, number in numbered_rows(check):
        project = check.project(number)
        if project is not None and not project.eligible:
            note = f"：{project.note}" if project.note.strip() else ""
            yield Found(
                field=row_path(index, "project_number"),
                actual=number,
                name=project.project_name,
                note=note,
            )


@rule("PROJECT_NOT_PENDING")
def project_not_pending(check: Check) -> Iterator[Found]:
    """The entity holds no 待抵销 CCER of the row's project."""
    if check.entity is None:
        return
    for index, number in numbered_rows(check):
        if check.pending.get(number, Decimal(0)) <= 0:
            yield Found(field=row_path(index, "project_number"), actual=number)


@rule("PENDING_INSUFFICIENT")
def pending_insufficient(check: Check) -> Iterator[Found]:
    """One project asked for (all rows and other live applications) beyond what is pending."""
    if check.entity is None:
        return
    for number, indexes in rows_by_project(check).items():
        held = check.pending.get(number, Decimal(0))
        quantities = [check.number(row_path(i, "cancel_quantity_t")) for i in indexes]
        if held <= 0 or any(q is None for q in quantities):
            continue
        asked = sum((q for q in quantities if q is not None), Decimal(0))
        claimed = check.claimed_elsewhere.get(number, Decimal(0))
        if asked + claimed > held:
            note = (
                f"，另有 {format(claimed, 'f')} 吨已在本单位其他在审申请中使用" if claimed else ""
            )
            yield Found(
                field=row_path(indexes[0], "cancel_quantity_t"),
                actual=asked,
                expected=f"≤ {format(max(held - claimed, Decimal(0)), 'f')}",
                number=number,
                claimed_note=note,
            )


@rule("DUPLICATE_PROJECT")
def duplicate_project(check: Check) -> Iterator[Found]:
    """The same 项目编号 on more than one row (once per number)."""
    for number, indexes in rows_by_project(check).items():
        if len(indexes) > 1:
            yield Found(
                field=row_path(indexes[1], "project_number"),
                actual=number,
                rows="、".join(str(i + 1) for i in indexes),
            )
