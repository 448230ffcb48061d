"""The forced recall from the web: what it will take back, and telling each holder.

``run_recall`` (``recall.py``) changes the lots; this lists beforehand the lots a run
would recall, entity by entity, and runs it together with one notice per affected
entity, in one transaction, so that no enterprise is recalled without being told.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.registry.models import CcerLot, Entity, LotStatus
from intake.review import notify
from intake.review.audit import Actor
from intake.review.models import Notice
from intake.review.registrations.recall import RecallResult, run_recall


@dataclass
class Holding:
    """One entity's pending lots: what a recall would take back from it."""

    uscc: str
    name: str
    province: str
    lots: list[tuple[str, str, Decimal]] = field(default_factory=list)

    @property
    def total_t(self) -> Decimal:
        """Tonnes pending in all its lots."""
        return sum((quantity for _n, _name, quantity in self.lots), Decimal(0))


def pending_holdings(session: Session, province: str | None = None) -> list[Holding]:
    """Every entity (of the province, if given) holding 待抵销 CCER, with its lots."""
    query = (
        select(Entity.uscc, Entity.name, Entity.province, CcerLot.project_number,
               CcerLot.project_name, CcerLot.quantity_t)
        .join(Entity, Entity.uscc == CcerLot.uscc)
        .where(CcerLot.status == LotStatus.PENDING.value)
        .order_by(Entity.province, Entity.name, CcerLot.project_number, CcerLot.id)
    )  # fmt: skip
    if province is not None:
        query = query.where(Entity.province == province)
    holdings: dict[str, Holding] = {}
    for uscc, name, province, number, project, quantity in session.execute(query):
        holding = holdings.setdefault(uscc, Holding(uscc, name, province))
        holding.lots.append((number, project, quantity))
    return list(holdings.values())


def recall_and_notify(
    session: Session,
    *,
    as_of: dt.date,
    period_end: dt.date,
    working_days: int,
    actor: Actor,
) -> tuple[RecallResult, list[Notice]]:
    """Run the recall and add a notice for each entity it recalls from; commits once."""
    holdings = pending_holdings(session)
    result = run_recall(session, as_of, period_end, working_days, commit=False, actor=actor)
    notices: list[Notice] = []
    if result.recalled_lots:
        for holding in holdings:
            notices.append(_notice(session, holding, result))
    session.commit()
    return result, notices


def _notice(session: Session, holding: Holding, result: RecallResult) -> Notice:
    lines = [
        f"{i}. 项目编号 {number}（{project}）{format(quantity, 'f')} 吨"
        for i, (number, project, quantity) in enumerate(holding.lots, start=1)
    ]
    body = (
        "根据抵销配额清缴程序第六步，履约期结束 15 个工作日后"
        f"（{result.recall_date.isoformat()}），"
        "你单位在全国碳排放权注册登记系统中仍处于“待抵销”状态的 CCER 已强制召回至"
        "自愿减排注册登记系统中你单位登记账户下的一般持有账户：\n"
        + "\n".join(lines)
        + f"\n合计 {format(holding.total_t, 'f')} 吨。"
    )
    return notify.add_notice(
        session, uscc=holding.uscc, submission_id=None, title="待抵销 CCER 已强制召回", body=body
    )
