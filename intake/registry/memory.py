"""A registry held in memory: for tests, scripts without a database, and batch checks.

``from_csv_dir`` reads the contract's four files exactly as the loader does
(``intake.registry.snapshot``: the same checks, folding and messages), so a test
registry can hold only what production accepts. ``intake.registry.lookup.preload``
fills one from the database for a batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from intake.cycles import Cycles
from intake.registry.snapshot import Snapshot, read_snapshot
from intake.registry.values import LotStatus, plain
from intake.verify.protocol import EntityRecord, ProjectRecord

PENDING = LotStatus.PENDING.value  # the lot status that still counts; 已抵销 and 已召回 do not


@dataclass(frozen=True)
class Lot:
    """One CCER lot an entity holds in the national registry."""

    uscc: str
    project_number: str
    quantity_t: Decimal
    status: str = PENDING


@dataclass(frozen=True)
class Claim:
    """A quantity of a project asked for in one live (not yet decided) application."""

    submission: int
    uscc: str
    project_number: str
    quantity_t: Decimal


@dataclass
class MemoryRegistry:
    """The Registry protocol over plain collections (not to be changed once asked)."""

    entities: dict[str, EntityRecord] = field(default_factory=dict)
    allocations: dict[tuple[str, int], Decimal] = field(default_factory=dict)
    lots: list[Lot] = field(default_factory=list)
    projects: dict[str, ProjectRecord] = field(default_factory=dict)
    claims: list[Claim] = field(default_factory=list)
    # Indexes by entity, built on the first question (a batch asks thousands).
    _pending: dict[str, dict[str, Decimal]] | None = field(default=None, init=False, repr=False)
    _claims: dict[str, list[Claim]] | None = field(default=None, init=False, repr=False)

    @classmethod
    def of(
        cls,
        entities: Iterable[EntityRecord] = (),
        allocations: Iterable[tuple[str, int, Decimal]] = (),
        lots: Iterable[Lot] = (),
        projects: Iterable[ProjectRecord] = (),
        claims: Iterable[Claim] = (),
    ) -> MemoryRegistry:
        """A registry from lists of records."""
        return cls(
            entities={e.uscc: e for e in entities},
            allocations={(uscc, year): due for uscc, year, due in allocations},
            lots=list(lots),
            projects={p.project_number: p for p in projects},
            claims=list(claims),
        )

    @classmethod
    def from_snapshot(cls, snapshot: Snapshot, claims: Iterable[Claim] = ()) -> MemoryRegistry:
        """The registry of a snapshot the loader read (``intake.registry.snapshot``)."""
        return cls.of(
            entities=(
                EntityRecord(
                    uscc=e["uscc"],
                    name=e["name"],
                    province=e["province"],
                    ccer_account_id=e["ccer_account_id"],
                    ets_account_id=e["ets_account_id"],
                    accounts_bound=e["accounts_bound"],
                )
                for e in snapshot.entities
            ),
            allocations=(
                (a["uscc"], a["year"], a["due_allowance_t"]) for a in snapshot.allocations
            ),
            lots=(
                Lot(lot["uscc"], lot["project_number"], lot["quantity_t"], lot["status"])
                for lot in snapshot.lots
            ),
            projects=(
                ProjectRecord(
                    project_number=p["project_number"],
                    project_name=p["project_name"],
                    project_type=p["project_type"],
                    province=p["province"],
                    eligible=p["eligible"],
                    note=p["note"],
                )
                for p in snapshot.projects
            ),
            claims=claims,
        )

    @classmethod
    def from_csv_dir(cls, path: str | Path, cycles: Cycles | None = None) -> MemoryRegistry:
        """The four registry CSV files of the contract in a folder, checked as the loader
        checks them (raises ``intake.registry.csvfiles.RegistryLoadError``)."""
        return cls.from_snapshot(read_snapshot(Path(path), cycles))

    def entity(self, uscc: str) -> EntityRecord | None:
        """The key emission unit with exactly this code, or None."""
        return self.entities.get(uscc)

    def due_allowance(self, uscc: str, year: int) -> Decimal | None:
        """应清缴配额量 of the unit for the year, or None when there is no allocation."""
        return self.allocations.get((uscc, year))

    def pending(self, uscc: str) -> dict[str, Decimal]:
        """Project number -> the unit's summed 待抵销 quantity of it."""
        if self._pending is None:
            totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
            for lot in self.lots:
                if lot.status == PENDING:
                    totals[lot.uscc][lot.project_number] += lot.quantity_t
            self._pending = {
                unit: {number: plain(total) for number, total in held.items()}
                for unit, held in totals.items()
            }
        return dict(self._pending.get(uscc, {}))

    def project(self, project_number: str) -> ProjectRecord | None:
        """The catalogue entry of this project number, or None."""
        return self.projects.get(project_number)

    def claimed_elsewhere(self, uscc: str, exclude: int | None = None) -> dict[str, Decimal]:
        """Project number -> quantity the unit asks for in its other live applications."""
        if self._claims is None:
            by_unit: dict[str, list[Claim]] = defaultdict(list)
            for claim in self.claims:
                by_unit[claim.uscc].append(claim)
            self._claims = dict(by_unit)
        claimed: dict[str, Decimal] = defaultdict(Decimal)
        for claim in self._claims.get(uscc, ()):
            if claim.submission != exclude:
                claimed[claim.project_number] += claim.quantity_t
        return dict(claimed)
