"""The service's one clock."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import DateTime, Integer, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from intake import clock
from intake.config import Settings, load_settings


class Base(DeclarativeBase):
    """A table of its own, away from the project's models."""


class Row(Base):
    """A row stamped by the clock, as the project's records are."""

    __tablename__ = "rows"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=clock.stamp)


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


def test_now_on_a_fixed_date_is_that_date_at_the_time_of_day_in_beijing() -> None:
    before = dt.datetime.now(clock.BEIJING)
    moment = clock.now(Settings(today=dt.date(2023, 12, 1)))
    after = dt.datetime.now(clock.BEIJING)
    assert moment.tzinfo == dt.UTC
    local = moment.astimezone(clock.BEIJING)
    assert local.date() == dt.date(2023, 12, 1)
    assert before.time() <= local.time() <= after.time() or before.date() != after.date()


def test_without_a_fixed_date_now_is_the_real_time() -> None:
    before = dt.datetime.now(dt.UTC)
    moment = clock.now(Settings())
    assert before <= moment <= dt.datetime.now(dt.UTC)


def test_rows_and_sessions_of_an_engine_are_stamped_by_its_clock() -> None:
    """The column default and ``now_of`` read the fixed date the engine was given."""
    fixed = dt.date(2023, 6, 30)
    engine = create_engine(
        "sqlite://", execution_options=clock.engine_options(Settings(today=fixed))
    )
    real = create_engine("sqlite://", execution_options=clock.engine_options(Settings()))
    for each in (engine, real):
        Base.metadata.create_all(each)
    with Session(engine) as pinned, Session(real) as unpinned:
        before = dt.datetime.now(dt.UTC)
        rows = [Row(), Row()]
        pinned.add(rows[0])
        unpinned.add(rows[1])
        pinned.flush()
        unpinned.flush()
        after = dt.datetime.now(dt.UTC)
        assert rows[0].at.astimezone(clock.BEIJING).date() == fixed
        assert clock.now_of(pinned).astimezone(clock.BEIJING).date() == fixed
        assert before <= rows[1].at <= after
        assert before <= clock.now_of(unpinned) >= rows[1].at
    engine.dispose()
    real.dispose()
