"""Confidence that means something: a value read from an image that cannot be right is not sure.

The recogniser's score says how clear the strokes looked, not whether the value
makes sense: 788357 for 788557, or 4000 for 40000, come back at 0.99. So after
the layout reader, every value read by OCR is checked against what its field
may hold (a USCC's check digit, digits only in a quantity, the shape of an
e-mail, a phone or a project number) and against the other values it must
agree with (the ratio, the rows' sum, the 声明's copies of the table's
figures). A value that fails is capped below the ``LOW_CONFIDENCE`` threshold,
so the reviewer is sent to that cell. Only the recogniser's known slips are
undone, and the value is then doubted too: 1iu → liu in an e-mail, a lost @
before a public mail service, a traditional character in a name (黃 → 黄; the
recogniser knows both scripts, the forms use simplified).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import opencc
from stdnum.cn import uscc as uscc_module

from intake.application import Application

# Below the verifier's LOW_CONFIDENCE threshold (0.80).
IMPOSSIBLE = 0.5
DOUBTFUL = 0.79
# Impossible values and blank fields together: from this many on, the page reads badly.
POOR_PAGE = 4

_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-\d{7,8})$")
_ACCOUNT = re.compile(r"^[A-Za-z0-9-]{4,32}$")
_PROJECT = re.compile(r"^(CCER-\d{1,5}-\d{4}|\d{1,5})$", re.IGNORECASE)
_PERSON = re.compile(r"^[\u4e00-\u9fff·]{2,6}$")
_ENTITY = re.compile(r"^[\u4e00-\u9fff（）()·0-9A-Za-z]{4,60}$")
# A character that the recogniser confuses with one of the other class (digit or letter).
_CONFUSABLE = set("01lIoOS5B8Z2")
_LEADING_ONE = re.compile(r"(?:(?<=^)|(?<=[@._-]))1(?=[a-z])")
_INNER_ONE = re.compile(r"(?<=[a-z])1(?=[a-z])")
_INNER_ZERO = re.compile(r"(?<=[a-z])0(?=[a-z])")
# The public mail services most Chinese addresses use: an address without its @ that ends in
# one of them can only have had the @ just before it.
MAIL_SERVICES = (
    "163.com", "126.com", "yeah.net", "qq.com", "vip.qq.com", "foxmail.com", "sina.com",
    "sina.cn", "sohu.com", "139.com", "189.cn", "aliyun.com", "tom.com", "21cn.com",
    "gmail.com", "hotmail.com", "outlook.com",
)  # fmt: skip
# vip.qq.com before qq.com.
_LONGEST_FIRST = sorted(MAIL_SERVICES, key=len, reverse=True)
# The @ of a small or blurred address comes back as one of these, or not at all.
_AT_MISREAD = set("0oOeøa©Q@")
QUANTITIES = ("due_allowance_t", "offset_requested_t", "offset_ratio_pct")


# Names in traditional characters folded to simplified (OpenCC's t2s).
_SIMPLIFIED = opencc.OpenCC("t2s")
NAMES = ("entity_name", "contact_name")


def temper(app: Application) -> None:
    """Lower the confidence of OCR values that fail their format or disagree with another."""
    if app.is_digital or not app.sources:
        return
    if isinstance(app.contact_email, str):
        repaired = repair_email(app.contact_email)
        if repaired != app.contact_email:
            app.contact_email = repaired
            _cap(app, "contact_email", DOUBTFUL)
    _undo_decimal_commas(app)
    for name in NAMES:
        value = getattr(app, name)
        if isinstance(value, str) and (simplified := _SIMPLIFIED.convert(value)) != value:
            setattr(app, name, simplified)
            _cap(app, name, DOUBTFUL)
    impossible = set(_impossible(app))
    for path in impossible | set(_disagreements(app)):
        _cap(app, path, IMPOSSIBLE)
    for path in _doubtful(app):
        _cap(app, path, DOUBTFUL)
    if len(impossible) + _blanks(app) >= POOR_PAGE:
        # A page that reads this badly (a faint 1-bit scan): trust none of its values.
        for path in list(app.sources):
            _cap(app, path, DOUBTFUL)


def _blanks(app: Application) -> int:
    """How many fields of the table and the 声明 came back blank."""
    names = (
        "entity_name",
        "uscc",
        "ccer_account_id",
        "ets_account_id",
        "contact_name",
        "contact_phone",
        "contact_email",
        "signed_date",
        *QUANTITIES,
    )
    declaration = (app.declaration.offset_t, app.declaration.ratio_pct, app.declaration.year)
    return sum(getattr(app, name) is None for name in names) + declaration.count(None)


# A ratio's decimal point read as a comma: 1,34 (a thousands comma has three digits after it).
_DECIMAL_COMMA = re.compile(r"^(\d+)[,，](\d{1,2})$")


def _undo_decimal_commas(app: Application) -> None:
    """Percentages read with a comma for their point (1,34) as numbers, doubted."""
    for path in ("offset_ratio_pct", "declaration.ratio_pct"):
        owner = app.declaration if path.startswith("declaration.") else app
        name = path.rpartition(".")[2]
        value = getattr(owner, name)
        match = _DECIMAL_COMMA.match(value) if isinstance(value, str) else None
        if match:
            setattr(owner, name, Decimal(f"{match.group(1)}.{match.group(2)}"))
            _cap(app, path, DOUBTFUL)


def repair_email(value: str) -> str:
    """An e-mail address with the recogniser's usual slips undone: 1iu → liu, zh0u → zhou.

    Only a 1 or 0 that starts a run of lowercase letters, or sits between two, is
    changed: an address rarely has one there, and the recogniser often reads l and o so.
    An address without an @ that ends in a public mail service gets it back before the
    service's name (zhang9650yeah.net → zhang965@yeah.net).
    """
    fixed = _LEADING_ONE.sub("l", _restore_at(_drop_stray_signs(value)))
    fixed = _INNER_ONE.sub("l", fixed)
    return _INNER_ZERO.sub("o", fixed)


def _drop_stray_signs(value: str) -> str:
    """The address without the signs no address holds.

    One between letters of the domain was its dot (com•cn); one before the @ was a
    speck (liu16(@163.com).
    """
    local, at, domain = value.rpartition("@")
    if not at:
        return value
    local = _NOT_IN_LOCAL.sub("", local)
    domain = _NOT_IN_DOMAIN.sub(".", domain)
    return f"{local}@{domain}"


_NOT_IN_LOCAL = re.compile(r"[^A-Za-z0-9._%+-]")
_NOT_IN_DOMAIN = re.compile(r"(?<=[A-Za-z0-9])[^A-Za-z0-9.-](?=[A-Za-z0-9])")


def _restore_at(value: str) -> str:
    """The address with its lost @ put back before a public mail service's name."""
    if "@" in value:
        return value
    for service in _LONGEST_FIRST:
        if value.endswith("." + service) or not value.endswith(service):
            continue
        local = value[: -len(service)]
        if len(local) > 1 and local[-1] in _AT_MISREAD:
            return local[:-1] + "@" + service
        if local:
            return local + "@" + service
    return value


def _cap(app: Application, path: str, cap: float) -> None:
    source = app.sources.get(path)
    if source is not None and source.confidence is not None and source.confidence > cap:
        app.sources[path] = dataclasses.replace(source, confidence=cap)


def _impossible(app: Application) -> Iterator[str]:
    """Paths of values that their field cannot hold."""
    if isinstance(app.uscc, str) and not uscc_module.is_valid(app.uscc):
        yield "uscc"
    for path in ("ccer_account_id", "ets_account_id"):
        value = getattr(app, path)
        if isinstance(value, str) and not _ACCOUNT.match(value):
            yield path
    if isinstance(app.contact_email, str) and not _EMAIL.match(app.contact_email):
        yield "contact_email"
    if isinstance(app.contact_phone, str) and not _PHONE.match(app.contact_phone):
        yield "contact_phone"
    for path, value in _numbers(app):
        if value is not None and not isinstance(value, Decimal):
            yield path
    if isinstance(app.signed_date, str):
        yield "signed_date"


def _numbers(app: Application) -> Iterator[tuple[str, object]]:
    for path in QUANTITIES:
        yield path, getattr(app, path)
    yield "declaration.offset_t", app.declaration.offset_t
    yield "declaration.ratio_pct", app.declaration.ratio_pct
    for i, row in enumerate(app.ccer_rows):
        yield f"ccer_rows[{i}].cancel_quantity_t", row.cancel_quantity_t


def _ratio_agrees(app: Application) -> bool | None:
    """Whether the ratio is 申请抵销量 ÷ 应清缴配额量 × 100 as written; None if not all are read."""
    due, offset, ratio = app.due_allowance_t, app.offset_requested_t, app.offset_ratio_pct
    if not (
        isinstance(due, Decimal)
        and isinstance(offset, Decimal)
        and isinstance(ratio, Decimal)
        and due > 0
        and ratio.is_finite()
    ):
        return None
    places = Decimal(1).scaleb(int(ratio.as_tuple().exponent))
    try:
        return (offset / due * 100).quantize(places, ROUND_HALF_UP) == ratio
    except InvalidOperation:  # absurd sizes: not a reading to trust either
        return False


def _disagreements(app: Application) -> Iterator[str]:
    """Both sides of every pair of values that must agree and do not."""
    offset, ratio = app.offset_requested_t, app.offset_ratio_pct
    if _ratio_agrees(app) is False:
        yield from QUANTITIES
    quantities = [row.cancel_quantity_t for row in app.ccer_rows]
    if (
        isinstance(offset, Decimal)
        and quantities
        and all(isinstance(q, Decimal) for q in quantities)
        and sum(q for q in quantities if isinstance(q, Decimal)) != offset
    ):
        yield "offset_requested_t"
        yield from (f"ccer_rows[{i}].cancel_quantity_t" for i in range(len(quantities)))
    pairs = [
        ("offset_requested_t", offset, "declaration.offset_t", app.declaration.offset_t),
        ("offset_ratio_pct", ratio, "declaration.ratio_pct", app.declaration.ratio_pct),
        ("year", app.year, "declaration.year", app.declaration.year),
    ]
    for left, a, right, b in pairs:
        if a is not None and b is not None and a != b:
            yield left
            yield right


def _uncorroborated(app: Application) -> Iterator[str]:
    """The table's figures that no other figure on the form confirms.

    On a valid form the ratio follows from the two quantities, the rows add up to the
    offset and the 声明 repeats both; a figure none of these confirm (its partners
    unreadable) may be a clean misreading, as 1.67 read 1.07.
    """
    offset, ratio = app.offset_requested_t, app.offset_ratio_pct
    consistent = _ratio_agrees(app) is True
    rows = [row.cancel_quantity_t for row in app.ccer_rows]
    rows_add_up = (
        bool(rows)
        and all(isinstance(q, Decimal) for q in rows)
        and (sum(q for q in rows if isinstance(q, Decimal)) == offset)
    )
    confirmed = {
        "due_allowance_t": consistent,
        "offset_requested_t": consistent or rows_add_up or app.declaration.offset_t == offset,
        "offset_ratio_pct": consistent or app.declaration.ratio_pct == ratio,
    }
    for path, ok in confirmed.items():
        if isinstance(getattr(app, path), Decimal) and not ok:
            yield path


def _doubtful(app: Application) -> Iterator[str]:
    """Paths of values that are possible but look like a common misreading."""
    yield from _uncorroborated(app)
    for i, row in enumerate(app.ccer_rows):
        if isinstance(row.project_number, str) and not _PROJECT.match(row.project_number):
            yield f"ccer_rows[{i}].project_number"
    if isinstance(app.contact_name, str) and not _PERSON.match(app.contact_name):
        yield "contact_name"
    if isinstance(app.entity_name, str) and not _ENTITY.match(app.entity_name):
        yield "entity_name"
    for path in ("contact_email", "ccer_account_id"):
        value = getattr(app, path)
        if isinstance(value, str) and any(_mixed(part) for part in re.split(r"[@.]", value)):
            yield path


def _mixed(token: str) -> bool:
    """True when a confusable character sits alone among the other class (1iu, l26, 0ne)."""
    for i, char in enumerate(token):
        if char not in _CONFUSABLE:
            continue
        neighbours = [token[j] for j in (i - 1, i + 1) if 0 <= j < len(token)]
        if neighbours and all(n.isdigit() != char.isdigit() for n in neighbours):
            return True
    return False
