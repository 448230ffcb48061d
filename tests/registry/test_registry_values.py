"""Reading quantities, booleans, years and codes from registry cells."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.registry.values import (
    ValueProblem,
    parse_bool,
    parse_quantity,
    parse_uscc,
    parse_year,
    plain,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("216159", "216159"),
        (" 216159 ", "216159"),
        ("216159.0000", "216159"),
        ("0.5", "0.5"),
        ("1,234,567.25", "1234567.25"),
        ("２１６１５９", "216159"),
        ("２１６，１５９．５", "216159.5"),
        ("100000", "100000"),
    ],
)
def test_good_quantities(raw: str, expected: str) -> None:
    assert str(parse_quantity(raw)) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "  ", "-1", "+1", "0", "0.0000", "1e5", "1 000", "12,34", "1,2345", "50万", "1.23456",
     "100000000000", "12吨", "NaN", "Infinity", ".5", "5.", "٣"],
)  # fmt: skip
def test_bad_quantities(raw: str) -> None:
    with pytest.raises(ValueProblem):
        parse_quantity(raw)


@given(st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("99999999999.9999"), places=4))
def test_quantities_round_trip_and_format_plainly(value: Decimal) -> None:
    parsed = parse_quantity(format(value, "f"))
    assert parsed == value
    assert "E" not in str(parsed)
    assert str(parsed) == format(value.normalize(), "f")


def test_plain() -> None:
    assert str(plain(Decimal("1E+5"))) == "100000"
    assert str(plain(Decimal("100000.0000"))) == "100000"
    assert str(plain(Decimal("4.90"))) == "4.9"
    assert str(plain(Decimal("0.0000"))) == "0"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("FALSE", False), (" True ", True), ("1", True), ("0", False)],
)
def test_booleans(raw: str, expected: bool) -> None:
    assert parse_bool(raw) is expected


@pytest.mark.parametrize("raw", ["", "yes", "是", "t"])
def test_bad_booleans(raw: str) -> None:
    with pytest.raises(ValueProblem, match="true 或 false"):
        parse_bool(raw)


def test_years() -> None:
    years = (2021, 2022)
    assert [parse_year(y, years) for y in ("2021", " 2022", "２０２２")] == [2021, 2022, 2022]
    for bad in ("2020", "2023", "21", "", "2021.0"):
        with pytest.raises(ValueProblem, match="2021 或 2022"):
            parse_year(bad, years)
    assert parse_year("2023", (2021, 2022, 2023)) == 2023


def test_uscc_shape() -> None:
    assert parse_uscc(" ９１１４０１０５MAN619RM62 ") == "91140105MAN619RM62"
    for bad in ("", "91140105MAN619RM6", "91140105man619rm62", "91140105MAN619RM62X"):
        with pytest.raises(ValueProblem):
            parse_uscc(bad)
