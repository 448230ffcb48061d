"""One clock for the whole service: "today" comes from here and nowhere else.

``INTAKE_TODAY`` fixes the date (the demo runs inside the 2023 application window,
tests pin it); otherwise it is the calendar date in Beijing, the date every user and
every deadline of the procedure is reckoned in.
"""

from __future__ import annotations

import datetime as dt

from intake.config import Settings

BEIJING = dt.timezone(dt.timedelta(hours=8))


def today(settings: Settings) -> dt.date:
    """The service's today: ``settings.today`` when set, else the date in Beijing now."""
    if settings.today is not None:
        return settings.today
    return dt.datetime.now(BEIJING).date()


def days_until(day: dt.date, settings: Settings) -> int:
    """Days from the service's today to ``day`` (negative once it has passed)."""
    return (day - today(settings)).days
