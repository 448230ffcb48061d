"""Properties: the ratio rounds half-up exactly; verify never raises, whatever the fields hold."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from intake.application import Application, CcerRow, Declaration, Source
from intake.registry.memory import MemoryRegistry
from intake.values import ratio_pct
from intake.verify import CATALOGUE, verify
from intake.verify.catalogue import code_sort_key, field_sort_key

amounts = st.builds(lambda n, k: Decimal(n).scaleb(-k), st.integers(1, 10**13), st.integers(0, 3))
places = st.integers(0, 6)


@given(offset=amounts, due=amounts, places=places)
def test_ratio_is_the_half_up_rounding_of_the_exact_quotient(
    offset: Decimal, due: Decimal, places: int
) -> None:
    ratio = ratio_pct(offset, due, places)
    exact = Fraction(offset) * 100 / Fraction(due)
    unit = Fraction(1, 10**places)
    assert ratio.as_tuple().exponent == -places
    assert Fraction(ratio) - unit / 2 <= exact < Fraction(ratio) + unit / 2


@given(k=st.integers(0, 10**6), m=st.integers(1, 10**6), places=places)
def test_ties_round_up(k: int, m: int, places: int) -> None:
    # offset / due × 100 = (2k + 1) / (2 × 10^places): exactly halfway between two results.
    due = Decimal(2 * 10 ** (places + 2) * m)
    offset = Decimal((2 * k + 1) * m)
    assert ratio_pct(offset, due, places) == Decimal(k + 1).scaleb(-places)


@given(offset=amounts, places=places, off_by=st.sampled_from([-1, 0, 1]))
def test_ratio_rule_accepts_only_the_rounded_value(
    registry: MemoryRegistry, offset: Decimal, places: int, off_by: int
) -> None:
    due = Decimal("1250000")
    stated = ratio_pct(offset, due, places) + Decimal(off_by).scaleb(-places)
    app = Application(offset_requested_t=offset, due_allowance_t=due, offset_ratio_pct=stated)
    codes = [p.code for p in verify(app, registry)]
    if stated <= 0:
        assert "VALUE_INVALID" in codes
    else:
        assert codes.count("RATIO_MISMATCH") == (0 if off_by == 0 else 1)


KNOWN_TEXT = [
    "91110000600037341L",
    "91440300MA5F000007",
    "CCER-1052-2016",
    "0127",
    "777",
    "386",
    "广东省",
    "13812345678",
    "a@b.cn",
]
anything = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(KNOWN_TEXT),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.decimals(min_value=0, max_value=10**7, places=2),
    st.integers(-(10**6), 10**6),
    st.sampled_from([2021, 2022]),
    st.dates(),
    st.booleans(),
)
rows = st.lists(st.builds(CcerRow, anything, anything), max_size=4)
sources = st.dictionaries(
    st.sampled_from(["uscc", "offset_requested_t", "ccer_rows[0].project_number", "x"]),
    st.builds(Source, st.just("cell"), confidence=st.none() | st.floats(0, 1)),
    max_size=3,
)


@settings(max_examples=300)
@given(
    fields=st.fixed_dictionaries(
        {
            name: anything
            for name in [
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
                "signed_date",
                "stamp_present",
                "source_kind",
            ]
        }
    ),
    declaration=st.builds(Declaration, anything, anything, anything, anything),
    ccer_rows=rows,
    sources=sources,
)
def test_verify_never_raises(
    registry: MemoryRegistry,
    fields: dict[str, Any],
    declaration: Declaration,
    ccer_rows: list[CcerRow],
    sources: dict[str, Source],
) -> None:
    app = Application(**fields, declaration=declaration, ccer_rows=ccer_rows, sources=sources)
    problems = verify(app, registry)
    for problem in problems:
        assert problem.severity == CATALOGUE[problem.code].severity
        assert problem.message
        assert problem.expected is None or isinstance(problem.expected, str)
        assert problem.actual is None or isinstance(problem.actual, str)
    keys = [(field_sort_key(p.field), code_sort_key(p.code)) for p in problems]
    assert keys == sorted(keys)
