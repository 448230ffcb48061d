"""Pure helpers for the registry's values: codes, quantities, booleans, years."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Collection
from decimal import Decimal
from enum import StrEnum

# At most 4 decimals (the column's scale) and 11 integer digits: 15 significant digits
# survive SQLite's 8-byte REAL storage exactly, and 10^11 t is far above any real holding.
MAX_DECIMALS = 4
MAX_INTEGER_DIGITS = 11

_PLAIN_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_GROUPED_NUMBER = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_USCC_SHAPE = re.compile(r"[0-9A-Z]{18}")

TRUE_WORDS = frozenset({"true", "1"})
FALSE_WORDS = frozenset({"false", "0"})


class LotStatus(StrEnum):
    """The states of a CCER lot in the registry export."""

    PENDING = "待抵销"
    OFFSET = "已抵销"
    RECALLED = "已召回"


class ValueProblem(ValueError):
    """A cell that cannot be read; the message is the Chinese reason."""


def fold(text: str) -> str:
    """The text with full-width letters, digits and punctuation folded to half-width, trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


def plain(value: Decimal) -> Decimal:
    """The value without trailing zeros and never in exponent form (``1E+5`` becomes ``100000``)."""
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        return normal.quantize(Decimal(1))
    return normal


def parse_quantity(raw: str) -> Decimal:
    """A positive quantity in tonnes from a cell.

    Accepted after normalising: full-width digits and point (``２１６，１５９``), and
    thousands separators in correct groups of three (``216,159.5``). Rejected: blanks,
    signs, units, exponents, spaces inside, zero, more than 4 decimals, 10^11 t or more.
    """
    text = raw if _PLAIN_NUMBER.fullmatch(raw) else fold(raw)  # the common case, fast
    if not text:
        raise ValueProblem("数量为空")
    if _GROUPED_NUMBER.fullmatch(text):
        text = text.replace(",", "")
    if not _PLAIN_NUMBER.fullmatch(text):
        raise ValueProblem(f"「{raw}」不是有效的数量（应为不带单位的正数）")
    integer, _, decimals = text.partition(".")
    integer, decimals = integer.lstrip("0"), decimals.rstrip("0")
    if not integer and not decimals:
        raise ValueProblem(f"数量「{raw}」必须大于 0")
    if len(decimals) > MAX_DECIMALS:
        raise ValueProblem(f"数量「{raw}」的小数位数超过 {MAX_DECIMALS} 位")
    if len(integer) > MAX_INTEGER_DIGITS:
        raise ValueProblem(f"数量「{raw}」过大")
    return Decimal(f"{integer or 0}.{decimals}" if decimals else integer)


def parse_bool(raw: str) -> bool:
    """``true`` / ``false`` (any case; ``1`` / ``0`` also accepted)."""
    text = fold(raw).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueProblem(f"「{raw}」不是有效的布尔值（应为 true 或 false）")


def parse_year(raw: str, years: Collection[int]) -> int:
    """A year of one of the compliance cycles (``years``: 2021 or 2022 by default)."""
    text = fold(raw)
    if text.isascii() and text.isdigit() and int(text) in years:
        return int(text)
    allowed = " 或 ".join(str(year) for year in sorted(years))
    raise ValueProblem(f"年度「{raw}」无效（只能是 {allowed}）")


@functools.lru_cache(maxsize=65536)  # a registry repeats each code on many rows
def parse_uscc(raw: str) -> str:
    """A 统一社会信用代码 of the right shape (18 digits or capital letters)."""
    text = fold(raw)
    if not text:
        raise ValueProblem("统一社会信用代码为空")
    if not _USCC_SHAPE.fullmatch(text):
        raise ValueProblem(f"统一社会信用代码「{raw}」格式无效（应为 18 位数字或大写字母）")
    return text
