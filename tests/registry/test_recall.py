"""The forced recall: its date from the official calendar, and the lots it recalls."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from intake.registry.models import CcerLot
from intake.review.registrations.recall import CalendarUnavailable, recall_date, run_recall

PERIOD_END = dt.date(2023, 12, 31)


def test_recall_date_of_the_2021_2022_period() -> None:
    assert recall_date(PERIOD_END, 15) == dt.date(2024, 1, 22)
    assert recall_date(PERIOD_END) == dt.date(2024, 1, 22)


def test_adjusted_working_weekends_count() -> None:
    # 2023-01-28 (a Saturday) was a working day after the Spring Festival.
    assert recall_date(dt.date(2022, 12, 31), 15) == dt.date(2023, 1, 28)
    assert recall_date(dt.date(2023, 9, 28), 1) == dt.date(2023, 10, 7)


def test_zero_working_days_is_the_period_end() -> None:
    assert recall_date(PERIOD_END, 0) == PERIOD_END
    with pytest.raises(ValueError, match="negative"):
        recall_date(PERIOD_END, -1)


def test_a_year_the_calendar_does_not_know() -> None:
    with pytest.raises(CalendarUnavailable, match=r"无法计算召回日期.*2101 年"):
        recall_date(dt.date(2100, 12, 31), 15)


def _statuses(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        rows = session.execute(select(CcerLot.status, func.count()).group_by(CcerLot.status))
        return {status: count for status, count in rows}


def test_no_recall_before_the_recall_date(sample_engine: Engine) -> None:
    with Session(sample_engine) as session:
        result = run_recall(session, dt.date(2024, 1, 19), PERIOD_END, 15)

    assert (result.recall_date, result.recalled_lots, result.recalled_t) == (
        dt.date(2024, 1, 22),
        0,
        Decimal(0),
    )
    assert _statuses(sample_engine) == {"待抵销": 63, "已抵销": 5, "已召回": 4}


def test_recall_on_the_recall_date_then_nothing_more(sample_engine: Engine) -> None:
    with Session(sample_engine) as session:
        first = run_recall(session, dt.date(2024, 1, 22), PERIOD_END, 15)
    with Session(sample_engine) as session:
        second = run_recall(session, dt.date(2024, 3, 1), PERIOD_END, 15)

    assert first.to_json() == {
        "recall_date": "2024-01-22",
        "recalled_lots": 63,
        "recalled_t": "7970242",
    }
    assert (second.recalled_lots, second.recalled_t) == (0, Decimal(0))
    assert _statuses(sample_engine) == {"已抵销": 5, "已召回": 67}


def test_a_recall_left_to_the_caller_can_be_rolled_back(sample_engine: Engine) -> None:
    with Session(sample_engine) as session:
        result = run_recall(session, dt.date(2024, 1, 22), PERIOD_END, 15, commit=False)
        assert result.recalled_lots == 63
        assert _statuses(sample_engine)["待抵销"] == 63  # not visible outside before commit
        session.rollback()

    assert _statuses(sample_engine)["待抵销"] == 63
