"""Readers of the contact and code cells: phones, e-mail addresses, registry codes.

The helpers shared beyond the parsers (quantities, dates, provinces, text
folding) are in ``intake.values``.
"""

from __future__ import annotations

import difflib
import re

from intake.values import clean_text, squash

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_SEPARATED = re.compile(
    r"^\(?(0\d{2,3})\)?-?(\d{7,8})(?:(?:-|转|ext\.?|分机)(\d{1,6}))?$", re.IGNORECASE
)
# Without a separator the area code is 010 or 02X (three digits), otherwise four.
_LANDLINE_RUN = re.compile(r"^(0(?:10|2\d)|0[3-9]\d{2})(\d{7,8})$")


def parse_phone(text: str | None) -> str | None:
    """A phone number: 11 digits for a mobile, ``area-number[-ext]`` for a landline.

    Anything else comes back trimmed so that the verifier can say PHONE_INVALID.
    """
    cleaned = clean_text(text)
    if cleaned is None:
        return None
    folded = squash(cleaned)
    compact = re.sub(r"[\-()]", "", folded)
    compact = re.sub(r"^(?:\+86|0086|86)(?=1[3-9]\d{9}$)", "", compact)
    if _MOBILE.match(compact):
        return compact
    local_part = re.sub(r"^(?:\+86|0086)-?", "", folded)
    match = _LANDLINE_SEPARATED.match(local_part) if re.search(r"[\-()]", local_part) else None
    match = match or _LANDLINE_RUN.match(compact)
    if match:
        area, local, *ext = match.groups()
        return f"{area}-{local}" + (f"-{ext[0]}" if ext and ext[0] else "")
    return cleaned


def parse_email(text: str | None) -> str | None:
    """An e-mail address folded to half-width with spaces removed (validity is the verifier's)."""
    cleaned = clean_text(text)
    if cleaned is None:
        return None
    return squash(cleaned).replace("＠", "@")


def parse_code(text: str | None, *, upper: bool = False) -> str | None:
    """A code (统一社会信用代码, account ID, 项目编号): half-width, no white space."""
    cleaned = clean_text(text)
    if cleaned is None:
        return None
    code = squash(cleaned)
    return code.upper() if upper else code


def misread_count(text: str, printed: str) -> int:
    """How many characters ``text`` has wrong, missing or extra against the ``printed`` words.

    For words the form prints, read by OCR: a label (全国碳据放权…) or the 声明's promise.
    """
    matcher = difflib.SequenceMatcher(None, text, printed, autojunk=False)
    same = sum(block.size for block in matcher.get_matching_blocks())
    return max(len(text), len(printed)) - same
