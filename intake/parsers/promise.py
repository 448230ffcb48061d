"""The 声明's printed promise on a scan: found by its paragraph's shape and two glances.

The 申请表's 声明 has two paragraphs of its own: the sentence with the blanks
(我单位申请使用…%。) and the printed promise (我单位知悉…请予审核。). The promise
holds nothing the form asks for, yet its three or four full-width lines are a
fifth of the text a page gives the recogniser. So the lines around the table are
grouped into paragraphs by their shape (the first line indented, every line but
the last reaching the right margin); of each paragraph, only the first few
characters of its first line and the last few of its last line are read first.
A paragraph that starts with 我单位知悉 and ends with 请予审核 (one character of
each may be misread) is the promise and is not read further; any other is read
whole. A glance misread only costs the full reading.
"""

from __future__ import annotations

import re
from itertools import groupby

import numpy as np
from numpy.typing import NDArray

from intake.parsers import image
from intake.parsers.normalize import misread_count

Array = NDArray[np.uint8]
Box = tuple[int, int, int, int]

PROMISE_START = "我单位知悉"
PROMISE_END = "请予审核"
# A glance is this many line heights of ink (a Chinese character is about one wide).
GLANCE_HEIGHTS = 6
# A paragraph's lines are at least this share as wide as the widest line of the page.
WIDE_SHARE = 0.7
_NOT_TEXT = re.compile(r"[\W_]+")
_FIGURE = re.compile(r"[\d%％]")


def paragraphs(lines: list[Box]) -> list[list[int]]:
    """Indices (into ``lines``) of each paragraph of two lines or more, top to bottom.

    ``lines`` are the line pieces outside the table as the grid gives them: top to
    bottom, and left to right within a text line (pieces of one line share its top
    and bottom).
    """
    rows = [list(group) for _, group in groupby(range(len(lines)), key=lambda i: lines[i][1::2])]
    if not rows:
        return []
    spans = [_span(lines, row) for row in rows]
    widest = max(x1 - x0 for x0, _y0, x1, _y1 in spans)
    wide = [s for s in spans if s[2] - s[0] >= WIDE_SHARE * widest]
    left, right = min(s[0] for s in wide), max(s[2] for s in wide)
    out: list[list[int]] = []
    current: list[int] = []
    for index, (x0, y0, x1, y1) in enumerate(spans):
        height = y1 - y0
        full = x1 - x0 >= WIDE_SHARE * widest and x1 >= right - 1.5 * height
        flush = abs(x0 - left) <= 0.6 * height
        indented = left + 0.8 * height <= x0 <= left + 4 * height
        if current and flush and y0 - spans[current[-1]][3] <= 1.5 * height:
            current.append(index)
            if not full:  # a line short of the right margin ends its paragraph
                out.append(current)
                current = []
            continue
        if len(current) >= 2:
            out.append(current)
        current = [index] if indented and full else []
    if len(current) >= 2:
        out.append(current)
    return [[i for row in paragraph for i in rows[row]] for paragraph in out]


def _span(lines: list[Box], row: list[int]) -> Box:
    """The box around the pieces of one text line."""
    return (
        min(lines[i][0] for i in row),
        lines[row[0]][1],
        max(lines[i][2] for i in row),
        lines[row[0]][3],
    )


def glances(gray: Array, lines: list[Box], paragraph: list[int]) -> tuple[Array, Array]:
    """Crops of the first characters of a paragraph and of its last ones."""
    first, last = lines[paragraph[0]], lines[paragraph[-1]]
    x0, y0, x1, y1 = first
    head = (x0, y0, min(x1, x0 + GLANCE_HEIGHTS * (y1 - y0)), y1)
    x0, y0, x1, y1 = last
    tail = (max(x0, x1 - GLANCE_HEIGHTS * (y1 - y0)), y0, x1, y1)
    return image.line_crop(gray, head), image.line_crop(gray, tail)


def is_promise(head: str, tail: str) -> bool:
    """True when the glances read as the promise's first words, and its end holds no blank.

    The first words may have one character misread (我单住知悉): those of the
    sentence with the blanks (我单位申请) differ in two. The last glance must read
    as 请予审核 (again one character may be wrong), or at least hold no figure and
    no % sign: a seal over the end of the promise makes it unreadable, while the
    sentence with the blanks, typed into the same paragraph after it, would end in
    its ratio (…配额量的2.30%。).
    """
    if misread_count(_NOT_TEXT.sub("", head)[: len(PROMISE_START)], PROMISE_START) > 1:
        return False
    end = _NOT_TEXT.sub("", tail)[-len(PROMISE_END) :]
    return misread_count(end, PROMISE_END) <= 1 or _FIGURE.search(tail) is None
