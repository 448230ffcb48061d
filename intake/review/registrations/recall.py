"""The forced recall (第六步): CCER still pending after the deadline goes back to its holder.

The recall date is the ``working_days``-th official working day after the end of the
compliance period, counted with the State Council's holiday arrangements (adjusted
working weekends included) as published in the ``chinesecalendar`` package. What
is recalled is written to the registry's ledger, per entity and project, in the
same transaction, so that a later load of the registry export keeps it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import chinese_calendar
from sqlalchemy import update
from sqlalchemy.orm import Session

from intake import clock
from intake.cycles import BUILT_IN, Cycle
from intake.registry.ledger import moved_totals, recall_entries
from intake.registry.models import CcerLot, LotStatus
from intake.registry.values import plain
from intake.review import audit
from intake.review.audit import Action, Actor

# The procedure's working days before the recall, when a caller gives none.
WORKING_DAYS = BUILT_IN[-1].recall_working_days


class CalendarUnavailable(ValueError):
    """The holiday arrangements for a year are not known to the installed chinesecalendar."""


@dataclass(frozen=True)
class RecallResult:
    """What a recall run did."""

    recall_date: dt.date
    recalled_lots: int
    recalled_t: Decimal

    def to_json(self) -> dict[str, Any]:
        """The contract's JSON form: ``{"recall_date", "recalled_lots", "recalled_t"}``."""
        return {
            "recall_date": self.recall_date.isoformat(),
            "recalled_lots": self.recalled_lots,
            "recalled_t": str(self.recalled_t),
        }


def calendar_years() -> tuple[int, int]:
    """The first and last year whose holidays the installed chinesecalendar knows."""
    known = [*chinese_calendar.holidays, *chinese_calendar.workdays]
    return min(day.year for day in known), max(day.year for day in known)


def is_workday(day: dt.date) -> bool:
    """Whether ``day`` is an official working day in mainland China."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as error:
        first, last = calendar_years()
        raise CalendarUnavailable(
            f"无法计算召回日期：节假日数据只覆盖 {first}–{last} 年，不含 {day.year} 年；"
            "请升级 chinesecalendar"
        ) from error


def recall_date(period_end: dt.date, working_days: int = WORKING_DAYS) -> dt.date:
    """The ``working_days``-th working day after ``period_end`` (2023-12-31 gives 2024-01-22)."""
    if working_days < 0:
        raise ValueError(f"working_days must not be negative: {working_days}")
    day, counted = period_end, 0
    while counted < working_days:
        day += dt.timedelta(days=1)
        if is_workday(day):
            counted += 1
    return day


def cycle_recall_date(cycle: Cycle) -> dt.date:
    """The day the cycle's pending CCER is recalled: its period's end plus its working days."""
    return recall_date(cycle.period_end, cycle.recall_working_days)


def run_recall(
    session: Session,
    as_of: dt.date,
    period_end: dt.date,
    working_days: int = WORKING_DAYS,
    *,
    commit: bool = True,
    actor: Actor | None = None,
) -> RecallResult:
    """On or after the recall date, mark every 待抵销 lot 已召回 with one UPDATE, and commit.

    Running it again recalls nothing, as no lot is left pending. Each entity and project
    recalled gets a ledger entry. With ``commit=False`` the change stays in the session's
    transaction for the caller to commit. With an ``actor``, a run that recalls lots is
    written to the audit log in the same transaction.
    """
    due = recall_date(period_end, working_days)
    if as_of < due:
        return RecallResult(recall_date=due, recalled_lots=0, recalled_t=Decimal(0))
    statement = (
        update(CcerLot)
        .where(CcerLot.status == LotStatus.PENDING.value)
        .values(status=LotStatus.RECALLED.value, updated_at=clock.now_of(session))
        .returning(CcerLot.uscc, CcerLot.project_number, CcerLot.quantity_t)
        .execution_options(synchronize_session="fetch")
    )
    before = moved_totals(session, LotStatus.RECALLED)
    recalled = [(uscc, project, quantity) for uscc, project, quantity in session.execute(statement)]
    session.add_all(recall_entries(before, recalled, due))
    quantities = [quantity for _, _, quantity in recalled]
    result = RecallResult(
        recall_date=due,
        recalled_lots=len(quantities),
        recalled_t=plain(sum(quantities, Decimal(0))),
    )
    if actor is not None and quantities:
        details = {**result.to_json(), "as_of": as_of.isoformat()}
        audit.record(session, actor, Action.RECALL, target=due.isoformat(), details=details)
    if commit:
        session.commit()
    return result
