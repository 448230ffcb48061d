"""Shared fixtures: a database URL for SQLite and for PostgreSQL, a migrated engine, a session.

PostgreSQL tests use ``INTAKE_TEST_PG_URL`` (default: the local server, database
``test``), each in a fresh schema dropped afterwards. When the server is not
reachable they fail, unless ``INTAKE_TEST_SKIP_PG=1`` is set, then they are skipped.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from intake.db import make_engine, session_factory, upgrade

DATA = Path(__file__).parent / "data"
SAMPLE_REGISTRY = DATA / "registry" / "sample"
PG_URL = os.environ.get("INTAKE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_schema_url() -> Iterator[str]:
    """A URL whose connections work in a new, empty schema; the schema is dropped afterwards."""
    if os.environ.get("INTAKE_TEST_SKIP_PG") == "1":
        pytest.skip("PostgreSQL tests skipped (INTAKE_TEST_SKIP_PG=1)")
    admin = make_engine(PG_URL, connect_args={"connect_timeout": 5})
    schema = f"t_{secrets.token_hex(6)}"
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as error:
        admin.dispose()
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_URL}: {error.orig}\n"
            "Start it (pg_ctlcluster --skip-systemctl-redirect <version> main start) "
            "or set INTAKE_TEST_SKIP_PG=1 to skip the PostgreSQL tests.",
            pytrace=False,
        )
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: an SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'intake.sqlite3'}"
    else:
        yield from _postgres_schema_url()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on a database migrated to head."""
    engine = make_engine(db_url)
    upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the migrated database, closed (and rolled back) after the test."""
    with session_factory(engine)() as session:
        yield session


@pytest.fixture
def sample_engine(engine: Engine) -> Engine:
    """A migrated database holding the sample registry (tests/data/registry/sample)."""
    from intake.registry.loader import load_registry

    load_registry(engine, SAMPLE_REGISTRY)
    return engine
