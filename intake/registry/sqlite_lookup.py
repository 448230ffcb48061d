"""The registry of an SQLite file read with the standard library's ``sqlite3``.

``intake check`` on a reviewer's machine reads a handful of rows from the default
SQLite file; ``SqliteRegistry`` asks the same questions as ``SqlRegistry`` in plain
SQL, so that the command does not import SQLAlchemy (about half of its start-up).
It reads only: the schema is the one the migrations made, and the answers are the
same as SqlRegistry's (``tests/registry/test_sqlite_lookup.py`` compares them).
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

from intake.registry.values import MAX_DECIMALS, plain
from intake.verify.protocol import EntityRecord, ProjectRecord

PENDING = "待抵销"  # intake.registry.models.LotStatus.PENDING
BUSY_TIMEOUT_S = 10  # while another process writes (as intake.db.SQLITE_BUSY_TIMEOUT_MS)


def quantity(value: float | int | str) -> Decimal:
    """A NUMERIC(20, 4) value as SQLAlchemy reads it from SQLite (``"%.4f"``), made plain."""
    return plain(Decimal(f"%.{MAX_DECIMALS}f" % value))


def sqlite_path(url: str) -> Path | None:
    """The file of a plain ``sqlite:///FILE`` URL, or None for any other database URL."""
    if not url.startswith("sqlite:///") or "?" in url or url.startswith("sqlite:///:memory:"):
        return None
    return Path(url.removeprefix("sqlite:///"))


def connect_read_only(path: Path) -> sqlite3.Connection | None:
    """A connection that only reads an existing database file, or None when there is none.

    Opened for writing all the same, like the ORM's, so that closing it checkpoints the
    write-ahead log and removes it; ``query_only`` refuses any change.
    """
    if not path.is_file():
        return None
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)
    connection.execute("PRAGMA query_only = ON")
    return connection


def has_registry(connection: sqlite3.Connection) -> bool:
    """True when the registry's tables exist (``intake registry load`` has run)."""
    found = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'entities'"
    ).fetchone()
    return found is not None


class SqliteRegistry:
    """The registry read from an SQLite file, one query per question."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def entity(self, uscc: str) -> EntityRecord | None:
        """The key emission unit with exactly this code, or None."""
        row = self.connection.execute(
            "SELECT uscc, name, province, ccer_account_id, ets_account_id, accounts_bound "
            "FROM entities WHERE uscc = ?",
            (uscc,),
        ).fetchone()
        if row is None:
            return None
        code, name, province, ccer, ets, bound = row
        return EntityRecord(code, name, province, ccer, ets, bool(bound))

    def due_allowance(self, uscc: str, year: int) -> Decimal | None:
        """应清缴配额量 of the unit for the year, or None when there is no allocation."""
        row = self.connection.execute(
            "SELECT due_allowance_t FROM allocations WHERE uscc = ? AND year = ?", (uscc, year)
        ).fetchone()
        return quantity(row[0]) if row is not None else None

    def pending(self, uscc: str) -> dict[str, Decimal]:
        """Project number -> the unit's summed 待抵销 quantity of it (exact, in Python)."""
        rows = self.connection.execute(
            "SELECT project_number, quantity_t FROM ccer_lots WHERE status = ? AND uscc = ?",
            (PENDING, uscc),
        )
        totals: dict[str, Decimal] = {}
        for number, value in rows:
            totals[number] = totals.get(number, Decimal(0)) + quantity(value)
        return {number: plain(total) for number, total in totals.items()}

    def project(self, project_number: str) -> ProjectRecord | None:
        """The catalogue entry of this project number, or None."""
        row = self.connection.execute(
            "SELECT project_number, project_name, project_type, province, eligible, note "
            "FROM projects WHERE project_number = ?",
            (project_number,),
        ).fetchone()
        if row is None:
            return None
        number, name, kind, province, eligible, note = row
        return ProjectRecord(number, name, kind, province, bool(eligible), note)

    def claimed_elsewhere(self, uscc: str, exclude: int | None = None) -> dict[str, Decimal]:
        """Nothing: the command line checks a file on its own, not against live applications."""
        return {}
