"""A scanner app's invisible text layer, compared with what OCR read from the page image.

Scanner apps and Acrobat put an invisible (render mode 3) OCR text layer over a
page-sized image. The image is the truth, so the page is read by our own OCR;
the app's layer is a second, independent reading with its own mistakes. Where
the two readings of a value line up character for character:

- our OCR's letter where the app read a digit it is easily mistaken for
  (``Z8400`` against ``78400``, an underline fused with a 7) becomes that digit,
  unless a letter stands next to it (``lili@…`` stays a name whatever the app read);
- two different digits are a disagreement: the value keeps what our OCR read
  but its confidence drops below the reviewer's threshold (``LOW_CONFIDENCE``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from difflib import SequenceMatcher
from pathlib import Path

import pdfplumber

from intake.parsers.pdf import FULL_PAGE_IMAGE_SHARE, is_broken_glyph
from intake.parsers.pdflines import group_lines, join
from intake.parsers.text import Cell, FormText
from intake.values import fold_radicals

MIN_SIMILARITY = 0.6  # a hidden text this close to an OCR text reads the same place
DISAGREEMENT_CONFIDENCE = 0.5  # below verify's LOW_CONFIDENCE threshold
DIGITS = "0123456789"  # ASCII only: a subscript ₂ is no disagreement with 2
# Letters (and marks) OCR reads in place of a digit.
LOOKALIKES = {
    "0": "OoDQ",
    "1": "lI|i",
    "2": "Zz",
    "5": "Ss",
    "6": "b",
    "7": "Z/T",
    "8": "B",
    "9": "gq",
}


def hidden_texts(path: Path, pages: Iterable[int]) -> dict[int, list[str]]:
    """1-based page number -> the words and lines of its text layer (empty pages left out)."""
    found: dict[int, list[str]] = {}
    with pdfplumber.open(path) as pdf:
        for index in pages:
            page = pdf.pages[index]
            if not _one_page_image(page):
                continue
            chars = [
                {**c, "text": fold_radicals(c["text"])}
                for c in page.chars
                if not is_broken_glyph(c["text"])
            ]
            lines = [join(line) for line in group_lines(chars)]
            words = [w for line in lines for w in line.split()]
            if lines:
                found[index + 1] = [*lines, *words]
    return found


def _one_page_image(page: object) -> bool:
    """True when one image covers (almost) the whole page: a scan."""
    area = float(page.width * page.height) or 1.0  # type: ignore[attr-defined]
    return any(
        float(i["x1"] - i["x0"]) * float(i["bottom"] - i["top"]) / area >= FULL_PAGE_IMAGE_SHARE
        for i in page.images  # type: ignore[attr-defined]
    )


def reconcile(form: FormText, hidden: dict[int, list[str]]) -> FormText:
    """The OCR'd form with each text checked against the hidden layer of its page."""
    if not hidden:
        return form

    def check(cell: Cell) -> Cell:
        candidates = hidden.get(cell.source.page or 0, [])
        return _reconciled(cell, candidates) if candidates else cell

    rows = [[check(cell) for cell in row] for row in form.rows]
    lines = [check(cell) for cell in form.lines]
    return dataclasses.replace(form, rows=rows, lines=lines)


def _reconciled(cell: Cell, candidates: list[str]) -> Cell:
    """One OCR text merged with the closest hidden text, its confidence lowered on disagreement."""
    ocr = cell.text
    if not any(ch.isdigit() for ch in ocr) and not any(
        ch in "".join(LOOKALIKES.values()) for ch in ocr
    ):
        return cell
    scored = sorted(
        ((SequenceMatcher(None, ocr, text).ratio(), text) for text in set(candidates)),
        reverse=True,
    )
    ratio, best = scored[0]
    if ratio < MIN_SIMILARITY or (len(scored) > 1 and scored[1][0] == ratio):
        return cell  # nothing alike, or two places alike: no telling which the app read
    matcher = SequenceMatcher(None, ocr, best)
    out = list(ocr)
    disagree = False
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "replace" or i2 - i1 != j2 - j1:
            continue
        for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
            mine, theirs = ocr[i], best[j]
            if theirs in DIGITS and mine in LOOKALIKES.get(theirs, "") and _in_number(ocr, i):
                out[i] = theirs
            elif theirs in DIGITS and mine in DIGITS:
                disagree = True
    text = "".join(out)
    if text == ocr and not disagree:
        return cell
    source = cell.source
    if disagree:
        confidence = min(source.confidence or 1.0, DISAGREEMENT_CONFIDENCE)
        source = dataclasses.replace(source, confidence=confidence)
    return Cell(text, source)


def _in_number(text: str, index: int) -> bool:
    """True when no Latin letter stands next to ``index``: a digit's place, not a word's."""
    neighbours = text[max(0, index - 1) : index] + text[index + 1 : index + 2]
    return not any(ch.isascii() and ch.isalpha() for ch in neighbours)
