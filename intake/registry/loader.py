"""Loading the registry export (four CSV files) into the database as one transaction.

A load is a full snapshot of the registry export: afterwards the database holds
exactly the files' entities, allocations, lots and catalogue, whatever it held
before. Loading the same directory twice leaves the same data.

- Entities, allocations and projects are matched on their natural keys: rows
  that did not change are left untouched, changed ones are updated in place,
  new ones inserted, and those no longer exported deleted. Rows other tables
  refer to therefore keep their identity across loads.
- CCER lots have no natural key (a unit may hold several equal lots of one
  project), so every lot is replaced by the export's lots. Then the ledger of
  this service's own registrations and recalls is applied again, for those the
  export does not reflect yet (``intake.registry.reconcile`` states the rule):
  what was registered or recalled stays so. Other tables must not rely on a
  lot's ``id`` surviving a load.

Every row is checked, and the export is checked against the ledger, before the
database is touched; any bad row or contradiction rejects the whole load with
``RegistryLoadError`` and nothing is written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from intake import clock
from intake.cycles import Cycles
from intake.registry import reconcile
from intake.registry.csvfiles import LoadProblem, RegistryLoadError
from intake.registry.ledger import exact_sum, tonnes
from intake.registry.models import Allocation, CcerLot, Entity, LotStatus, Project
from intake.registry.snapshot import Snapshot, read_snapshot
from intake.registry.values import plain

LOT_COLUMNS = ("uscc", "project_number", "project_name", "project_type", "quantity_t", "status")

__all__ = ["LoadProblem", "LoadSummary", "RegistryLoadError", "load_registry", "write_snapshot"]


@dataclass(frozen=True)
class LoadSummary:
    """What a load left in the registry."""

    entities: int
    allocations: int
    lots: int
    projects: int
    pending_lots: int
    pending_t: Decimal

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form (the quantity as a string)."""
        return {
            "entities": self.entities,
            "allocations": self.allocations,
            "lots": self.lots,
            "projects": self.projects,
            "pending_lots": self.pending_lots,
            "pending_t": str(self.pending_t),
        }


def load_registry(
    target: Session | Engine, directory: Path, cycles: Cycles | None = None
) -> LoadSummary:
    """Replace the registry's content with the export in ``directory``, all or nothing.

    Given an Engine, the load runs in its own transaction and is committed. Given a
    Session, it is written in the session's transaction and the caller commits (or
    rolls back). Raises RegistryLoadError, before any write, when a row is bad.
    Allocations must be of the years of ``cycles`` (by default the configured ones).
    """
    snapshot = read_snapshot(Path(directory), cycles)
    if isinstance(target, Session):
        return write_snapshot(target, snapshot)
    with Session(target) as session, session.begin():
        return write_snapshot(session, snapshot)


def write_snapshot(session: Session, snapshot: Snapshot) -> LoadSummary:
    """Make the tables hold the snapshot, the ledger applied (see the module's docstring)."""
    reconcile.lock_registry(session)
    carves = reconcile.plan(session, snapshot)
    session.execute(delete(CcerLot))
    _sync(session, Allocation, snapshot.allocations, stage="delete")
    _sync(session, Entity, snapshot.entities, stage="upsert")
    _sync(session, Allocation, snapshot.allocations, stage="upsert")
    _sync(session, Entity, snapshot.entities, stage="delete")
    _sync(session, Project, snapshot.projects, stage="all")
    if snapshot.lots:
        _insert_lots(session, snapshot.lots)
    reconcile.apply(session, carves)
    return _summary(session, snapshot)


def _insert_lots(session: Session, lots: list[dict[str, Any]]) -> None:
    """Insert the lots with one bulk statement (COPY on PostgreSQL: several times faster)."""
    connection = session.connection()
    now = clock.now_of(session)
    if connection.dialect.name != "postgresql":
        rows = [{**lot, "parent_id": None, "updated_at": now} for lot in lots]
        connection.execute(insert(CcerLot), rows)
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)  # quoted: "" stays '', not NULL
    stamp = now.isoformat()
    writer.writerows([*(lot[c] for c in LOT_COLUMNS), stamp] for lot in lots)
    columns = ", ".join([*LOT_COLUMNS, "updated_at"])
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY ccer_lots ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(buffer.getvalue())
    finally:
        cursor.close()


def _summary(session: Session, snapshot: Snapshot) -> LoadSummary:
    """Counts of the snapshot's rows; the lots as they are now that the ledger is applied."""
    lots, pending_lots, pending_t = 0, 0, Decimal(0)
    query = select(CcerLot.status, func.count(), exact_sum(CcerLot.quantity_t)).group_by(
        CcerLot.status
    )
    for status, count, units in session.execute(query):
        lots += count
        if status == LotStatus.PENDING.value:
            pending_lots, pending_t = count, tonnes(units)
    return LoadSummary(
        entities=len(snapshot.entities),
        allocations=len(snapshot.allocations),
        lots=lots,
        projects=len(snapshot.projects),
        pending_lots=pending_lots,
        pending_t=plain(pending_t),
    )


def _sync(
    session: Session,
    model: Any,
    rows: Sequence[dict[str, Any]],
    stage: Literal["delete", "upsert", "all"],
) -> None:
    """Delete the rows not in ``rows`` ("delete"), insert or update the others ("upsert")."""
    table = model.__table__
    keys = [column.name for column in table.primary_key.columns]
    existing = {
        tuple(row[k] for k in keys): dict(row) for row in session.execute(select(table)).mappings()
    }
    wanted = {tuple(row[k] for k in keys): row for row in rows}
    if stage in ("delete", "all"):
        stale = [dict(zip(keys, key, strict=True)) for key in existing.keys() - wanted.keys()]
        if stale:
            condition = and_(*(table.c[k] == bindparam(k) for k in keys))
            session.execute(table.delete().where(condition), stale)
    if stage in ("upsert", "all"):
        new = [row for key, row in wanted.items() if key not in existing]
        changed = [
            row
            for key, row in wanted.items()
            if key in existing and any(existing[key][c] != v for c, v in row.items())
        ]
        if new:
            session.execute(insert(model), new)
        if changed:
            session.execute(update(model), changed)
