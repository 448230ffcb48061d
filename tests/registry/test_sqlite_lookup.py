"""SqliteRegistry (plain sqlite3, for ``intake check``) answers exactly as SqlRegistry does."""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from intake.db import make_engine, upgrade
from intake.registry.loader import load_registry
from intake.registry.lookup import SqlRegistry
from intake.registry.sqlite_lookup import (
    SqliteRegistry,
    connect_read_only,
    has_registry,
    sqlite_path,
)
from tests.fixtures.data import SAMPLE_REGISTRY as SAMPLE

ALICE = "91140105MAN619RM62"


def column(name: str, field: str) -> list[str]:
    """One column of one of the sample registry's CSV files."""
    with (SAMPLE / name).open(encoding="utf-8") as handle:
        return [row[field] for row in csv.DictReader(handle)]


def loaded(directory: Path, tmp_path: Path) -> Path:
    """An SQLite file migrated and loaded with the registry in ``directory``."""
    path = tmp_path / "registry.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    load_registry(engine, directory)
    engine.dispose()
    return path


@pytest.fixture
def both(tmp_path: Path) -> Iterator[tuple[SqlRegistry, SqliteRegistry]]:
    """The sample registry read through the ORM and through sqlite3, from one file."""
    path = loaded(SAMPLE, tmp_path)
    engine = make_engine(f"sqlite:///{path}")
    connection = connect_read_only(path)
    assert connection is not None
    try:
        with Session(engine) as session:
            yield SqlRegistry(session), SqliteRegistry(connection)
    finally:
        connection.close()
        engine.dispose()


def test_every_answer_is_the_orms(both: tuple[SqlRegistry, SqliteRegistry]) -> None:
    orm, plain = both
    usccs = sorted({*column("entities.csv", "uscc"), *column("pending_ccer.csv", "uscc")})
    numbers = sorted({*column("projects.csv", "project_number"), "10", "9999"})
    for uscc in [*usccs, "91110000600037341L", ALICE.lower()]:
        assert plain.entity(uscc) == orm.entity(uscc)
        assert plain.pending(uscc) == orm.pending(uscc)
        assert [str(q) for q in plain.pending(uscc).values()] == [
            str(q) for q in orm.pending(uscc).values()
        ]
        for year in (2021, 2022, 2023):
            assert plain.due_allowance(uscc, year) == orm.due_allowance(uscc, year)
            assert str(plain.due_allowance(uscc, year)) == str(orm.due_allowance(uscc, year))
        assert plain.claimed_elsewhere(uscc, 3) == orm.claimed_elsewhere(uscc, 3) == {}
    for number in numbers:
        assert plain.project(number) == orm.project(number)
    assert plain.entity(ALICE) is not None
    assert plain.pending(ALICE) == {"2075": Decimal("216159"), "2639": Decimal("97056")}


def test_quantities_sum_exactly_as_the_orms(tmp_path: Path) -> None:
    directory = tmp_path / "registry"
    directory.mkdir()
    for name in ("entities.csv", "allocations.csv", "pending_ccer.csv", "projects.csv"):
        (directory / name).write_bytes((SAMPLE / name).read_bytes())
    with (directory / "pending_ccer.csv").open("a", encoding="utf-8") as handle:
        for quantity in ("100000", "0.5", "1000.2500", "99999999999.9999"):
            handle.write(f"{ALICE},5555,项目,风电,{quantity},待抵销\n")
    path = loaded(directory, tmp_path)
    connection = connect_read_only(path)
    assert connection is not None
    try:
        assert str(SqliteRegistry(connection).pending(ALICE)["5555"]) == "100000101000.7499"
    finally:
        connection.close()


def test_reads_only(both: tuple[SqlRegistry, SqliteRegistry]) -> None:
    _orm, plain = both
    with pytest.raises(sqlite3.OperationalError):
        plain.connection.execute("DELETE FROM entities")


def test_a_missing_or_empty_database_has_no_registry(tmp_path: Path) -> None:
    assert connect_read_only(tmp_path / "none.sqlite3") is None
    assert not (tmp_path / "none.sqlite3").exists()  # not created by looking
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    connection = connect_read_only(empty)
    assert connection is not None
    assert not has_registry(connection)
    connection.close()


def test_only_plain_sqlite_file_urls_take_this_path() -> None:
    assert sqlite_path("sqlite:////srv/intake/instance/intake.sqlite3") == Path(
        "/srv/intake/instance/intake.sqlite3"
    )
    assert sqlite_path("sqlite:///instance/intake.sqlite3") == Path("instance/intake.sqlite3")
    assert sqlite_path("sqlite:///:memory:") is None
    assert sqlite_path("sqlite:///x.sqlite3?timeout=5") is None
    assert sqlite_path("postgresql+psycopg://postgres@127.0.0.1:5432/test") is None
