"""The pure text helpers: every shape a value is written in on real forms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.parsers.normalize import parse_code, parse_email, parse_phone
from intake.values import (
    chinese_number,
    fold_width,
    parse_date,
    parse_quantity,
    parse_year,
    province_of,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1250000", Decimal("1250000")),
        ("1,250,000", Decimal("1250000")),
        ("1，250，000", Decimal("1250000")),
        ("1 250 000", Decimal("1250000")),
        ("１２５００００", Decimal("1250000")),
        ("62000 吨", Decimal("62000")),
        ("62000tCO₂e", Decimal("62000")),
        ("62000 tCO2e", Decimal("62000")),
        ("6.2万吨", Decimal("62000.0")),
        ("4.90", Decimal("4.90")),
        ("4.90%", Decimal("4.90")),
        ("４．９０％", Decimal("4.90")),
        ("六万二千", Decimal("62000")),
        ("0", Decimal("0")),
        ("", None),
        ("   ", None),
        ("/", None),
        ("——", None),
        ("___", None),
        ("-5", "-5"),
        ("约六万", "约六万"),
        ("12.5.3", "12.5.3"),
    ],
)
def test_parse_quantity(text: str, expected: object) -> None:
    assert parse_quantity(text) == expected


def test_parse_quantity_keeps_written_precision() -> None:
    assert format(parse_quantity("4.90"), "f") == "4.90"


@given(st.integers(min_value=0, max_value=10**12))
def test_thousands_separators_never_change_the_value(n: int) -> None:
    assert parse_quantity(f"{n:,}") == Decimal(n)
    assert parse_quantity(f"{n:,}".replace(",", "，")) == Decimal(n)


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_full_width_digits_read_as_half_width(d: Decimal) -> None:
    text = format(d, "f")
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() or c == "." else c for c in text)
    assert parse_quantity(wide) == d


@given(st.text())
def test_parse_quantity_never_raises(text: str) -> None:
    value = parse_quantity(text)
    assert value is None or isinstance(value, Decimal | str)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023年11月20日", dt.date(2023, 11, 20)),
        ("2023 年 9 月 6 日", dt.date(2023, 9, 6)),
        ("２０２３年１１月２０日", dt.date(2023, 11, 20)),
        ("二〇二三年十一月二十日", dt.date(2023, 11, 20)),
        ("二零二三年十二月一日", dt.date(2023, 12, 1)),
        ("2023-11-20", dt.date(2023, 11, 20)),
        ("2023/11/20", dt.date(2023, 11, 20)),
        ("2023.11.2", dt.date(2023, 11, 2)),
        ("年  月  日", None),
        ("", None),
        ("2023年11月31日", "2023年11月31日"),
        ("去年冬天", "去年冬天"),
    ],
)
def test_parse_date(text: str, expected: object) -> None:
    assert parse_date(text) == expected


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_dates_in_every_spelling(day: dt.date) -> None:
    assert parse_date(f"{day.year}年{day.month}月{day.day}日") == day
    assert parse_date(day.isoformat()) == day


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("010-85123456", "010-85123456"),
        ("(010)85123456", "010-85123456"),
        ("（010）85123456", "010-85123456"),
        ("01085123456", "010-85123456"),
        ("075588886666", "0755-88886666"),
        ("0755-88886666转123", "0755-88886666-123"),
        ("12345", "12345"),
        ("", None),
    ],
)
def test_parse_phone(text: str, expected: str | None) -> None:
    assert parse_phone(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("广东省生态环境厅：", "广东省"),
        ("北京市生态环境局：", "北京市"),
        ("新疆生产建设兵团生态环境局", "新疆生产建设兵团"),
        ("新疆维吾尔自治区生态环境厅", "新疆维吾尔自治区"),
        ("内蒙古生态环境厅", "内蒙古自治区"),
        ("广西生态环境厅", "广西壮族自治区"),
        ("XXX省（自治区、直辖市、新疆生产建设兵团）生态环境厅（局）：", None),
        ("某某单位", None),
    ],
)
def test_province_of(text: str, expected: str | None) -> None:
    assert province_of(text) == expected


def test_codes_fold_width_and_spaces() -> None:
    assert parse_code("ＣＣＥＲ－１０５２－２０１６") == "CCER-1052-2016"
    assert parse_code(" 9111 0000 6000 3734 1l ", upper=True) == "91110000600037341L"
    assert parse_code("0127") == "0127"


def test_email_and_years() -> None:
    assert parse_email(" zhang＠example.com ") == "zhang@example.com"
    assert parse_year("二〇二一") == 2021
    assert parse_year("2022年") == 2022
    assert parse_year("明年") == "明年"
    assert chinese_number("二十") == 20
    assert chinese_number("一百零五") == 105
    assert fold_width("Ａ１－") == "A1-"
