"""A stored report as the report page shows it: by section of the form, errors first.

The registry's expected value of a problem is shown only where the catalogue says
it reveals registry data AND the viewer is entitled to the application's entity.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from intake.accounts.models import User
from intake.application import Problem, Report
from intake.verify.catalogue import CATALOGUE, FIELD_LABELS, ROW_PATH, field_sort_key, label

SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("file", "文件", ("year",)),
    ("entity", "单位基本信息", ("entity_name", "uscc", "ccer_account_id", "ets_account_id")),
    ("offset", "配额与抵销", ("due_allowance_t", "offset_requested_t", "offset_ratio_pct")),
    ("contact", "联系人", ("contact_name", "contact_phone", "contact_email")),
    ("ccer", "CCER 基本信息", ("ccer_rows",)),
    (
        "declaration",
        "声明",
        (
            "declaration.province",
            "declaration.offset_t",
            "declaration.ratio_pct",
            "declaration.year",
        ),
    ),
    ("signature", "签署与盖章", ("signed_date", "stamp_present")),
)
_SECTION_OF = {name: key for key, _title, names in SECTIONS for name in names}


@dataclass
class FieldView:
    """One value of the application with where it was read and its problems."""

    path: str
    label: str
    value: Any
    source: dict[str, Any] | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """The HTML id of the field's row on the page."""
        return anchor(self.path)


@dataclass
class SectionView:
    """A section of the form: its fields and the problems found in it, errors first."""

    key: str
    title: str
    fields: list[FieldView]
    problems: list[Problem]

    @property
    def errors(self) -> int:
        """How many of its problems are errors."""
        return sum(1 for p in self.problems if p.severity == "error")


def anchor(path: str | None) -> str:
    """The HTML id of a field path (``ccer_rows[1].cancel_quantity_t`` -> ``f-ccer_rows-1-…``)."""
    if not path:
        return "f-file"
    return "f-" + re.sub(r"[^A-Za-z0-9_]+", "-", path).strip("-")


def section_of(path: str | None) -> str:
    """The key of the section of the form a field path belongs to."""
    if path is None:
        return "file"
    if ROW_PATH.fullmatch(path) or path == "ccer_rows":
        return "ccer"
    return _SECTION_OF.get(path, "file")


def visible_problems(
    problems: Iterable[Problem],
    uscc: str | None,
    viewer: User | None,
    *,
    entitled: bool | None = None,
) -> list[Problem]:
    """The problems, with ``expected`` hidden where it would reveal another entity's data.

    ``entitled`` is decided by the caller when it knows more than the user's role (a
    reviewer's queue holds only its province's applications).
    """
    if entitled is None:
        entitled = viewer is not None and viewer.can_see_entity(uscc)
    shown = []
    for problem in problems:
        entry = CATALOGUE.get(problem.code)
        hidden = entry is not None and entry.reveals_registry and not entitled
        shown.append(dataclasses.replace(problem, expected=None) if hidden else problem)
    return shown


def visible(
    report: Report | None,
    uscc: str | None,
    viewer: User | None,
    *,
    entitled: bool | None = None,
) -> Report:
    """A version's report as the viewer may see it; an empty one while it is not checked."""
    if report is None:
        return Report(file=None, application=None)
    shown = visible_problems(report.problems, uscc, viewer, entitled=entitled)
    return dataclasses.replace(report, problems=shown)


def visible_report(report: dict[str, Any], viewer: User | None) -> dict[str, Any]:
    """The contract's report JSON as the viewer may see it (the JSON API serves it as stored)."""
    uscc = (report.get("application") or {}).get("uscc")
    problems = [Problem.from_json(p) for p in report.get("problems") or []]
    shown = visible_problems(problems, uscc, viewer)
    return {**report, "problems": [p.to_json() for p in shown]}


def sections(application: dict[str, Any] | None, problems: list[Problem]) -> list[SectionView]:
    """The report grouped by section of the form; each field with its value, source, problems."""
    data = application or {}
    sources = data.get("sources") or {}
    fields = _field_views(data, sources)
    by_path = {f.path: f for f in fields}
    grouped: dict[str, SectionView] = {
        key: SectionView(key, title, [], []) for key, title, _names in SECTIONS
    }
    for view in fields:
        grouped[section_of(view.path)].fields.append(view)
    for problem in sorted(problems, key=_problem_order):
        grouped[section_of(problem.field)].problems.append(problem)
        target = by_path.get(problem.field or "")
        if target is not None:
            target.problems.append(problem)
    return list(grouped.values())


def _problem_order(problem: Problem) -> tuple[int, tuple[int, int, int, str]]:
    return (0 if problem.severity == "error" else 1, field_sort_key(problem.field))


def _field_views(data: dict[str, Any], sources: dict[str, Any]) -> list[FieldView]:
    views: list[FieldView] = []
    for name in FIELD_LABELS:
        if name == "ccer_rows":
            for index, row in enumerate(data.get("ccer_rows") or []):
                for cell in ("project_number", "cancel_quantity_t"):
                    path = f"ccer_rows[{index}].{cell}"
                    views.append(FieldView(path, label(path), row.get(cell), sources.get(path)))
            continue
        value = _value(data, name)
        views.append(FieldView(name, label(name), value, sources.get(name)))
    return views


def _value(data: dict[str, Any], path: str) -> Any:
    target: Any = data
    for part in path.split("."):
        target = target.get(part) if isinstance(target, dict) else None
    return target
