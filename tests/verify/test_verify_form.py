"""Form rules: seal, deadline, OCR confidence; and the order of the report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal as D

import pytest

from intake.application import Application, Report, Source
from intake.registry.memory import MemoryRegistry
from intake.verify import verify

Run = Callable[..., Report]


def test_stamped_scan_passes(run: Run) -> None:
    assert run(stamp_present=True, source_kind="photo").problems == []


def test_stamp_missing(run: Run) -> None:
    report = run(stamp_present=False)
    assert report.flatten("code", "field", "severity") == [
        ("STAMP_MISSING", "stamp_present", "error")
    ]


@pytest.mark.parametrize("kind", ["docx", "doc", "pdf", None])
def test_digital_file_stamp_unverified(run: Run, kind: str | None) -> None:
    report = run(stamp_present=None, source_kind=kind)
    assert report.flatten("code", "field", "severity") == [
        ("STAMP_UNVERIFIED", "stamp_present", "warning")
    ]
    assert report.ok


@pytest.mark.parametrize("stamp", [None, False])
def test_typed_online_has_no_stamp_problem(run: Run, stamp: bool | None) -> None:
    assert run(stamp_present=stamp, source_kind="web").problems == []


def test_signed_on_the_deadline_is_in_time(run: Run) -> None:
    assert run(signed_date=dt.date(2023, 12, 15)).problems == []


def test_deadline_passed(run: Run) -> None:
    report = run(signed_date=dt.date(2023, 12, 16))
    assert report.flatten("code", "field", "expected", "actual") == [
        ("DEADLINE_PASSED", "signed_date", "2023-12-15", "2023-12-16")
    ]
    assert report.problems[0].message == "签署日期 2023-12-16 晚于申请截止日期 2023-12-15"


def test_deadline_is_a_parameter(
    registry: MemoryRegistry, make_application: Callable[..., Application]
) -> None:
    app = make_application(signed_date=dt.date(2023, 11, 20))
    problems = verify(app, registry, deadline=dt.date(2023, 11, 19))
    assert [(p.code, p.expected) for p in problems] == [("DEADLINE_PASSED", "2023-11-19")]


def test_low_confidence(run: Run) -> None:
    sources = {
        "offset_requested_t": Source("table", page=1, confidence=0.62),
        "uscc": Source("table", page=1, confidence=0.95),
        "ccer_rows[1].project_number": Source("table", page=1, confidence=0.80),
        "ccer_rows[0].cancel_quantity_t": Source("table", page=1, confidence=0.799),
    }
    report = run(sources=sources)
    assert report.flatten("code", "field", "severity", "actual") == [
        ("LOW_CONFIDENCE", "offset_requested_t", "warning", "0.62"),
        ("LOW_CONFIDENCE", "ccer_rows[0].cancel_quantity_t", "warning", "0.79"),
    ]
    assert (
        report.problems[0].message == "申请抵销量的识别置信度为 0.62，低于 0.80，请审核人员核对原件"
    )


def test_low_confidence_threshold_is_a_parameter(
    registry: MemoryRegistry, make_application: Callable[..., Application]
) -> None:
    app = make_application(sources={"uscc": Source("table", confidence=0.62)})
    assert verify(app, registry, low_confidence=0.5) == []
    assert [p.field for p in verify(app, registry, low_confidence=0.7)] == ["uscc"]


def test_problems_follow_the_form_then_the_catalogue(run: Run) -> None:
    report = run(
        signed_date=dt.date(2024, 1, 5),
        declaration__year=2022,
        ccer_rows=[(D("40000"), "CCER-1052-2016"), (D("22000"), "4257")],
        contact_email="nobody",
        uscc="91110000600037341X",
        stamp_present=False,
    )
    assert report.flatten("code", "field") == [
        ("USCC_INVALID", "uscc"),
        ("ENTITY_UNKNOWN", "uscc"),
        ("EMAIL_INVALID", "contact_email"),
        ("PROJECT_UNKNOWN", "ccer_rows[1].project_number"),
        ("YEAR_MISMATCH", "declaration.year"),
        ("DEADLINE_PASSED", "signed_date"),
        ("STAMP_MISSING", "stamp_present"),
    ]
