"""Entity rules: known, name, accounts, binding, allocation, province; and what they reveal."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal as D

import pytest

from intake.application import Report
from intake.verify import CATALOGUE

Run = Callable[..., Report]
UNBOUND = {  # the fixture's second entity, whose accounts are not bound
    "uscc": "91440300MA5F000007",
    "entity_name": "深圳示例热电有限公司",
    "ccer_account_id": "C5550001111",
    "ets_account_id": "555000111122",
    "offset_requested_t": D("5000"),
    "offset_ratio_pct": D("0.40"),
    "ccer_rows": [(D("5000"), "CCER-1052-2016")],
    "declaration__offset_t": D("5000"),
    "declaration__ratio_pct": D("0.40"),
}


def test_unknown_entity_skips_every_entity_check(run: Run) -> None:
    report = run(uscc="91110000MA0000001L", entity_name="别的公司", ccer_rows=[(D("62000"), "386")])
    assert report.flatten("code", "field", "expected", "actual") == [
        ("ENTITY_UNKNOWN", "uscc", None, "91110000MA0000001L")
    ]
    assert report.problems[0].message == (
        "统一社会信用代码 91110000MA0000001L 不在全国碳市场重点排放单位名录中"
    )


def test_blank_uscc_skips_every_entity_check(run: Run) -> None:
    report = run(uscc=None, entity_name="别的公司", declaration__province="北京市")
    assert report.flatten("code", "field") == [("FIELD_MISSING", "uscc")]


def test_name_with_full_width_and_spaces_matches(run: Run) -> None:
    assert run(entity_name=" 华能示例发电 有限公司").problems == []


def test_entity_name_mismatch(run: Run) -> None:
    report = run(entity_name="华能示例发电有限责任公司")
    assert report.flatten("code", "field", "expected", "actual") == [
        ("ENTITY_NAME_MISMATCH", "entity_name", "华能示例发电有限公司", "华能示例发电有限责任公司")
    ]


def test_account_ids_ignore_case_and_width(run: Run) -> None:
    assert (
        run(ccer_account_id="c1234567890", ets_account_id="１２３４５６７８９０１２").problems == []
    )


def test_ccer_account_mismatch(run: Run) -> None:
    report = run(ccer_account_id="C1234567891")
    assert report.flatten("code", "field", "expected", "actual") == [
        ("CCER_ACCOUNT_MISMATCH", "ccer_account_id", "C1234567890", "C1234567891")
    ]


def test_ets_account_mismatch(run: Run) -> None:
    report = run(ets_account_id="123456789013")
    assert report.flatten("code", "field", "expected", "actual") == [
        ("ETS_ACCOUNT_MISMATCH", "ets_account_id", "123456789012", "123456789013")
    ]


def test_accounts_not_bound(run: Run) -> None:
    report = run(**UNBOUND)
    assert report.flatten("code", "field") == [("ACCOUNTS_NOT_BOUND", "ccer_account_id")]


def test_due_allowance_mismatch(run: Run) -> None:
    report = run(due_allowance_t=D("1250001"))
    assert report.flatten("code", "field", "expected", "actual") == [
        ("DUE_ALLOWANCE_MISMATCH", "due_allowance_t", "1250000", "1250001")
    ]
    assert report.problems[0].message == "2021 年应清缴配额量填写 1250001 吨，与配额分配数据不一致"


def test_due_allowance_matches_the_form_year(run: Run) -> None:
    report = run(
        year=2022,
        declaration__year=2022,
        due_allowance_t=D("1300000"),
        offset_ratio_pct=D("4.77"),
        declaration__ratio_pct=D("4.77"),
    )
    assert report.problems == []


def test_no_allocation_for_the_year_is_a_mismatch(run: Run) -> None:
    report = run(**UNBOUND, year=2022, declaration__year=2022)
    assert report.flatten("code", "field", "expected", "actual") == [
        ("ACCOUNTS_NOT_BOUND", "ccer_account_id", None, None),
        ("DUE_ALLOWANCE_MISMATCH", "due_allowance_t", None, "1250000"),
    ]
    assert report.problems[1].message == (
        "配额分配数据中没有本单位 2022 年的应清缴配额量，无法核对填写的 1250000 吨"
    )


def test_province_mismatch(run: Run) -> None:
    report = run(declaration__province="北京市")
    assert report.flatten("code", "field", "expected", "actual") == [
        ("PROVINCE_MISMATCH", "declaration.province", "广东省", "北京市")
    ]


@pytest.mark.parametrize(
    "overrides",
    [
        {"entity_name": "华能示例发电有限责任公司"},
        {"ccer_account_id": "C1234567891"},
        {"ets_account_id": "123456789013"},
        {"due_allowance_t": D("1250001")},
        {"declaration__province": "北京市"},
        {"ccer_rows": [(D("30000"), "CCER-1052-2016"), (D("32000"), "0127")]},
    ],
)
def test_registry_values_stay_out_of_messages(run: Run, overrides: dict[str, object]) -> None:
    problems = run(**overrides).problems
    assert len(problems) == 1
    for problem in problems:
        entry = CATALOGUE[problem.code]
        assert entry.reveals_registry
        assert problem.expected is not None
        assert problem.expected not in problem.message
