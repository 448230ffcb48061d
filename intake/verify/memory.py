"""A registry held in memory: for tests, and for scripts that have no database."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TypeVar

from intake.verify.protocol import EntityRecord, ProjectRecord

PENDING = "待抵销"  # the lot status that still counts; 已抵销 and 已召回 do not
STATUSES = (PENDING, "已抵销", "已召回")

T = TypeVar("T")


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
    """The Registry protocol over plain collections."""

    entities: dict[str, EntityRecord] = field(default_factory=dict)
    allocations: dict[tuple[str, int], Decimal] = field(default_factory=dict)
    lots: list[Lot] = field(default_factory=list)
    projects: dict[str, ProjectRecord] = field(default_factory=dict)
    claims: list[Claim] = field(default_factory=list)

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
    def from_csv_dir(cls, path: str | Path) -> MemoryRegistry:
        """The four registry CSV files of the contract in a folder (a UTF-8 BOM is accepted)."""
        folder = Path(path)
        return cls.of(
            entities=_read(folder / "entities.csv", _entity),
            allocations=_read(folder / "allocations.csv", _allocation),
            lots=_read(folder / "pending_ccer.csv", _lot),
            projects=_read(folder / "projects.csv", _project),
        )

    def entity(self, uscc: str) -> EntityRecord | None:
        """The key emission unit with exactly this code, or None."""
        return self.entities.get(uscc)

    def due_allowance(self, uscc: str, year: int) -> Decimal | None:
        """应清缴配额量 of the unit for the year, or None when there is no allocation."""
        return self.allocations.get((uscc, year))

    def pending(self, uscc: str) -> dict[str, Decimal]:
        """Project number -> the unit's summed 待抵销 quantity of it."""
        held: dict[str, Decimal] = {}
        for lot in self.lots:
            if lot.uscc == uscc and lot.status == PENDING:
                held[lot.project_number] = held.get(lot.project_number, Decimal(0)) + lot.quantity_t
        return held

    def project(self, project_number: str) -> ProjectRecord | None:
        """The catalogue entry of this project number, or None."""
        return self.projects.get(project_number)

    def claimed_elsewhere(self, uscc: str, exclude: int | None = None) -> dict[str, Decimal]:
        """Project number -> quantity the unit asks for in its other live applications."""
        claimed: dict[str, Decimal] = {}
        for claim in self.claims:
            if claim.uscc == uscc and claim.submission != exclude:
                number = claim.project_number
                claimed[number] = claimed.get(number, Decimal(0)) + claim.quantity_t
        return claimed


class RegistryFileError(ValueError):
    """A registry CSV row that cannot be read; the message names file and line."""


def _read(path: Path, make: Callable[[dict[str, str]], T]) -> Iterator[T]:
    """One record per CSV row; a bad row is reported with file and line."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            clean = {key.strip(): (value or "").strip() for key, value in row.items() if key}
            try:
                yield make(clean)
            except KeyError as error:
                raise RegistryFileError(
                    f"{path.name}:{reader.line_num}: missing column {error}"
                ) from None
            except ValueError as error:
                raise RegistryFileError(f"{path.name}:{reader.line_num}: {error}") from error


def _entity(row: dict[str, str]) -> EntityRecord:
    return EntityRecord(
        uscc=row["uscc"],
        name=row["name"],
        province=row["province"],
        ccer_account_id=row["ccer_account_id"],
        ets_account_id=row["ets_account_id"],
        accounts_bound=_bool(row["accounts_bound"]),
    )


def _allocation(row: dict[str, str]) -> tuple[str, int, Decimal]:
    return row["uscc"], int(row["year"]), _decimal(row["due_allowance_t"])


def _lot(row: dict[str, str]) -> Lot:
    if row["status"] not in STATUSES:
        raise ValueError(f"unknown status {row['status']!r}")
    return Lot(row["uscc"], row["project_number"], _decimal(row["quantity_t"]), row["status"])


def _project(row: dict[str, str]) -> ProjectRecord:
    return ProjectRecord(
        project_number=row["project_number"],
        project_name=row["project_name"],
        project_type=row["project_type"],
        province=row["province"],
        eligible=_bool(row["eligible"]),
        note=row.get("note", ""),
    )


def _bool(text: str) -> bool:
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise ValueError(f"not a boolean: {text!r}")


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a number: {text!r}")
    return value
