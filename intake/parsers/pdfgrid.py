"""The form's table on a PDF page: rows and cells from ruling lines, or from the text's alignment.

A full grid of rules gives each cell's box; horizontal rules alone give row
bands, cut into cells where the text leaves a column gap; a page without any
rules is read as a table where runs of lines show text in several columns.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from intake.application import Source
from intake.parsers.pdflines import (
    Box,
    Char,
    bounds,
    cell_text,
    cy,
    font_size,
    group_lines,
    segments,
)
from intake.parsers.text import Cell

MIN_RULE_SHARE = 0.30  # a horizontal table rule spans at least this share of the page
RULE_TOLERANCE = 3.0
BAND_GAP = 0.60  # lines closer than this (in font sizes) belong to one unruled row
CENTRE_TOLERANCE = 0.35  # a cell is centred on its row within this (font sizes)
MIN_TEXT_ROWS = 3  # multi-column rows needed to take unruled text for a table


@dataclass
class Grid:
    """A table on a page: distinct cell boxes per row, or row bands to split by text."""

    bbox: Box
    rows: list[list[Box]]
    split_by_text: bool = False


def grid_rows(grid: Grid, chars: list[Char], page: int, label: str) -> list[list[Cell]]:
    """The cells of a table, each with the text of the characters it holds."""
    chars = sorted(chars, key=cy)
    keys = [cy(c) for c in chars]
    rows: list[list[Cell]] = []
    for r, boxes in enumerate(grid.rows, start=1):
        if grid.split_by_text:
            cells = [(bounds(part), part) for part in _text_cells(_inside(chars, keys, boxes[0]))]
        else:
            cells = [(box, _inside(chars, keys, box)) for box in boxes]
        if not cells:
            continue  # an empty band between two rules: no cell to report
        rows.append(
            [
                Cell(cell_text(held), Source(f"第{page}页 {label}第{r}行第{c}列", page, box))
                for c, (box, held) in enumerate(cells, start=1)
            ]
        )
    return rows


def ruled_grids(page: Any) -> list[Grid]:
    """Tables drawn with a full grid of ruling lines."""
    settings = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
    grids = []
    for table in page.find_tables(settings):
        rows = [[_box(c) for c in row.cells if c is not None] for row in table.rows]
        rows = [row for row in rows if row]
        if sum(len(row) for row in rows) >= 2:
            grids.append(Grid(_box(table.bbox), rows))
    return grids


def banded_grids(page: Any, ruled: list[Grid]) -> list[Grid]:
    """Tables drawn with horizontal rules only: the bands between rules are rows."""
    taken = [g.bbox for g in ruled]
    rules = sorted(
        (
            e
            for e in page.edges
            if e["orientation"] == "h"
            and e["x1"] - e["x0"] >= MIN_RULE_SHARE * float(page.width)
            and not any(_contains(b, (e["x0"], e["top"], e["x1"], e["top"])) for b in taken)
        ),
        key=lambda e: (round(e["x0"]), round(e["x1"]), e["top"]),
    )
    grids = []
    for group in _rule_groups(rules):
        tops = _distinct([e["top"] for e in group])
        if len(tops) < 3:
            continue
        x0 = min(e["x0"] for e in group)
        x1 = max(e["x1"] for e in group)
        bands = [[(x0, a, x1, b)] for a, b in pairwise(tops)]
        grids.append(Grid((x0, tops[0], x1, tops[-1]), bands, split_by_text=True))
    return grids


def _rule_groups(rules: list[Char]) -> Iterator[list[Char]]:
    """Rules with the same left and right ends, within tolerance."""
    group: list[Char] = []
    for rule in rules:
        if group and (
            abs(rule["x0"] - group[0]["x0"]) > RULE_TOLERANCE
            or abs(rule["x1"] - group[0]["x1"]) > RULE_TOLERANCE
        ):
            yield group
            group = []
        group.append(rule)
    if group:
        yield group


def text_grids(chars: list[Char]) -> list[Grid]:
    """Without any rules: runs of bands with text in several columns form a table."""
    bands = _bands(group_lines(chars))
    multi = [len(_text_cells(band)) >= 2 for band in bands]
    grids: list[Grid] = []
    start: int | None = None
    for i, is_multi in enumerate([*multi, False, False, False]):
        if is_multi and start is None:
            start = i
        if start is not None and not any(multi[i : i + 3]):
            if sum(multi[start:i]) >= MIN_TEXT_ROWS:
                grids.append(_band_grid(bands[start:i]))
            start = None
    return grids


def _bands(lines: list[list[Char]]) -> list[list[Char]]:
    """Lines grouped into unruled table rows (see ``_row_groups``), as flat char lists."""
    runs: list[list[list[Char]]] = []
    for line in lines:
        if runs and _gap(runs[-1][-1], line) < BAND_GAP * font_size(runs[-1][-1][0], line[0]):
            runs[-1].append(line)
        else:
            runs.append([line])
    return [[c for line in group for c in line] for run in runs for group in _row_groups(run)]


def _row_groups(run: list[list[Char]]) -> list[list[list[Char]]]:
    """Tightly spaced lines split into the fewest rows whose cells are each centred.

    In a row, a cell's lines are contiguous and vertically centred on the row,
    and at least one cell is a single line (the value): so a label wrapped
    over three lines with its value beside the middle one forms one row,
    while two stacked single-line rows never merge.
    """
    columns = _columns(run)
    best: list[tuple[int, int]] = [(0, 0)]  # (row count, start of last row)
    for end in range(1, len(run) + 1):
        options = [
            (best[start][0] + 1, start)
            for start in range(end)
            if end - start == 1 or _is_row(run[start:end], columns)
        ]
        best.append(min(options))
    groups: list[list[list[Char]]] = []
    end = len(run)
    while end > 0:
        start = best[end][1]
        groups.insert(0, run[start:end])
        end = start
    return groups


def _columns(run: list[list[Char]]) -> list[tuple[float, float]]:
    """Column intervals of a run: overlapping pieces of multi-piece lines joined."""
    spans = sorted(
        (seg[0]["x0"], seg[-1]["x1"])
        for line in run
        if len(segs := segments(line)) >= 2
        for seg in segs
    )
    columns: list[tuple[float, float]] = []
    for x0, x1 in spans:
        if columns and x0 < columns[-1][1]:
            columns[-1] = (columns[-1][0], max(columns[-1][1], x1))
        else:
            columns.append((x0, x1))
    return columns


def _is_row(lines: list[list[Char]], columns: list[tuple[float, float]]) -> bool:
    """True when the lines can be one table row (see ``_row_groups``)."""
    if not columns:
        return False
    top, bottom = _span(lines[0])[0], max(_span(line)[1] for line in lines)
    size = font_size(lines[0][0], lines[-1][0])
    by_column: dict[int, list[tuple[float, float]]] = {}
    for line in lines:
        for seg in segments(line):
            middle = (seg[0]["x0"] + seg[-1]["x1"]) / 2
            col = next((i for i, (a, b) in enumerate(columns) if a <= middle <= b), -1)
            by_column.setdefault(col, []).append(_span(seg))
    single = False
    for pieces in by_column.values():
        pieces.sort()
        if any(b[0] - a[1] >= BAND_GAP * size for a, b in pairwise(pieces)):
            return False
        if abs(pieces[0][0] + pieces[-1][1] - top - bottom) / 2 > CENTRE_TOLERANCE * size:
            return False
        single = single or len(pieces) == 1
    return single


def _gap(upper: list[Char], lower: list[Char]) -> float:
    """Vertical space between two lines."""
    return _span(lower)[0] - _span(upper)[1]


def _span(chars: list[Char]) -> tuple[float, float]:
    """Top and bottom of the visible characters."""
    shown = [c for c in chars if not c["text"].isspace()] or chars
    return float(min(c["top"] for c in shown)), float(max(c["bottom"] for c in shown))


def _band_grid(bands: list[list[Char]]) -> Grid:
    """An unruled table: one full-width row box per band."""
    boxes = [bounds(band) for band in bands]
    x0 = min(b[0] for b in boxes) - 0.5
    x1 = max(b[2] for b in boxes) + 0.5
    rows = [[(x0, b[1] - 0.5, x1, b[3] + 0.5)] for b in boxes]
    return Grid((x0, rows[0][0][1], x1, rows[-1][0][3]), rows, split_by_text=True)


def _text_cells(chars: list[Char]) -> list[list[Char]]:
    """An unruled row split into cells: text pieces whose columns overlap join."""
    pieces = [seg for line in group_lines(chars) for seg in segments(line)]
    pieces.sort(key=lambda seg: seg[0]["x0"])
    cells: list[list[Char]] = []
    right = float("-inf")
    for seg in pieces:
        if cells and seg[0]["x0"] < right:
            cells[-1].extend(seg)
            right = max(right, seg[-1]["x1"])
        else:
            cells.append(list(seg))
            right = seg[-1]["x1"]
    return cells


def _inside(chars: list[Char], keys: list[float], box: Box) -> list[Char]:
    """Characters (sorted by vertical centre) whose centre lies in the box."""
    lo, hi = bisect_left(keys, box[1]), bisect_right(keys, box[3])
    return [c for c in chars[lo:hi] if box[0] <= (c["x0"] + c["x1"]) / 2 <= box[2]]


def _contains(outer: Box, inner: Box) -> bool:
    """True when inner lies within outer, with tolerance."""
    t = RULE_TOLERANCE
    return (
        outer[0] - t <= inner[0]
        and outer[1] - t <= inner[1]
        and inner[2] <= outer[2] + t
        and inner[3] <= outer[3] + t
    )


def _box(obj: Any) -> Box:
    """A pdfplumber bbox as floats."""
    x0, top, x1, bottom = obj
    return (float(x0), float(top), float(x1), float(bottom))


def _distinct(values: list[float]) -> list[float]:
    """Sorted values with near-duplicates (double-drawn rules) dropped."""
    out: list[float] = []
    for value in sorted(values):
        if not out or value - out[-1] > RULE_TOLERANCE:
            out.append(value)
    return out
