"""The registry as the verifier sees it: a few lookups, no database in sight.

Production passes ``intake.registry.lookup.SqlRegistry``; tests pass
``intake.registry.memory.MemoryRegistry``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class EntityRecord:
    """A key emission unit as the registry knows it."""

    uscc: str
    name: str
    province: str
    ccer_account_id: str
    ets_account_id: str
    accounts_bound: bool


@dataclass(frozen=True)
class ProjectRecord:
    """A project of the ministry's catalogue."""

    project_number: str
    project_name: str
    project_type: str
    province: str
    eligible: bool
    note: str = ""


class Registry(Protocol):
    """What the verifier reads from the registry."""

    def entity(self, uscc: str) -> EntityRecord | None:
        """The key emission unit with exactly this code, or None."""
        ...

    def due_allowance(self, uscc: str, year: int) -> Decimal | None:
        """应清缴配额量 of the unit for the year, or None when there is no allocation."""
        ...

    def pending(self, uscc: str) -> dict[str, Decimal]:
        """Project number -> the unit's summed 待抵销 quantity of it (only projects it holds)."""
        ...

    def project(self, project_number: str) -> ProjectRecord | None:
        """The catalogue entry of this project number, or None."""
        ...

    def claimed_elsewhere(self, uscc: str, exclude: int | None = None) -> dict[str, Decimal]:
        """Project number -> quantity the unit asks for in its other live applications.

        ``exclude`` is the submission being checked, so it does not count against itself.
        """
        ...
