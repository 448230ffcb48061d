"""Reading the registry's CSV files, collecting every bad row with file, line and reason."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from intake.registry.values import ValueProblem, fold

T = TypeVar("T")

MAX_PROBLEMS = 200


class LoadProblem(NamedTuple):
    """One reason a load was rejected; ``line`` is None for the file as a whole."""

    file: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file} 第 {self.line} 行"
        return f"{where}：{self.reason}"


class RegistryLoadError(Exception):
    """The registry files were rejected; ``problems`` lists every bad row found."""

    def __init__(self, problems: list[LoadProblem], truncated: bool = False) -> None:
        self.problems = problems
        self.truncated = truncated
        more = f"（仅列出前 {len(problems)} 条）" if truncated else ""
        lines = "\n".join(str(p) for p in problems)
        super().__init__(f"登记数据有 {len(problems)} 处错误{more}，未导入任何数据：\n{lines}")

    @property
    def errors(self) -> list[LoadProblem]:
        """The same list as ``problems``."""
        return self.problems


class ProblemList:
    """Problems found so far, capped so a wholly wrong file does not flood the report."""

    def __init__(self, cap: int = MAX_PROBLEMS) -> None:
        self.items: list[LoadProblem] = []
        self.cap = cap
        self.truncated = False

    def add(self, file: str, line: int | None, reason: str) -> None:
        """Record a problem, or mark the list truncated once the cap is reached."""
        if len(self.items) >= self.cap:
            self.truncated = True
            return
        self.items.append(LoadProblem(file, line, reason))

    @property
    def full(self) -> bool:
        """True once no more problems will be kept."""
        return len(self.items) >= self.cap

    def raise_if_any(self) -> None:
        """Raise RegistryLoadError when anything was found."""
        if self.items:
            raise RegistryLoadError(list(self.items), self.truncated)


class Row:
    """One data row: typed reads of its cells, each bad cell recorded as a problem."""

    def __init__(self, file: str, line: int, cells: dict[str, str], problems: ProblemList) -> None:
        self.file = file
        self.line = line
        self.cells = cells
        self.problems = problems
        self.ok = True

    def fail(self, reason: str) -> None:
        """Record a problem of this row."""
        self.ok = False
        self.problems.add(self.file, self.line, reason)

    def text(
        self, column: str, *, required: bool = True, max_length: int = 200, code: bool = False
    ) -> str:
        """The trimmed text of a cell; a code is also folded to half-width (names are not)."""
        raw = self.cells[column]
        value = fold(raw) if code else raw.strip()
        if required and not value:
            self.fail(f"{column} 为空")
        elif len(value) > max_length:
            self.fail(f"{column} 超过 {max_length} 个字符")
        return value

    def parsed(self, column: str, parse: Callable[[str], T]) -> T | None:
        """The cell read by ``parse``, or None (and a problem) when it raises ValueProblem."""
        try:
            return parse(self.cells[column])
        except ValueProblem as problem:
            self.fail(f"{column}：{problem}")
            return None


def read_rows(
    directory: Path, name: str, columns: tuple[str, ...], problems: ProblemList
) -> Iterator[Row] | None:
    """The data rows of a registry file whose header has exactly ``columns`` (in any order).

    None when the file is missing, not UTF-8 or has a bad header (the problem is recorded).
    """
    text = _decode(directory / name, name, problems)
    if text is None:
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as error:
        problems.add(name, 1, f"CSV 格式错误：{error}")
        return None
    if header is None:
        problems.add(name, None, "文件为空（没有表头）")
        return None
    if not _header_ok(name, header, columns, problems):
        return None
    return _records(name, reader, [fold(h) for h in header], problems)


def _records(name: str, reader: Any, keys: list[str], problems: ProblemList) -> Iterator[Row]:
    last_line: int = reader.line_num
    try:
        for record in reader:
            line, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(keys):
                problems.add(name, line, f"有 {len(record)} 列，表头有 {len(keys)} 列")
                continue
            yield Row(name, line, dict(zip(keys, record, strict=True)), problems)
    except csv.Error as error:
        problems.add(name, last_line + 1, f"CSV 格式错误：{error}")


def _decode(path: Path, name: str, problems: ProblemList) -> str | None:
    if not path.is_file():
        problems.add(name, None, "缺少该文件")
        return None
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        problems.add(name, line, "不是 UTF-8 编码（请以 UTF-8 保存 CSV）")
        return None


def _header_ok(
    name: str, header: list[str], columns: tuple[str, ...], problems: ProblemList
) -> bool:
    found = [fold(h) for h in header]
    ok = True
    for column in found:
        if column not in columns:
            problems.add(name, 1, f"未知的列「{column}」")
            ok = False
    for column in columns:
        count = found.count(column)
        if count == 0:
            problems.add(name, 1, f"缺少列「{column}」")
            ok = False
        elif count > 1:
            problems.add(name, 1, f"列「{column}」重复")
            ok = False
    return ok
