"""Honest confidence: OCR values that cannot be right are capped below the threshold."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from intake.application import Application, CcerRow, Declaration, Source
from intake.parsers.plausible import temper

LOW = 0.80


def make_application(**overrides: Any) -> Application:
    """A consistent application read from a scan, every value at confidence 0.99."""
    fields: dict[str, Any] = {
        "year": 2021,
        "entity_name": "华能济宁热电有限公司",
        "uscc": "91110000600037341L",
        "ccer_account_id": "C5187911279",
        "ets_account_id": "163057267921",
        "due_allowance_t": Decimal("1250000"),
        "offset_requested_t": Decimal("62000"),
        "offset_ratio_pct": Decimal("4.96"),
        "contact_name": "张三",
        "contact_phone": "13812345678",
        "contact_email": "zhangsan@example.com",
        "ccer_rows": [
            CcerRow(Decimal("40000"), "CCER-1380-2015"),
            CcerRow(Decimal("22000"), "1203"),
        ],
        "declaration": Declaration("广东省", Decimal("62000"), Decimal("4.96"), 2021),
        "signed_date": dt.date(2023, 11, 20),
        "source_kind": "scan",
    }
    fields.update(overrides)
    app = Application(**fields)
    paths = [
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
        "declaration.offset_t",
        "declaration.ratio_pct",
        "declaration.year",
    ]
    paths += [
        f"ccer_rows[{i}].{k}"
        for i in range(len(app.ccer_rows))
        for k in ("cancel_quantity_t", "project_number")
    ]
    app.sources = {p: Source(where="第1页", confidence=0.99) for p in paths}
    return app


def doubted(app: Application) -> list[str]:
    """The paths whose confidence ended below the threshold."""
    temper(app)
    return sorted(p for p, s in app.sources.items() if (s.confidence or 0) < LOW)


def test_a_consistent_application_keeps_its_confidence() -> None:
    assert doubted(make_application()) == []


def test_a_uscc_with_a_wrong_check_digit_is_doubted() -> None:
    assert doubted(make_application(uscc="91110000600037841L")) == ["uscc"]


def test_a_row_read_short_of_a_digit_doubts_the_rows_and_the_total() -> None:
    rows = [CcerRow(Decimal("4000"), "CCER-1380-2015"), CcerRow(Decimal("22000"), "1203")]
    assert doubted(make_application(ccer_rows=rows)) == [
        "ccer_rows[0].cancel_quantity_t",
        "ccer_rows[1].cancel_quantity_t",
        "offset_requested_t",
    ]


def test_a_ratio_that_does_not_follow_from_the_figures_is_doubted() -> None:
    assert doubted(make_application(offset_ratio_pct=Decimal("4.36"))) == [
        "declaration.ratio_pct",
        "due_allowance_t",
        "offset_ratio_pct",
        "offset_requested_t",
    ]


def test_the_declaration_and_the_table_disagreeing_doubts_both() -> None:
    declaration = Declaration("广东省", Decimal("62000"), Decimal("4.96"), 2022)
    assert doubted(make_application(declaration=declaration)) == ["declaration.year", "year"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("contact_email", "zhangsan.example.com"),
        ("contact_email", "1iu709@126.com"),
        ("contact_email", "liu709@l26.com"),
        ("contact_phone", "1381234567"),
        ("ccer_account_id", "C51879:11279"),
        ("offset_ratio_pct", ":4.96"),
    ],
)
def test_values_outside_their_fields_alphabet_or_shape_are_doubted(field: str, value: str) -> None:
    assert field in doubted(make_application(**{field: value}))


def test_a_misread_project_number_is_doubted() -> None:
    rows = [CcerRow(Decimal("40000"), "CCIER-1380-2015"), CcerRow(Decimal("22000"), "1203")]
    assert doubted(make_application(ccer_rows=rows)) == ["ccer_rows[0].project_number"]


def test_digital_files_are_left_alone() -> None:
    app = make_application(uscc="bad", source_kind="pdf")
    temper(app)
    assert app.sources["uscc"].confidence == 0.99


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("1iu709@126.com", "liu709@126.com"),
        ("zh0u@yeah.net", "zhou@yeah.net"),
        ("wang123@qq.com", "wang123@qq.com"),
        ("li889@sina.com", "li889@sina.com"),
        ("a.1ee@163.com", "a.lee@163.com"),
        # The @ of a small photo read as 0, e or ø, or lost: a public service's name follows it.
        ("zhang9650yeah.net", "zhang965@yeah.net"),
        ("zhang965eyeah.net", "zhang965@yeah.net"),
        ("zhang965øyeah.net", "zhang965@yeah.net"),
        ("wang123qq.com", "wang123@qq.com"),
        ("chen7vip.qq.com", "chen7@vip.qq.com"),
        # Signs no address holds: a speck before the @, the domain's dot read as a bullet.
        ("liu16(@163.com", "liu16@163.com"),
        ("zhang437@chnenergy.com•cn", "zhang437@chnenergy.com.cn"),
    ],
)
def test_usual_slips_in_an_email_are_undone_and_doubted(read: str, meant: str) -> None:
    app = make_application(contact_email=read)
    temper(app)
    assert app.contact_email == meant
    changed = read != meant
    assert ((app.sources["contact_email"].confidence or 0) < LOW) is changed


@pytest.mark.parametrize("read", ["zhao5chnenergy.com.cn", "zhao5mail.163.com"])
def test_an_at_is_not_guessed_before_a_company_domain_or_a_sub_domain(read: str) -> None:
    app = make_application(contact_email=read)
    temper(app)
    assert app.contact_email == read
    assert (app.sources["contact_email"].confidence or 0) < LOW


@pytest.mark.parametrize(
    ("field", "read", "meant"),
    [
        ("contact_name", "黃英", "黄英"),
        ("contact_name", "鍾南山", "钟南山"),
        ("entity_name", "大唐嘉興化工有限公司", "大唐嘉兴化工有限公司"),
    ],
)
def test_a_name_read_in_traditional_characters_is_simplified_and_doubted(
    field: str, read: str, meant: str
) -> None:
    app = make_application(**{field: read})
    temper(app)
    assert getattr(app, field) == meant
    assert (app.sources[field].confidence or 0) < LOW


def test_a_simplified_name_keeps_its_confidence() -> None:
    app = make_application(contact_name="黄英")
    temper(app)
    assert app.contact_name == "黄英"
    assert (app.sources["contact_name"].confidence or 0) >= LOW


def test_on_a_page_that_reads_badly_no_value_is_trusted() -> None:
    app = make_application(due_allowance_t=None, offset_requested_t=None, uscc="9140636OEID1")
    app.contact_email = None
    assert doubted(app) == sorted(app.sources)


def test_one_blank_field_does_not_doubt_the_others() -> None:
    assert doubted(make_application(contact_name=None)) == []


def test_a_ratio_nothing_else_confirms_is_doubted() -> None:
    declaration = Declaration("广东省", Decimal("62000"), None, 2021)
    app = make_application(due_allowance_t=None, offset_ratio_pct=Decimal("1.07"))
    app.declaration = declaration
    assert doubted(app) == ["offset_ratio_pct"]


@pytest.mark.parametrize("read", ["1,34", "1，34"])
def test_a_ratio_read_with_a_comma_for_its_point_is_a_number_and_doubted(read: str) -> None:
    app = make_application(offset_ratio_pct=read)
    temper(app)
    assert app.offset_ratio_pct == Decimal("1.34")
    assert (app.sources["offset_ratio_pct"].confidence or 0) < LOW
