"""The registry as the verifier reads it (``intake.verify.protocol.Registry``), backed by SQL.

``SqlRegistry`` asks the database on each call; ``preload`` reads what a batch check
needs with one SELECT per table into a ``MemoryRegistry`` that answers from memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.registry.memory import Claim, Lot, MemoryRegistry
from intake.registry.models import Allocation, CcerLot, Entity, LotStatus, Project
from intake.registry.values import plain
from intake.verify.protocol import EntityRecord, ProjectRecord

# (uscc, submission to leave out) -> project number -> quantity asked in live applications.
Claims = Callable[[str, int | None], dict[str, Decimal]]


def entity_record(entity: Entity) -> EntityRecord:
    """The protocol's view of an entity row."""
    return EntityRecord(
        uscc=entity.uscc,
        name=entity.name,
        province=entity.province,
        ccer_account_id=entity.ccer_account_id,
        ets_account_id=entity.ets_account_id,
        accounts_bound=entity.accounts_bound,
    )


def project_record(project: Project) -> ProjectRecord:
    """The protocol's view of a catalogue row."""
    return ProjectRecord(
        project_number=project.project_number,
        project_name=project.project_name,
        project_type=project.project_type,
        province=project.province,
        eligible=project.eligible,
        note=project.note,
    )


def _pending_lots(
    session: Session, usccs: Iterable[str] | None = None
) -> list[tuple[str, str, Decimal]]:
    """(uscc, project number, quantity) of every 待抵销 lot, of the given units or all."""
    query = select(CcerLot.uscc, CcerLot.project_number, CcerLot.quantity_t).where(
        CcerLot.status == LotStatus.PENDING.value
    )
    if usccs is not None:
        query = query.where(CcerLot.uscc.in_(list(usccs)))
    return [(uscc, number, quantity) for uscc, number, quantity in session.execute(query)]


def _sum_by_project(rows: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """Exact sums in Python (SQLite would sum in floating point)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for number, quantity in rows:
        totals[number] += quantity
    return {number: plain(total) for number, total in totals.items()}


class SqlRegistry:
    """The registry read from the database, one query per question."""

    def __init__(self, session: Session, claims: Claims | None = None) -> None:
        self.session = session
        self.claims = claims

    def entity(self, uscc: str) -> EntityRecord | None:
        """The key emission unit with exactly this code, or None."""
        entity = self.session.get(Entity, uscc)
        return entity_record(entity) if entity is not None else None

    def due_allowance(self, uscc: str, year: int) -> Decimal | None:
        """应清缴配额量 of the unit for the year, or None when there is no allocation."""
        allocation = self.session.get(Allocation, (uscc, year))
        return allocation.due_allowance_t if allocation is not None else None

    def pending(self, uscc: str) -> dict[str, Decimal]:
        """Project number -> the unit's summed 待抵销 quantity of it."""
        rows = _pending_lots(self.session, [uscc])
        return _sum_by_project((number, quantity) for _, number, quantity in rows)

    def project(self, project_number: str) -> ProjectRecord | None:
        """The catalogue entry of this project number, or None."""
        project = self.session.get(Project, project_number)
        return project_record(project) if project is not None else None

    def claimed_elsewhere(self, uscc: str, exclude: int | None = None) -> dict[str, Decimal]:
        """Project number -> quantity the unit asks for in its other live applications."""
        return self.claims(uscc, exclude) if self.claims is not None else {}


def preload(
    session: Session, usccs: Iterable[str] | None = None, claims: Iterable[Claim] = ()
) -> MemoryRegistry:
    """The registry in memory, read with four SELECTs (entities, allocations, pending lots,
    catalogue), with the live ``claims`` given: a batch check then asks nothing more.

    With ``usccs`` only those units are read (the whole catalogue always is); the
    codes are sent as one IN list, so pass the codes of one batch, not millions.
    """
    codes = None if usccs is None else sorted(set(usccs))
    entities = select(Entity)
    allocations = select(Allocation)
    if codes is not None:
        entities = entities.where(Entity.uscc.in_(codes))
        allocations = allocations.where(Allocation.uscc.in_(codes))
    return MemoryRegistry.of(
        entities=(entity_record(e) for e in session.scalars(entities)),
        allocations=((a.uscc, a.year, a.due_allowance_t) for a in session.scalars(allocations)),
        lots=(
            Lot(uscc, number, quantity) for uscc, number, quantity in _pending_lots(session, codes)
        ),
        projects=(project_record(p) for p in session.scalars(select(Project))),
        claims=claims,
    )
