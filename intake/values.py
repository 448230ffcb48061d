"""Pure value helpers every layer shares: what a written value says, as the contract wants it.

Text folding and cleaning, quantities and ratios (exact ``Decimal``), dates and
years, the province-level units. Each reader takes the raw text of one cell,
blank or input field and returns the normalised value: a ``Decimal``, ``date``
or ``int`` when the text is a valid one, the trimmed text when something was
written that is not, ``None`` when it is blank. This module imports nothing of
intake: every other module may import it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from fractions import Fraction

# Full-width ASCII block and the ideographic space fold to ASCII.
# Characters XML 1.0 cannot hold (C0 controls but tab and line breaks, lone surrogates,
# U+FFFE/U+FFFF) and the C1 controls and DEL, which no form field means: Word, Excel and
# the PDF converter all refuse or mangle them.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def has_control_characters(text: str) -> bool:
    """True when ``text`` holds a control or XML-invalid character (tab and newlines are fine)."""
    return _CONTROL.search(text) is not None


def without_control_characters(text: str) -> str:
    """``text`` with every control and XML-invalid character removed (for what is stored)."""
    return _CONTROL.sub("", text)


_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20
_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−﹣－"), ord("-"))
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\ufeff]+")
# What people write in a cell they mean to leave empty.
_PLACEHOLDERS = {"", "/", "\\", "-", "--", "—", "——", "无", "空", "_", "N/A", "NA"}


# CJK Radicals Supplement (U+2E80–U+2EFF) code points that fonts draw with the glyph of an
# ideograph, so that a PDF's text layer may hold them in its place; NFKC leaves them alone.
# Measured: every ideograph U+4E00–U+9FFF printed by Chromium in Noto Sans CJK SC and read back.
_RADICALS_SUPPLEMENT = dict(
    zip(
        map(
            ord,
            "⺂⺃⺅⺉⺏⺐⺒⺓⺔⺕⺖⺘⺙⺛⺞⺟⺠⺡⺣⺤⺦⺨⺭⺯⺰⺱⺹⺺⺾⻂⻅⻆⻈⻉⻋⻌⻐⻑⻒⻓⻔⻖⻘"
            "⻙⻚⻛⻜⻝⻟⻠⻢⻣⻤⻥⻦⻧⻨⻩⻪⻫⻬⻮⻯⻰⻱⻲⻳",
        ),
        map(
            ord,
            "乛乚亻刂尣尢巳幺彑彐忄扌攵旡歺母民氵灬爫丬犭礻糹纟罓耂肀艹衤见角讠贝车辶钅長镸长门阝青"
            "韦页风飞食飠饣马骨鬼鱼鸟卤麦黄黾斉齐齿竜龙龜亀龟",
        ),
        strict=True,
    )
)
# Kangxi radicals (U+2F00–U+2FDF) fold by NFKC, except where the simplified form is meant.
_RADICALS_SUPPLEMENT[ord("⼾")] = ord("户")
_RADICAL = re.compile("[\u2e80-\u2eff\u2f00-\u2fdf]")


def fold_radicals(text: str) -> str:
    """Kangxi-radical and CJK-radical-supplement code points to the ideographs they stand for."""
    if not _RADICAL.search(text):
        return text
    text = text.translate(_RADICALS_SUPPLEMENT)
    return _RADICAL.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def fold_width(text: str) -> str:
    """Full-width letters, digits and punctuation to half-width; dashes to '-'; radicals folded."""
    return fold_radicals(text).translate(_FULLWIDTH).translate(_DASHES)


def squash(text: str) -> str:
    """Fold widths and remove every kind of white space (for comparing labels)."""
    return _SPACES.sub("", fold_width(text))


_CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")


def clean_text(text: str | None) -> str | None:
    """Trimmed text, runs of white space collapsed; None when blank.

    White space between two Chinese characters goes: it is a wrapped line in a
    narrow cell, not a space anyone typed.
    """
    if text is None:
        return None
    out = _SPACE_BETWEEN_CJK.sub("", fold_radicals(text))
    out = _SPACES.sub(" ", out).strip()
    return None if _is_placeholder(out) else out


# An online form's grey hint in an empty input box, printed with the page.
_INPUT_HINT = re.compile(r"^(请输入|请填写|请选择|点击此处|单击此处)")


def _is_placeholder(text: str) -> bool:
    key = squash(text).strip("_")
    return key in _PLACEHOLDERS or not key or bool(_INPUT_HINT.match(key))


_UNITS = re.compile(
    r"(?:万?吨(?:二氧化碳当量)?|t\s*CO\s*[2₂]?\s*e?q?|tCO₂e|tco2e|t|%|‰|百分之)$", re.IGNORECASE
)
_THOUSANDS = re.compile(r"(?<=\d)[,，'’\s](?=\d{3}(?:\D|$))")
_PLAIN_DECIMAL = re.compile(r"^\+?(\d+(?:\.\d+)?|\.\d+)$")


def parse_quantity(text: str | None) -> Decimal | str | None:
    """A quantity or ratio: Decimal with the written precision, the text if invalid, None if blank.

    Accepts full-width digits, thousands separators (``1,250,000``, ``1 250 000``),
    a unit after the number (吨, t, tCO₂e, %, 万吨 which multiplies by 10,000)
    and Chinese numerals (``六万二千``).
    """
    cleaned = clean_text(text)
    if cleaned is None:
        return None
    value = fold_width(cleaned).strip()
    value = value.replace("。", ".").replace("．", ".")
    scale = Decimal(1)
    if re.search(r"万\s*吨", value):
        scale = Decimal(10000)
    previous = None
    while previous != value:
        previous = value
        value = _UNITS.sub("", value).strip()
    if re.fullmatch(r"[\d.,，\s]*\d\s*万", value):
        # 1.9万 (ten thousands, no unit): a number of 万.
        scale, value = Decimal(10000), value[:-1].strip()
    value = _THOUSANDS.sub("", value)
    value = _SPACES.sub("", value)
    if _PLAIN_DECIMAL.match(value):
        try:
            number = Decimal(value.lstrip("+"))
        except InvalidOperation:
            return cleaned
        return _scaled(number, scale)
    chinese = chinese_number(value)
    if chinese is not None:
        return Decimal(chinese) * scale
    return cleaned


_CN_DIGITS = {
    "〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "o": 0,
    "一": 1, "壹": 1, "幺": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3,
    "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7,
    "八": 8, "捌": 8, "九": 9, "玖": 9,
}  # fmt: skip
_CN_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG = {"万": 10_000, "萬": 10_000, "亿": 100_000_000}


def _scaled(number: Decimal, scale: Decimal) -> Decimal:
    """``number`` times ``scale``; a whole result drops its decimals (1.9万 is 19000)."""
    if scale == 1:
        return number
    result = number * scale
    return (
        result.quantize(Decimal(1)) if result == result.to_integral_value() else result.normalize()
    )


def chinese_number(text: str) -> int | None:
    """An integer written in Chinese numerals (``二十``, ``六万二千``, ``二〇二三``), or None."""
    text = text.strip()
    if not text or any(
        ch not in _CN_DIGITS and ch not in _CN_UNITS and ch not in _CN_BIG for ch in text
    ):
        return None
    if not any(ch in _CN_UNITS or ch in _CN_BIG for ch in text):
        # Digit by digit, as years are written: 二〇二三.
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, section, digit = 0, 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            section += (digit or 1) * _CN_UNITS[ch]
            digit = 0
        else:
            total = (total + section + digit) * _CN_BIG[ch]
            section, digit = 0, 0
    return total + section + digit


_DATE_PATTERNS = (
    re.compile(r"(?P<y>\d{4})\s*[年./\-]\s*(?P<m>\d{1,2})\s*[月./\-]\s*(?P<d>\d{1,2})\s*日?"),
    re.compile(r"(?P<y>[〇零○O一二三四五六七八九]{4})\s*年\s*(?P<m>[一二三四五六七八九十]{1,3})"
               r"\s*月\s*(?P<d>[一二三四五六七八九十]{1,3})\s*日"),
)  # fmt: skip


def parse_date(text: str | None) -> dt.date | str | None:
    """A date under the signature: ISO date, the written text if it is no real date, None if blank.

    Accepts ``2023年11月20日``, ``2023-11-20``, ``2023/11/20``, ``2023.11.20`` and
    ``二〇二三年十一月二十日``; the template's empty ``年 月 日`` counts as blank.
    """
    cleaned = clean_text(text)
    if cleaned is None:
        return None
    folded = fold_width(cleaned)
    if re.sub(r"[\s_]", "", folded) in ("年月日", "年月", "日期:", "日期:年月日"):
        return None  # the template's "年 月 日" left as printed
    for pattern in _DATE_PATTERNS:
        match = pattern.search(folded)
        if match:
            parts = [_int_or_chinese(match.group(g)) for g in ("y", "m", "d")]
            if None in parts:
                continue
            year, month, day = (int(p) for p in parts if p is not None)
            try:
                return dt.date(year, month, day)
            except ValueError:
                return cleaned
    return cleaned


def _int_or_chinese(text: str) -> int | None:
    # isdecimal, not isdigit: superscript and subscript digits (², ₂) are digits int() refuses.
    return int(text) if text.isdecimal() else chinese_number(text)


def parse_year(text: str | None) -> int | str | None:
    """A year written in a blank (``2021``, ``二〇二一``), the text if not a year, None if blank."""
    cleaned = clean_text(text)
    if cleaned is None:
        return None
    value = squash(cleaned).removesuffix("年")
    number = _int_or_chinese(value) if value else None
    if number is not None and 1900 < number < 2100:
        return number
    return cleaned


PROVINCES = (
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省",
    "上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省",
    "湖南省", "广东省", "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省", "云南省",
    "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区",
    "新疆生产建设兵团",
)  # fmt: skip


def _short_name(full: str) -> str:
    for suffix in ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市"):
        if full.endswith(suffix) and full != "新疆生产建设兵团":
            return full.removesuffix(suffix)
    return full


# Longest names first, so that 新疆生产建设兵团 wins over 新疆.
_PROVINCE_KEYS = sorted(
    [(full, full) for full in PROVINCES]
    + [(_short_name(full), full) for full in PROVINCES]
    + [("兵团", "新疆生产建设兵团")],
    key=lambda pair: -len(pair[0]),
)


def province_of(text: str | None) -> str | None:
    """The province-level unit named at the start of ``text`` (full or short name), or None.

    The template's ``XXX省（自治区、直辖市、新疆生产建设兵团）`` gives None.
    """
    if not text:
        return None
    value = squash(text)
    if value.upper().startswith("XXX") or value.startswith("×"):
        return None
    for key, full in _PROVINCE_KEYS:
        if value.startswith(key):
            return full
    return None


def decimals_written(value: Decimal) -> int:
    """How many decimals the writer put down (``4.90`` -> 2)."""
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def ratio_pct(offset: Decimal, due: Decimal, places: int) -> Decimal:
    """offset ÷ due × 100, rounded half-up to ``places`` decimals, exactly."""
    scaled = Fraction(offset) * 100 * 10**places / Fraction(due)
    # Half-up for a positive value: floor(x + 1/2), in exact rational arithmetic.
    rounded = (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)
    return Decimal(f"{rounded}E-{places}")  # from text: exact whatever the context
