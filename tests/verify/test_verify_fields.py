"""Field rules: FIELD_MISSING, VALUE_INVALID, USCC_INVALID, PHONE_INVALID, EMAIL_INVALID."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal as D

import pytest

from intake.application import Report

Run = Callable[..., Report]

REQUIRED = [
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
]


def override(path: str, value: object) -> dict[str, object]:
    """The factory keyword for a field path."""
    return {path.replace("declaration.", "declaration__"): value}


def test_clean_application_has_no_problem(run: Run) -> None:
    report = run()
    assert report.problems == []
    assert report.ok


@pytest.mark.parametrize("path", REQUIRED)
@pytest.mark.parametrize("blank", [None, "", "   "])
def test_blank_field_is_only_field_missing(run: Run, path: str, blank: object) -> None:
    report = run(**override(path, blank))
    assert report.flatten("code", "field") == [("FIELD_MISSING", path)]


def test_field_missing_names_the_field(run: Run) -> None:
    [problem] = run(contact_phone=None).problems
    assert problem.message == "联系电话未填写"
    assert (problem.severity, problem.expected, problem.actual) == ("error", None, None)


def test_no_ccer_row_counts_once(run: Run) -> None:
    assert run(ccer_rows=[]).flatten("code", "field") == [("FIELD_MISSING", "ccer_rows")]


def test_fully_blank_rows_count_as_no_row(run: Run) -> None:
    report = run(ccer_rows=[(None, None), (None, "  ")])
    assert report.flatten("code", "field") == [("FIELD_MISSING", "ccer_rows")]


def test_every_blank_field_is_reported_in_one_pass(run: Run) -> None:
    report = run(contact_phone=None, contact_email=None, declaration__province=None)
    assert report.flatten("code", "field") == [
        ("FIELD_MISSING", "contact_phone"),
        ("FIELD_MISSING", "contact_email"),
        ("FIELD_MISSING", "declaration.province"),
    ]


NUMBERS = [
    "due_allowance_t",
    "offset_requested_t",
    "offset_ratio_pct",
    "declaration.offset_t",
    "declaration.ratio_pct",
]


@pytest.mark.parametrize("path", NUMBERS)
@pytest.mark.parametrize("bad", ["六万二千", D("0"), D("-62000"), D("NaN"), "0"])
def test_invalid_number_is_only_value_invalid(run: Run, path: str, bad: object) -> None:
    report = run(**override(path, bad))
    assert report.flatten("code", "field") == [("VALUE_INVALID", path)]
    assert report.problems[0].actual == str(bad)


def test_value_invalid_message_quotes_what_was_written(run: Run) -> None:
    [problem] = run(offset_requested_t="六万二千").problems
    assert problem.message == "申请抵销量填写的“六万二千”不是有效的正数"


def test_invalid_row_quantity_suppresses_the_rows_sum(run: Run) -> None:
    report = run(ccer_rows=[("四万", "CCER-1052-2016"), (D("22000"), "0127")])
    assert report.flatten("code", "field") == [("VALUE_INVALID", "ccer_rows[0].cancel_quantity_t")]


def test_row_without_project_number_is_value_invalid(run: Run) -> None:
    report = run(ccer_rows=[(D("40000"), "CCER-1052-2016"), (D("22000"), None)])
    assert report.flatten("code", "field") == [("VALUE_INVALID", "ccer_rows[1].project_number")]
    assert report.problems[0].message == "CCER 第 2 行只填写了注销量，项目编号未填写"


def test_row_without_quantity_is_value_invalid(run: Run) -> None:
    report = run(ccer_rows=[(None, "CCER-1052-2016"), (D("22000"), "0127")])
    assert report.flatten("code", "field") == [("VALUE_INVALID", "ccer_rows[0].cancel_quantity_t")]
    assert report.problems[0].message == "CCER 第 1 行只填写了项目编号，注销量未填写"


def test_unreal_date_is_value_invalid_and_not_checked_for_deadline(run: Run) -> None:
    report = run(signed_date="2024年2月30日")
    assert report.flatten("code", "field", "actual") == [
        ("VALUE_INVALID", "signed_date", "2024年2月30日")
    ]


def test_datetime_counts_as_its_date(run: Run) -> None:
    assert run(signed_date=dt.datetime(2023, 12, 15, 23, 59)).problems == []


@pytest.mark.parametrize("year", [2020, "2021年", 0])
def test_form_year_other_than_2021_or_2022_is_value_invalid(run: Run, year: object) -> None:
    assert run(year=year).flatten("code", "field") == [("VALUE_INVALID", "year")]


def test_declaration_year_in_digits_counts(run: Run) -> None:
    assert run(declaration__year="2021").problems == []


def test_declaration_year_that_is_no_year_is_value_invalid(run: Run) -> None:
    report = run(declaration__year="二〇二一")
    assert report.flatten("code", "field") == [("VALUE_INVALID", "declaration.year")]


@pytest.mark.parametrize(
    ("uscc", "reason"),
    [
        ("91110000600037341X", "校验位不正确"),
        ("9111000060003734", "不是 18 位"),
        ("91110000600037341I", "含有不允许的字符"),
    ],
)
def test_invalid_uscc_is_reported_and_unknown(run: Run, uscc: str, reason: str) -> None:
    report = run(uscc=uscc, entity_name="别的公司", ccer_account_id="C0000000000")
    assert report.flatten("code", "field") == [
        ("USCC_INVALID", "uscc"),
        ("ENTITY_UNKNOWN", "uscc"),
    ]
    assert report.problems[0].message.startswith(f"统一社会信用代码 {uscc} {reason}")


@pytest.mark.parametrize(
    "phone", ["13812345678", "19912345678", "010-85123456", "0755-8123456", "0755-81234567-8021"]
)
def test_valid_phone(run: Run, phone: str) -> None:
    assert run(contact_phone=phone).problems == []


@pytest.mark.parametrize(
    "phone",
    ["12345678901", "1381234567", "138123456789", "85123456", "010 85123456", "10-85123456"],
)
def test_invalid_phone(run: Run, phone: str) -> None:
    report = run(contact_phone=phone)
    assert report.flatten("code", "field", "actual") == [("PHONE_INVALID", "contact_phone", phone)]


@pytest.mark.parametrize("email", ["a.b+c@mail.example.com.cn", "li_hy@163.com", "x@sub-d.org"])
def test_valid_email(run: Run, email: str) -> None:
    assert run(contact_email=email).problems == []


@pytest.mark.parametrize(
    "email",
    ["liuhaiyansina.com", "a b@x.com", "a@@x.com", "a@localhost", "a@x..com", ".a@x.com", "a@x.c"],
)
def test_invalid_email(run: Run, email: str) -> None:
    report = run(contact_email=email)
    assert report.flatten("code", "field", "actual") == [("EMAIL_INVALID", "contact_email", email)]
    assert report.problems[0].message == f"联系邮箱 {email} 不是有效的电子邮件地址"
