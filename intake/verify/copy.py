"""The stamped copy of an application typed online, compared field by field with it.

An application filled in online is handed in with its stamped copy: the printed form,
sealed, as a scan, photo or PDF. The copy is read like any upload; every field where
it shows something else than the online version is a ``COPY_MISMATCH`` (``expected``
the online value, ``actual`` the copy's), and a copy without a visible seal is
``STAMP_MISSING``: the seal is the legal act of the form, and a digital file has none.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from intake.application import Application, Problem, Report
from intake.verify.catalogue import CATALOGUE, FIELD_LABELS, ROW_LABELS, row_path
from intake.verify.check import fold, get_path
from intake.verify.engine import Found, plain, to_problem

COPY_PREFIX = "盖章件："
NO_SEAL_ON_DIGITAL = (
    "盖章件是电子文件，看不到单位公章：请上传打印、盖章后的申请表扫描件、照片或扫描 PDF"
)
NO_SEAL_SEEN = "盖章件的申请单位名称（公章）处未见单位公章"
# The fields a copy must repeat; the seal is checked on its own, the year by the title.
_COMPARED = tuple(name for name in FIELD_LABELS if name not in ("ccer_rows", "stamp_present"))


def compare_copy(online: Application, copy: Application) -> list[Problem]:
    """Every difference between the online version and its stamped copy, and a missing seal."""
    problems = [
        to_problem("COPY_MISMATCH", path, CATALOGUE["COPY_MISMATCH"].message, found)
        for path, found in _differences(online, copy)
    ]
    if copy.stamp_present is not True:
        message = NO_SEAL_ON_DIGITAL if copy.stamp_present is None else NO_SEAL_SEEN
        problems.append(to_problem("STAMP_MISSING", "stamp_present", message, Found()))
    return problems


def copy_problems(copy_report: Report) -> list[Problem]:
    """What was wrong with the copy file itself (unreadable, not the form), marked as such."""
    return [
        Problem(
            code=p.code,
            severity=p.severity,
            field=p.field,
            message=COPY_PREFIX + p.message,
            expected=p.expected,
            actual=p.actual,
        )
        for p in copy_report.problems
        if p.code in ("FILE_UNREADABLE", "FORM_NOT_RECOGNIZED")
    ]


def side_by_side(online: Application, copy: Application) -> list[tuple[str, str, str, bool]]:
    """Each compared field: its path, the online value, the copy's, and whether they agree."""
    return [
        (path, _shown(mine), _shown(theirs), _same(mine, theirs))
        for path, mine, theirs in _pairs(online, copy)
    ]


def _differences(online: Application, copy: Application) -> Iterator[tuple[str, Found]]:
    for path, mine, theirs in _pairs(online, copy):
        if not _same(mine, theirs):
            yield path, Found(actual=_shown(theirs), expected=_shown(mine))


def _pairs(online: Application, copy: Application) -> Iterator[tuple[str, object, object]]:
    """(path, online value, copy value) of every field a copy must repeat, in form order."""
    for path in _COMPARED[: _COMPARED.index("contact_email") + 1]:
        yield path, get_path(online, path), get_path(copy, path)
    online_rows, copy_rows = _rows(online), _rows(copy)
    for index in range(max(len(online_rows), len(copy_rows))):
        for cell in ROW_LABELS:
            mine = online_rows[index].get(cell) if index < len(online_rows) else None
            theirs = copy_rows[index].get(cell) if index < len(copy_rows) else None
            yield row_path(index, cell), mine, theirs
    for path in _COMPARED[_COMPARED.index("contact_email") + 1 :]:
        yield path, get_path(online, path), get_path(copy, path)


def _rows(app: Application) -> list[dict[str, Any]]:
    """The CCER rows with at least one cell written, as plain dicts."""
    rows = app.to_json().get("ccer_rows") or []
    return [row for row in rows if any(value not in (None, "") for value in row.values())]


def _same(mine: object, theirs: object) -> bool:
    """Equal as the form means them: numbers by value, text without width or spacing."""
    mine_number, theirs_number = _decimal(mine), _decimal(theirs)
    if mine_number is not None or theirs_number is not None:
        return mine_number == theirs_number
    return fold(plain(mine)).upper() == fold(plain(theirs)).upper()


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, Decimal) and value.is_finite():
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except ArithmeticError:
            return None
        return parsed if parsed.is_finite() else None
    return None


def _shown(value: object) -> str:
    return plain(value) or "（空白）"
