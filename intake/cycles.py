"""The compliance cycles: what the procedure fixes for each year's application, as data.

A cycle is one year's offset application: which annex of the procedure its form is
(附表1, 附表2) and the form's title; the application deadline; the end of the
compliance period and the working days after it when pending CCER is recalled; and
the offset ceiling with its base. The verifier, the online form, the renderer, the
recall and the web read these values from here and write none of their own.

The 2021 and 2022 cycles of the 2021–2022 procedure are built in. A later year's
procedure is supported by a configuration file (``INTAKE_CYCLES``, TOML or JSON)
holding a list ``cycle`` of tables with the same fields; a field left out takes the
value of the last cycle before it (``annex``, ``title``, ``deadline`` and
``period_end`` are always required). The file may also redefine a built-in year.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

# The official layout breaks the form's title before this word.
TITLE_BREAK = "使用"


class CycleConfigError(ValueError):
    """The cycles file cannot be read; the message is the Chinese reason."""


@dataclass(frozen=True)
class Cycle:
    """One year's application under the procedure."""

    year: int
    annex: str  # the procedure's annex holding the form: 附表1
    title: str  # the form's title as printed
    deadline: dt.date  # the last day the form may be signed and handed in
    period_end: dt.date  # the end of the compliance period
    recall_working_days: int  # pending CCER is recalled this many working days after it
    ceiling_pct: Decimal  # the offset may be at most this percentage ...
    ceiling_base: str  # ... of this quantity of the form (its label)
    template: str  # the blank form: a file of intake/render/templates, or a path

    def limit(self, due: Decimal) -> Decimal:
        """The largest offset allowed against ``due`` (exact in the caller's decimal context)."""
        return due * self.ceiling_pct / 100

    def over_ceiling(self, offset: Decimal, due: Decimal) -> bool:
        """True when ``offset`` exceeds the ceiling (exactly the ceiling is allowed)."""
        return offset * 100 > due * self.ceiling_pct

    @property
    def ceiling_text(self) -> str:
        """The ceiling as the procedure writes it: ``5%``."""
        return f"{format(self.ceiling_pct.normalize(), 'f')}%"

    @property
    def title_lines(self) -> tuple[str, ...]:
        """The title as the official form prints it, on two lines."""
        head, word, tail = self.title.partition(TITLE_BREAK)
        return (head, word + tail) if word and head else (self.title,)


_PROCEDURE_DEADLINE = dt.date(2023, 12, 15)
_PROCEDURE_PERIOD_END = dt.date(2023, 12, 31)


def _procedure_cycle(year: int, annex: str) -> Cycle:
    """A cycle of the 2021–2022 procedure: both years share its dates and its ceiling."""
    return Cycle(
        year=year,
        annex=annex,
        title=f"{year}年全国碳市场重点排放单位{TITLE_BREAK}CCER抵销配额清缴申请表",
        deadline=_PROCEDURE_DEADLINE,
        period_end=_PROCEDURE_PERIOD_END,
        recall_working_days=15,
        ceiling_pct=Decimal(5),
        ceiling_base="应清缴配额量",
        template=f"ccer-offset-application-{year}.docx",
    )


BUILT_IN = (_procedure_cycle(2021, "附表1"), _procedure_cycle(2022, "附表2"))


@dataclass(frozen=True)
class Cycles:
    """The cycles the service accepts, by year."""

    by_year: Mapping[int, Cycle]

    @classmethod
    def of(cls, cycles: Iterable[Cycle]) -> Cycles:
        """The cycles in year order (a later definition of a year replaces an earlier one)."""
        by_year = {cycle.year: cycle for cycle in cycles}
        if not by_year:
            raise CycleConfigError("没有任何申请年度")
        return cls({year: by_year[year] for year in sorted(by_year)})

    def __iter__(self) -> Iterator[Cycle]:
        return iter(self.by_year.values())

    def __contains__(self, year: object) -> bool:
        return year in self.by_year

    def get(self, year: object) -> Cycle | None:
        """The cycle of ``year``, or None when the service does not accept that year."""
        return self.by_year.get(year) if isinstance(year, int) else None

    @property
    def years(self) -> tuple[int, ...]:
        """The years accepted, in order."""
        return tuple(self.by_year)

    @property
    def first(self) -> Cycle:
        """The earliest cycle (the online form's default year)."""
        return next(iter(self.by_year.values()))

    @property
    def last(self) -> Cycle:
        """The latest cycle: its deadline and recall are the service's current ones."""
        return self.by_year[max(self.by_year)]

    def years_text(self, joiner: str = " 或 ") -> str:
        """The years for a message: ``2021 或 2022``."""
        return joiner.join(str(year) for year in self.by_year)

    def deadline_for(self, year: object) -> dt.date:
        """The deadline of the year's cycle; for an unknown year, the latest of all."""
        cycle = self.get(year)
        return cycle.deadline if cycle else max(c.deadline for c in self)

    def ceiling_for(self, year: object) -> Cycle:
        """The cycle whose ceiling applies: the year's, else the latest cycle's."""
        return self.get(year) or self.last

    def replacing(self, **changes: Any) -> Cycles:
        """Every cycle with the same fields changed (a configured deadline, say)."""
        return Cycles.of(replace(cycle, **changes) for cycle in self)


def load_cycles(path: Path | None = None) -> Cycles:
    """The built-in cycles, with those of the file at ``path`` (TOML or JSON) added."""
    cycles = list(BUILT_IN)
    if path is None:
        return Cycles.of(cycles)
    for number, table in enumerate(_tables(path), start=1):
        cycles.append(_cycle(table, cycles[-1], f"{path.name} 第 {number} 个年度"))
    return Cycles.of(cycles)


def _tables(path: Path) -> list[Mapping[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
        data: Any = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as error:
        raise CycleConfigError(f"无法读取申请年度配置 {path}：{error}") from error
    except (ValueError, tomllib.TOMLDecodeError) as error:
        raise CycleConfigError(f"申请年度配置 {path} 格式错误：{error}") from error
    tables = data.get("cycle") if isinstance(data, dict) else None
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise CycleConfigError(f"申请年度配置 {path} 应包含 cycle 列表")
    return tables


REQUIRED = ("year", "annex", "title", "deadline", "period_end")


def _cycle(table: Mapping[str, Any], previous: Cycle, where: str) -> Cycle:
    """One configured cycle; fields left out are the previous cycle's."""
    known = {f.name for f in fields(Cycle)}
    if unknown := sorted(set(table) - known):
        raise CycleConfigError(f"{where}：未知的项 {'、'.join(unknown)}")
    if missing := [name for name in REQUIRED if name not in table]:
        raise CycleConfigError(f"{where}：缺少 {'、'.join(missing)}")
    values: dict[str, Any] = {}
    for name in known:
        raw = table.get(name, getattr(previous, name))
        try:
            values[name] = _value(name, raw)
        except (TypeError, ValueError, InvalidOperation) as error:
            raise CycleConfigError(f"{where}：{name} 的值 {raw!r} 无效") from error
    cycle = Cycle(**values)
    if cycle.ceiling_pct <= 0 or cycle.recall_working_days < 0 or cycle.period_end < cycle.deadline:
        raise CycleConfigError(f"{where}：上限须为正数，召回工作日不能为负，履约期不能早于截止日")
    return cycle


def _value(name: str, raw: Any) -> Any:
    """A configured value as the field's type (TOML has dates; JSON writes them as text)."""
    if name in ("deadline", "period_end"):
        return raw if isinstance(raw, dt.date) else dt.date.fromisoformat(raw)
    if name in ("year", "recall_working_days"):
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise TypeError(name)
        return raw
    if name == "ceiling_pct":
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw))
        if not value.is_finite():
            raise ValueError(name)
        return value
    if not isinstance(raw, str) or not raw.strip():
        raise TypeError(name)
    return raw.strip()
