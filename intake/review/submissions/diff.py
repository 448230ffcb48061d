"""What changed between two versions: field by field, and which problems were fixed or are new."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from intake.application import Problem
from intake.verify.catalogue import field_sort_key, label

# Keys of the stored application JSON that are not values of the form.
_NOT_FIELDS = ("sources", "source_kind")


@dataclass(frozen=True)
class FieldChange:
    """One field whose value differs between two versions."""

    field: str
    label: str
    before: Any
    after: Any


@dataclass(frozen=True)
class ProblemChanges:
    """Problems fixed since the earlier version, new in the later, still there."""

    fixed: list[Problem]
    new: list[Problem]
    remaining: list[Problem]


def flatten_application(data: dict[str, Any] | None) -> dict[str, Any]:
    """Field path -> value of an application JSON (``ccer_rows[1].project_number`` …)."""
    flat: dict[str, Any] = {}
    for key, value in (data or {}).items():
        if key in _NOT_FIELDS:
            continue
        if key == "ccer_rows":
            for index, row in enumerate(value or []):
                for cell, cell_value in row.items():
                    flat[f"ccer_rows[{index}].{cell}"] = cell_value
        elif key == "declaration":
            for part, part_value in (value or {}).items():
                flat[f"declaration.{part}"] = part_value
        else:
            flat[key] = value
    return flat


def diff_applications(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> list[FieldChange]:
    """Every field whose value differs, in the order of the form."""
    old, new = flatten_application(before), flatten_application(after)
    changed = [path for path in old.keys() | new.keys() if old.get(path) != new.get(path)]
    return [
        FieldChange(path, label(path), old.get(path), new.get(path))
        for path in sorted(changed, key=field_sort_key)
    ]


def _key(problem: Problem) -> tuple[str, str | None, str | None]:
    return (problem.code, problem.field, problem.actual)


def diff_problems(before: list[Problem], after: list[Problem]) -> ProblemChanges:
    """Problems of the earlier report gone from the later one, new in it, and still there."""
    old_keys = {_key(p) for p in before}
    new_keys = {_key(p) for p in after}
    return ProblemChanges(
        fixed=[p for p in before if _key(p) not in new_keys],
        new=[p for p in after if _key(p) not in old_keys],
        remaining=[p for p in after if _key(p) in old_keys],
    )
