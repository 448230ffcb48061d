"""Project rules: catalogue, eligibility, 待抵销 holdings, duplicates."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal as D

from intake.application import Application, Report
from intake.registry.memory import Claim, MemoryRegistry
from intake.verify import verify

Run = Callable[..., Report]
USCC = "91110000600037341L"


def test_catalogued_pending_projects_pass(run: Run) -> None:
    assert run().problems == []


def test_mistyped_number_is_unknown_and_not_pending(run: Run) -> None:
    report = run(ccer_rows=[(D("40000"), "CCER-1052-2016"), (D("22000"), "4257")])
    assert report.flatten("code", "field") == [
        ("PROJECT_NOT_PENDING", "ccer_rows[1].project_number"),
        ("PROJECT_UNKNOWN", "ccer_rows[1].project_number"),
    ]
    assert report.problems[1].message == "CCER 第 2 行：项目编号 4257 不在生态环境部项目目录中"


def test_leading_zeros_matter(run: Run) -> None:
    report = run(ccer_rows=[(D("40000"), "CCER-1052-2016"), (D("22000"), "127")])
    assert report.flatten("code") == [("PROJECT_NOT_PENDING",), ("PROJECT_UNKNOWN",)]


def test_project_ineligible(run: Run) -> None:
    report = run(
        offset_requested_t=D("49000"),
        offset_ratio_pct=D("3.92"),
        declaration__offset_t=D("49000"),
        declaration__ratio_pct=D("3.92"),
        ccer_rows=[(D("40000"), "CCER-1052-2016"), (D("9000"), "777")],
    )
    assert report.flatten("code", "field", "actual") == [
        ("PROJECT_INELIGIBLE", "ccer_rows[1].project_number", "777")
    ]
    assert report.problems[0].message == (
        "CCER 第 2 行：项目 777（示例碳汇项目）不可用于抵销配额清缴：备案已撤销"
    )


def test_only_pending_lots_count(run: Run) -> None:
    report = run(ccer_rows=[(D("40000"), "CCER-1052-2016"), (D("22000"), "386")])
    assert report.flatten("code", "field") == [
        ("PROJECT_NOT_PENDING", "ccer_rows[1].project_number")
    ]
    assert report.problems[0].message == "CCER 第 2 行：本单位没有项目 386 的待抵销 CCER"


def test_project_checks_need_no_entity(run: Run) -> None:
    report = run(uscc="91110000600037341X", ccer_rows=[(D("62000"), "4257")])
    assert report.flatten("code", "field") == [
        ("USCC_INVALID", "uscc"),
        ("ENTITY_UNKNOWN", "uscc"),
        ("PROJECT_UNKNOWN", "ccer_rows[0].project_number"),
    ]


def test_pending_summed_over_lots_and_rows_exactly_enough(run: Run) -> None:
    rows = [(D("32000"), "CCER-1052-2016"), (D("20000"), "0127"), (D("10000"), "0127")]
    assert run(ccer_rows=rows).flatten("code") == [("DUPLICATE_PROJECT",)]


def test_pending_insufficient_once_per_project(run: Run) -> None:
    rows = [(D("30000"), "CCER-1052-2016"), (D("20000"), "0127"), (D("12000"), "0127")]
    report = run(ccer_rows=rows)
    assert report.flatten("code", "field", "expected", "actual") == [
        ("PENDING_INSUFFICIENT", "ccer_rows[1].cancel_quantity_t", "≤ 30000", "32000"),
        ("DUPLICATE_PROJECT", "ccer_rows[2].project_number", None, "0127"),
    ]
    assert report.problems[0].message == (
        "项目 0127 申请注销合计 32000 吨，超过本单位该项目的待抵销量"
    )


def test_pending_insufficient_not_checked_with_an_invalid_quantity(run: Run) -> None:
    rows = [(D("30000"), "CCER-1052-2016"), (D("40000"), "0127"), ("两万", "0127")]
    assert run(ccer_rows=rows).flatten("code", "field") == [
        ("VALUE_INVALID", "ccer_rows[2].cancel_quantity_t"),
        ("DUPLICATE_PROJECT", "ccer_rows[2].project_number"),
    ]


def test_other_live_applications_count(
    registry: MemoryRegistry, make_application: Callable[..., Application]
) -> None:
    claimed = dataclasses.replace(registry, claims=[Claim(7, USCC, "0127", D("10000"))])
    app = make_application()
    problems = verify(app, claimed)
    assert [(p.code, p.expected, p.actual) for p in problems] == [
        ("PENDING_INSUFFICIENT", "≤ 20000", "22000")
    ]
    assert problems[0].message == (
        "项目 0127 申请注销合计 22000 吨，另有 10000 吨已在本单位其他在审申请中使用，"
        "超过本单位该项目的待抵销量"
    )
    assert verify(app, claimed, exclude_submission=7) == []


def test_duplicate_project_is_a_warning(run: Run) -> None:
    rows = [(D("20000"), "CCER-1052-2016"), (D("22000"), "0127"), (D("20000"), "CCER-1052-2016")]
    report = run(ccer_rows=rows)
    assert report.flatten("code", "field", "severity") == [
        ("DUPLICATE_PROJECT", "ccer_rows[2].project_number", "warning")
    ]
    assert report.ok
    assert report.problems[0].message == (
        "项目编号 CCER-1052-2016 在 CCER 第 1、3 行重复出现，请确认是否应合并为一行"
    )
