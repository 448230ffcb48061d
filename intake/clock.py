"""One clock for the whole service: "today" and "now" come from here and nowhere else.

``INTAKE_TODAY`` fixes the date (the demo runs inside the 2023 application window,
tests pin it); otherwise it is the calendar date in Beijing, the date every user and
every deadline of the procedure is reckoned in. With a fixed date, "now" is that date
at the current time of day, so what the service records (decisions, the audit log,
uploads, registrations) is dated on the service's today.

Records are stamped through the database engine: ``engine_options`` puts the fixed date
on the engine, and ``stamp`` (a column default) and ``now_of`` (for a session) read it
there. Timers that measure elapsed time (login sessions, API tokens, the liveness of a
running check) keep to real time: a fixed date jumps back a day at every midnight.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from intake.config import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

BEIJING = dt.timezone(dt.timedelta(hours=8))
# The engine's execution option that carries the fixed date (absent: the real date).
OPTION = "intake_today"


def today(settings: Settings) -> dt.date:
    """The service's today: ``settings.today`` when set, else the date in Beijing now."""
    if settings.today is not None:
        return settings.today
    return dt.datetime.now(BEIJING).date()


def days_until(day: dt.date, settings: Settings) -> int:
    """Days from the service's today to ``day`` (negative once it has passed)."""
    return (day - today(settings)).days


def now(settings: Settings) -> dt.datetime:
    """The service's now (UTC): the real time, or the fixed date at Beijing's time of day."""
    return _at(settings.today)


def _at(fixed: dt.date | None) -> dt.datetime:
    real = dt.datetime.now(BEIJING)
    if fixed is None:
        return real.astimezone(dt.UTC)
    return dt.datetime.combine(fixed, real.timetz()).astimezone(dt.UTC)


def engine_options(settings: Settings) -> dict[str, Any]:
    """The execution options that give an engine the service's clock."""
    return {OPTION: settings.today} if settings.today is not None else {}


def stamp(context: Any) -> dt.datetime:
    """The service's now for a row being written (a column default, given the statement's
    execution context)."""
    return _at(context.execution_options.get(OPTION))


def now_of(session: Session) -> dt.datetime:
    """The service's now for what is written through this session."""
    return _at(session.get_bind().get_execution_options().get(OPTION))
