"""The database: engine, the declarative base every model shares, sessions and migrations.

The schema is created and evolved only by the Alembic migrations shipped in
``intake/migrations`` (``upgrade``); production code never calls ``create_all``.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

if TYPE_CHECKING:  # Alembic is imported only to migrate: a plain check never loads it.
    from alembic.config import Config

PACKAGE_DIR = Path(__file__).resolve().parent
MIGRATIONS = PACKAGE_DIR / "migrations"

SQLITE_BUSY_TIMEOUT_MS = 10_000

# Named constraints keep migrations portable (SQLite batch mode needs the names).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The declarative base of every model of the project."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def normalize_url(url: str) -> str:
    """The URL with PostgreSQL routed to psycopg 3 (``postgresql://`` means psycopg here)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for the URL; SQLite gets foreign keys, WAL and a busy timeout."""
    engine = create_engine(normalize_url(url), **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to the engine; objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def model_modules() -> list[str]:
    """The modules of the package that declare tables (they mention ``__tablename__``)."""
    names = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        relative = path.relative_to(PACKAGE_DIR.parent).with_suffix("")
        if MIGRATIONS in path.parents or relative.parts[-1] == "db":
            continue
        if "__tablename__" in path.read_text(encoding="utf-8"):
            names.append(".".join(relative.parts))
    return names


def import_models() -> None:
    """Import every module that declares tables, so ``Base.metadata`` knows them all."""
    for name in model_modules():
        importlib.import_module(name)


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration pointing at the migrations shipped in the package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        # ConfigParser interpolation would choke on a '%' in the URL.
        config.set_main_option(
            "sqlalchemy.url", make_url(url).render_as_string(False).replace("%", "%%")
        )
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Run the migrations on the engine's database up to ``revision`` (head by default)."""
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """The migration revision the database is at, or None before the first upgrade."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
