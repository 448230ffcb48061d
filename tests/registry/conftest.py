"""Fixtures of the registry tests: a writable copy of the sample export, a table dump."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from intake.registry.models import Allocation, CcerLot, Entity, Project

SAMPLE_REGISTRY = Path(__file__).parents[1] / "data" / "registry" / "sample"

Dump = dict[str, list[tuple[Any, ...]]]


@pytest.fixture
def registry_dir(tmp_path: Path) -> Path:
    """A copy of the sample registry export that a test may edit."""
    target = tmp_path / "registry"
    shutil.copytree(SAMPLE_REGISTRY, target)
    for path in target.iterdir():
        path.chmod(0o644)
    return target


def dump(engine: Engine) -> Dump:
    """Every registry row, sorted; lots without their id and timestamp."""
    lot_columns = [c for c in CcerLot.__table__.columns if c.name not in ("id", "updated_at")]
    queries = {
        "entities": select(Entity.__table__),
        "allocations": select(Allocation.__table__),
        "lots": select(*lot_columns),
        "projects": select(Project.__table__),
    }
    with engine.connect() as connection:
        return {
            name: sorted(tuple(row) for row in connection.execute(query))
            for name, query in queries.items()
        }


@pytest.fixture
def dump_tables() -> Callable[[Engine], Dump]:
    """The ``dump`` function, for comparing the database before and after."""
    return dump
