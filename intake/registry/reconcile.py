"""A registry load re-applies the ledger, so registered and recalled quantities stay where they are.

The export is loaded as it is; then each movement of the ledger
(``intake.registry.ledger``) that the export does not show yet is carved again out
of the export's lots. The rule, for each ledger entry (entity, project, status S,
quantity q, ``total_after_t``), oldest entry first:

- **Already reflected**: the export lists at least ``total_after_t`` of that
  entity's project in S, that is as much as the database held in S right after the
  movement. The entry is not applied again. The export names none of this service's
  registrations, so quantities per (entity, project, status) are all there is to
  match on: an export whose own movements of the project reach that total is taken
  to include the entry.
- **Not yet reflected**: q is carved out of the entity's 待抵销 lots of the project,
  in file order, as the registration did: a lot used whole changes status, one used
  in part keeps the remainder 待抵销 and a new lot (``parent_id`` pointing at it)
  holds the part moved.
- **Contradiction**: when the entries still to carve need more than the export lists
  待抵销 for that entity's project (the entity or the project is no longer listed,
  or listed with less), the load is refused with a ``RegistryLoadError`` naming
  pending_ccer.csv, the project's first line and both quantities, before anything
  is written.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.registry.csvfiles import ProblemList
from intake.registry.ledger import LedgerEntry, move_lots
from intake.registry.models import CcerLot, LotStatus
from intake.registry.snapshot import ENTITIES, LOTS, Snapshot
from intake.registry.values import plain

Key = tuple[str, str]

VERBS = {LotStatus.OFFSET: "登记抵销", LotStatus.RECALLED: "召回"}
CONTRADICTS = "与本系统的登记记录矛盾"


@dataclass(frozen=True)
class Carve:
    """A quantity of an entity's project to move from 待抵销 to ``status`` after the load."""

    uscc: str
    project_number: str
    status: LotStatus
    quantity_t: Decimal


def lock_registry(session: Session) -> None:
    """Hold off registrations and recalls until the load commits, so none slips in between."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("LOCK TABLE ccer_lots, lot_ledger IN EXCLUSIVE MODE")
        return
    raw = connection.connection.driver_connection
    if connection.dialect.name == "sqlite" and raw is not None and not raw.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def plan(session: Session, snapshot: Snapshot) -> list[Carve]:
    """The ledger's movements the export does not reflect yet; raises on a contradiction."""
    exported: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for lot in snapshot.lots:
        exported[lot["uscc"], lot["project_number"], lot["status"]] += lot["quantity_t"]
    entries = session.execute(
        select(
            LedgerEntry.uscc,
            LedgerEntry.project_number,
            LedgerEntry.status,
            LedgerEntry.quantity_t,
            LedgerEntry.total_after_t,
        ).order_by(LedgerEntry.id)
    )
    carves = [
        Carve(uscc, project, LotStatus(status), quantity)
        for uscc, project, status, quantity, total_after in entries
        if exported[uscc, project, status] < total_after
    ]
    _refuse_contradictions(snapshot, carves, exported)
    return carves


def _refuse_contradictions(
    snapshot: Snapshot, carves: list[Carve], exported: dict[tuple[str, str, str], Decimal]
) -> None:
    needed: dict[Key, dict[LotStatus, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for carve in carves:
        needed[carve.uscc, carve.project_number][carve.status] += carve.quantity_t
    first_line: dict[Key, int] = {}
    for lot, line in zip(snapshot.lots, snapshot.lot_lines, strict=True):
        first_line.setdefault((lot["uscc"], lot["project_number"]), line)
    entities = {entity["uscc"] for entity in snapshot.entities}
    problems = ProblemList()
    for (uscc, project), by_status in needed.items():
        pending = plain(exported[uscc, project, LotStatus.PENDING.value])
        if sum(by_status.values(), Decimal(0)) <= pending:
            continue
        moved = "、".join(f"已{VERBS[status]} {plain(q)} 吨" for status, q in by_status.items())
        where = f"统一社会信用代码 {uscc} 的项目 {project}：本系统{moved}，"
        if uscc not in entities:
            problems.add(ENTITIES, None, f"{where}本次导出中却没有该单位，{CONTRADICTS}")
        elif (uscc, project) not in first_line:
            problems.add(LOTS, None, f"{where}本次导出中却没有该单位的这个项目，{CONTRADICTS}")
        else:
            line = first_line[uscc, project]
            problems.add(
                LOTS, line, f"{where}导出尚未反映，但导出的待抵销仅 {pending} 吨，{CONTRADICTS}"
            )
    problems.raise_if_any()


def apply(session: Session, carves: list[Carve]) -> None:
    """Carve the planned movements out of the freshly loaded 待抵销 lots, oldest lot first."""
    if not carves:
        return
    keys = {(carve.uscc, carve.project_number) for carve in carves}
    query = (
        select(CcerLot)
        .where(
            CcerLot.status == LotStatus.PENDING.value,
            CcerLot.uscc.in_(sorted({uscc for uscc, _ in keys})),
            CcerLot.project_number.in_(sorted({project for _, project in keys})),
        )
        .order_by(CcerLot.id)
    )
    pending: dict[Key, list[CcerLot]] = defaultdict(list)
    for lot in session.scalars(query):
        if (lot.uscc, lot.project_number) in keys:
            pending[lot.uscc, lot.project_number].append(lot)
    for carve in carves:
        key = (carve.uscc, carve.project_number)
        move_lots(session, pending[key], carve.quantity_t, carve.status)
        pending[key] = [lot for lot in pending[key] if lot.status == LotStatus.PENDING.value]
