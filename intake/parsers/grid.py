"""The ruled table of a page image: its outline and its cells, row by row.

Ruling lines are isolated with morphological openings of the ink mask (long
horizontal and vertical structuring elements). Rows are the bands between
consecutive horizontal rules; within a band the cells are separated by the
vertical rules that cross the whole band, so a horizontally merged cell comes
out once.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from intake.parsers import image

Array = NDArray[np.uint8]
Box = tuple[int, int, int, int]

# A rule must cross this share of the table's width (horizontal) or of a row band (vertical).
H_RULE_SHARE = 0.35
V_RULE_SHARE = 0.75
MIN_ROW_HEIGHT = 14
MIN_CELL_WIDTH = 14
MIN_TABLE_ROWS = 2


@dataclass(frozen=True)
class Grid:
    """A table found on a page: its outline and its cells as ``rows`` of boxes."""

    box: Box
    rows: list[list[Box]]


def rule_masks(ink: Array) -> tuple[Array, Array]:
    """Masks of the horizontal and of the vertical ruling lines."""
    height, width = ink.shape
    h_len = max(20, width // 25)
    v_len = max(12, height // 90)
    # Bridge one-pixel breaks of a scanned rule before opening.
    h_src = cv2.dilate(ink, np.ones((3, 1), np.uint8))
    v_src = cv2.dilate(ink, np.ones((1, 3), np.uint8))
    horizontal = cv2.morphologyEx(h_src, cv2.MORPH_OPEN, np.ones((1, h_len), np.uint8))
    vertical = cv2.morphologyEx(v_src, cv2.MORPH_OPEN, np.ones((v_len, 1), np.uint8))
    return np.asarray(horizontal, np.uint8), np.asarray(vertical, np.uint8)


Rules = tuple[Array, Array]


def table_quad(ink: Array, masks: Rules | None = None) -> NDArray[np.float32] | None:
    """Corners (TL, TR, BR, BL) of the largest ruled table, or None (``masks``: its rule masks)."""
    horizontal, vertical = masks or rule_masks(ink)
    lines = cv2.bitwise_or(horizontal, vertical)
    contours, _ = cv2.findContours(lines, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    contour = max(contours, key=cv2.contourArea)
    height, width = ink.shape
    if cv2.contourArea(contour) < 0.05 * height * width:
        return None
    points = contour.reshape(-1, 2).astype(np.float32)
    sums = points.sum(axis=1)
    diffs = points[:, 0] - points[:, 1]
    return np.array(
        [
            points[np.argmin(sums)],
            points[np.argmax(diffs)],
            points[np.argmax(sums)],
            points[np.argmin(diffs)],
        ],
        dtype=np.float32,
    )


def find_grid(ink: Array, masks: Rules | None = None) -> Grid | None:
    """The table's cells on an upright page, or None when no ruled table is there."""
    horizontal, vertical = masks or rule_masks(ink)
    box = _table_box(np.asarray(cv2.bitwise_or(horizontal, vertical), np.uint8))
    if box is None:
        return None
    x0, y0, x1, y1 = box
    rules = _horizontal_rules(horizontal[y0 : y1 + 1, x0 : x1 + 1])
    rows: list[list[Box]] = []
    for top, bottom in itertools.pairwise(rules):
        if bottom - top < MIN_ROW_HEIGHT:
            continue
        band = vertical[y0 + top : y0 + bottom + 1, x0 : x1 + 1]
        cuts = _vertical_rules(band)
        cells = [
            (x0 + left, y0 + top, x0 + right, y0 + bottom)
            for left, right in itertools.pairwise(cuts)
            if right - left >= MIN_CELL_WIDTH
        ]
        if cells:
            rows.append(cells)
    if len(rows) < MIN_TABLE_ROWS:
        return None
    return Grid(box=box, rows=rows)


def _table_box(lines: Array) -> Box | None:
    """Bounding box of the largest connected set of rules."""
    contours, _ = cv2.findContours(lines, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    x, y, w, h = cv2.boundingRect(max(contours, key=cv2.contourArea))
    height, width = lines.shape
    if w < 0.3 * width or h < 0.05 * height:
        return None
    return (x, y, x + w - 1, y + h - 1)


def _horizontal_rules(horizontal: Array) -> list[int]:
    """Y offsets (centres) of the rules crossing enough of the table's width."""
    share = (horizontal > 0).sum(axis=1) / max(1, horizontal.shape[1])
    return _centres(share >= H_RULE_SHARE, edge_length=horizontal.shape[0])


def _vertical_rules(band: Array) -> list[int]:
    """X offsets of the rules crossing a row band from top to bottom (edges always count)."""
    margin = max(2, band.shape[0] // 8)
    inner = band[margin : band.shape[0] - margin] > 0
    longest = _longest_runs(inner)
    return _centres(longest >= V_RULE_SHARE * max(1, inner.shape[0]), edge_length=band.shape[1])


def _longest_runs(mask: NDArray[np.bool_]) -> NDArray[np.intp]:
    """Per column, the length of the longest vertical run of True."""
    run = np.zeros(mask.shape[1], dtype=np.intp)
    best = np.zeros(mask.shape[1], dtype=np.intp)
    for row in mask:
        run = np.where(row, run + 1, 0)
        best = np.maximum(best, run)
    return best


def _centres(flags: NDArray[np.bool_], edge_length: int) -> list[int]:
    """Centres of the runs of True in ``flags``; the two ends are added when missing."""
    centres: list[int] = []
    start = None
    for i, flag in enumerate(flags.tolist()):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            centres.append((start + i - 1) // 2)
            start = None
    if start is not None:
        centres.append((start + len(flags) - 1) // 2)
    tolerance = 6
    if not centres or centres[0] > tolerance:
        centres.insert(0, 0)
    if centres[-1] < edge_length - 1 - tolerance:
        centres.append(edge_length - 1)
    return centres


def text_mask(ink: Array, masks: Rules | None = None) -> Array:
    """The ink with the ruling lines (and their anti-aliased edges) taken out."""
    horizontal, vertical = masks or rule_masks(ink)
    height, width = ink.shape
    # Only long rules: a character's own strokes are short and must stay.
    rules = cv2.bitwise_or(
        _long_parts(horizontal, min_width=max(40, width // 12), min_height=0),
        _long_parts(vertical, min_width=0, min_height=max(24, height // 45)),
    )
    rules = cv2.dilate(rules, np.ones((5, 5), np.uint8))
    return np.asarray(cv2.bitwise_and(ink, cv2.bitwise_not(rules)), np.uint8)


def _long_parts(mask: Array, min_width: int, min_height: int) -> Array:
    """The connected parts of a rule mask at least this wide and this tall."""
    labels, stats = image.label_components(mask)
    keep = (stats[:, cv2.CC_STAT_WIDTH] >= min_width) & (stats[:, cv2.CC_STAT_HEIGHT] >= min_height)
    return image.paint_components(labels, stats, keep)


def lines_in(text: Array, box: Box, split_gap: float | None = None) -> list[Box]:
    """Boxes of the text lines inside ``box`` of a text mask, top to bottom.

    With ``split_gap`` (a multiple of the line height), a line is also cut where
    a horizontal gap is wider than that, giving separate pieces left to right.
    """
    x0, y0, x1, y1 = box
    region = text[y0:y1, x0:x1]
    if region.size == 0:
        return []
    out: list[Box] = []
    for top, bottom in _bands((region > 0).sum(axis=1)):
        strip = region[top:bottom]
        gap = None if split_gap is None else max(8, int(split_gap * (bottom - top)))
        for left, right in _runs((strip > 0).sum(axis=0) > 0, merge_gap=gap):
            if int((strip[:, left:right] > 0).sum()) >= MIN_LINE_INK:
                out.append((x0 + left, y0 + top, x0 + right, y0 + bottom))
    return out


MIN_LINE_HEIGHT = 6
MIN_LINE_INK = 20


def _bands(counts: NDArray[np.intp]) -> list[tuple[int, int]]:
    """Text line bands from the ink count of each row, pieces of one line (二, 三, …) merged back.

    A band much taller than the others is lines that something joined (a seal's ring
    on a 1-bit scan, whose red was lost with its colour): it is cut where the rows
    hold little ink (``_split_tall``).
    """
    bands = _runs(counts >= 2, merge_gap=3)
    bands = [(t, b) for t, b in bands if b - t >= 3]
    if not bands:
        return []
    typical = float(np.median([b - t for t, b in bands if b - t >= MIN_LINE_HEIGHT] or [0]))
    merged: list[tuple[int, int]] = [bands[0]]
    for top, bottom in bands[1:]:
        last_top, last_bottom = merged[-1]
        short = min(bottom - top, last_bottom - last_top) < 0.6 * typical
        if short and top - last_bottom < 0.5 * typical and bottom - last_top <= 1.3 * typical:
            merged[-1] = (last_top, bottom)
        else:
            merged.append((top, bottom))
    out: list[tuple[int, int]] = []
    for top, bottom in merged:
        if typical >= MIN_LINE_HEIGHT and bottom - top > TALL_BAND * typical:
            out.extend(_split_tall(counts, top, bottom, typical))
        else:
            out.append((top, bottom))
    return [(t, b) for t, b in out if b - t >= MIN_LINE_HEIGHT]


# A band this many times the typical line height is several lines joined.
TALL_BAND = 2.2
# Rows with less ink than this share of the band's fullest rows are between its lines.
GAP_INK_SHARE = 0.15
EDGE_SHARE = 0.33


def _split_tall(
    counts: NDArray[np.intp], top: int, bottom: int, typical: float
) -> list[tuple[int, int]]:
    """The lines within a tall band, cut at its emptiest rows between them (the band if none).

    The cores of the lines are the runs of rows with more ink than a share of the
    band's fullest rows; each cut falls on the emptiest row between two cores, and a
    line reaches at most a third of a line height past its core: it keeps the faint
    tops and bottoms of its characters, not the ring beyond them.
    """
    inner = counts[top:bottom]
    threshold = max(2.0, GAP_INK_SHARE * float(np.percentile(inner, 90)))
    cores = [
        (start, end)
        for start, end in _runs(inner >= threshold, merge_gap=3)
        if end - start >= 0.5 * typical
    ]
    if len(cores) < 2:
        return [(top, bottom)]
    cuts = [0]
    for (_, end), (start, _) in itertools.pairwise(cores):
        cuts.append(end + int(np.argmin(inner[end:start])) if start > end else end)
    cuts.append(bottom - top)
    margin = round(EDGE_SHARE * typical)
    return [
        (top + max(cut, start - margin), top + min(next_cut, end + margin))
        for (cut, next_cut), (start, end) in zip(itertools.pairwise(cuts), cores, strict=True)
    ]


def _runs(flags: NDArray[np.bool_], merge_gap: int | None) -> list[tuple[int, int]]:
    """Half-open runs of True, joining runs separated by fewer than ``merge_gap`` Falses."""
    values = flags.tolist()
    runs: list[tuple[int, int]] = []
    start = None
    for i, flag in enumerate([*values, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i))
            start = None
    if merge_gap is None:
        return [(runs[0][0], runs[-1][1])] if runs else []
    joined: list[tuple[int, int]] = []
    for run in runs:
        if joined and run[0] - joined[-1][1] < merge_gap:
            joined[-1] = (joined[-1][0], run[1])
        else:
            joined.append(run)
    return joined
