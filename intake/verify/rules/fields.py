"""Each field on its own: present, a valid number or date, a well-formed code, phone, e-mail."""

from __future__ import annotations

import re
from collections.abc import Iterator

from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc as uscc_module

from intake.verify.catalogue import ROW_LABELS, row_path
from intake.verify.check import Check, as_year, is_blank, is_positive_number
from intake.verify.engine import Found, rule

REQUIRED = (
    "year",
    "entity_name",
    "uscc",
    "ccer_account_id",
    "ets_account_id",
    "due_allowance_t",
    "offset_requested_t",
    "offset_ratio_pct",
    "contact_name",
    "contact_phone",
    "contact_email",
    "declaration.province",
    "declaration.offset_t",
    "declaration.ratio_pct",
    "declaration.year",
    "signed_date",
)
NUMBERS = (
    "due_allowance_t",
    "offset_requested_t",
    "offset_ratio_pct",
    "declaration.offset_t",
    "declaration.ratio_pct",
)

MOBILE = re.compile(r"1[3-9]\d{9}")
# Area code 0AA or 0AAA, a hyphen, 7 or 8 digits, an optional extension (-, # or 转).
LANDLINE = re.compile(r"0\d{2,3}-\d{7,8}(?:(?:-|#|\u8f6c)\d{1,6})?")
_DOMAIN_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    rf"@(?:{_DOMAIN_LABEL}\.)+[A-Za-z]{{2,63}}"
)


@rule("FIELD_MISSING")
def required_field_blank(check: Check) -> Iterator[Found]:
    """Every required field left blank, once each."""
    for path in REQUIRED:
        if is_blank(check.raw(path)):
            yield Found(field=path)


@rule("FIELD_MISSING", field="ccer_rows", message="未填写任何 CCER 注销量和项目编号")
def no_ccer_row(check: Check) -> Iterator[Found]:
    """An application must name at least one CCER row."""
    if not check.filled_rows:
        yield Found()


@rule("VALUE_INVALID")
def number_invalid(check: Check) -> Iterator[Found]:
    """A quantity or ratio written but not a positive number."""
    paths = list(NUMBERS) + [row_path(index, "cancel_quantity_t") for index, _ in check.filled_rows]
    for path in paths:
        value = check.raw(path)
        if not is_blank(value) and not is_positive_number(value):
            yield Found(field=path, actual=value)


@rule("VALUE_INVALID", message="CCER 第 {row} 行只填写了{filled}，{blank}未填写")
def row_half_filled(check: Check) -> Iterator[Found]:
    """A CCER row with one of its two cells blank."""
    for index, row in check.filled_rows:
        for blank, filled in (
            ("cancel_quantity_t", "project_number"),
            ("project_number", "cancel_quantity_t"),
        ):
            if is_blank(getattr(row, blank)):
                yield Found(
                    field=row_path(index, blank),
                    filled=ROW_LABELS[filled],
                    blank=ROW_LABELS[blank],
                )


@rule("VALUE_INVALID", field="signed_date", message="签署日期“{actual}”不是有效日期")
def date_invalid(check: Check) -> Iterator[Found]:
    """A signing date written but not a real date."""
    value = check.app.signed_date
    if not is_blank(value) and check.signed_date is None:
        yield Found(actual=value)


@rule("VALUE_INVALID", field="year", message="申请表年份“{actual}”不是 {expected}")
def year_invalid(check: Check) -> Iterator[Found]:
    """A form year other than those of the cycles accepted."""
    value = check.app.year
    if not is_blank(value) and as_year(value) not in check.cycles:
        yield Found(actual=value, expected=check.cycles.years_text())


@rule("VALUE_INVALID", field="declaration.year", message="声明中的年份“{actual}”不是有效年份")
def declaration_year_invalid(check: Check) -> Iterator[Found]:
    """A 声明 year that is not a year."""
    value = check.raw("declaration.year")
    if not is_blank(value) and check.declaration_year is None:
        yield Found(actual=value)


@rule("USCC_INVALID", field="uscc")
def uscc_invalid(check: Check) -> Iterator[Found]:
    """统一社会信用代码 that fails GB 32100-2015."""
    if check.uscc is None:
        return
    try:
        uscc_module.validate(check.uscc)
    except stdnum_errors.InvalidLength:
        yield Found(actual=check.uscc, reason="不是 18 位")
    except stdnum_errors.InvalidChecksum:
        yield Found(actual=check.uscc, reason="校验位不正确")
    except stdnum_errors.ValidationError:
        yield Found(
            actual=check.uscc,
            reason="含有不允许的字符（前 8 位须为数字，其后不能有 I、O、S、V、Z）",
        )


@rule("PHONE_INVALID", field="contact_phone")
def phone_invalid(check: Check) -> Iterator[Found]:
    """Neither a mainland mobile number nor a landline with area code."""
    phone = check.text("contact_phone")
    if phone is not None and not (MOBILE.fullmatch(phone) or LANDLINE.fullmatch(phone)):
        yield Found(actual=phone)


@rule("EMAIL_INVALID", field="contact_email")
def email_invalid(check: Check) -> Iterator[Found]:
    """Not an e-mail address: one @, no spaces, a dotted domain."""
    email = check.text("contact_email")
    if email is not None and not (len(email) <= 254 and EMAIL.fullmatch(email)):
        yield Found(actual=email)
