"""What every source parser produces before the form's labels are matched.

A parser (docx, pdf, ocr) turns a file into a ``FormText``: the rows of the
form's table as lists of distinct cells (a horizontally merged cell appears
once), and the text outside the table as lines in reading order. The layout
reader (``layout.read_form``) then finds the fields by their printed labels,
whatever produced the text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from intake.application import Source


@dataclass(frozen=True)
class Cell:
    """A piece of text and where it was read."""

    text: str
    source: Source


@dataclass
class FormText:
    """The raw text of one form, table and paragraphs."""

    kind: str  # "docx", "doc", "pdf", "scan", "photo"
    rows: list[list[Cell]] = field(default_factory=list)
    lines: list[Cell] = field(default_factory=list)
    stamp_present: bool | None = None

    def all_text(self) -> str:
        """Every piece of text, for recognising the form at all."""
        parts = [c.text for row in self.rows for c in row] + [c.text for c in self.lines]
        return "\n".join(parts)


class ParseError(Exception):
    """A file that cannot be read as an application; ``code`` is the contract's code."""

    code = "FILE_UNREADABLE"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FileUnreadable(ParseError):
    """The file cannot be opened or decoded (corrupt, encrypted, empty, unsupported)."""

    code = "FILE_UNREADABLE"


class FormNotRecognized(ParseError):
    """The file is readable but is not the 2021 or 2022 申请表."""

    code = "FORM_NOT_RECOGNIZED"


class NeedsOcr(Exception):
    """A PDF page without a usable text layer: the caller routes it to OCR."""
