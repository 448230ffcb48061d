"""Characters of a PDF page into visual lines and their text: pure functions over pdfplumber chars.

A character belongs to the box holding its centre; lines are clustered by
vertical overlap and joined with a space only where a real gap is (none
between Chinese characters).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

Char = dict[str, Any]  # a pdfplumber character object
Box = tuple[float, float, float, float]  # x0, top, x1, bottom

SPACE_GAP = 0.30  # gap, in font sizes, that reads as a space
CELL_GAP = 0.80  # gap, in font sizes, that separates two cells of an unruled table


def group_lines(chars: Iterable[Char]) -> list[list[Char]]:
    """Characters clustered into visual lines, top to bottom, each left to right."""
    lines: list[list[Char]] = []
    spans: list[tuple[float, float]] = []
    for char in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        middle = (char["top"] + char["bottom"]) / 2
        if spans and spans[-1][0] <= middle <= spans[-1][1]:
            lines[-1].append(char)
        else:
            lines.append([char])
            spans.append((char["top"], char["bottom"]))
    out = [sorted(line, key=lambda c: c["x0"]) for line in lines]
    return [line for line in out if any(not c["text"].isspace() for c in line)]


MARGIN_SHARE = 0.06  # top and bottom share of a page where a browser prints its header and footer
# What a browser prints around a page: the date and time, the URL, page numbers (1/2).
_BROWSER_FURNITURE = re.compile(
    r"^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4},?\s*(上午|下午)?\d{1,2}:\d{2}(:\d{2})?(\s*[AP]M)?"
    r"|(?:https?|file):/{2,3}\S+"
    r"|^(第\s*)?\d{1,3}\s*(/|of|共)\s*\d{1,3}(\s*页)?$",
    re.IGNORECASE,
)


def is_page_furniture(text: str, top: float, bottom: float, page_height: float) -> bool:
    """A line a browser printed in the page's margin (date, title, URL, ``1/2``), not the form's."""
    margin = MARGIN_SHARE * page_height
    if top > margin and bottom < page_height - margin:
        return False
    return bool(_BROWSER_FURNITURE.search(text.replace("\ufb01", "fi").strip()))


def segments(line: list[Char]) -> list[list[Char]]:
    """A line cut where the gap between characters is wide enough to separate cells."""
    words = [c for c in line if not c["text"].isspace()]
    parts: list[list[Char]] = []
    for char in words:
        if parts and char["x0"] - parts[-1][-1]["x1"] <= CELL_GAP * font_size(parts[-1][-1], char):
            parts[-1].append(char)
        else:
            parts.append([char])
    return parts


def join(line: list[Char]) -> str:
    """A line's text: no spaces between Chinese characters, one where a real gap is."""
    out: list[str] = []
    previous: Char | None = None
    spaced = False
    for char in line:
        text = char["text"]
        if text.isspace():
            spaced = True
            continue
        if previous is not None:
            if _duplicate(previous, char):
                continue
            gap = char["x0"] - previous["x1"]
            wide = _is_wide(previous["text"][-1]) and _is_wide(text[0])
            limit = (CELL_GAP if wide else SPACE_GAP) * font_size(previous, char)
            if gap > limit or (spaced and not wide):
                out.append(" ")
        out.append(text)
        previous, spaced = char, False
    return "".join(out)


def cell_text(chars: list[Char]) -> str:
    """A cell's lines joined with newlines."""
    return "\n".join(join(line) for line in group_lines(chars))


def _duplicate(a: Char, b: Char) -> bool:
    """The same glyph printed twice in place (simulated bold)."""
    return bool(
        a["text"] == b["text"] and abs(a["x0"] - b["x0"]) < 1 and abs(a["top"] - b["top"]) < 1
    )


def split(chars: list[Char], box: Box) -> tuple[list[Char], list[Char]]:
    """Characters whose centre lies in the box, and the others."""
    inside: list[Char] = []
    outside: list[Char] = []
    for char in chars:
        (inside if _centre_in(char, box) else outside).append(char)
    return inside, outside


def _centre_in(char: Char, box: Box) -> bool:
    """True when the character's centre lies in the box."""
    return box[0] <= (char["x0"] + char["x1"]) / 2 <= box[2] and box[1] <= cy(char) <= box[3]


def cy(char: Char) -> float:
    """Vertical centre of a character."""
    return float(char["top"] + char["bottom"]) / 2


def font_size(a: Char, b: Char) -> float:
    """Font size for gap thresholds between two neighbouring characters."""
    return float(max(a["size"], b["size"], 1.0))


def bounds(chars: Sequence[Char]) -> Box:
    """Bounding box of characters."""
    return (
        float(min(c["x0"] for c in chars)),
        float(min(c["top"] for c in chars)),
        float(max(c["x1"] for c in chars)),
        float(max(c["bottom"] for c in chars)),
    )


def is_ideograph(text: str) -> bool:
    """A CJK ideograph (unified, extension A, compatibility)."""
    code = ord(text[0]) if text else 0
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF


def _is_wide(ch: str) -> bool:
    """Ideographs, CJK punctuation and full-width forms: set without spaces."""
    code = ord(ch)
    return is_ideograph(ch) or 0x3000 <= code <= 0x303F or 0xFF00 <= code <= 0xFFEF
