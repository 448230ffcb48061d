"""The service's one clock."""

from __future__ import annotations

import datetime as dt

import pytest

from intake import clock
from intake.config import Settings, load_settings


def test_a_fixed_today_is_what_every_caller_sees() -> None:
    settings = Settings(today=dt.date(2023, 12, 1))
    assert clock.today(settings) == dt.date(2023, 12, 1)
    assert clock.days_until(settings.deadline, settings) == 14


def test_without_a_fixed_today_it_is_the_date_in_beijing() -> None:
    beijing = dt.datetime.now(clock.BEIJING).date()
    assert clock.today(Settings()) in (beijing, beijing + dt.timedelta(days=1))


def test_intake_today_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTAKE_TODAY", "2023-11-30")
    assert load_settings().today == dt.date(2023, 11, 30)
