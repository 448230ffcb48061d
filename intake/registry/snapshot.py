"""The four registry files read and checked into rows ready to insert, or every problem found."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from intake.cycles import Cycles
from intake.registry.csvfiles import ProblemList, Row, read_rows
from intake.registry.values import LotStatus, parse_bool, parse_quantity, parse_uscc, parse_year

ENTITIES = "entities.csv"
ALLOCATIONS = "allocations.csv"
LOTS = "pending_ccer.csv"
PROJECTS = "projects.csv"

COLUMNS: dict[str, tuple[str, ...]] = {
    ENTITIES: ("uscc", "name", "province", "ccer_account_id", "ets_account_id", "accounts_bound"),
    ALLOCATIONS: ("uscc", "year", "due_allowance_t"),
    LOTS: ("uscc", "project_number", "project_name", "project_type", "quantity_t", "status"),
    PROJECTS: ("project_number", "project_name", "project_type", "province", "eligible", "note"),
}

STATUSES = frozenset(status.value for status in LotStatus)


@dataclass
class Snapshot:
    """The registry export's content as rows for the tables, keyed by column name."""

    entities: list[dict[str, Any]] = field(default_factory=list)
    allocations: list[dict[str, Any]] = field(default_factory=list)
    lots: list[dict[str, Any]] = field(default_factory=list)
    projects: list[dict[str, Any]] = field(default_factory=list)
    # The line of pending_ccer.csv each lot was read from, in the same order as ``lots``.
    lot_lines: list[int] = field(default_factory=list)


def read_snapshot(directory: Path, cycles: Cycles | None = None) -> Snapshot:
    """All four files of ``directory`` checked; raises RegistryLoadError listing every bad row.

    Allocations must be of the years of ``cycles`` (by default the configured ones).
    """
    if cycles is None:
        from intake.config import load_settings

        cycles = load_settings().cycles
    problems = ProblemList()
    snapshot = Snapshot()
    known = _entities(directory, problems, snapshot.entities)
    _allocations(directory, problems, known, snapshot.allocations, cycles.years)
    _lots(directory, problems, known, snapshot)
    _projects(directory, problems, snapshot.projects)
    problems.raise_if_any()
    return snapshot


def _rows(directory: Path, name: str, problems: ProblemList) -> Iterator[Row]:
    return _capped(read_rows(directory, name, COLUMNS[name], problems) or iter(()), problems)


def _capped(rows: Iterator[Row], problems: ProblemList) -> Iterator[Row]:
    """The rows until the problem list is full (reading on would find nothing to report)."""
    for row in rows:
        if problems.full:
            problems.truncated = True
            return
        yield row


def _entities(directory: Path, problems: ProblemList, out: list[dict[str, Any]]) -> set[str] | None:
    """Entity rows into ``out``; the codes seen, or None when the file could not be read."""
    rows = read_rows(directory, ENTITIES, COLUMNS[ENTITIES], problems)
    if rows is None:
        return None
    first_line: dict[str, int] = {}
    for row in _capped(rows, problems):
        uscc = row.parsed("uscc", parse_uscc)
        record = {
            "uscc": uscc,
            "name": row.text("name"),
            "province": row.text("province", max_length=50),
            "ccer_account_id": row.text(
                "ccer_account_id", required=False, max_length=64, code=True
            ),
            "ets_account_id": row.text("ets_account_id", required=False, max_length=64, code=True),
            "accounts_bound": row.parsed("accounts_bound", parse_bool),
        }
        if uscc is not None:
            if uscc in first_line:
                row.fail(f"统一社会信用代码 {uscc} 与第 {first_line[uscc]} 行重复")
            else:
                first_line[uscc] = row.line
        if row.ok:
            out.append(record)
    return set(first_line)


def _known(row: Row, known: set[str] | None) -> str | None:
    """The row's uscc, checked against entities.csv when that file was readable."""
    uscc = row.parsed("uscc", parse_uscc)
    if uscc is not None and known is not None and uscc not in known:
        row.fail(f"统一社会信用代码 {uscc} 不在 {ENTITIES} 中")
    return uscc


def _allocations(
    directory: Path,
    problems: ProblemList,
    known: set[str] | None,
    out: list[dict[str, Any]],
    years: tuple[int, ...],
) -> None:
    first_line: dict[tuple[str, int], int] = {}
    for row in _rows(directory, ALLOCATIONS, problems):
        uscc = _known(row, known)
        year = row.parsed("year", lambda raw: parse_year(raw, years))
        due = row.parsed("due_allowance_t", parse_quantity)
        if uscc is not None and year is not None:
            key = (uscc, year)
            if key in first_line:
                row.fail(f"{uscc} 的 {year} 年配额与第 {first_line[key]} 行重复")
            else:
                first_line[key] = row.line
        if row.ok:
            out.append({"uscc": uscc, "year": year, "due_allowance_t": due})


def _lots(directory: Path, problems: ProblemList, known: set[str] | None, out: Snapshot) -> None:
    for row in _rows(directory, LOTS, problems):
        uscc = _known(row, known)
        record = {
            "uscc": uscc,
            "project_number": row.text("project_number", max_length=64, code=True),
            "project_name": row.text("project_name", required=False, max_length=300),
            "project_type": row.text("project_type", required=False, max_length=100),
            "quantity_t": row.parsed("quantity_t", parse_quantity),
            "status": row.text("status", max_length=100),
        }
        if record["status"] and record["status"] not in STATUSES:
            allowed = "、".join(status.value for status in LotStatus)
            row.fail(f"status「{record['status']}」无效（只能是 {allowed}）")
        if row.ok:
            out.lots.append(record)
            out.lot_lines.append(row.line)


def _projects(directory: Path, problems: ProblemList, out: list[dict[str, Any]]) -> None:
    first_line: dict[str, int] = {}
    for row in _rows(directory, PROJECTS, problems):
        number = row.text("project_number", max_length=64, code=True)
        record = {
            "project_number": number,
            "project_name": row.text("project_name", max_length=300),
            "project_type": row.text("project_type", required=False, max_length=100),
            "province": row.text("province", required=False, max_length=50),
            "eligible": row.parsed("eligible", parse_bool),
            "note": row.text("note", required=False, max_length=2000),
        }
        if number in first_line:
            row.fail(f"项目编号 {number} 与第 {first_line[number]} 行重复")
        elif number:
            first_line[number] = row.line
        if row.ok:
            out.append(record)
